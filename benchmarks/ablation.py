"""Issue 5 ablation: the training runs that introduced each appeal-related change, in MLflow.

Each variant is a full ``newsclean train`` run on the shared data (same split, seed 0) logged to
the MLflow experiment ``newsclean-ablation`` with a description saying what it changes; the
before/after numbers (held-out test split and the held-out appeal evaluation) are written to
``benchmarks/results/ablation.json`` and ``ablation.md``.

    python benchmarks/ablation.py [--data DIR] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from newsclean.training.train import TrainConfig, run_training

#: (name, what it changes, augmentation (rate, appeal lines per block) or None, training weight
#: of implanted lines, model parameters); each row adds one change to the previous one.
VARIANTS = [
    (
        "baseline",
        "no augmentation, first pass only, alpha 2e-5",
        None,
        1.0,
        {"context": False, "alpha": 2e-5},
    ),
    (
        "+augment",
        "appeal blocks (1-3 appeal lines) in 40% of train/validation articles",
        (0.4, (1, 3)),
        1.0,
        {"context": False, "alpha": 2e-5},
    ),
    (
        "+alpha",
        "stronger regularisation (alpha 3e-4): less saturated scores",
        (0.4, (1, 3)),
        1.0,
        {"context": False, "alpha": 3e-4},
    ),
    (
        "+context",
        "context pass (boosted trees over neighbours' first-pass scores and the voice signals)",
        (0.4, (1, 3)),
        1.0,
        {"context": True, "alpha": 3e-4, "context_extremes": False, "context_hard_weight": 1.0},
    ),
    (
        "+more implants",
        "blocks of 2-4 appeal lines in 70% of articles",
        (0.7, (2, 4)),
        1.0,
        {"context": True, "alpha": 3e-4, "context_extremes": False, "context_hard_weight": 1.0},
    ),
    (
        "+implant weight",
        "implanted lines weigh 3 in training",
        (0.7, (2, 4)),
        3.0,
        {"context": True, "alpha": 3e-4, "context_extremes": False, "context_hard_weight": 1.0},
    ),
    (
        "+word extremes",
        "the context pass also reads the largest and smallest first-pass word weight of each "
        "paragraph and of its neighbours",
        (0.7, (2, 4)),
        3.0,
        {"context": True, "alpha": 3e-4, "context_extremes": True, "context_hard_weight": 1.0},
    ),
    (
        "+hard story weight",
        "the context pass is trained with 3x weight on story paragraphs that the out-of-fold "
        "first pass calls boilerplate (the shipped setting)",
        (0.7, (2, 4)),
        3.0,
        {"context": True, "alpha": 3e-4, "context_extremes": True, "context_hard_weight": 3.0},
    ),
]
METRICS = [
    "boilerplate_precision",
    "boilerplate_recall",
    "boilerplate_f1",
    "editorial_recall",
    "editorial_char_recall",
    "articles_fully_clean",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSCLEAN_DATA", "../shared/data"))
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    rows = []
    for name, note, augment, implant_weight, params in VARIANTS:
        start = time.perf_counter()
        rate, lines = augment or (0.0, (1, 3))
        config = TrainConfig(
            data=args.data,
            experiment="newsclean-ablation",
            augment=augment is not None,
            augment_rate=rate,
            augment_lines=lines,
            implant_weight=implant_weight,
            model_params=params,
            note=f"{name}: {note}",
        )
        result = run_training(config)
        appeal = result.appeal.get("implant", {})
        rows.append(
            {
                "variant": name,
                "change": note,
                "threshold": result.threshold,
                "test": {k: result.test["all"][k] for k in METRICS},
                "appeal_recall": appeal.get("boilerplate_recall"),
                "appeal_articles_editorial_recall": result.appeal.get("all", {}).get(
                    "editorial_recall"
                ),
                "appeal_articles_fully_clean": result.appeal.get("all", {}).get(
                    "articles_fully_clean"
                ),
                "seconds": round(time.perf_counter() - start, 1),
            }
        )
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ablation.json").write_text(
        json.dumps({"machine": machine, "rows": rows}, indent=2)
    )
    lines = [
        "| variant | change | test BP recall | test BP F1 | test editorial recall | "
        "appeal recall | appeal articles fully clean |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        t = r["test"]
        lines.append(
            f"| {r['variant']} | {r['change']} | {t['boilerplate_recall']:.3f} | "
            f"{t['boilerplate_f1']:.3f} | {t['editorial_recall']:.4f} | "
            f"{r['appeal_recall'] or 0:.3f} | "
            f"{r['appeal_articles_fully_clean'] or 0:.3f} |"
        )
    (args.out / "ablation.md").write_text("\n".join(lines) + f"\n\nMachine: {machine}.\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
