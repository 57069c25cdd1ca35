"""The paragraph classifier: a first pass over each paragraph, then a context pass.

As in jusText, classification runs in two explicit passes and both results are kept:

1. **First pass** (``score_raw``): a linear model over the featurisers of
   :mod:`newsclean.features` gives each paragraph a probability of being boilerplate from its own
   text, shape, voice and place (and its neighbours' shape).
2. **Context pass** (``score``): gradient-boosted trees re-score each paragraph from its own
   first-pass score, its neighbours' scores, the mean score of the text before and after it, its
   publisher voice, and the largest and smallest first-pass weight among its words and its
   neighbours' (one telling phrase in a long line; a button beside "Give now"). A donation box
   of a title, two prose lines and four buttons is decided as a block: the prose lines look like
   story text alone, but not between an appeal title and "Give now".

The context model is trained on *out-of-fold* first-pass scores and word weights (grouped folds,
by publisher when groups are given), so it learns how far to trust scores the first pass has not
seen in training.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.utils.validation import check_is_fitted

from newsclean.features.featurisers import (
    CharNgrams,
    HashedText,
    PlaceFeatures,
    ShapeFeatures,
    VoiceFeatures,
    _validate_params,
)
from newsclean.features.scan import Scan
from newsclean.features.signals import (
    CHAR_NGRAMS_DEFAULT,
    MAX_CHARS_DEFAULT,
    N_FEATURES_DEFAULT,
    WINDOW_DEFAULT,
    word_entries,
)
from newsclean.features.table import check_table, scan_table
from newsclean.features.vectors import WordVectors, vector_names, vector_signals
from newsclean.labels import BOILERPLATE, EDITORIAL, LABELS
from newsclean.scorer import (
    MAX_TREE_DEPTH,
    BoostedTrees,
    Scorer,
    context_inputs,
    word_extremes,
)

#: Regularisation of the first-pass linear model (SGD ``alpha``).
ALPHA_DEFAULT = 3e-4
#: Folds used to produce out-of-fold first-pass scores for the context pass.
CV_DEFAULT = 3
#: Boosting iterations (trees) of the context pass, at most (early stopping may use fewer).
CONTEXT_MAX_ITER_DEFAULT = 100
#: Depth limit of the context pass's trees. In ad-hoc runs on three domain splits, shallow trees
#: did as well on unseen publishers as unlimited ones (which grew to depth 18), and the numpy
#: walk costs one step per level.
CONTEXT_MAX_DEPTH_DEFAULT = 4
#: Training weight, in the context pass, of an editorial paragraph that the out-of-fold first
#: pass scores as boilerplate (probability above 0.5). The threshold is set by the few story
#: paragraphs that score highest (lists of names, code), so those are what the trees must learn
#: to tell apart; chosen among 1, 2 and 3 under three domain splits
#: (``benchmarks/hard_weight_choice.py``).
CONTEXT_HARD_WEIGHT_DEFAULT = 3.0
#: Default decision threshold on the boilerplate probability; training replaces it with one
#: chosen on validation data for editorial recall >= 0.995.
THRESHOLD_DEFAULT = 0.5
#: Where the word vectors go: nowhere, the first pass's dense signals (own and neighbours'
#: mean vectors), the context pass's inputs (own mean vector), or both.
WORD_VECTOR_PLACEMENTS = ("none", "first_pass", "context", "both")
#: Default placement of the word vectors.
WORD_VECTORS_DEFAULT = "none"


def first_pass_featurisers(
    *, n_features: int, window: int, max_chars: int, char_ngrams: int = CHAR_NGRAMS_DEFAULT
) -> list:
    """The featurisers whose outputs, in order, are the first pass's inputs: hashed words and
    pairs, with ``char_ngrams > 0`` hashed character n-grams of that length (in a hash space of
    their own), then the dense shape (with ``window`` neighbours), voice and place signals (the
    layout :class:`~newsclean.scorer.Scorer` scores)."""
    grams = [CharNgrams(n=char_ngrams, n_features=n_features, max_chars=max_chars)]
    return [
        HashedText(bigrams=True, n_features=n_features, max_chars=max_chars),
        *(grams if char_ngrams else []),
        ShapeFeatures(window=window, max_chars=max_chars),
        VoiceFeatures(max_chars=max_chars),
        PlaceFeatures(max_chars=max_chars),
    ]


class FirstPassInputs(NamedTuple):
    """What :func:`first_pass_features` computes."""

    #: Hashed words, then the standardised dense signals: the first pass's input matrix.
    matrix: sparse.csr_matrix
    #: The dense signals' ``(mean, scale)``.
    scaling: tuple[np.ndarray, np.ndarray]
    #: :class:`~newsclean.features.VoiceFeatures`' output, which the context pass reads too.
    voice: np.ndarray


def first_pass_features(
    scan: Scan,
    *,
    n_features: int,
    window: int,
    scaling: tuple[np.ndarray, np.ndarray] | None = None,
    vectors: WordVectors | None = None,
    char_ngrams: int = CHAR_NGRAMS_DEFAULT,
) -> FirstPassInputs:
    """The first pass's inputs, computed by its featurisers (:func:`first_pass_featurisers`)
    from one scan of the paragraphs, then, with a word-vector table ``vectors``, the mean word
    vectors of each paragraph and its neighbours
    (:func:`~newsclean.features.vectors.vector_signals`).

    ``scaling`` is the dense signals' ``(mean, scale)``; None computes it from ``scan`` (as
    ``fit`` does).
    """
    featurisers = first_pass_featurisers(
        n_features=n_features, window=window, max_chars=scan.max_chars, char_ngrams=char_ngrams
    )
    *hashed, shape, voice, place = (f.transform_scan(scan) for f in featurisers)
    parts = [shape, voice, place]
    if vectors is not None:
        parts.append(vector_signals(scan, vectors, window))
    dense = np.hstack(parts)
    if scaling is None:
        std = dense.std(axis=0)
        scaling = (dense.mean(axis=0), np.where(std > 0, std, 1.0))
    scaled = sparse.csr_matrix((dense - scaling[0]) / scaling[1])
    return FirstPassInputs(sparse.hstack([*hashed, scaled], format="csr"), scaling, voice)


def first_pass_word_extremes(
    first_pass: SGDClassifier, entries: tuple[np.ndarray, np.ndarray], n_features: int, n: int
) -> np.ndarray:
    """:func:`~newsclean.scorer.word_extremes` of ``n`` paragraphs under a fitted first pass,
    its word weights rounded to float32 as a stored model keeps them, so that training sees
    the values scoring will. ``entries`` are the rows and columns of the word entries."""
    rows, columns = entries
    weights = first_pass.coef_[0][:n_features].astype(np.float32)
    return word_extremes(rows, weights[columns].astype(np.float64), n)


def _fit_first_pass(
    model: SGDClassifier, features: sparse.csr_matrix, target: np.ndarray, weight: np.ndarray
) -> SGDClassifier:
    """Fit the first pass within its fixed budget of epochs.

    ``max_iter=50`` is a budget on training time, and reaching it is the normal case on the
    shared data, so sklearn's ConvergenceWarning (one per fit, four per training run) would
    only restate that choice.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(features, target, sample_weight=weight)


