"""A fitted paragraph model's arithmetic, applied with numpy alone.

:class:`~newsclean.classifier.ParagraphClassifier` is the scikit-learn estimator that *learns*
the model. What it learns, over the signals of :mod:`newsclean.features.signals`, is:

1. the **first pass**: a weight per hashed word column, a scaling and a weight per dense signal
   (shape, voice, place), an intercept; its probability is ``score_raw``;
2. the **context pass**: gradient-boosted decision trees over the first pass's logits of the
   paragraph, its neighbours and the article before and after it, the paragraph's publisher
   voice, and the extremes of its and its neighbours' word weights (:func:`context_inputs`); its
   probability is ``score``. Trees, not a second linear model, because a block is an
   interaction: "we" and "your support" mean an appeal between an appeal title and "Give now",
   and nothing much in a story about a charity.

:class:`Scorer` holds exactly those arrays (the trees as :class:`BoostedTrees`) and applies
them. The estimator scores through it, and
the predict module uses it directly, so cleaning needs neither scikit-learn nor pandas (``import
newsclean`` and the first ``clean`` stay fast), and a model is stored as plain arrays
(:meth:`Scorer.to_arrays`) that load without unpickling anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from newsclean.features.scan import Scan, bounds_from_lengths, groups, scan_texts
from newsclean.features.signals import (
    PLACE_NAMES,
    SHAPE_NAMES,
    VOICE_NAMES,
    PlaceSums,
    char_ngram_entries,
    neighbour_rows,
    place_signals,
    shape_matrix,
    shape_names,
    shape_signals,
    shift_within_articles,
    voice_signals,
    word_entries,
)
from newsclean.features.vectors import WordVectors, vector_signals
from newsclean.kinds import KindHead

#: Version of the signals a stored model was trained on. Bump it whenever a change to
#: :mod:`newsclean.features` changes any signal's value, so old models are refused, not misread.
SIGNALS_VERSION = 4
_LOGIT_CLIP = 1e-4
#: Deepest context trees a model may have: scoring pads every tree to the deepest one's depth
#: (2**depth nodes per tree at the bottom level), so depth must stay small.
MAX_TREE_DEPTH = 12
#: Paragraphs scored at once by :meth:`Scorer.score_paragraphs` (whole articles per group).
GROUP_PARAGRAPHS = 2048
#: Paragraphs scanned at once by :meth:`Scorer.score_texts`: bounds the working memory of one
#: long article (a scan keeps about 100 bytes a word) whatever its length.
WINDOW_ROWS = 4096
#: Rows walked through the trees at once. The walk's working arrays hold one entry per tree and
#: row, so this bounds them (a few MB) even for one article of a million lines.
TREE_BLOCK_ROWS = 4096


def sigmoid(logit: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings for large ``|logit|``."""
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -500.0, 500.0)))


def dense_signals(
    scan: Scan,
    window: int,
    voice: np.ndarray | None = None,
    vectors: WordVectors | None = None,
) -> np.ndarray:
    """The dense first-pass inputs, in feature order: shape (with neighbours), voice, place,
    and with a word-vector table ``vectors``, the paragraph's and its neighbours' mean word
    vectors (:func:`~newsclean.features.vectors.vector_signals`).

    ``voice`` is :func:`~newsclean.features.signals.voice_signals` of ``scan`` when the caller
    already has it.
    """
    voice = voice_signals(scan) if voice is None else voice
    parts = [shape_signals(scan, window), voice, place_signals(scan)]
    if vectors is not None:
        parts.append(vector_signals(scan, vectors, window))
    return np.hstack(parts)


def context_logits(raw: np.ndarray) -> np.ndarray:
    """The first-pass logits the context pass reads (probabilities clipped away from 0 and 1)."""
    raw = np.clip(np.asarray(raw, dtype=np.float64), _LOGIT_CLIP, 1 - _LOGIT_CLIP)
    return np.log(raw / (1 - raw))


