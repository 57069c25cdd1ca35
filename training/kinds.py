"""Fit and measure the kind head (:mod:`newsclean.kinds`): why a removed paragraph went.

Training lines are reviewed boilerplate lines only, each with its reviewed kind:

* the reviewed block corpus's lines (``blocks_reviewed.parquet``) of its *train*-split
  publishers, not withheld (:func:`~newsclean.training.yardstick.withheld_publishers`), without
  the lines reviewed as story;
* the reviewed yardstick's *validation* boilerplate lines.

The yardstick's *test* boilerplate lines are the measurement (:func:`kind_metrics`); they are
never trained on. Reviewed kinds are mapped to the head's vocabulary by :data:`HEAD_KINDS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from newsclean.features.scan import scan_texts
from newsclean.training.yardstick import KINDS, withheld_publishers

from newsclean.kinds import KIND_COLUMNS, KindHead, kind_entries
from newsclean.scorer import Scorer

#: Reviewed kind -> the head's kind. The three asks for money or an account are one "appeal"
#: (the issue's word; donation and registration have too few lines to learn apart, and
#: readers act on them alike); app, podcast, social follow and share prompts are "share_follow".
#: The others keep their reviewed names.
HEAD_KINDS = {
    "donation": "appeal",
    "subscription": "appeal",
    "registration": "appeal",
    "newsletter": "newsletter",
    "app_follow_share": "share_follow",
    "teaser": "teaser",
    "navigation": "navigation",
    "legal": "legal",
    "ad": "ad",
    "comment": "comment",
    "meta": "meta",
    "other": "other",
}
assert set(HEAD_KINDS) == set(KINDS), "every reviewed kind needs a head kind"
#: Inverse regularisation strength of the head's logistic regression: of 1, 4 and 16, the best
#: in publisher-grouped cross-validation on the head's training lines (benchmarks/kind_choice.py;
#: 4 and 16 within 0.001 of each other, 1 about 0.02 lower).
KIND_C = 16.0
KIND_MAX_ITER = 300


def head_kind(kinds: pd.Series) -> pd.Series:
    """The head's kind of each reviewed kind (:data:`HEAD_KINDS`); unknown kinds raise."""
    unknown = sorted(set(kinds) - set(HEAD_KINDS))
    if unknown:
        raise ValueError(f"reviewed kinds without a head kind: {unknown}")
    return kinds.map(HEAD_KINDS)


def kind_training_lines(
    blocks: pd.DataFrame | None, yardstick: pd.DataFrame | None
) -> pd.DataFrame:
    """Reviewed boilerplate lines to fit the head on: ``text``, ``kind`` (the head's), ``source``.

    ``blocks`` is the reviewed block corpus, ``yardstick`` the reviewed yardstick table
    (:func:`~newsclean.training.yardstick.reviewed_table`); either may be None. The same line of
    one publisher with one kind is taken once (share bars repeat on every page).
    """
    parts = []
    if blocks is not None:
        lines = blocks[(blocks["split"] == "train") & blocks["kind"].isin(list(KINDS))]
        lines = lines[~lines["domain"].isin(withheld_publishers())]
        parts.append(lines[["text", "kind", "domain"]].assign(source="blocks"))
    if yardstick is not None:
        lines = yardstick[(yardstick["split"] == "validation") & is_kind_line(yardstick)]
        parts.append(lines[["text", "kind", "domain"]].assign(source="yardstick_validation"))
    if not parts:
        return pd.DataFrame(columns=["text", "kind", "domain", "source"])
    table = pd.concat(parts, ignore_index=True).drop_duplicates(["domain", "text", "kind"])
    return table.assign(kind=head_kind(table["kind"])).reset_index(drop=True)


def is_kind_line(yardstick: pd.DataFrame) -> pd.Series:
    """Reviewed boilerplate lines of the yardstick with a kind."""
    return (yardstick["label"] == "boilerplate") & yardstick["kind"].isin(list(KINDS))


