"""Compare training variants on the reviewed yardstick, over three domain splits.

Each variant is trained on the shared data with split seeds 0, 1 and 2 (the yardstick's
publishers are withheld from every one), its threshold chosen on the reviewed validation
articles, and measured on the reviewed test articles: at its balanced threshold, and at the
thresholds that keep 99.5 % and 99.9 % of the test story lines (the fair comparison of two
rankings). The same two thresholds are read on reviewed appeal blocks of test-split publishers
implanted into the test articles (:func:`~newsclean.training.blocks.implant_report`), by
placement. Each run is logged to the MLflow experiment ``newsclean-yardstick-compare``.

    python -m benchmarks.yardstick.compare --variants baseline [NAME ...] [--seeds 0 1 2]

Variants are named in :data:`VARIANTS`; results go to ``benchmarks/results/compare_<names>.json``
and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from newsclean.features.table import TABLE_COLUMNS
from newsclean.features.vectors import TABLE_NAME
from newsclean.training.augment import training_blocks
from newsclean.training.blocks import PLACEMENTS, appeal_blocks, implant_blocks, implant_report
from newsclean.training.evaluate import choose_threshold
from newsclean.training.train import TrainConfig, fit_and_evaluate, load_yardstick, prepare_table
from newsclean.training.yardstick import yardstick_metrics

from benchmarks.yardstick.evaluate import BLOCKS

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
EXPERIMENT = "newsclean-yardstick-compare"
#: A word-vector table not vendored (build/ is not committed); made by the command beside it.
BUILT_TABLES = {
    REPO / "build" / "vectors-wordllama" / TABLE_NAME: (
        "python -m newsclean.training.word_vectors --source wordllama --out build/vectors-wordllama"
    ),
}
WORDLLAMA_TABLE = next(iter(BUILT_TABLES))

#: name -> (what it changes, TrainConfig fields to override). Add a variant here, then run it.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("the design's defaults (character 4-grams on since issue 22)", {}),
    "no-char-ngrams": (
        "the design before issue 22: no character n-grams",
        {"model_params": {"char_ngrams": 0}},
    ),
    "no-augment": ("no implanted appeal blocks", {"augment": False}),
    "vectors-first": (
        "GloVe 50-d mean vectors (own, 2 neighbours each side) in the first pass",
        {"model_params": {"word_vectors": "first_pass"}},
    ),
    "vectors-context": (
        "GloVe 50-d own mean vector in the context pass",
        {"model_params": {"word_vectors": "context"}},
    ),
    "vectors-both": (
        "GloVe 50-d mean vectors in both passes",
        {"model_params": {"word_vectors": "both"}},
    ),
    "wordllama-first": (
        "wordllama 64-d mean vectors (own, 2 neighbours each side) in the first pass",
        {"model_params": {"word_vectors": "first_pass", "vector_table": str(WORDLLAMA_TABLE)}},
    ),
    "char-ngrams": (
        "hashed character 4-grams inside words in the first pass",
        {"model_params": {"char_ngrams": 4}},
    ),
    "char-vectors-first": (
        "character 4-grams and GloVe mean vectors, both in the first pass",
        {"model_params": {"char_ngrams": 4, "word_vectors": "first_pass"}},
    ),
    "char-vectors-context": (
        "character 4-grams in the first pass, GloVe own mean vector in the context pass",
        {"model_params": {"char_ngrams": 4, "word_vectors": "context"}},
    ),
    "blocks": (
        "reviewed blocks at every placement instead of the keyword pool",
        {"augment": False, "blocks": BLOCKS},
    ),
    "blocks-keyword": ("reviewed blocks and the keyword pool", {"blocks": BLOCKS}),
    "blocks-w1": (
        "reviewed blocks instead of the keyword pool, implant weight 1",
        {"augment": False, "blocks": BLOCKS, "implant_weight": 1.0},
    ),
    "blocks-keyword-w1": (
        "reviewed blocks and the keyword pool, implant weight 1",
        {"blocks": BLOCKS, "implant_weight": 1.0},
    ),
    "blocks-keyword-w1-hard1": (
        "as blocks-keyword-w1, without the extra context-pass weight on hard story lines",
        {"blocks": BLOCKS, "implant_weight": 1.0, "model_params": {"context_hard_weight": 1.0}},
    ),
    "blocks-all-w1": (
        "reviewed blocks instead of the keyword pool, in every eligible article, weight 1",
        {"augment": False, "blocks": BLOCKS, "blocks_rate": 1.0, "implant_weight": 1.0},
    ),
}
#: Editorial recall on the reviewed test lines at which rankings are compared.
MATCHED_RECALLS = (0.995, 0.999)
#: Thresholds the implanted-block metrics are summarised at.
IMPLANT_POINTS = ("balanced", "0.995")
#: Implanted-block numbers in the summary: name -> how to read it from implant_metrics.
IMPLANT_NUMBERS = {
    "removed": lambda m: m["implanted_removed"]["removed"],
    **{p: (lambda m, p=p: m["by_placement"][p]["removed"]) for p in PLACEMENTS},
    "story_kept": lambda m: m["story_kept"],
    "fully_clean": lambda m: m["articles_fully_clean"],
}


def missing_tables(names: list[str]) -> list[str]:
    """For each of the variants ``names`` that reads a table not yet built, how to build it."""
    missing = []
    for name in names:
        table = VARIANTS[name][1].get("model_params", {}).get("vector_table")
        if table is not None and not Path(table).is_file():
            command = BUILT_TABLES.get(Path(table), "python -m newsclean.training.word_vectors")
            missing.append(f"variant {name!r} reads {table}, which is missing: run `{command}`")
    return missing


def context_overrule(model, test_table: pd.DataFrame, blocks: pd.DataFrame, threshold: float):
    """How the context pass treats implanted single lines mid-story, at ``threshold``.

    The variants are :func:`implant_report`'s (same seed); ``overruled`` is the share of those
    lines the first pass removes (``score_raw``) but the final score keeps, ``rescued`` the
    reverse.
    """
    variants = implant_blocks(test_table, blocks, seed=0)
    variants = variants[variants["placement"] == "single_mid"].reset_index(drop=True)
    scored = model.score_paragraphs(
        variants.assign(article_id=variants["article"])[list(TABLE_COLUMNS)]
    )
    lines = variants["implanted"].to_numpy(dtype=bool)
    first = scored["score_raw"].to_numpy()[lines] >= threshold
    final = scored["score"].to_numpy()[lines] >= threshold
    return {
        "n": int(lines.sum()),
        "first_pass_removed": float(first.mean()),
        "final_removed": float(final.mean()),
        "overruled": float((first & ~final).mean()),
        "rescued": float((~first & final).mean()),
    }


def measure(config: TrainConfig) -> dict[str, Any]:
    """Train one variant with one seed; its yardstick and implanted-block metrics."""
    start = time.perf_counter()
    table, appeal_table, fingerprint = prepare_table(config)
    yardstick = load_yardstick(config)
    if yardstick is None:
        raise SystemExit("the yardstick needs the shared data and the review files")
    result = fit_and_evaluate(table, config, fingerprint, appeal_table, yardstick)
    scored = result.yardstick_scores
    test = scored[scored["split"] == "test"].reset_index(drop=True)
    story = (test["label"] == "editorial").to_numpy()
    scores = test["score"].to_numpy()
    labelled = (test["label"] != "either").to_numpy()
    matched, thresholds = {}, {"balanced": result.threshold}
    for recall in MATCHED_RECALLS:
        threshold = choose_threshold(~story[labelled], scores[labelled], recall)
        thresholds[str(recall)] = threshold
        matched[str(recall)] = yardstick_metrics(test, scores, threshold)["overall"]
    reviewed_blocks = pd.read_parquet(BLOCKS)
    blocks = appeal_blocks(reviewed_blocks, split="test")
    if config.blocks is not None:  # never evaluate on a publisher whose blocks were trained on
        trained = set(training_blocks(reviewed_blocks, "train", config.seed)["domain"])
        trained |= set(training_blocks(reviewed_blocks, "validation", config.seed)["domain"])
        assert not trained & set(blocks["domain"]), (
            "training and evaluation blocks share a publisher"
        )
    implanted = implant_report(test, blocks, result.model, thresholds)
    return {
        "seed": config.seed,
        "seconds": round(time.perf_counter() - start, 1),
        "operating_points": result.operating_points,
        "balanced": result.yardstick,
        "matched": matched,
        "implanted_blocks": implanted,
        "single_mid_context": context_overrule(result.model, test, blocks, result.threshold),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Means over seeds of the numbers the comparison turns on."""

    def mean(get) -> float:
        return float(np.mean([get(r) for r in runs]))

    return (
        {
            "editorial_recall": mean(lambda r: r["balanced"]["overall"]["editorial_recall"]),
            "boilerplate_recall": mean(lambda r: r["balanced"]["overall"]["boilerplate_recall"]),
            "boilerplate_f1": mean(lambda r: r["balanced"]["overall"]["boilerplate_f1"]),
            "articles_fully_clean": mean(
                lambda r: r["balanced"]["overall"]["articles_fully_clean"]
            ),
            "boilerplate_recall_at_0.995": mean(
                lambda r: r["matched"]["0.995"]["boilerplate_recall"]
            ),
            "boilerplate_recall_at_0.999": mean(
                lambda r: r["matched"]["0.999"]["boilerplate_recall"]
            ),
        }
        | {
            f"implanted_{key}_at_{point}": mean(
                lambda r, get=get, point=point: get(r["implanted_blocks"]["by_threshold"][point])
            )
            for point in IMPLANT_POINTS
            for key, get in IMPLANT_NUMBERS.items()
        }
        | {
            f"single_mid_{key}": mean(lambda r, key=key: r["single_mid_context"][key])
            for key in ("first_pass_removed", "final_removed", "overruled")
        }
    )


