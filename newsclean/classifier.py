"""The paragraph classifier: a first pass over each paragraph, then a context pass.

As in jusText, classification runs in two explicit passes and both results are kept:

1. **First pass** (``score_raw``): a linear model over the featurisers of
   :mod:`newsclean.features` gives each paragraph a probability of being boilerplate from its own
   text, shape, voice and place (and its neighbours' shape).
2. **Context pass** (``score``): a small logistic model re-scores each paragraph from its own
   first-pass score, its neighbours' scores and the mean score of the text before and after it.
   A donation box of a title, two prose lines and four buttons is decided as a block: the prose
   lines look like story text alone, but not between an appeal title and "Give now".

The context model is trained on *out-of-fold* first-pass scores (grouped folds, by publisher when
groups are given), so it learns how far to trust scores the first pass has not seen in training.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.utils.validation import check_is_fitted

from newsclean.features.featurisers import (
    MAX_CHARS_DEFAULT,
    N_FEATURES_DEFAULT,
    WINDOW_DEFAULT,
    HashedText,
    PlaceFeatures,
    ShapeFeatures,
    VoiceFeatures,
    _validate_params,
    neighbour_offsets,
    shift_within_articles,
)
from newsclean.features.table import article_bounds, check_table

EDITORIAL = "editorial"
BOILERPLATE = "boilerplate"
LABELS = (BOILERPLATE, EDITORIAL)  # sorted, as scikit-learn orders classes_

#: Regularisation of the first-pass linear model (SGD ``alpha``).
ALPHA_DEFAULT = 3e-4
#: Folds used to produce out-of-fold first-pass scores for the context pass.
CV_DEFAULT = 3
#: Default decision threshold on the boilerplate probability; training replaces it with one
#: chosen on validation data for editorial recall >= 0.995.
THRESHOLD_DEFAULT = 0.5
_LOGIT_CLIP = 1e-4


class ParagraphClassifier(ClassifierMixin, BaseEstimator):
    """Editorial / boilerplate classifier over a paragraph table.

    Parameters
    ----------
    n_features : int, default=2**18
        Hash space of each text featuriser (words, character n-grams).
    char_ngrams : bool, default=False
        Add hashed character 3-5-grams to the word uni- and bigrams (on the shared data they
        cost 5x the featurising time for no gain on held-out publishers).
    alpha : float, default=3e-4
        L2 regularisation of the first-pass logistic model.
    window : int, default=2
        Neighbours on each side used by the shape featuriser and by the context pass.
    context : bool, default=True
        Run the context pass; with False, ``score == score_raw``.
    cv : int, default=3
        Folds for the out-of-fold scores the context pass is trained on.
    threshold : float, default=0.5
        Boilerplate probability at or above which :meth:`predict` says "boilerplate".
    max_chars : int, default=1000
        Characters of each paragraph that featurisers read.
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray of str
        ``["boilerplate", "editorial"]``.
    text_featurisers_, dense_featurisers_ : list of transformers
        Featurisers of the first pass; dense features are standardised with ``dense_mean_``
        and ``dense_scale_``.
    first_pass_ : SGDClassifier
        First-pass linear model.
    context_ : LogisticRegression or None
        Context-pass model.

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
        "cv": (Integral, 2, None),
        "threshold": (Real, 0.0, 1.0),
        "max_chars": (Integral, 1, None),
        "random_state": (Integral, 0, None),
    }

    def __init__(
        self,
        *,
        n_features: int = N_FEATURES_DEFAULT,
        char_ngrams: bool = False,
        alpha: float = ALPHA_DEFAULT,
        window: int = WINDOW_DEFAULT,
        context: bool = True,
        cv: int = CV_DEFAULT,
        threshold: float = THRESHOLD_DEFAULT,
        max_chars: int = MAX_CHARS_DEFAULT,
        random_state: int = 0,
    ) -> None:
        self.n_features = n_features
        self.char_ngrams = char_ngrams
        self.alpha = alpha
        self.window = window
        self.context = context
        self.cv = cv
        self.threshold = threshold
        self.max_chars = max_chars
        self.random_state = random_state

    def __sklearn_tags__(self):
        # Input is a paragraph table (a DataFrame of text), not a numeric 2-D array: the
        # numeric-array estimator checks do not apply; tests check the API on tables instead.
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    # -- construction -------------------------------------------------------------------------
    def _make_featurisers(self) -> tuple[list, list]:
        """Text featurisers (sparse, already normalised) and dense featurisers (scaled in fit)."""
        text = [
            HashedText(
                analyzer="word",
                ngram_min=1,
                ngram_max=2,
                n_features=self.n_features,
                max_chars=self.max_chars,
            )
        ]
        if self.char_ngrams:
            text.append(
                HashedText(
                    analyzer="char_wb",
                    ngram_min=3,
                    ngram_max=5,
                    n_features=self.n_features,
                    max_chars=self.max_chars,
                )
            )
        dense = [
            ShapeFeatures(window=self.window, max_chars=self.max_chars),
            VoiceFeatures(max_chars=self.max_chars),
            PlaceFeatures(),
        ]
        return text, dense

    def _dense(self, X: pd.DataFrame) -> np.ndarray:
        return np.hstack([f.transform(X) for f in self.dense_featurisers_])

    def _featurise(self, X: pd.DataFrame, dense: np.ndarray | None = None) -> sparse.csr_matrix:
        # Composed by hand rather than with FeatureUnion/StandardScaler: the same arithmetic
        # without per-call validation, which dominated the cost of cleaning one article.
        dense = self._dense(X) if dense is None else dense
        scaled = (dense - self.dense_mean_) / self.dense_scale_
        blocks = [f.transform(X) for f in self.text_featurisers_]
        return sparse.hstack([*blocks, sparse.csr_matrix(scaled)], format="csr")

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names of the first pass's input features, in order."""
        check_is_fitted(self)
        return np.concatenate(
            [f.get_feature_names_out() for f in self.text_featurisers_ + self.dense_featurisers_]
        )

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
        text, dense = self._make_featurisers()
        self.text_featurisers_ = [f.fit(X) for f in text]
        self.dense_featurisers_ = [f.fit(X) for f in dense]
        raw_dense = self._dense(X)
        self.dense_mean_ = raw_dense.mean(axis=0)
        scale = raw_dense.std(axis=0)
        self.dense_scale_ = np.where(scale > 0, scale, 1.0)
        features = self._featurise(X, raw_dense)

        self.context_ = None
        if self.context:
            groups = X["article_id"].to_numpy() if groups is None else np.asarray(groups)
            oof = self._out_of_fold_scores(features, target, weight, groups)
            ctx = _context_matrix(oof, X, self.window)
            self.context_ = LogisticRegression(C=1.0, max_iter=1000)
            self.context_.fit(ctx[learn], target[learn], sample_weight=weight[learn])

        self.first_pass_ = self._make_first_pass()
        self.first_pass_.fit(features[learn], target[learn], sample_weight=weight[learn])
        return self

    def _out_of_fold_scores(self, features, target, weight, groups) -> np.ndarray:
        from sklearn.model_selection import GroupKFold  # fit-only: keeps `import newsclean` light

        oof = np.zeros(features.shape[0])
        n_groups = len(np.unique(groups))
        folds = GroupKFold(n_splits=min(self.cv, n_groups))
        for train_idx, test_idx in folds.split(features, target, groups):
            learn = train_idx[weight[train_idx] > 0]
            model = clone(self._make_first_pass())
            if len(np.unique(target[learn])) < 2:  # a degenerate fold: fall back to the prior
                oof[test_idx] = target[learn].mean() if len(learn) else 0.5
                continue
            model.fit(features[learn], target[learn], sample_weight=weight[learn])
            oof[test_idx] = model.predict_proba(features[test_idx])[:, 1]
        return oof

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
        X = check_table(X)
        if len(X) == 0:
            empty = np.zeros(0)
            return empty, empty
        raw = _linear_proba(self.first_pass_, self._featurise(X))
        if self.context_ is None:
            return raw, raw
        final = _linear_proba(self.context_, _context_matrix(raw, X, self.window))
        return raw, final

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities in ``classes_`` order: ``[:, 0]`` boilerplate, ``[:, 1]`` editorial."""
        score = self._scores(X)[1]
        return np.column_stack([score, 1.0 - score])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """``"boilerplate"`` where the context-pass score is at least ``threshold``."""
        score = self._scores(X)[1]
        return np.where(score >= self.threshold, BOILERPLATE, EDITORIAL).astype(object)


def _linear_proba(model, features) -> np.ndarray:
    """P(class 1) of a fitted binary linear model (predict_proba without input validation)."""
    return expit(features @ model.coef_[0] + model.intercept_[0])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _LOGIT_CLIP, 1 - _LOGIT_CLIP)
    return np.log(p / (1 - p))


def _context_matrix(raw: np.ndarray, X: pd.DataFrame, window: int) -> np.ndarray:
    """Context-pass inputs: own and neighbours' first-pass logits, and block means."""
    logit = _logit(np.asarray(raw, dtype=np.float64))
    bounds = article_bounds(X)
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
    columns = [logit, before_mean, after_mean, article_mean]
    for offset in neighbour_offsets(window):
        shifted, present = shift_within_articles(logit, bounds, offset)
        columns.extend([shifted, present.astype(np.float64)])
    return np.column_stack(columns)


__all__ = ["BOILERPLATE", "EDITORIAL", "LABELS", "ParagraphClassifier"]