def article_means(logit: np.ndarray, bounds: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Mean logit of the text before each paragraph, after it, and of its whole article, (n, 3)."""
    starts, ends = bounds
    index = np.arange(len(logit))
    cum = np.zeros(len(logit) + 1)
    logit.cumsum(out=cum[1:])
    # A paragraph with nothing before (after) it in its article has a sum of exactly 0.0 there,
    # so dividing by at least 1 gives the mean 0.0 that an empty side stands for.
    before_mean = (cum[:-1] - cum[starts]) / np.maximum(index - starts, 1)
    after_mean = (cum[ends] - cum[1:]) / np.maximum(ends - index - 1, 1)
    article_mean = (cum[ends] - cum[starts]) / np.maximum(ends - starts, 1)
    return np.array([before_mean, after_mean, article_mean]).T


def context_matrix(
    raw: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    window: int,
    means: np.ndarray | None = None,
) -> np.ndarray:
    """Context-pass inputs: own and neighbours' first-pass logits, and block means.

    ``means`` is :func:`article_means` of these rows when it was computed over more rows than
    ``raw`` holds (a window of a longer article); by default it is computed from ``raw``.
    """
    logit = context_logits(raw)
    if means is None:
        means = article_means(logit, bounds)
    own = np.column_stack([logit, means])
    return np.concatenate([own, shift_within_articles(logit, bounds, window)], axis=1)


def word_extremes(rows: np.ndarray, word_weights: np.ndarray, n: int) -> np.ndarray:
    """The largest and smallest first-pass word weight in each paragraph, shape (n, 2).

    ``rows`` and ``word_weights`` give each word entry's paragraph and weight (the first
    pass's coefficient of its column, as :func:`~newsclean.features.signals.word_entries` lists
    them). The first pass spreads a paragraph's words over ``1 / sqrt(m)`` each, so one telling
    phrase ("support our journalism") weighs little in a long line; its extremes do not shrink
    with length. A paragraph without words gets zeros.
    """
    high = np.full(n, -np.inf)
    low = np.full(n, np.inf)
    np.maximum.at(high, rows, word_weights)
    np.minimum.at(low, rows, word_weights)
    empty = high == -np.inf
    high[empty] = 0.0
    low[empty] = 0.0
    return np.array([high, low]).T


def context_inputs(
    raw: np.ndarray,
    voice: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    window: int,
    extremes: np.ndarray | None = None,
    means: np.ndarray | None = None,
    vector_means: np.ndarray | None = None,
) -> np.ndarray:
    """Context-pass inputs: :func:`context_matrix`, the paragraph's own voice signals, then
    :func:`word_extremes` of the paragraph and of the one before and after it (zeros where the
    article has none; ``extremes=None`` gives zeros), then, when given, the paragraph's
    ``vector_means`` (:meth:`~newsclean.features.vectors.WordVectors.paragraph_means`). New
    inputs come last, so a model trained before them reads the same columns. ``means`` as in
    :func:`context_matrix`."""
    if extremes is None:
        extremes = np.zeros((len(raw), 2))
    context = [
        context_matrix(raw, bounds, window, means),
        voice,
        extremes_in_context(extremes, bounds),
    ]
    if vector_means is not None:
        context.append(vector_means)
    return np.hstack(context)


def extremes_in_context(extremes: np.ndarray, bounds: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """:func:`word_extremes` of each paragraph, then of the paragraph before and after it in its
    article (zeros where there is none), shape (n, 6). A button such as "Maybe later" has no
    telling word of its own; its neighbour "Give now" has."""
    rows, present = neighbour_rows(bounds, 1)
    neighbours = extremes[rows] * present[:, :, None]  # (n, 2 neighbours, 2 extremes)
    return np.hstack([extremes, neighbours.reshape(len(extremes), 4)])


@dataclass(frozen=True)
class BoostedTrees:
    """Fitted gradient-boosted trees of a binary classifier, as flat node arrays.

    Every tree's nodes are stored one after another, the deepest trees first. A row at an inner
    node goes to ``children[2 * node]`` when its value of ``feature`` is at most ``threshold``,
    else to ``children[2 * node + 1]``. A leaf has threshold +inf and is its own child, so a row
    that has reached its leaf stays there. The decision function is ``baseline`` plus the sum
    of the leaves' values (a logit). For scoring, the trees are laid out once as complete
    binary trees (:attr:`_levels`), which all rows walk in step.
    """

    feature: np.ndarray
    threshold: np.ndarray
    children: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    tree_depth: np.ndarray
    baseline: float

    @classmethod
    def from_histogram_boosting(cls, model) -> BoostedTrees:
        """The trees of a fitted binary ``sklearn.ensemble.HistGradientBoostingClassifier``.

        Reads its per-tree node records (scikit-learn keeps them in ``_predictors``); a test
        checks that :meth:`decision_function` matches the estimator's own.
        """
        if len(model._predictors[0]) != 1:
            raise ValueError("only binary classifiers are supported")
        trees = [iteration[0].nodes for iteration in model._predictors]
        if any(tree["is_categorical"].any() for tree in trees):
            raise ValueError("categorical splits are not supported")
        trees.sort(key=lambda tree: -int(tree["depth"].max()))
        if trees and int(trees[0]["depth"].max()) > MAX_TREE_DEPTH:
            raise ValueError(f"trees deeper than {MAX_TREE_DEPTH} levels are not supported")
        sizes = np.array([len(tree) for tree in trees], dtype=np.int64)
        roots = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        nodes = np.concatenate(trees)
        offset = np.repeat(roots, sizes)
        own = np.arange(len(nodes), dtype=np.int64)
        leaf = nodes["is_leaf"].astype(bool)
        left = np.where(leaf, own, nodes["left"].astype(np.int64) + offset)
        right = np.where(leaf, own, nodes["right"].astype(np.int64) + offset)
        return cls(
            feature=np.where(leaf, 0, nodes["feature_idx"]).astype(np.int64),
            threshold=np.where(leaf, np.inf, nodes["num_threshold"]),
            children=np.column_stack([left, right]).ravel(),
            value=np.where(leaf, nodes["value"], 0.0),
            roots=roots,
            tree_depth=np.array([int(tree["depth"].max()) for tree in trees], dtype=np.int64),
            baseline=float(np.ravel(model._baseline_prediction)[0]),
        )

    @cached_property
    def _levels(self) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """The trees as complete binary trees of the deepest tree's depth, level by level.

        Level ``k`` holds ``2**k`` nodes per tree, tree after tree, so the node at index ``i``
        of level ``k`` has its children at ``2 * i`` and ``2 * i + 1`` of level ``k + 1``.
        Returns each level's ``feature`` and ``threshold`` and the leaf ``value`` below the
        last level. A leaf above the bottom level becomes a chain of nodes that always go left
        (threshold +inf, as stored) down to its value, so every row takes the same steps.
        """
        depth = int(self.tree_depth[0]) if len(self.tree_depth) else 0
        node = self.roots
        features, thresholds = [], []
        for _ in range(depth):
            features.append(self.feature[node])
            thresholds.append(self.threshold[node])
            node = np.stack([self.children[2 * node], self.children[2 * node + 1]], axis=1)
            node = node.ravel()
        return features, thresholds, self.value[node]

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """The boosted logit of every row of ``X`` (finite values, shape (n, n_inputs))."""
        X = np.asarray(X, dtype=np.float64)
        if len(X) > TREE_BLOCK_ROWS:  # one huge article: walk it in blocks of rows
            blocks = range(0, len(X), TREE_BLOCK_ROWS)
            return np.concatenate([self._walk(X[i : i + TREE_BLOCK_ROWS]) for i in blocks])
        return self._walk(X)

    def _walk(self, X: np.ndarray) -> np.ndarray:
        features, thresholds, leaf_value = self._levels
        n, width = X.shape
        if not features:  # every tree is a single leaf
            return np.full(n, self.baseline + leaf_value.sum())
        X = np.ascontiguousarray(X)
        # Index of each (tree, row)'s node within its level, shape (trees, rows). The roots read
        # whole columns; below them, row r's value of input f is inputs[r * width + f].
        root_inputs = X[:, features[0]].T  # (trees, rows)
        roots_go_right = root_inputs > thresholds[0][:, None]
        index = self._left_children_of_roots + roots_go_right
        inputs, row_start = X.ravel(), np.arange(0, n * width, width)
        # Every index below is in range (from_arrays checks the nodes, Scorer.from_arrays the
        # inputs), and take's "wrap" mode costs less per element than its default, "raise".
        for feature, threshold in zip(features[1:], thresholds[1:]):
            position = feature.take(index, mode="wrap")
            position += row_start
            go_right = inputs.take(position, mode="wrap") > threshold.take(index, mode="wrap")
            index *= 2
            index += go_right
        leaves = leaf_value.take(index, mode="wrap")  # (trees, rows)
        # numpy adds a column's trees one after another, but a single row's pairwise: add that
        # one in order too, so a row's score does not depend on how many rows were walked.
        total = leaves.sum(axis=0) if n != 1 else np.cumsum(leaves[:, 0])[-1:]
        return self.baseline + total

    @cached_property
    def _left_children_of_roots(self) -> np.ndarray:
        """Index, in the second level, of each tree's first child of the root: shape (trees, 1)."""
        return 2 * np.arange(len(self.roots))[:, None]

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Plain arrays, each name starting with ``prefix``; :meth:`from_arrays` reads them."""
        return {
            f"{prefix}feature": self.feature,
            f"{prefix}threshold": self.threshold,
            f"{prefix}children": self.children,
            f"{prefix}value": self.value,
            f"{prefix}roots": self.roots,
            f"{prefix}tree_depth": self.tree_depth,
            f"{prefix}baseline": np.array(self.baseline),
        }

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> BoostedTrees:
        """Rebuild from :meth:`to_arrays`' output, checking that the arrays fit together."""
        trees = cls(
            feature=np.asarray(arrays[f"{prefix}feature"], dtype=np.int64),
            threshold=np.asarray(arrays[f"{prefix}threshold"], dtype=np.float64),
            children=np.asarray(arrays[f"{prefix}children"], dtype=np.int64),
            value=np.asarray(arrays[f"{prefix}value"], dtype=np.float64),
            roots=np.asarray(arrays[f"{prefix}roots"], dtype=np.int64),
            tree_depth=np.asarray(arrays[f"{prefix}tree_depth"], dtype=np.int64),
            baseline=float(arrays[f"{prefix}baseline"]),
        )
        n_nodes = len(trees.feature)
        if not len(trees.threshold) == len(trees.value) == n_nodes == len(trees.children) // 2:
            raise ValueError("tree arrays are corrupt: node arrays disagree in length")
        if len(trees.roots) != len(trees.tree_depth) or (np.diff(trees.tree_depth) > 0).any():
            raise ValueError("tree arrays are corrupt: tree depths are missing or unsorted")
        if len(trees.tree_depth) and trees.tree_depth[0] > MAX_TREE_DEPTH:
            raise ValueError(f"trees deeper than {MAX_TREE_DEPTH} levels are not supported")
        for name in ("children", "roots"):
            index = getattr(trees, name)
            if len(index) and (index.min() < 0 or index.max() >= n_nodes):
                raise ValueError(f"tree arrays are corrupt: {name} points outside the nodes")
        if len(trees.feature) and trees.feature.min() < 0:
            raise ValueError("tree arrays are corrupt: a node reads a negative input index")
        return trees


