"""How the context pass and the implant weight were chosen: variants under several domain splits.

One domain split can flatter a model: its few hundred test publishers decide whether the
validation threshold transfers. This benchmark repeats the comparison under several split seeds.
For each seed it builds the augmented paragraph table as ``newsclean train`` does, fits the first
pass once per implant weight (with out-of-fold scores, as the classifier does), then fits each
context-pass variant on top and measures, at the threshold chosen on validation for editorial
recall >= 0.995:

- editorial recall and navigation boilerplate recall on the test publishers (not augmented);
- the share of implanted appeal lines removed in the appeal evaluation (test publishers' own
  appeal lines implanted into their articles).

Variants: the context pass as a logistic model (the previous design) or as boosted trees over
the neighbours' first-pass logits, with the voice signals, the place signals and/or the word
extremes (the largest and smallest first-pass weight among a paragraph's words; its own, or
also its neighbours') added.

    python benchmarks/context_choice.py [--data DIR] [--seeds 0 1 2] [--out benchmarks/results]

Writes ``context_choice.json`` and ``context_choice.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from newsclean.features.signals import (
    N_FEATURES_DEFAULT,
    VOICE_NAMES,
    WINDOW_DEFAULT,
    place_signals,
    word_entries,
)
from newsclean.features.table import scan_table
from newsclean.training.augment import IMPLANT, is_implanted
from newsclean.training.evaluate import choose_threshold, evaluate
from newsclean.training.train import TrainConfig, _xy, prepare_table
from scipy import sparse
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from tqdm.auto import tqdm

from newsclean.classifier import (
    CONTEXT_MAX_DEPTH_DEFAULT,
    ParagraphClassifier,
    first_pass_features,
    first_pass_word_extremes,
)
from newsclean.scorer import context_matrix, extremes_in_context

#: (name, implant weight, context model, extra inputs of the context pass)
VARIANTS = [
    ("linear context, weight 1 (previous)", 1.0, "linear", ()),
    ("linear context, weight 3", 3.0, "linear", ()),
    ("trees, weight 3", 3.0, "trees", ()),
    ("trees + voice, weight 3 (previous)", 3.0, "trees", ("voice",)),
    ("trees + voice + place, weight 3", 3.0, "trees", ("voice", "place")),
    ("trees + voice, weight 5", 5.0, "trees", ("voice",)),
    ("trees + voice + own word extremes, weight 3", 3.0, "trees", ("voice", "extremes")),
    (
        "trees + voice + own and neighbours' word extremes, weight 3 (shipped)",
        3.0,
        "trees",
        ("voice", "extremes_in_context"),
    ),
]


@dataclass
class Part:
    """One split's featurised rows."""

    features: sparse.csr_matrix
    entries: tuple[np.ndarray, np.ndarray]  # rows and columns of the word entries
    voice: np.ndarray
    place: np.ndarray
    bounds: tuple[np.ndarray, np.ndarray]
    target: np.ndarray
    weight_base: np.ndarray
    implant: np.ndarray  # implanted rows, weighted in training
    appeal: np.ndarray  # implanted appeal lines, the rows of "appeal lines removed"
    domain: np.ndarray


def featurise(table, scaling=None) -> tuple[Part, tuple[np.ndarray, np.ndarray]]:
    X, y, weight = _xy(table)
    scan = scan_table(X, ParagraphClassifier().max_chars)
    features, scaling, voice = first_pass_features(
        scan, n_features=N_FEATURES_DEFAULT, window=WINDOW_DEFAULT, scaling=scaling
    )
    part = Part(
        features=features,
        entries=word_entries(scan, N_FEATURES_DEFAULT)[:2],
        voice=voice,
        place=place_signals(scan),
        bounds=(scan.article_starts, scan.article_ends),
        target=(y == "boilerplate").astype(np.int8),
        weight_base=weight,
        implant=is_implanted(table["dataset"]),
        appeal=(table["dataset"] == IMPLANT).to_numpy(),
        domain=table["domain"].to_numpy(),
    )
    return part, scaling


def first_pass(train: Part, implant_weight: float, seed: int):
    """Out-of-fold first-pass scores and word extremes on train, and the first pass fitted on
    all of train, exactly as :meth:`ParagraphClassifier.fit` makes them."""
    classifier = ParagraphClassifier(random_state=seed)
    weight = train.weight_base * np.where(train.implant, implant_weight, 1.0)
    oof = classifier._out_of_fold_scores(
        train.features, train.target, weight, train.domain, train.entries
    )
    learn = weight > 0
    full = classifier._make_first_pass()
    full.fit(train.features[learn], train.target[learn], sample_weight=weight[learn])
    return oof, full, weight