def markdown(report: dict[str, Any]) -> str:
    head = (
        "| variant | what it changes | editorial recall | boilerplate recall | F1 | fully clean "
        "| boilerplate recall at 99.5 % / 99.9 % story kept |\n|---|---|---:|---:|---:|---:|---:|"
    )
    rows = [
        f"| {name} | {v['what']} | {v['mean']['editorial_recall']:.4f} | "
        f"{v['mean']['boilerplate_recall']:.3f} | {v['mean']['boilerplate_f1']:.3f} | "
        f"{v['mean']['articles_fully_clean']:.3f} | "
        f"{v['mean']['boilerplate_recall_at_0.995']:.3f} / "
        f"{v['mean']['boilerplate_recall_at_0.999']:.3f} |"
        for name, v in report["variants"].items()
    ]
    seeds = ", ".join(map(str, report["seeds"]))
    implant_head = (
        "| variant | threshold | appeal lines removed | single_mid | box_mid | top_banner "
        "| end_block | story kept | articles fully clean |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    implant_rows = []
    for name, v in report["variants"].items():
        for point in IMPLANT_POINTS:
            m = v["mean"]
            numbers = " | ".join(
                f"{m[f'implanted_{key}_at_{point}']:.3f}" for key in IMPLANT_NUMBERS
            )
            label = "balanced" if point == "balanced" else f"{float(point):.1%} story kept"
            implant_rows.append(f"| {name} | {label} | {numbers} |")
    context_head = (
        "| variant | removed by the first pass | removed in the end | overruled by the context "
        "pass |\n|---|---:|---:|---:|"
    )
    context_rows = [
        f"| {name} | {v['mean']['single_mid_first_pass_removed']:.3f} | "
        f"{v['mean']['single_mid_final_removed']:.3f} | {v['mean']['single_mid_overruled']:.3f} |"
        for name, v in report["variants"].items()
    ]
    return (
        f"# Variants on the reviewed yardstick (means over split seeds {seeds})\n\n"
        f"Machine: {report['machine']}. Balanced threshold chosen on reviewed validation.\n\n"
        + "\n".join([head, *rows])
        + "\n\nReviewed appeal blocks of test-split publishers implanted into the reviewed test "
        'articles (one variant per article and placement); "99.5 % story kept" is the '
        "threshold keeping 99.5 % of the reviewed test story lines:\n\n"
        + "\n".join([implant_head, *implant_rows])
        + "\n\nImplanted single lines mid-story at the balanced threshold, first pass "
        "(`score_raw`) against the final score:\n\n"
        + "\n".join([context_head, *context_rows])
        + "\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--variants", nargs="+", default=["baseline"], choices=sorted(VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--mlflow", action="store_true", help="log each run to MLflow")
    args = parser.parse_args(argv)
    missing = missing_tables(args.variants)
    if missing:  # before any training, not after an hour of it
        parser.error("\n".join(missing))
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "seeds": args.seeds,
        "variants": {},
    }
    stem = "compare_" + "_".join(args.variants)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.variants:
        what, overrides = VARIANTS[name]
        runs = []
        for seed in args.seeds:
            config = replace(TrainConfig(data=args.data), seed=seed, note=name, **overrides)
            run = measure(config)
            runs.append(run)
            print(f"{name} seed {seed}: {json.dumps(run['balanced']['overall'])}", flush=True)
            if args.mlflow:
                from newsclean.training.tracking import configure_mlflow

                mlflow = configure_mlflow()
                mlflow.set_experiment(EXPERIMENT)
                with mlflow.start_run(run_name=f"{name}-seed{seed}", description=what):
                    mlflow.log_params({"variant": name, "seed": seed} | overrides)
                    mlflow.log_metrics(
                        {f"yardstick_{k}": v for k, v in run["balanced"]["overall"].items()}
                        | {
                            f"implanted_{key}_at_{point}": get(
                                run["implanted_blocks"]["by_threshold"][point]
                            )
                            for point in IMPLANT_POINTS
                            for key, get in IMPLANT_NUMBERS.items()
                        }
                    )
        report["variants"][name] = {"what": what, "runs": runs, "mean": summary(runs)}
        # Written after every variant, so a long comparison cut short keeps what it measured.
        (args.out / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
        (args.out / f"{stem}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
