"""newsclean and the peers on the reviewed yardstick (issue 21): unseen publishers, reviewed lines.

Thresholds are chosen on the reviewed validation articles, never on noisy labels, for three
editorial-recall targets (precise 0.999, balanced 0.995, aggressive 0.98); each is then read on the
reviewed test articles, beside the model's own threshold and the peers' fixed decisions. Lines
reviewed as ``either`` are context, never scored.

    python -m benchmarks.yardstick.evaluate [--model DIR] [--mlflow]

writes ``benchmarks/results/yardstick.json``, ``yardstick.md`` and ``yardstick_pr_curve.png``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.blocks import appeal_blocks, implant_report
from newsclean.training.evaluate import plot_confusion, plot_pr_curve
from newsclean.training.yardstick import (
    OPERATING_POINTS,
    REVIEW_DIR,
    choose_operating_threshold,
    reviewed_table,
    score_table,
    yardstick_metrics,
)

from benchmarks.accuracy import KEEP_ALL, peer_functions
from newsclean.predict import load_scorer

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
#: The reviewed appeal-block corpus, built by ``python -m benchmarks.blocks.build``.
BLOCKS = REPO / "benchmarks" / "work" / "blocks_reviewed.parquet"


def peer_scores(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each peer's decision per paragraph as a 0/1 score (1 = removed), article by article."""
    out = {}
    groups = [part for _, part in table.groupby("article", sort=True)]
    for name, fn in peer_functions().items():
        if name == KEEP_ALL:
            continue
        removed = np.zeros(len(table))
        for part in groups:
            labels = fn(part["text"].tolist(), "en")
            removed[part.index.to_numpy()] = [label == "boilerplate" for label in labels]
        out[name] = removed
    return out


def run(
    data: Path, model: str | None, reviews: Path = REVIEW_DIR
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    table = reviewed_table(data, reviews)
    start = time.perf_counter()
    scores = score_table(table, model)
    seconds = time.perf_counter() - start
    _, card = load_scorer(model)
    validation = (table["split"] == "validation").to_numpy()
    test = (table["split"] == "test").to_numpy()
    test_table = table[test].reset_index(drop=True)
    thresholds = {"model": float(card["threshold"])} | {
        name: choose_operating_threshold(table[validation], scores[validation], target)
        for name, target in OPERATING_POINTS.items()
    }
    report = {
        "model": model or "shipped default",
        "model_sha256": card.get("sha256"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "scoring_seconds": round(seconds, 2),
        "labels": {
            split: table.loc[table["split"] == split, "label"].value_counts().to_dict()
            for split in ("validation", "test")
        },
        "thresholds": thresholds,
        "test": {
            name: yardstick_metrics(test_table, scores[test], threshold)
            for name, threshold in thresholds.items()
        },
        "validation": {
            name: yardstick_metrics(
                table[validation].reset_index(drop=True), scores[validation], threshold
            )
            for name, threshold in thresholds.items()
        },
        "peers_test": {
            name: yardstick_metrics(test_table, removed, 0.5)
            for name, removed in peer_scores(test_table).items()
        },
    }
    if BLOCKS.exists():
        blocks = appeal_blocks(pd.read_parquet(BLOCKS), split="test")
        report["implanted_blocks_test"] = implant_report(test_table, blocks, model, thresholds)
    return report, test_table, scores[test]


def markdown(report: dict) -> str:
    """The results table: one row per operating point and peer, on the reviewed test articles."""
    test = report["test"]
    any_point = next(iter(test.values()))
    lines = [
        f"# Reviewed yardstick: {any_point['n_articles']} test articles from "
        f"{any_point['n_publishers']} unseen publishers",
        "",
        f"Model: {report['model']} (sha256 {str(report['model_sha256'])[:12]}…). "
        "Thresholds chosen on the reviewed validation articles. `either` lines not scored.",
        "",
        "| method | threshold | editorial recall (paragraphs / chars) | boilerplate recall "
        "| precision | F1 | articles fully clean |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, m: dict) -> str:
        o = m["overall"]
        return (
            f"| {name} | {m['threshold']:.3f} | {o['editorial_recall']:.4f} / "
            f"{o['editorial_char_recall']:.4f} | {o['boilerplate_recall']:.3f} | "
            f"{o['boilerplate_precision']:.3f} | {o['boilerplate_f1']:.3f} | "
            f"{o['articles_fully_clean']:.3f} |"
        )

    for name, m in test.items():
        label = "newsclean, model's threshold" if name == "model" else f"newsclean, {name}"
        lines.append(row(label, m))
    for name, m in report["peers_test"].items():
        lines.append(row(name, m).replace(f"| {m['threshold']:.3f} |", "| – |"))
    if "implanted_blocks_test" in report:
        implants = report["implanted_blocks_test"]
        lines += [
            "",
            f"Appeal blocks of unseen publishers ({implants['n_blocks']} reviewed blocks, "
            f"{implants['n_block_publishers']} publishers) implanted into the test articles:",
            "",
            "| threshold | appeal lines removed | single_mid | box_mid | top_banner | end_block "
            "| story kept | articles fully clean |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, m in implants["by_threshold"].items():
            placements = " | ".join(
                f"{m['by_placement'][p]['removed']:.3f}"
                for p in ("single_mid", "box_mid", "top_banner", "end_block")
            )
            lines.append(
                f"| {name} ({m['threshold']:.3f}) | {m['implanted_removed']['removed']:.3f} | "
                f"{placements} | {m['story_kept']:.4f} | {m['articles_fully_clean']:.3f} |"
            )
    lines += ["", "Boilerplate removed by kind (test, balanced threshold):", ""]
    lines += ["| kind | lines | removed |", "|---|---:|---:|"]
    for kind, k in test["balanced"]["by_kind"].items():
        lines.append(f"| {kind} | {k['n']} | {k['removed']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model", help="model folder or MLflow URI (default: the shipped model)")
    parser.add_argument("--reviews", type=Path, default=REVIEW_DIR, help="folder of review CSVs")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--mlflow", action="store_true", help="also log the run to MLflow")
    args = parser.parse_args(argv)
    report, test_table, scores = run(args.data, args.model, args.reviews)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "yardstick.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / "yardstick.md").write_text(markdown(report))
    is_boilerplate = (test_table["label"] == "boilerplate").to_numpy()
    scored = (test_table["label"] != "either").to_numpy()
    balanced = report["thresholds"]["balanced"]
    pr_curve = plot_pr_curve(
        is_boilerplate[scored],
        scores[scored],
        balanced,
        title="Reviewed yardstick, unseen publishers (test)",
    )
    pr_curve.savefig(args.out / "yardstick_pr_curve.png", dpi=110)
    if args.mlflow:
        import mlflow

        with mlflow.start_run(run_name="yardstick"):
            for name, m in report["test"].items():
                mlflow.log_metrics({f"yardstick_{name}_{k}": v for k, v in m["overall"].items()})
            mlflow.log_figure(pr_curve, "yardstick_pr_curve.png")
            confusion = plot_confusion(is_boilerplate[scored], scores[scored], balanced)
            mlflow.log_figure(confusion, "yardstick_confusion.png")
            mlflow.log_dict(report, "yardstick.json")
    print(markdown(report))


if __name__ == "__main__":
    main()
