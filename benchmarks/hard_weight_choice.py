"""How the context pass's weight on hard story paragraphs was chosen, under several domain splits.

The threshold keeps 99.5 % of the validation publishers' story paragraphs, so it is set by the
few story paragraphs that score highest: lists of names, code and schema lines, table rows. The
context pass is trained with ``context_hard_weight`` times the usual weight on the story
paragraphs that its out-of-fold first pass calls boilerplate, so that its trees learn those
apart from boilerplate. For each split seed this trains the shipped design as ``newsclean train``
does (:func:`~newsclean.training.train.fit_and_evaluate`) once per weight and reports, on the
test publishers:

- at the threshold chosen on validation: editorial recall, boilerplate recall, the share of
  implanted appeal lines removed and the story paragraphs kept in the appeal evaluation;
- at a threshold read off the test scores for a fixed editorial recall (0.995 and 0.996), the
  boilerplate recall and appeal lines removed, which compares the weights along the trade-off
  curve rather than at wherever their validation thresholds land.

    python benchmarks/hard_weight_choice.py [--data DIR] [--weights 1 2 3] [--seeds 0 1 2]

Writes ``hard_weight.json`` and ``hard_weight.md`` to ``--out`` (``benchmarks/results``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from newsclean.training.augment import IMPLANT  # noqa: E402
from newsclean.training.data import BOILERPLATE, EDITORIAL  # noqa: E402
from newsclean.training.train import TrainConfig, _scored, fit_and_evaluate, prepare_table  # noqa: E402

from benchmarks.speed import machine  # noqa: E402

#: Test editorial recalls at which the weights are also compared.
MATCHED_RECALLS = (0.995, 0.996)


def measure(seed: int, weights: list[float], data: Path) -> list[dict]:
    """One row per weight for split ``seed`` (see the module docstring)."""
    rows = []
    config = TrainConfig(data=data, seed=seed)
    table, appeal_table, data_digest = prepare_table(config)
    for weight in weights:
        config.model_params = {"context_hard_weight": weight}
        result = fit_and_evaluate(table, config, data_digest, appeal_table)
        test = result.test_scores
        appeal = _scored(result.model, appeal_table)
        story = test.loc[test["label"] == EDITORIAL, "score"].to_numpy()
        boilerplate = test.loc[test["label"] == BOILERPLATE, "score"].to_numpy()
        appeal_lines = appeal.loc[appeal["dataset"] == IMPLANT, "score"].to_numpy()
        appeal_story = appeal.loc[appeal["label"] == EDITORIAL, "score"].to_numpy()
        t = result.threshold
        row = {
            "seed": seed,
            "context_hard_weight": weight,
            "threshold": t,
            "test_editorial_recall": float((story < t).mean()),
            "test_boilerplate_recall": float((boilerplate >= t).mean()),
            "appeal_recall": float((appeal_lines >= t).mean()),
            "appeal_articles_editorial_recall": float((appeal_story < t).mean()),
        }
        for recall in MATCHED_RECALLS:
            cut = float(np.quantile(story, recall))
            row[f"boilerplate_recall_at_{recall}"] = float((boilerplate >= cut).mean())
            row[f"appeal_recall_at_{recall}"] = float((appeal_lines >= cut).mean())
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


COLUMNS = (
    ("test_editorial_recall", "test editorial recall", 4),
    ("test_boilerplate_recall", "test boilerplate recall", 3),
    ("appeal_recall", "appeal lines removed", 3),
    ("appeal_articles_editorial_recall", "story kept in appeal articles", 4),
    *(
        (f"{kind}_recall_at_{r}", f"{label} at editorial recall {r}", 3)
        for r in MATCHED_RECALLS
        for kind, label in (("boilerplate", "boilerplate recall"), ("appeal", "appeal lines"))
    ),
)


def markdown(rows: list[dict], report: dict) -> str:
    lines = [
        "| context_hard_weight | " + " | ".join(label for _, label, _ in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for weight in sorted({r["context_hard_weight"] for r in rows}):
        mine = [r for r in rows if r["context_hard_weight"] == weight]
        cells = [
            f"{statistics.mean(r[key] for r in mine):.{digits}f} ("
            + "; ".join(f"{r[key]:.{digits}f}" for r in mine)
            + ")"
            for key, _, digits in COLUMNS
        ]
        lines.append(f"| {weight:g} | " + " | ".join(cells) + " |")
    m = report["machine"]
    lines += [
        "",
        f"Means over split seeds {report['seeds']} (each seed's value in brackets). At each "
        "seed's validation threshold unless the column names an editorial recall, where the "
        "threshold is read off that model's test scores. Machine: "
        f"{m['platform']}, {m['cpu_count']} CPUs, Python {m['python']}; {report['seconds']:.0f} s.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=os.environ.get("NEWSCLEAN_DATA", str(REPO.parent / "shared" / "data"))
    )
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 2.0, 3.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = [row for seed in args.seeds for row in measure(seed, args.weights, Path(args.data))]
    report = {
        "machine": machine(),
        "seeds": args.seeds,
        "seconds": time.perf_counter() - start,
        "rows": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hard_weight.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "hard_weight.md").write_text(markdown(rows, report))
    print((out / "hard_weight.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
