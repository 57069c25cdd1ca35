"""How the kind head's vocabulary and settings were chosen (issue 22).

Scores each setting below by cross-validation on the kind head's own training lines (the block
corpus's train-split publishers and the reviewed yardstick's validation boilerplate;
:mod:`newsclean.training.kinds`), in folds grouped by publisher so no publisher's lines are
both fitted and scored; the setting with the best cross-validated accuracy is the one
``training/kinds.py`` uses. Each setting is then fitted on all training lines and read once on
the yardstick's test boilerplate lines, for the record only: the test lines choose nothing.
Settings:

- vocabulary: the twelve reviewed kinds as they are, or merged as ``HEAD_KINDS`` merges them
  (donation, subscription, registration -> appeal; app_follow_share -> share_follow);
- the logistic regression's ``C``;
- with the character 4-grams the shipped training reads, or words and pairs only;
- ``class_weight="balanced"`` or none.

The head reads only the text features (not the scoring passes' weights), so these numbers are
those of any model trained with the same ``max_chars`` and character n-gram length.

    python benchmarks/kind_choice.py [--data DIR] [--blocks PATH] [--out benchmarks/results]

Writes ``kind_choice.json`` and ``kind_choice.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
from newsclean.features.signals import CHAR_NGRAMS_DEFAULT
from newsclean.training import kinds
from newsclean.training.yardstick import reviewed_table

from newsclean.classifier import MAX_CHARS_DEFAULT
from newsclean.kinds import KIND_COLUMNS, KindHead

GRID_C = (1.0, 4.0, 16.0)
#: Publisher-grouped folds of the cross-validation that chooses the setting.
N_FOLDS = 3


def fit(lines, char_ngrams: int, C: float, class_weight: str | None) -> KindHead:
    """The head fitted as :func:`~newsclean.training.kinds.fit_kind_head` does, with the
    class weighting as a further option."""
    from sklearn.linear_model import LogisticRegression

    X = kinds.kind_matrix(lines["text"].tolist(), MAX_CHARS_DEFAULT, KIND_COLUMNS, char_ngrams)
    model = LogisticRegression(C=C, max_iter=kinds.KIND_MAX_ITER, class_weight=class_weight)
    model.fit(X, lines["kind"].to_numpy())
    return KindHead(
        tuple(model.classes_),
        model.coef_.T.astype(np.float32),
        model.intercept_,
        KIND_COLUMNS,
        char_ngrams,
    )


def cross_validated_accuracy(lines, char_ngrams: int, C: float, class_weight: str | None) -> float:
    """Mean accuracy over :data:`N_FOLDS` folds of ``lines`` grouped by publisher."""
    from sklearn.model_selection import GroupKFold

    folds = GroupKFold(n_splits=N_FOLDS).split(lines, groups=lines["domain"])
    scores = []
    for fit_rows, score_rows in folds:
        head = fit(lines.iloc[fit_rows], char_ngrams, C, class_weight)
        held_out = lines.iloc[score_rows]
        metrics = kinds.kind_metrics(head, held_out, MAX_CHARS_DEFAULT)
        scores.append(metrics["accuracy"])
    return float(np.mean(scores))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--blocks", type=Path, default=Path("benchmarks/work/blocks_reviewed.parquet")
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args(argv)

    import pandas as pd

    blocks = pd.read_parquet(args.blocks)
    yardstick = reviewed_table(args.data)
    test_lines = yardstick[(yardstick["split"] == "test") & kinds.is_kind_line(yardstick)]
    merged = dict(kinds.HEAD_KINDS)
    vocabularies = {"reviewed (12)": {k: k for k in merged}, "merged (10)": merged}
    runs = []
    for vocabulary, mapping in vocabularies.items():
        kinds.HEAD_KINDS.clear()
        kinds.HEAD_KINDS.update(mapping)
        lines = kinds.kind_training_lines(blocks, yardstick)
        test = test_lines.assign(kind=test_lines["kind"].map(mapping))
        settings = [(C, n, None) for C in GRID_C for n in (CHAR_NGRAMS_DEFAULT, 0)]
        settings.append((1.0, CHAR_NGRAMS_DEFAULT, "balanced"))
        for C, char_ngrams, class_weight in settings:
            start = time.perf_counter()
            cv_accuracy = cross_validated_accuracy(lines, char_ngrams, C, class_weight)
            head = fit(lines, char_ngrams, C, class_weight)
            metrics = kinds.kind_metrics(head, test, MAX_CHARS_DEFAULT, lines["kind"])
            runs.append(
                {
                    "vocabulary": vocabulary,
                    "C": C,
                    "char_ngrams": char_ngrams,
                    "class_weight": class_weight,
                    "n_train": len(lines),
                    "cv_accuracy": cv_accuracy,
                    "seconds": time.perf_counter() - start,
                    **metrics,
                }
            )
            print(vocabulary, C, char_ngrams, class_weight, f"cv {cv_accuracy:.3f}")
    kinds.HEAD_KINDS.clear()
    kinds.HEAD_KINDS.update(merged)
    machine = f"{platform.node()} ({platform.processor() or platform.machine()}), python "
    machine += platform.python_version()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kind_choice.json").write_text(
        json.dumps({"machine": machine, "runs": runs}, indent=2)
    )
    rows = [
        "| vocabulary | C | char n-grams | class weight | train lines | cross-validated accuracy "
        "| test lines | test accuracy | test macro recall | test majority baseline |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        rows.append(
            f"| {r['vocabulary']} | {r['C']:g} | {r['char_ngrams']} | {r['class_weight'] or '-'} "
            f"| {r['n_train']} | {r['cv_accuracy']:.3f} | {r['n']} | {r['accuracy']:.3f} "
            f"| {r['macro_recall']:.3f} "
            f"| {r['majority_accuracy']:.3f} ({r['majority_kind']}) |"
        )
    best = max(runs, key=lambda r: r["cv_accuracy"])
    chosen = next(
        r
        for r in runs
        if r["vocabulary"] == "merged (10)"
        and r["C"] == kinds.KIND_C
        and r["char_ngrams"] == CHAR_NGRAMS_DEFAULT
        and r["class_weight"] is None
    )
    recall = ", ".join(f"{k} {v['recall']:.2f} (n={v['n']})" for k, v in chosen["by_kind"].items())
    text = [
        "# Kind head: vocabulary and settings (benchmarks/kind_choice.py)",
        "",
        f"Machine: {machine}. Cross-validation: {N_FOLDS} folds of the training lines grouped "
        "by publisher (it chooses); test: the reviewed yardstick's test boilerplate lines with "
        "a kind (for the record; it chooses nothing).",
        "",
        *rows,
        "",
        f"Best cross-validated: {best['vocabulary']}, C={best['C']:g}, char n-grams "
        f"{best['char_ngrams']}, class weight {best['class_weight'] or '-'} "
        f"({best['cv_accuracy']:.3f}).",
        "",
        f"Used by training/kinds.py (merged, C={kinds.KIND_C:g}, 4-grams, no class weight): "
        f"cross-validated {chosen['cv_accuracy']:.3f}, test {chosen['accuracy']:.3f}; "
        f"test recall by kind: {recall}.",
        "",
    ]
    (args.out / "kind_choice.md").write_text("\n".join(text))


if __name__ == "__main__":
    main()