def _placement(in_first_pass: bool, in_context: bool) -> str:
    """The ``word_vectors`` placement of a model whose passes read vectors as given."""
    return WORD_VECTOR_PLACEMENTS[int(in_first_pass) + 2 * int(in_context)]


class ParagraphClassifier(ClassifierMixin, BaseEstimator):
    """Editorial / boilerplate classifier over a paragraph table.

    Parameters
    ----------
    n_features : int, default=2**18
        Hash space of the hashed words and word pairs.
    alpha : float, default=3e-4
        L2 regularisation of the first-pass logistic model.
    window : int, default=2
        Neighbours on each side used by the shape featuriser and by the context pass.
    context : bool, default=True
        Run the context pass; with False, ``score == score_raw``.
    context_extremes : bool, default=True
        Give the context pass the largest and smallest first-pass word weight of each paragraph
        and of its neighbours (:func:`~newsclean.scorer.extremes_in_context`); with False its
        trees never read them (for ablations: the models shipped before them).
    context_max_iter : int, default=100
        Most trees the context pass may grow.
    context_max_depth : int, default=4
        Depth limit of the context pass's trees (at most ``MAX_TREE_DEPTH``, 12).
    context_hard_weight : float, default=3.0
        Extra weight, in the context pass's training, of editorial paragraphs that the
        out-of-fold first pass calls boilerplate (``score_raw > 0.5``): the story paragraphs
        that look most like boilerplate set the threshold. 1.0 weighs them as the others.
    cv : int, default=3
        Folds for the out-of-fold scores the context pass is trained on.
    threshold : float, default=0.5
        Boilerplate probability at or above which :meth:`predict` says "boilerplate".
    max_chars : int, default=1000
        Characters of each paragraph that featurisers read.
    word_vectors : {"none", "first_pass", "context", "both"}, default="none"
        Where static word vectors enter (:mod:`newsclean.features.vectors`): the first pass
        reads the mean vector of each paragraph's known words and of its ``window`` neighbours
        on each side (with the share of known words); the context pass reads the paragraph's
        own mean vector.
    char_ngrams : int, default=4
        Length of the hashed character n-grams inside words that the first pass reads
        (:class:`~newsclean.features.CharNgrams`, ``n_features`` columns of their own); 0 for
        none.
    vector_table : str or None, default=None
        Path of the word-vector table; None is the vendored GloVe 6B 50-d table
        (:data:`newsclean.models.VENDORED_VECTORS`). Unused with ``word_vectors="none"``.
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray of str
        ``["boilerplate", "editorial"]``.
    scorer_ : Scorer
        What was learned, as plain arrays: every prediction goes through it (see
        :mod:`newsclean.scorer`).
    first_pass_ : SGDClassifier
        First-pass linear model (after ``fit``; a model rebuilt by :meth:`from_scorer` has
        only ``scorer_``).
    context_ : HistGradientBoostingClassifier or None
        Context-pass model (after ``fit``, as ``first_pass_``).

    Examples
    --------
    >>> from newsclean.features import paragraph_table
    >>> X = paragraph_table(["The council voted on Monday to close the old bridge.\\n"
    ...                      "Subscribe to our newsletter"] * 20)
    >>> y = ["editorial", "boilerplate"] * 20
    >>> clf = ParagraphClassifier(n_features=2**10, cv=2).fit(X, y)
    >>> clf.predict(X[:2]).tolist()
    ['editorial', 'boilerplate']
    """

    _parameter_constraints = {
        "n_features": (Integral, 16, None),
        "alpha": (Real, 0.0, None),
        "window": (Integral, 0, 10),
        "context": (bool, None, None),
        "context_extremes": (bool, None, None),
        "context_max_iter": (Integral, 1, None),
        "context_max_depth": (Integral, 1, MAX_TREE_DEPTH),
        "context_hard_weight": (Real, 0.0, None),
        "cv": (Integral, 2, None),
        "threshold": (Real, 0.0, 1.0),
        "max_chars": (Integral, 1, None),
        "word_vectors": (str, None, None),
        "char_ngrams": (Integral, 0, None),
        "vector_table": ((str, type(None)), None, None),
        "random_state": (Integral, 0, None),
    }

    def __init__(
        self,
        *,
        n_features: int = N_FEATURES_DEFAULT,
        alpha: float = ALPHA_DEFAULT,
        window: int = WINDOW_DEFAULT,
        context: bool = True,
        context_extremes: bool = True,
        context_max_iter: int = CONTEXT_MAX_ITER_DEFAULT,
        context_max_depth: int = CONTEXT_MAX_DEPTH_DEFAULT,
        context_hard_weight: float = CONTEXT_HARD_WEIGHT_DEFAULT,
        cv: int = CV_DEFAULT,
        threshold: float = THRESHOLD_DEFAULT,
        max_chars: int = MAX_CHARS_DEFAULT,
        word_vectors: str = WORD_VECTORS_DEFAULT,
        char_ngrams: int = CHAR_NGRAMS_DEFAULT,
        vector_table: str | None = None,
        random_state: int = 0,
    ) -> None:
        self.n_features = n_features
        self.alpha = alpha
        self.window = window
        self.context = context
        self.context_extremes = context_extremes
        self.context_max_iter = context_max_iter
        self.context_max_depth = context_max_depth
        self.context_hard_weight = context_hard_weight
        self.cv = cv
        self.threshold = threshold
        self.max_chars = max_chars
        self.word_vectors = word_vectors
        self.char_ngrams = char_ngrams
        self.vector_table = vector_table
        self.random_state = random_state

    def __setstate__(self, state: dict) -> None:
        # Pickled before the word extremes existed: its context pass never read them.
        state.setdefault("context_extremes", False)
        state.setdefault("context_hard_weight", 1.0)  # likewise, before hard story paragraphs
        state.setdefault("char_ngrams", 0)  # and before character n-grams and word vectors
        state.setdefault("word_vectors", "none")
        state.setdefault("vector_table", None)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        # Input is a paragraph table (a DataFrame of text), not a numeric 2-D array: the
        # numeric-array estimator checks do not apply; tests check the API on tables instead.
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    # -- construction -------------------------------------------------------------------------
    def _make_featurisers(self) -> list:
        """The featurisers whose outputs, in order, are the first pass's inputs."""
        return first_pass_featurisers(
            n_features=self.n_features,
            window=self.window,
            max_chars=self.max_chars,
            char_ngrams=self.char_ngrams,
        )

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names of the first pass's input features, in order."""
        check_is_fitted(self)
        names = [f.get_feature_names_out() for f in self._make_featurisers()]
        if self.scorer_.vectors_in_first_pass:
            names.append(
                [f"vectors__{n}" for n in vector_names(self.scorer_.vectors.dim, self.window)]
            )
        return np.concatenate(names).astype(object)

    @classmethod
    def from_scorer(cls, scorer: Scorer, **params) -> ParagraphClassifier:
        """A fitted classifier that scores with ``scorer`` (for example one loaded from disk).

        ``params`` are other constructor parameters (``threshold``, ``alpha``...); the ones the
        scorer fixes (``n_features``, ``window``, ``max_chars``, ``context``) come from it.
        """
        model = cls(**params)
        model.set_params(
            n_features=scorer.n_features,
            window=scorer.window,
            max_chars=scorer.max_chars,
            context=scorer.context is not None,
            word_vectors=_placement(scorer.vectors_in_first_pass, scorer.vectors_in_context),
            char_ngrams=scorer.char_ngrams,
        )
        model.classes_ = np.asarray(LABELS, dtype=object)
        model.scorer_ = scorer
        return model

    @classmethod
    def from_card(cls, scorer: Scorer, card: dict) -> ParagraphClassifier:
        """The classifier of a loaded model folder: ``scorer`` with its card's parameters and
        threshold (what :func:`newsclean.load_model` returns; ``card`` as read by
        :func:`newsclean.models.load_artifact`, its threshold already checked).

        A parameter the card lacks is the value the model was trained with when the card was
        written before the parameter existed, not today's default.
        """
        known = cls().get_params()
        params = {k: v for k, v in card.get("params", {}).items() if k in known}
        params.pop("word_vectors", None)  # the scorer's arrays say which table and where
        params.setdefault("context_extremes", False)
        params.setdefault("context_hard_weight", 1.0)
        params["threshold"] = card["threshold"]
        return cls.from_scorer(scorer, **params)

    def _make_first_pass(self) -> SGDClassifier:
        return SGDClassifier(
            loss="log_loss", alpha=self.alpha, max_iter=50, tol=1e-4, random_state=self.random_state
        )

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y, sample_weight=None, groups=None) -> ParagraphClassifier:
        """Fit both passes.

        Parameters
        ----------
        X : DataFrame
            Paragraph table of whole articles (see :mod:`newsclean.features.table`).
        y : array-like of {"editorial", "boilerplate"}
        sample_weight : array-like, optional
            Rows with weight 0 give context to their neighbours but are not learned from
            (use it for unlabelled or ambiguous paragraphs).
        groups : array-like, optional
            Group of each row for the out-of-fold folds (the publisher domain); defaults to
            ``article_id``. Rows of one article must share a group.

        Returns
        -------
        self : object
        """
        _validate_params(self)
        if self.word_vectors not in WORD_VECTOR_PLACEMENTS:
            raise ValueError(
                f"ParagraphClassifier: parameter 'word_vectors' must be one of "
                f"{WORD_VECTOR_PLACEMENTS}, got {self.word_vectors!r}"
            )
        if self.word_vectors in ("context", "both") and not self.context:
            raise ValueError(
                f"ParagraphClassifier: word_vectors={self.word_vectors!r} needs context=True"
            )
        X = check_table(X)
        y = np.asarray(y, dtype=object)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
        unknown = set(np.unique(y)) - set(LABELS)
        if unknown:
            raise ValueError(f"labels must be {LABELS}; found {sorted(map(str, unknown))}")
        weight = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, float)
        target = (y == BOILERPLATE).astype(np.int8)
        learn = weight > 0
        if len(np.unique(target[learn])) < 2:
            raise ValueError("training needs both editorial and boilerplate paragraphs")

        self.classes_ = np.asarray(LABELS, dtype=object)
        for featuriser in self._make_featurisers():
            _validate_params(featuriser)
        scan = scan_table(X, self.max_chars, check=False)  # checked above
        vectors = self._word_vectors()
        in_first = self.word_vectors in ("first_pass", "both")
        in_context = self.word_vectors in ("context", "both")
        features, (dense_mean, dense_scale), voice = first_pass_features(
            scan,
            n_features=self.n_features,
            window=self.window,
            vectors=vectors if in_first else None,
            char_ngrams=self.char_ngrams,
        )

        self.context_ = None
        bounds = (scan.article_starts, scan.article_ends)
        if self.context:
            groups = X["article_id"].to_numpy() if groups is None else np.asarray(groups)
            entries = word_entries(scan, self.n_features)[:2]
            oof, extremes = self._out_of_fold_scores(features, target, weight, groups, entries)
            if not self.context_extremes:  # constant columns: no tree can split on them
                extremes = np.zeros_like(extremes)
            vector_means = vectors.paragraph_means(scan) if in_context else None
            inputs = context_inputs(
                oof, voice, bounds, self.window, extremes, vector_means=vector_means
            )
            self.context_ = HistGradientBoostingClassifier(
                max_iter=self.context_max_iter,
                max_depth=self.context_max_depth,
                random_state=self.random_state,
            )
            # Story paragraphs the first pass takes for boilerplate (positive out-of-fold logit,
            # the first input) are the ones the threshold hinges on: weigh them up.
            hard = (target == 0) & (inputs[:, 0] > 0)
            context_weight = np.where(hard, weight * self.context_hard_weight, weight)
            self.context_.fit(inputs[learn], target[learn], sample_weight=context_weight[learn])

        self.first_pass_ = _fit_first_pass(
            self._make_first_pass(), features[learn], target[learn], weight[learn]
        )
        coef = self.first_pass_.coef_[0]
        # Columns: words, then character n-grams (when read), then the dense signals.
        n_hashed = self.n_features * (2 if self.char_ngrams else 1)
        self.scorer_ = Scorer(
            n_features=self.n_features,
            window=self.window,
            max_chars=self.max_chars,
            # float32 halves the stored model; the scores move by less than 1e-6.
            word_coef=coef[: self.n_features].astype(np.float32),
            dense_mean=dense_mean,
            dense_scale=dense_scale,
            dense_coef=coef[n_hashed:],
            char_ngrams=self.char_ngrams,
            ngram_coef=coef[self.n_features : n_hashed].astype(np.float32)
            if self.char_ngrams
            else None,
            intercept=float(self.first_pass_.intercept_[0]),
            context=None
            if self.context_ is None
            else BoostedTrees.from_histogram_boosting(self.context_),
            vectors=vectors,
            vectors_in_first_pass=in_first,
            vectors_in_context=in_context,
        )
        return self

    def _word_vectors(self) -> WordVectors | None:
        """The word-vector table this model reads, None with ``word_vectors="none"``."""
        if self.word_vectors == "none":
            return None
        from newsclean.models import load_word_vectors

        return load_word_vectors(self.vector_table)

    def _out_of_fold_scores(
        self, features, target, weight, groups, entries: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """First-pass scores and :func:`word_extremes` of every row, each from a first pass
        fitted without the row's group (its publisher), as the context pass will meet them on
        new publishers. ``entries`` are the rows and columns of the word entries."""
        from sklearn.model_selection import GroupKFold  # fit-only: keeps `import newsclean` light

        n = features.shape[0]
        oof, extremes = np.zeros(n), np.zeros((n, 2))
        n_groups = len(np.unique(groups))
        folds = GroupKFold(n_splits=min(self.cv, n_groups))
        for train_idx, test_idx in folds.split(features, target, groups):
            learn = train_idx[weight[train_idx] > 0]
            model = clone(self._make_first_pass())
            if len(np.unique(target[learn])) < 2:  # a degenerate fold: fall back to the prior
                oof[test_idx] = target[learn].mean() if len(learn) else 0.5
                continue
            _fit_first_pass(model, features[learn], target[learn], weight[learn])
            oof[test_idx] = model.predict_proba(features[test_idx])[:, 1]
            fold = first_pass_word_extremes(model, entries, self.n_features, n)
            extremes[test_idx] = fold[test_idx]
        return oof, extremes

    # -- prediction ---------------------------------------------------------------------------
    def score_paragraphs(self, X: pd.DataFrame) -> pd.DataFrame:
        """Both passes' boilerplate probabilities, one row per paragraph.

        Returns
        -------
        scores : DataFrame
            Columns ``score_raw`` (first pass) and ``score`` (after the context pass), indexed
            like ``X``.
        """
        raw, final = self._scores(X)
        return pd.DataFrame({"score_raw": raw, "score": final}, index=X.index)

    def _scores(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        return self.scorer_.scores(scan_table(X, self.max_chars))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities in ``classes_`` order: ``[:, 0]`` boilerplate, ``[:, 1]`` editorial."""
        score = self._scores(X)[1]
        return np.column_stack([score, 1.0 - score])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """``"boilerplate"`` where the context-pass score is at least ``threshold``."""
        score = self._scores(X)[1]
        return np.where(score >= self.threshold, BOILERPLATE, EDITORIAL).astype(object)


__all__ = [
    "FirstPassInputs",
    "ParagraphClassifier",
    "first_pass_features",
    "first_pass_featurisers",
    "first_pass_word_extremes",
]