def kind_matrix(texts: list[str], max_chars: int, n_columns: int, char_ngrams: int):
    """:func:`~newsclean.kinds.kind_entries` of ``texts`` as a sparse matrix (for fitting)."""
    from scipy import sparse

    scan = scan_texts(list(texts), max_chars)
    rows, columns, data = kind_entries(scan, n_columns, char_ngrams)
    width = n_columns * (2 if char_ngrams else 1)
    # csr adds repeated (row, column) entries, as the head's bincount does.
    return sparse.csr_matrix((data, (rows, columns)), shape=(scan.n, width))


def fit_kind_head(
    scorer: Scorer,
    lines: pd.DataFrame,
    *,
    n_columns: int = KIND_COLUMNS,
    C: float = KIND_C,
    random_state: int = 0,
) -> KindHead | None:
    """Fit the head on ``lines`` (:func:`kind_training_lines`) with the scorer's text features:
    its ``max_chars`` and character n-gram length. None with fewer than two kinds."""
    from sklearn.linear_model import LogisticRegression

    if lines["kind"].nunique() < 2:
        return None
    X = kind_matrix(lines["text"].tolist(), scorer.max_chars, n_columns, scorer.char_ngrams)
    model = LogisticRegression(C=C, max_iter=KIND_MAX_ITER, random_state=random_state)
    model.fit(X, lines["kind"].to_numpy())
    return KindHead(
        names=tuple(str(k) for k in model.classes_),
        coef=model.coef_.T.astype(np.float32),
        intercept=model.intercept_.astype(np.float64),
        n_columns=n_columns,
        char_ngrams=scorer.char_ngrams,
    )


def kind_metrics(
    head: KindHead, test: pd.DataFrame, max_chars: int, train_kinds: pd.Series | None = None
) -> dict[str, Any]:
    """How well ``head`` names the kind of reviewed boilerplate lines ``test`` (``text``,
    ``kind`` in the head's vocabulary): accuracy, macro recall, per-kind recall with counts, the
    confusion counts, and the accuracy of always answering the majority kind of ``train_kinds``
    (the training lines'; the test lines' own when not given)."""
    scan = scan_texts(test["text"].tolist(), max_chars)
    predicted = np.array(head.predict(scan), dtype=object)
    actual = test["kind"].to_numpy(dtype=object)
    majority = (train_kinds if train_kinds is not None else test["kind"]).value_counts().index[0]
    by_kind = {
        kind: {"n": int(mask.sum()), "recall": float((predicted[mask] == kind).mean())}
        for kind in sorted(set(actual))
        if (mask := actual == kind).any()
    }
    labels = sorted(set(head.names) | set(actual))
    confusion = pd.crosstab(
        pd.Categorical(actual, labels), pd.Categorical(predicted, labels), dropna=False
    )
    return {
        "n": len(test),
        "accuracy": float((predicted == actual).mean()) if len(test) else float("nan"),
        "macro_recall": float(np.mean([v["recall"] for v in by_kind.values()])),
        "majority_kind": str(majority),
        "majority_accuracy": float((actual == majority).mean()) if len(test) else float("nan"),
        "by_kind": by_kind,
        "confusion": {
            "labels": labels,
            "counts": confusion.to_numpy().tolist(),
        },
    }


def load_blocks(path: Path | None) -> pd.DataFrame | None:
    """The reviewed block corpus at ``path`` (None: none)."""
    return None if path is None else pd.read_parquet(path)


def plot_kind_confusion(metrics: dict[str, Any]):
    """The confusion matrix of :func:`kind_metrics` as a matplotlib figure (rows: reviewed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = metrics["confusion"]["labels"]
    counts = np.array(metrics["confusion"]["counts"])
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for (i, j), value in np.ndenumerate(counts):
        if value:
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8)
    ax.set_xlabel("predicted kind")
    ax.set_ylabel("reviewed kind")
    ax.set_title(f"Kinds on reviewed test lines: accuracy {metrics['accuracy']:.3f}")
    fig.tight_layout()
    return fig


__all__ = [
    "HEAD_KINDS",
    "fit_kind_head",
    "head_kind",
    "is_kind_line",
    "kind_matrix",
    "kind_metrics",
    "kind_training_lines",
    "load_blocks",
    "plot_kind_confusion",
]