def _row_dot(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``matrix @ weights`` for a vector of weights, each row's sum taken in an order that does
    not depend on the other rows. BLAS rounds a row differently by where it falls in its blocks
    of rows, so ``@`` would make a paragraph's score depend on how many rows were scored with it
    (in the last bits, which can still cross the threshold); einsum (without ``optimize``,
    which would hand it to BLAS) sums every row by the same loop."""
    return np.einsum("ij,j->i", matrix, weights)


class _RowSignals(NamedTuple):
    """What :meth:`Scorer._row_signals` finds for each row of a scan (one entry per row)."""

    word_logit: np.ndarray  # the hashed words' part of the first-pass logit
    local_logit: np.ndarray  # own and neighbours' shape and own voice part
    voice: np.ndarray  # voice_signals, which the context pass reads too
    extremes: np.ndarray | None  # word_extremes; None without a context pass
    vector_means: np.ndarray | None  # WordVectors.paragraph_means, when the context pass reads it
    words: np.ndarray  # Scan.words and Scan.chars, which the place signals read
    chars: np.ndarray

    def rows(self, lo: int, hi: int) -> _RowSignals:
        return _RowSignals(*(None if a is None else a[lo:hi] for a in self))

    def empty_like(self, n: int) -> _RowSignals:
        """Uninitialised arrays of ``n`` rows of the same types, to fill window by window."""
        return _RowSignals(
            *(None if a is None else np.empty((n, *a.shape[1:]), a.dtype) for a in self)
        )


def _windows(n: int, size: int, halo: int) -> list[tuple[int, int, int, int]]:
    """Rows ``[lo, hi)`` of each window of ``size`` rows over ``n``, and the rows ``[a, b)``
    read for it: ``halo`` more on each side, within ``[0, n)``."""
    return [
        (lo, min(lo + size, n), max(lo - halo, 0), min(lo + size + halo, n))
        for lo in range(0, n, size)
    ]


def _bounds_within(
    bounds: tuple[np.ndarray, np.ndarray], a: int, b: int
) -> tuple[np.ndarray, np.ndarray]:
    """Article bounds of rows ``[a, b)`` counted from ``a`` and cut to those rows. A row's
    neighbours within the cut are its true neighbours; the rows a window reports are at least
    the halo away from a cut that is not an article's edge."""
    starts, ends = bounds
    return np.clip(starts[a:b], a, b) - a, np.clip(ends[a:b], a, b) - a


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
    context : BoostedTrees or None
        The context pass over :func:`context_inputs`; None when there is no context pass.
    vectors : WordVectors or None
        The word-vector table the model reads, if any.
    vectors_in_first_pass, vectors_in_context : bool
        Whether the first pass's dense signals end with
        :func:`~newsclean.features.vectors.vector_signals`, and whether the context pass's
        inputs end with the paragraph's mean vector.
    char_ngrams : int
        Length of the character n-grams the first pass reads, 0 for none.
    ngram_coef : ndarray of shape (n_features,) or None
        First-pass weight of each hashed character n-gram column (with ``char_ngrams > 0``).
    kinds : KindHead or None
        The kind head that names why a removed paragraph is boilerplate
        (:mod:`newsclean.kinds`); None for a model without one. It changes no score.
    """

    n_features: int
    window: int
    max_chars: int
    word_coef: np.ndarray
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    dense_coef: np.ndarray
    intercept: float
    context: BoostedTrees | None = None
    vectors: WordVectors | None = None
    vectors_in_first_pass: bool = False
    vectors_in_context: bool = False
    char_ngrams: int = 0
    ngram_coef: np.ndarray | None = None
    kinds: KindHead | None = None

    def __post_init__(self) -> None:
        if bool(self.char_ngrams) != (self.ngram_coef is not None):
            raise ValueError("char_ngrams and ngram_coef must be given together")
        if (self.vectors_in_first_pass or self.vectors_in_context) and self.vectors is None:
            raise ValueError("the model reads word vectors but was given no word-vector table")
        if self.vectors_in_context and self.context is None:
            raise ValueError("vectors_in_context needs a context pass")

    @property
    def _vector_dim(self) -> int:
        """Length of a word vector, 0 when the model reads none."""
        return 0 if self.vectors is None else self.vectors.dim

    @cached_property
    def _dense_linear(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
        """The dense part of the first pass with its standardisation folded in, by signal group.

        For signals ``d``, ``((d - mean) / scale) @ coef + intercept == d @ weights + offset``.
        Returns ``weights`` split as :func:`dense_signals` lays them out (own shape; each
        neighbour offset's shape and ``present`` flag, one row per offset; voice; place) and
        ``offset``. The word-vector weights, if any, are :attr:`_vector_linear`.
        """
        weights = self.dense_coef / self.dense_scale
        n_shape, n_offsets = len(SHAPE_NAMES), 2 * self.window
        n_neighbour = n_offsets * (n_shape + 1)
        own, rest = weights[:n_shape], weights[n_shape:]
        neighbour = rest[:n_neighbour].reshape(n_offsets, n_shape + 1)
        voice = rest[n_neighbour : n_neighbour + len(VOICE_NAMES)]
        place_end = n_neighbour + len(VOICE_NAMES) + len(PLACE_NAMES)
        place = rest[n_neighbour + len(VOICE_NAMES) : place_end]
        return own, neighbour, voice, place, self.intercept - float(self.dense_mean @ weights)

    @cached_property
    def _vector_linear(self) -> tuple[np.ndarray, np.ndarray]:
        """First-pass weights of :func:`~newsclean.features.vectors.vector_signals` (scaling
        folded in, as in :attr:`_dense_linear`): the paragraph's own means, and one row per
        neighbour offset of its means and ``present`` flag."""
        weights = self.dense_coef / self.dense_scale
        width = self._vector_dim + 1
        vector = weights[dense_width(self.window) :]
        own, neighbour = vector[:width], vector[width:]
        return own, neighbour.reshape(2 * self.window, width + 1)

    def scores(self, scan: Scan) -> tuple[np.ndarray, np.ndarray]:
        """First-pass and final boilerplate probabilities of every paragraph of ``scan``."""
        if scan.max_chars != self.max_chars:
            raise ValueError(f"scan read {scan.max_chars} characters, model {self.max_chars}")
        return self._finish(self._row_signals(scan), (scan.article_starts, scan.article_ends))

    def _row_signals(self, scan: Scan) -> _RowSignals:
        """Every part of the two passes that a paragraph's own window of rows decides."""
        rows, columns, data = word_entries(scan, self.n_features)
        # The hashed-word part of the dot product, without building the sparse matrix.
        word_weights = self.word_coef[columns].astype(np.float64)
        word_logit = np.bincount(rows, weights=data * word_weights, minlength=scan.n)
        if self.char_ngrams:
            gram_rows, gram_columns, gram_data = char_ngram_entries(
                scan, len(self.ngram_coef), self.char_ngrams
            )
            gram_weights = self.ngram_coef[gram_columns].astype(np.float64)
            word_logit += np.bincount(gram_rows, weights=gram_data * gram_weights, minlength=scan.n)
        voice = voice_signals(scan)
        own_weights, neighbour_weights, voice_weights, _, _ = self._dense_linear
        shape = shape_matrix(scan)
        # The neighbours' shape enters linearly, so weigh every row's shape once per offset and
        # gather those sums: the same value as dense_signals(...) @ weights, with far less work.
        per_offset = np.einsum("ij,kj->ik", shape, neighbour_weights[:, :-1])
        per_offset += neighbour_weights[:, -1]
        neighbour, present = neighbour_rows((scan.article_starts, scan.article_ends), self.window)
        picked = per_offset[neighbour, np.arange(neighbour.shape[1])]  # row i: its neighbours' sums
        local_logit = (
            _row_dot(shape, own_weights)
            + (picked * present).sum(axis=1)
            + _row_dot(voice, voice_weights)
        )
        extremes = vector_means = None
        if self.context is not None:
            extremes = word_extremes(rows, word_weights, scan.n)
        if self.vectors is not None:
            means = self.vectors.paragraph_means(scan)
            if self.vectors_in_first_pass:
                local_logit = local_logit + self._neighbour_sum(means, scan, self._vector_linear)
            if self.vectors_in_context:
                vector_means = means
        return _RowSignals(
            word_logit.astype(np.float64),
            local_logit,
            voice,
            extremes,
            vector_means,
            scan.words,
            scan.chars,
        )

    def _neighbour_sum(
        self, values: np.ndarray, scan: Scan, weights: tuple[np.ndarray, np.ndarray]
    ) -> np.ndarray:
        """``values`` of each row and of its neighbours (laid out by
        :func:`~newsclean.features.signals.shift_within_articles`) times ``weights`` (own;
        per offset, values then ``present``), weighing every row once per offset."""
        own_weights, neighbour_weights = weights
        per_offset = np.einsum("ij,kj->ik", values, neighbour_weights[:, :-1])
        per_offset += neighbour_weights[:, -1]
        neighbour, present = neighbour_rows((scan.article_starts, scan.article_ends), self.window)
        picked = per_offset[neighbour, np.arange(neighbour.shape[1])]
        return _row_dot(values, own_weights) + (picked * present).sum(axis=1)

    def _finish(
        self,
        signals: _RowSignals,
        bounds: tuple[np.ndarray, np.ndarray],
        window_rows: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Both passes from :meth:`_row_signals` of all rows of ``bounds``: the place signals
        and the article means span whole articles, so they are computed here. The context pass
        runs in windows of ``window_rows`` rows when given."""
        *_, place_weights, offset = self._dense_linear
        n = len(signals.words)
        window_rows = max(n, 1) if window_rows is None else window_rows
        place = PlaceSums.of(signals.words, signals.chars, bounds)
        place_logit = np.empty(n)
        for lo, hi, _, _ in _windows(n, window_rows, 0):
            place_logit[lo:hi] = _row_dot(place.rows(lo, hi), place_weights)
        del place
        # The sum in the order a single expression over all signals takes, so every rounding
        # is the same whether or not the article was scanned in windows.
        logit = signals.word_logit + (signals.local_logit + place_logit + offset)
        raw = sigmoid(logit)
        if self.context is None:
            return raw, raw.copy()  # two arrays, as with a context pass
        if n <= window_rows:
            inputs = context_inputs(
                raw,
                signals.voice,
                bounds,
                self.window,
                signals.extremes,
                vector_means=signals.vector_means,
            )
            return raw, sigmoid(self.context.decision_function(inputs))
        means = article_means(context_logits(raw), bounds)
        final = np.empty(n)
        # The context pass reads the logits of `window` rows each side, the extremes of one.
        for lo, hi, a, b in _windows(n, window_rows, max(self.window, 1)):
            inputs = context_inputs(
                raw[a:b],
                signals.voice[a:b],
                _bounds_within(bounds, a, b),
                self.window,
                signals.extremes[a:b],
                means[a:b],
                None if signals.vector_means is None else signals.vector_means[a:b],
            )
            final[lo:hi] = sigmoid(self.context.decision_function(inputs[lo - a : hi - a]))
        return raw, final

    def score_texts(
        self,
        texts: list[str],
        bounds: tuple[np.ndarray, np.ndarray],
        window_rows: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`scores` of the paragraphs ``texts`` with article ``bounds`` (as from
        :func:`~newsclean.features.scan.bounds_from_lengths`), scanned ``window_rows`` at a time
        (default :data:`WINDOW_ROWS`).

        The result is exactly that of one scan of all ``texts``; only the working memory
        differs. A window is scanned with the ``window`` rows on each side that its neighbour
        signals read, and what spans whole articles (place signals, the context pass's article
        means) is computed from per-row results, so no signal of a row changes. What is kept
        for all rows is about 110 bytes a paragraph; the scan of one window is freed before the
        next.
        """
        n = len(texts)
        window_rows = WINDOW_ROWS if window_rows is None else window_rows
        if n <= window_rows:
            return self.scores(scan_texts(texts, self.max_chars, bounds))
        signals = None
        for lo, hi, a, b in _windows(n, window_rows, self.window):
            scan = scan_texts(texts[a:b], self.max_chars, _bounds_within(bounds, a, b))
            part = self._row_signals(scan).rows(lo - a, hi - a)
            del scan  # before the next window's scan
            if signals is None:
                signals = part.empty_like(n)
            for whole, rows in zip(signals, part):
                if whole is not None:
                    whole[lo:hi] = rows
        return self._finish(signals, bounds, window_rows)

    def score_paragraphs(
        self, paragraphs: list[str], article_lengths: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`scores` of paragraphs given in article order, with each article's length.

        Scores whole articles in groups of about :data:`GROUP_PARAGRAPHS` paragraphs, which
        keeps the working arrays small (faster, and memory stays flat over many articles). An
        article is never split between groups, since its context signals span all of it; a
        group longer than :data:`WINDOW_ROWS` (one long article) is scanned in windows by
        :meth:`score_texts`, with the same result, so its working memory stays bounded too.
        """
        lengths = np.asarray(article_lengths, dtype=np.int64)
        if (lengths < 0).any() or lengths.sum() != len(paragraphs):
            raise ValueError(
                f"article_lengths must be non-negative and sum to the {len(paragraphs)} "
                f"paragraphs; they sum to {int(lengths.sum())}"
            )
        ends = np.cumsum(lengths)
        scored = []
        for lo, hi in groups(lengths, GROUP_PARAGRAPHS):
            first, last = (ends[lo - 1] if lo else 0), ends[hi - 1]
            group = lengths[lo:hi]
            scored.append(self.score_texts(paragraphs[first:last], bounds_from_lengths(group)))
        if len(scored) == 1:  # the usual case, one article: nothing to join
            return scored[0]
        raws, finals = zip(*scored) if scored else ((), ())
        return np.concatenate([np.zeros(0), *raws]), np.concatenate([np.zeros(0), *finals])

    def paragraph_kinds(self, texts: list[str]) -> list[str | None]:
        """The kind head's kind of each of ``texts`` (paragraphs already labelled boilerplate),
        all None for a model without a head. Only the given paragraphs are scanned, so callers
        pass the removed ones: the cost stays with the few lines a cleaner drops."""
        if self.kinds is None or not texts:
            return [None] * len(texts)
        return list(self.kinds.predict(scan_texts(texts, self.max_chars)))

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
        }
        if self.context is not None:
            arrays |= self.context.to_arrays(_CONTEXT_PREFIX)
        if self.char_ngrams:
            arrays["char_ngrams"] = np.array(self.char_ngrams)
            arrays["ngram_coef"] = self.ngram_coef
        if self.vectors is not None:
            # The table itself is stored beside the model or vendored (newsclean.models): the
            # model keeps its fingerprint, to find it and to refuse another table.
            arrays["word_vectors_sha256"] = np.array(self.vectors.sha256)
            arrays["word_vectors_use"] = np.array(
                [self.vectors_in_first_pass, self.vectors_in_context]
            )
        if self.kinds is not None:
            arrays |= self.kinds.to_arrays()
        return arrays

    @classmethod
    def from_arrays(cls, arrays, vectors: WordVectors | None = None) -> Scorer:
        """Rebuild from :meth:`to_arrays`' output (a dict or an ``NpzFile``); ``vectors`` is
        the word-vector table of a model that reads one (:func:`word_vectors_sha256` names it).

        Raises
        ------
        ValueError
            If the arrays were written for other signals (another :data:`SIGNALS_VERSION`), do
            not fit together, or need a word-vector table other than ``vectors``.
        """
        version = int(arrays["signals_version"])
        if version != SIGNALS_VERSION:
            raise ValueError(
                f"the model was trained on newsclean signals version {version}, this newsclean "
                f"computes version {SIGNALS_VERSION}: retrain it (`newsclean train`) or install "
                "the newsclean version it was trained with"
            )
        n_features, window, max_chars = (int(v) for v in arrays["shape"])
        wanted = word_vectors_sha256(arrays)
        in_first = in_context = False
        if wanted is None:
            vectors = None
        else:
            if vectors is None or vectors.sha256 != wanted:
                raise ValueError(
                    f"the model reads the word-vector table {wanted[:12]}..., but was given "
                    + ("none" if vectors is None else f"table {vectors.sha256[:12]}...")
                )
            in_first, in_context = (bool(v) for v in arrays["word_vectors_use"])
        dim = vectors.dim if vectors is not None else 0
        context = None
        if f"{_CONTEXT_PREFIX}roots" in arrays:
            context = BoostedTrees.from_arrays(arrays, _CONTEXT_PREFIX)
            width = context_width(window, dim if in_context else 0)
            if len(context.feature) and context.feature.max() >= width:
                raise ValueError(f"the context trees read inputs beyond the {width} there are")
        word_coef = np.asarray(arrays["word_coef"])
        if len(word_coef) != n_features:
            raise ValueError(f"word_coef has {len(word_coef)} weights for {n_features} features")
        char_ngrams = int(arrays["char_ngrams"]) if "char_ngrams" in arrays else 0
        ngram_coef = np.asarray(arrays["ngram_coef"]) if char_ngrams else None
        if ngram_coef is not None and len(ngram_coef) != n_features:
            raise ValueError(f"ngram_coef has {len(ngram_coef)} weights for {n_features} features")
        width = dense_width(window, dim if in_first else 0)
        for name in ("dense_mean", "dense_scale", "dense_coef"):
            if np.shape(arrays[name]) != (width,):
                raise ValueError(f"{name} has shape {np.shape(arrays[name])}; expected ({width},)")
        return cls(
            n_features=n_features,
            window=window,
            max_chars=max_chars,
            word_coef=word_coef,
            dense_mean=np.asarray(arrays["dense_mean"]),
            dense_scale=np.asarray(arrays["dense_scale"]),
            dense_coef=np.asarray(arrays["dense_coef"]),
            intercept=float(arrays["intercept"]),
            context=context,
            vectors=vectors,
            vectors_in_first_pass=in_first,
            vectors_in_context=in_context,
            char_ngrams=char_ngrams,
            ngram_coef=ngram_coef,
            kinds=KindHead.from_arrays(arrays),
        )


_CONTEXT_PREFIX = "context_"


def word_vectors_sha256(arrays) -> str | None:
    """Fingerprint of the word-vector table a stored model reads, None if it reads none."""
    if "word_vectors_sha256" not in arrays:
        return None
    return str(arrays["word_vectors_sha256"])


def dense_width(window: int, vector_dim: int = 0) -> int:
    """Number of :func:`dense_signals` columns for ``window`` neighbours on each side, with
    word vectors of ``vector_dim`` dimensions (0: none)."""
    width = len(shape_names(window)) + len(VOICE_NAMES) + len(PLACE_NAMES)
    if vector_dim:
        width += (vector_dim + 1) + 2 * window * (vector_dim + 2)
    return width


def context_width(window: int, vector_dim: int = 0) -> int:
    """Number of :func:`context_inputs` columns for ``window`` neighbours on each side, with
    the paragraph's mean word vector of ``vector_dim`` dimensions (0: none)."""
    # Measured on a one-paragraph article, so it follows context_inputs' layout by construction.
    one = (np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64))
    voice, extremes = np.zeros((1, len(VOICE_NAMES))), np.zeros((1, 2))
    vector_means = np.zeros((1, vector_dim + 1)) if vector_dim else None
    return context_inputs(
        np.full(1, 0.5), voice, one, window, extremes, vector_means=vector_means
    ).shape[1]


__all__ = [
    "MAX_TREE_DEPTH",
    "SIGNALS_VERSION",
    "BoostedTrees",
    "Scorer",
    "article_means",
    "context_inputs",
    "context_logits",
    "context_matrix",
    "context_width",
    "dense_signals",
    "dense_width",
    "extremes_in_context",
    "sigmoid",
    "word_extremes",
    "word_vectors_sha256",
]
