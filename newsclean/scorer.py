"""A fitted paragraph model's arithmetic, applied with numpy alone.

:class:`~newsclean.classifier.ParagraphClassifier` is the scikit-learn estimator that *learns*
the model. What it learns is two linear models over the signals of
:mod:`newsclean.features.signals`:

1. the **first pass**: a weight per hashed word column, a scaling and a weight per dense signal
   (shape, voice, place), an intercept; its probability is ``score_raw``;
2. the **context pass**: weights over the first pass's logits of the paragraph, its neighbours
   and the article before and after it; its probability is ``score``.

:class:`Scorer` holds exactly those arrays and applies them. The estimator scores through it, and
the predict module uses it directly, so cleaning needs neither scikit-learn nor pandas (``import
newsclean`` and the first ``clean`` stay fast), and a model is stored as plain arrays
(:meth:`Scorer.to_arrays`) that load without unpickling anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsclean.features.scan import Scan, bounds_from_lengths, groups, scan_texts
from newsclean.features.signals import (
    place_signals,
    shape_signals,
    shift_within_articles,
    voice_signals,
    word_columns,
)

EDITORIAL = "editorial"
BOILERPLATE = "boilerplate"
LABELS = (BOILERPLATE, EDITORIAL)  # sorted, as scikit-learn orders classes_

#: Version of the signals a stored model was trained on. Bump it whenever a change to
#: :mod:`newsclean.features` changes any signal's value, so old models are refused, not misread.
SIGNALS_VERSION = 2
_LOGIT_CLIP = 1e-4
#: Paragraphs scored at once by :meth:`Scorer.score_paragraphs` (whole articles per group).
GROUP_PARAGRAPHS = 2048


def sigmoid(logit: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings for large ``|logit|``."""
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -500.0, 500.0)))


def dense_signals(scan: Scan, window: int) -> np.ndarray:
    """The dense first-pass inputs, in feature order: shape (with neighbours), voice, place."""
    return np.hstack([shape_signals(scan, window), voice_signals(scan), place_signals(scan)])


def context_matrix(raw: np.ndarray, bounds: tuple[np.ndarray, np.ndarray], window: int):
    """Context-pass inputs: own and neighbours' first-pass logits, and block means."""
    raw = np.clip(np.asarray(raw, dtype=np.float64), _LOGIT_CLIP, 1 - _LOGIT_CLIP)
    logit = np.log(raw / (1 - raw))
    starts, ends = bounds
    index = np.arange(len(logit))
    cum = np.concatenate([[0.0], np.cumsum(logit)])
    before_n = index - starts
    after_n = ends - index - 1
    before_sum = cum[index] - cum[starts]
    after_sum = cum[ends] - cum[index + 1]
    before_mean = np.where(before_n > 0, before_sum / np.maximum(before_n, 1), 0.0)
    after_mean = np.where(after_n > 0, after_sum / np.maximum(after_n, 1), 0.0)
    article_mean = (cum[ends] - cum[starts]) / np.maximum(ends - starts, 1)
    own = np.column_stack([logit, before_mean, after_mean, article_mean])
    return np.hstack([own, shift_within_articles(logit, bounds, window)])