def context_inputs(
    part: Part, raw: np.ndarray, extremes: np.ndarray, extras: tuple[str, ...]
) -> np.ndarray:
    named = {
        "extremes": extremes,
        "extremes_in_context": extremes_in_context(extremes, part.bounds),
    }
    columns = [context_matrix(raw, part.bounds, WINDOW_DEFAULT)]
    columns += [named[name] if name in named else getattr(part, name) for name in extras]
    return np.hstack(columns)


def run_seed(data: Path, seed: int) -> list[dict]:
    table, appeal_table, _ = prepare_table(TrainConfig(data=data, seed=seed))
    train, scale = featurise(table[table["split"] == "train"])
    parts = {
        "validation": featurise(table[table["split"] == "validation"], scale)[0],
        "test": featurise(table[table["split"] == "test"], scale)[0],
        "appeal": featurise(appeal_table, scale)[0],
    }
    rows, passes = [], {}
    for name, implant_weight, kind, extras in tqdm(VARIANTS, desc=f"seed {seed}", leave=False):
        if implant_weight not in passes:
            passes[implant_weight] = first_pass(train, implant_weight, seed)
        (oof, oof_extremes), model, weight = passes[implant_weight]
        learn = weight > 0
        if kind == "linear":
            context = LogisticRegression(C=1.0, max_iter=1000)
        else:
            context = HistGradientBoostingClassifier(
                max_depth=CONTEXT_MAX_DEPTH_DEFAULT, random_state=seed
            )
        inputs = context_inputs(train, oof, oof_extremes, extras)
        context.fit(inputs[learn], train.target[learn], sample_weight=weight[learn])
        scores = {}
        for key, part in parts.items():
            raw = model.predict_proba(part.features)[:, 1]
            inputs = context_inputs(
                part,
                raw,
                first_pass_word_extremes(model, part.entries, N_FEATURES_DEFAULT, len(part.target)),
                extras,
            )
            scores[key] = context.predict_proba(inputs)[:, 1]
        validation = parts["validation"]
        labelled = validation.weight_base > 0
        threshold = choose_threshold(
            validation.target[labelled].astype(bool), scores["validation"][labelled]
        )
        row = {"seed": seed, "variant": name, "threshold": threshold}
        test = parts["test"]
        labelled = test.weight_base > 0
        metrics = evaluate(test.target[labelled].astype(bool), scores["test"][labelled], threshold)
        row["test_editorial_recall"] = metrics["editorial_recall"]
        row["test_boilerplate_recall"] = metrics["boilerplate_recall"]
        row["test_boilerplate_precision"] = metrics["boilerplate_precision"]
        appeal = parts["appeal"]
        labelled = appeal.weight_base > 0
        implanted = labelled & appeal.appeal
        row["appeal_recall"] = float(np.mean(scores["appeal"][implanted] >= threshold))
        row["appeal_articles_editorial_recall"] = evaluate(
            appeal.target[labelled].astype(bool), scores["appeal"][labelled], threshold
        )["editorial_recall"]
        rows.append(row)
    return rows


def summary_table(rows: list[dict], seeds: list[int]) -> list[str]:
    lines = [
        "| variant | test editorial recall (mean; per seed) | appeal lines removed (mean) | "
        "test boilerplate recall (mean) |",
        "|---|---|---:|---:|",
    ]
    for name, *_ in VARIANTS:
        mine = [r for r in rows if r["variant"] == name]
        er = [r["test_editorial_recall"] for r in mine]
        lines.append(
            f"| {name} | {np.mean(er):.4f} ({'; '.join(f'{v:.4f}' for v in er)}) | "
            f"{np.mean([r['appeal_recall'] for r in mine]):.3f} | "
            f"{np.mean([r['test_boilerplate_recall'] for r in mine]):.3f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSCLEAN_DATA", "../shared/data"))
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    start = time.perf_counter()
    rows = [row for seed in args.seeds for row in run_seed(args.data, seed)]
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "seconds": time.perf_counter() - start, "rows": rows}
    (args.out / "context_choice.json").write_text(json.dumps(report, indent=2))
    lines = summary_table(rows, args.seeds)
    note = (
        f"\n\nSplit seeds {args.seeds}; thresholds chosen on each seed's validation publishers "
        f"for editorial recall >= 0.995. Voice signals: {', '.join(VOICE_NAMES)}. "
        f"Machine: {machine}.\n"
    )
    (args.out / "context_choice.md").write_text("\n".join(lines) + note)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
