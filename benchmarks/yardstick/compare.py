"""Compare training variants on the reviewed yardstick, over three domain splits.

Each variant is trained on the shared data with split seeds 0, 1 and 2 (the yardstick's
publishers are withheld from every one), its threshold chosen on the reviewed validation
articles, and measured on the reviewed test articles: at its balanced threshold, and at the
thresholds that keep 99.5 % and 99.9 % of the test story lines (the fair comparison of two
rankings). Each run is logged to the MLflow experiment ``newsclean-yardstick-compare``.

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
from newsclean.training.evaluate import choose_threshold
from newsclean.training.train import TrainConfig, fit_and_evaluate, load_yardstick, prepare_table
from newsclean.training.yardstick import yardstick_metrics

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
EXPERIMENT = "newsclean-yardstick-compare"

#: name -> (what it changes, TrainConfig fields to override). Add a variant here, then run it.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("the shipped design, defaults", {}),
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
}
#: Editorial recall on the reviewed test lines at which rankings are compared.
MATCHED_RECALLS = (0.995, 0.999)


def measure(config: TrainConfig) -> dict[str, Any]:
    """Train one variant with one seed; its yardstick metrics."""
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
    matched = {}
    for recall in MATCHED_RECALLS:
        threshold = choose_threshold(~story[labelled], scores[labelled], recall)
        matched[str(recall)] = yardstick_metrics(test, scores, threshold)["overall"]
    return {
        "seed": config.seed,
        "seconds": round(time.perf_counter() - start, 1),
        "operating_points": result.operating_points,
        "balanced": result.yardstick,
        "matched": matched,
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Means over seeds of the numbers the comparison turns on."""

    def mean(get) -> float:
        return float(np.mean([get(r) for r in runs]))

    return {
        "editorial_recall": mean(lambda r: r["balanced"]["overall"]["editorial_recall"]),
        "boilerplate_recall": mean(lambda r: r["balanced"]["overall"]["boilerplate_recall"]),
        "boilerplate_f1": mean(lambda r: r["balanced"]["overall"]["boilerplate_f1"]),
        "articles_fully_clean": mean(lambda r: r["balanced"]["overall"]["articles_fully_clean"]),
        "boilerplate_recall_at_0.995": mean(lambda r: r["matched"]["0.995"]["boilerplate_recall"]),
        "boilerplate_recall_at_0.999": mean(lambda r: r["matched"]["0.999"]["boilerplate_recall"]),
    }


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
    return (
        f"# Variants on the reviewed yardstick (means over split seeds {seeds})\n\n"
        f"Machine: {report['machine']}. Balanced threshold chosen on reviewed validation.\n\n"
        + "\n".join([head, *rows])
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
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "seeds": args.seeds,
        "variants": {},
    }
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
                    )
        report["variants"][name] = {"what": what, "runs": runs, "mean": summary(runs)}
    stem = "compare_" + "_".join(args.variants)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / f"{stem}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