@dataclass(frozen=True)
class Scorer:
    """The two passes of a fitted paragraph model (see the module docstring).

    Parameters
    ----------
    n_features, window, max_chars : int
        As in :class:`~newsclean.classifier.ParagraphClassifier`.
    word_coef : ndarray of shape (n_features,)
        First-pass weight of each hashed word column.
    dense_mean, dense_scale, dense_coef : ndarray
        Standardisation and first-pass weights of :func:`dense_signals`.
    intercept : float
        First-pass intercept.
    context_coef : ndarray or None
        Context-pass weights over :func:`context_matrix`; None when there is no context pass.
    context_intercept : float
    """

    n_features: int
    window: int
    max_chars: int
    word_coef: np.ndarray
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    dense_coef: np.ndarray
    intercept: float
    context_coef: np.ndarray | None = None
    context_intercept: float = 0.0

    def scores(self, scan: Scan) -> tuple[np.ndarray, np.ndarray]:
        """First-pass and final boilerplate probabilities of every paragraph of ``scan``."""
        if scan.max_chars != self.max_chars:
            raise ValueError(f"scan read {scan.max_chars} characters, model {self.max_chars}")
        data, columns, indptr = word_columns(scan, self.n_features)
        rows = np.repeat(np.arange(scan.n), np.diff(indptr))
        # The hashed-word part of the dot product, without building the sparse matrix.
        weights = data * self.word_coef[columns]
        logit = np.bincount(rows, weights=weights, minlength=scan.n).astype(np.float64)
        scaled = (dense_signals(scan, self.window) - self.dense_mean) / self.dense_scale
        logit += scaled @ self.dense_coef + self.intercept
        raw = sigmoid(logit)
        if self.context_coef is None:
            return raw, raw
        bounds = (scan.article_starts, scan.article_ends)
        context = context_matrix(raw, bounds, self.window)
        return raw, sigmoid(context @ self.context_coef + self.context_intercept)

    def score_paragraphs(
        self, paragraphs: list[str], article_lengths: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`scores` of paragraphs given in article order, with each article's length.

        Scores whole articles in groups of about :data:`GROUP_PARAGRAPHS` paragraphs, which
        keeps the working arrays small (faster, and memory stays flat for any input size).
        """
        lengths = np.asarray(article_lengths, dtype=np.int64)
        if (lengths < 0).any() or lengths.sum() != len(paragraphs):
            raise ValueError(
                f"article_lengths must be non-negative and sum to the {len(paragraphs)} "
                f"paragraphs; they sum to {int(lengths.sum())}"
            )
        ends = np.cumsum(lengths)
        raws, finals = [np.zeros(0)], [np.zeros(0)]
        for lo, hi in groups(lengths, GROUP_PARAGRAPHS):
            first, last = (ends[lo - 1] if lo else 0), ends[hi - 1]
            group = lengths[lo:hi]
            scan = scan_texts(paragraphs[first:last], self.max_chars, bounds_from_lengths(group))
            raw, final = self.scores(scan)
            raws.append(raw)
            finals.append(final)
        return np.concatenate(raws), np.concatenate(finals)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for ``numpy.savez``; :meth:`from_arrays` reads them back."""
        arrays = {
            "signals_version": np.array(SIGNALS_VERSION),
            "shape": np.array([self.n_features, self.window, self.max_chars]),
            "word_coef": self.word_coef,
            "dense_mean": self.dense_mean,
            "dense_scale": self.dense_scale,
            "dense_coef": self.dense_coef,
            "intercept": np.array(self.intercept),
            "context_intercept": np.array(self.context_intercept),
        }
        if self.context_coef is not None:
            arrays["context_coef"] = self.context_coef
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> Scorer:
        """Rebuild from :meth:`to_arrays`' output (a dict or an ``NpzFile``).

        Raises
        ------
        ValueError
            If the arrays were written for other signals (another :data:`SIGNALS_VERSION`).
        """
        version = int(arrays["signals_version"])
        if version != SIGNALS_VERSION:
            raise ValueError(
                f"the model was trained on newsclean signals version {version}, this newsclean "
                f"computes version {SIGNALS_VERSION}: retrain it (`newsclean train`) or install "
                "the newsclean version it was trained with"
            )
        n_features, window, max_chars = (int(v) for v in arrays["shape"])
        context = np.asarray(arrays["context_coef"]) if "context_coef" in arrays else None
        return cls(
            n_features=n_features,
            window=window,
            max_chars=max_chars,
            word_coef=np.asarray(arrays["word_coef"]),
            dense_mean=np.asarray(arrays["dense_mean"]),
            dense_scale=np.asarray(arrays["dense_scale"]),
            dense_coef=np.asarray(arrays["dense_coef"]),
            intercept=float(arrays["intercept"]),
            context_coef=context,
            context_intercept=float(arrays["context_intercept"]),
        )


__all__ = [
    "BOILERPLATE",
    "EDITORIAL",
    "LABELS",
    "SIGNALS_VERSION",
    "Scorer",
    "context_matrix",
    "dense_signals",
    "sigmoid",
]
