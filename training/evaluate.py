"""Evaluation: pure metric functions, threshold choice, and plots.

Boilerplate is the positive class (what the cleaner removes). The costly error is removing
story text, so every report leads with editorial recall.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from newsclean.labels import BOILERPLATE, EDITORIAL

#: Editorial recall the default threshold must keep on validation data.
TARGET_EDITORIAL_RECALL = 0.995


def choose_threshold(
    is_boilerplate: np.ndarray, score: np.ndarray, editorial_recall: float = TARGET_EDITORIAL_RECALL
) -> float:
    """The lowest threshold that keeps at least ``editorial_recall`` of editorial paragraphs.

    A paragraph is removed when ``score >= threshold``.

    Examples
    --------
    >>> choose_threshold(np.array([0, 0, 0, 1]), np.array([0.1, 0.2, 0.3, 0.9]), 2 / 3)
    0.20000000000000004
    """
    editorial = np.sort(np.asarray(score, dtype=np.float64)[~np.asarray(is_boilerplate, bool)])
    if len(editorial) == 0:
        return 0.5
    k = max(1, math.ceil(editorial_recall * len(editorial) - 1e-9))
    return float(np.nextafter(editorial[k - 1], np.inf))


def thin_threshold_warning(editorial_scores: np.ndarray, threshold: float) -> str | None:
    """Why a threshold from :func:`choose_threshold` is weak, or None when it is not.

    It is weak when it removes none of the validation split's editorial paragraphs: it then
    sits just above the highest-scoring one, which alone decides it, and new publishers will
    likely lose more story text than the target allows. That happens with fewer than
    ``1 / (1 - TARGET_EDITORIAL_RECALL)`` (200) editorial paragraphs, or when the top scores
    tie. With none at all, the threshold is a fallback.

    Examples
    --------
    >>> thin_threshold_warning(np.linspace(0, 1, 400), 0.999) is None
    True
    >>> thin_threshold_warning(np.linspace(0, 1, 120), 1.01)[:33]
    'the threshold removes none of the'
    """
    scores = np.asarray(editorial_scores, dtype=np.float64)
    needed = round(1 / (1 - TARGET_EDITORIAL_RECALL))
    if len(scores) == 0:
        return (
            f"the validation split has no editorial paragraph, so the threshold ({threshold}) "
            f"is a fallback; label at least {needed} editorial paragraphs in validation"
        )
    if (scores >= threshold).any():
        return None
    why = (
        f"label more articles (at least {needed} editorial paragraphs in validation)"
        if len(scores) < needed
        else f"the {int((scores == scores.max()).sum())} highest editorial scores tie (the same "
        "text repeated, or scores saturated at 1); more varied validation articles would help"
    )
    return (
        f"the threshold removes none of the {len(scores)} editorial paragraphs of the "
        "validation split, so the highest-scoring one sets it, and new publishers may "
        f"lose more story text; {why}"
    )


def evaluate(
    is_boilerplate: np.ndarray,
    score: np.ndarray,
    threshold: float,
    *,
    chars: np.ndarray | None = None,
    articles: np.ndarray | None = None,
) -> dict[str, float]:
    """Metrics of one operating point (``score >= threshold`` removes a paragraph).

    Returns
    -------
    dict with ``n``, ``n_boilerplate``, ``boilerplate_precision``, ``boilerplate_recall``,
    ``boilerplate_f1``, ``editorial_recall``, ``pr_auc``; with ``chars`` also
    ``editorial_char_recall``; with ``articles`` also ``articles_fully_clean`` (share of
    articles with no story paragraph removed and no boilerplate left).

    Examples
    --------
    >>> m = evaluate(np.array([1, 0, 1]), np.array([0.9, 0.2, 0.4]), 0.5)
    >>> m["boilerplate_recall"], m["editorial_recall"]
    (0.5, 1.0)
    """
    positive = np.asarray(is_boilerplate, dtype=bool)
    score = np.asarray(score, dtype=np.float64)
    removed = score >= threshold
    tp = int(np.sum(removed & positive))
    fp = int(np.sum(removed & ~positive))
    fn = int(np.sum(~removed & positive))
    n_editorial = int(np.sum(~positive))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics = {
        "n": float(len(positive)),
        "n_boilerplate": float(positive.sum()),
        "boilerplate_precision": precision,
        "boilerplate_recall": recall,
        "boilerplate_f1": f1,
        "editorial_recall": 1.0 - fp / n_editorial if n_editorial else 1.0,
        "pr_auc": float(average_precision_score(positive, score))
        if 0 < positive.sum() < len(positive)
        else float("nan"),
    }
    if chars is not None:
        chars = np.asarray(chars, dtype=np.float64)
        editorial_chars = chars[~positive].sum()
        metrics["editorial_char_recall"] = (
            1.0 - chars[removed & ~positive].sum() / editorial_chars if editorial_chars else 1.0
        )
    if articles is not None:
        wrong = (removed & ~positive) | (~removed & positive)
        per_article = pd.Series(wrong).groupby(np.asarray(articles)).any()
        metrics["articles_fully_clean"] = float(1.0 - per_article.mean())
    return metrics


def evaluate_by(
    frame: pd.DataFrame, by: str, threshold: float, score_column: str = "score"
) -> dict[str, dict[str, float]]:
    """:func:`evaluate` overall (key ``"all"``) and per value of ``frame[by]``.

    ``frame`` needs ``label`` (editorial/boilerplate), ``text``, ``article_id`` and the score.
    """

    def one(part: pd.DataFrame) -> dict[str, float]:
        return evaluate(
            (part["label"] == "boilerplate").to_numpy(),
            part[score_column].to_numpy(),
            threshold,
            chars=part["text"].str.len().to_numpy(),
            articles=part["article_id"].to_numpy(),
        )

    out = {"all": one(frame)}
    for key, part in frame.groupby(by, sort=True):
        out[str(key)] = one(part)
    return out


def plot_pr_curve(
    is_boilerplate: np.ndarray,
    score: np.ndarray,
    threshold: float,
    peers: dict[str, tuple[float, float]] | None = None,
    title: str = "",
):
    """Precision-recall curve of boilerplate detection, the chosen threshold as a dot.

    ``peers`` maps a name to a (recall, precision) operating point drawn as a labelled dot.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(is_boilerplate, score)
    m = evaluate(is_boilerplate, score, threshold)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(recall, precision, label=f"newsclean (AP {m['pr_auc']:.3f})")
    ax.scatter(
        [m["boilerplate_recall"]],
        [m["boilerplate_precision"]],
        zorder=3,
        label=f"newsclean threshold {threshold:.3f}",
    )
    for name, (r, p) in (peers or {}).items():
        ax.scatter([r], [p], marker="s", zorder=3, label=name)
    ax.set_xlabel("boilerplate recall")
    ax.set_ylabel("boilerplate precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(title or "Boilerplate precision-recall (held-out publishers)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_confusion(is_boilerplate: np.ndarray, score: np.ndarray, threshold: float):
    """Confusion matrix at the threshold (rows true, columns predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    predicted = np.where(np.asarray(score) >= threshold, BOILERPLATE, EDITORIAL)
    truth = np.where(np.asarray(is_boilerplate, bool), BOILERPLATE, EDITORIAL)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ConfusionMatrixDisplay.from_predictions(
        truth, predicted, labels=[EDITORIAL, BOILERPLATE], ax=ax, colorbar=False
    )
    ax.set_title(f"threshold {threshold:.3f}")
    fig.tight_layout()
    return fig


def plot_calibration(is_boilerplate: np.ndarray, score: np.ndarray):
    """Reliability diagram of the boilerplate probability."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import CalibrationDisplay

    fig, ax = plt.subplots(figsize=(4.5, 4))
    CalibrationDisplay.from_predictions(is_boilerplate, score, n_bins=10, ax=ax, name="newsclean")
    fig.tight_layout()
    return fig


__all__ = [
    "TARGET_EDITORIAL_RECALL",
    "choose_threshold",
    "evaluate",
    "evaluate_by",
    "plot_calibration",
    "plot_confusion",
    "plot_pr_curve",
    "selection_score",
    "thin_threshold_warning",
]


#: Editorial recall below which a model loses any comparison, whatever its F1.
MIN_EDITORIAL_RECALL_TO_COMPARE = 0.99


def selection_score(metrics: dict[str, float], appeal_recall: float | None = None) -> float:
    """One number to compare models on the same test split (higher is better).

    Boilerplate F1 at the model's own threshold, averaged with the appeal recall when an appeal
    evaluation exists (the product's two goals), provided editorial recall is at least 0.99; a
    model below that scores ``editorial_recall - 1`` (negative), so it always loses.
    """
    if metrics["editorial_recall"] < MIN_EDITORIAL_RECALL_TO_COMPARE:
        return metrics["editorial_recall"] - 1.0
    if appeal_recall is None:
        return metrics["boilerplate_f1"]
    return (metrics["boilerplate_f1"] + appeal_recall) / 2
