"""Featurisers: scikit-learn transformers over a paragraph table (see :mod:`.table`).

Each wraps one family of :mod:`.signals` (where the arithmetic and its rationale live):

- :class:`HashedText` -- hashed words and word pairs (:func:`.signals.word_columns`);
- :class:`CharNgrams` -- hashed character n-grams inside words
  (:func:`.signals.char_ngram_entries`);
- :class:`ShapeFeatures` -- surface shape of a paragraph and its neighbours
  (:func:`.signals.shape_signals`);
- :class:`VoiceFeatures` -- publisher voice (:func:`.signals.voice_signals`);
- :class:`PlaceFeatures` -- place in the article (:func:`.signals.place_signals`).

All are stateless: ``fit`` only validates parameters. Each reads at most ``max_chars`` characters
of a paragraph, so a huge paragraph costs bounded time. All are computed from one
:class:`~newsclean.features.scan.Scan` of the table (``transform_scan``), so a model that uses
several featurisers scans the text once; ``transform(X)`` scans and calls ``transform_scan``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from newsclean.features.scan import Scan
from newsclean.features.signals import (
    LONG_PARAGRAPH_WORDS,
    MAX_CHARS_DEFAULT,
    N_FEATURES_DEFAULT,
    PLACE_NAMES,
    SHORT_LINE_WORDS,
    VOICE_NAMES,
    WINDOW_DEFAULT,
    char_ngram_entries,
    csr_parts,
    place_signals,
    shape_names,
    shape_signals,
    voice_signals,
    word_columns,
)
from newsclean.features.table import check_table, scan_table
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin


class _StatelessTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: validation in ``fit``, scanning in ``transform``, named outputs."""

    _parameter_constraints: dict = {}
    max_chars: int

    def fit(self, X: pd.DataFrame, y: object = None) -> _StatelessTransformer:
        """Validate parameters and the table; learn nothing.

        Parameters
        ----------
        X : DataFrame
            Paragraph table.
        y : ignored

        Returns
        -------
        self : object
        """
        _validate_params(self)
        check_table(X)
        return self

    def transform(self, X: pd.DataFrame):
        """Features of each paragraph of the table ``X`` (one row per paragraph)."""
        return self.transform_scan(scan_table(X, self.max_chars))

    def transform_scan(self, scan: Scan):
        """Features from a :class:`~newsclean.features.scan.Scan` of the table."""
        if scan.max_chars != self.max_chars:
            raise ValueError(
                f"{type(self).__name__}: the scan read {scan.max_chars} characters per "
                f"paragraph but max_chars={self.max_chars}"
            )
        return self._from_scan(scan)

    def _from_scan(self, scan: Scan):
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Stable, prefixed output feature names."""
        return np.asarray([f"{self._prefix}__{n}" for n in self._names()], dtype=object)

    # Subclasses define _prefix and _names().
    _prefix = ""

    def _names(self) -> list[str]:
        raise NotImplementedError


def _validate_params(estimator: BaseEstimator) -> None:
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    Each constraint is ``(type, low, high)``; a violation raises ``ValueError`` naming the
    parameter (scikit-learn's own checker is private, so this is the small public helper).
    """
    for name, (kind, low, high) in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise ValueError(
                f"{type(estimator).__name__}: parameter {name!r} must be {kind}, got {value!r}"
            )
        # NaN compares False with every bound, and inf passes an open one: both are refused
        if kind is Real and not math.isfinite(value):
            raise ValueError(
                f"{type(estimator).__name__}: parameter {name!r} must be a finite number, "
                f"got {value!r}"
            )
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(
                f"{type(estimator).__name__}: parameter {name!r} must be in [{low}, {high}], "
                f"got {value!r}"
            )


class HashedText(_StatelessTransformer):
    """Hashed bag of words (and word pairs) of each paragraph's prefix.

    See :func:`~newsclean.features.signals.word_entries` for the words, hashing and weights.

    Parameters
    ----------
    bigrams : bool, default=True
        Also count pairs of adjacent words.
    n_features : int, default=2**18
    max_chars : int, default=1000
        Characters of each paragraph that are read.

    Examples
    --------
    >>> from newsclean.features import paragraph_table
    >>> X = paragraph_table(["Subscribe to our newsletter\\nThe minister said."])
    >>> HashedText(n_features=64).fit_transform(X).shape
    (2, 64)
    """

    _prefix = "text"
    _parameter_constraints = {
        "bigrams": (bool, None, None),
        "n_features": (Integral, 1, None),
        "max_chars": (Integral, 1, None),
    }

    def __init__(
        self,
        *,
        bigrams: bool = True,
        n_features: int = N_FEATURES_DEFAULT,
        max_chars: int = MAX_CHARS_DEFAULT,
    ) -> None:
        self.bigrams = bigrams
        self.n_features = n_features
        self.max_chars = max_chars

    def _from_scan(self, scan: Scan) -> sparse.csr_matrix:
        """Sparse float32 matrix of shape (n_paragraphs, n_features)."""
        return sparse.csr_matrix(
            word_columns(scan, self.n_features, self.bigrams), shape=(scan.n, self.n_features)
        )

    def _names(self) -> list[str]:
        return [f"word{i}" for i in range(self.n_features)]


class CharNgrams(_StatelessTransformer):
    """Hashed character n-grams inside the words of each paragraph's prefix.

    See :func:`~newsclean.features.signals.char_ngram_entries`: a word worded unlike any seen in
    training ("subscribers", "supporter") still shares n-grams with the ones that were.

    Parameters
    ----------
    n : int, default=4
        Length of the n-grams (characters).
    n_features : int, default=2**18
    max_chars : int, default=1000
        Characters of each paragraph that are read.

    Examples
    --------
    >>> from newsclean.features import paragraph_table
    >>> X = paragraph_table(["Subscribe\\nSubscribers"])
    >>> grams = CharNgrams(n=4, n_features=2**10).fit_transform(X)
    >>> grams.getnnz(axis=1).tolist()  # subs ubsc bscr scri crib ribe (+ iber bers)
    [6, 8]
    """

    _prefix = "chars"
    _parameter_constraints = {
        "n": (Integral, 1, None),
        "n_features": (Integral, 1, None),
        "max_chars": (Integral, 1, None),
    }

    def __init__(
        self,
        *,
        n: int = 4,
        n_features: int = N_FEATURES_DEFAULT,
        max_chars: int = MAX_CHARS_DEFAULT,
    ) -> None:
        self.n = n
        self.n_features = n_features
        self.max_chars = max_chars

    def _from_scan(self, scan: Scan) -> sparse.csr_matrix:
        """Sparse float32 matrix of shape (n_paragraphs, n_features)."""
        entries = char_ngram_entries(scan, self.n_features, self.n)
        return sparse.csr_matrix(csr_parts(*entries, scan.n), shape=(scan.n, self.n_features))

    def _names(self) -> list[str]:
        return [f"gram{i}" for i in range(self.n_features)]


class ShapeFeatures(_StatelessTransformer):
    """Surface shape of each paragraph and, with ``window > 0``, of its neighbours.

    Length, capitals, digits, end punctuation, links and money: boilerplate is short,
    link-like and unpunctuated far more often than prose.

    Parameters
    ----------
    window : int, default=2
        Neighbours on each side whose shape is appended (0 = the paragraph alone). A missing
        neighbour (article start or end) gives zeros and a ``present`` flag of 0.
    max_chars : int, default=1000

    Examples
    --------
    >>> from newsclean.features import paragraph_table
    >>> X = paragraph_table(["Read more\\nThe minister said on Monday that it was over."])
    >>> f = ShapeFeatures(window=0).fit(X)
    >>> dict(zip(f.get_feature_names_out(), f.transform(X)[0]))["shape__ends_terminal"]
    np.float64(0.0)
    """

    _prefix = "shape"
    _parameter_constraints = {
        "window": (Integral, 0, 10),
        "max_chars": (Integral, 1, None),
    }

    def __init__(self, *, window: int = WINDOW_DEFAULT, max_chars: int = MAX_CHARS_DEFAULT):
        self.window = window
        self.max_chars = max_chars

    def _from_scan(self, scan: Scan) -> np.ndarray:
        """Dense array of shape (n_paragraphs, n_features_out)."""
        return shape_signals(scan, self.window)

    def _names(self) -> list[str]:
        return shape_names(self.window)


class VoiceFeatures(_StatelessTransformer):
    """Publisher voice: reader address, first-person plural, calls to action, business words.

    Rates are per word, so a long story paragraph that mentions "our" once scores low while
    "Support our journalism" scores high.

    Parameters
    ----------
    max_chars : int, default=1000

    Examples
    --------
    >>> from newsclean.features import paragraph_table
    >>> X = paragraph_table(["Support our journalism today"])
    >>> VoiceFeatures().fit_transform(X)[0, 2]  # imperative_start
    np.float64(1.0)
    """

    _prefix = "voice"
    _parameter_constraints = {"max_chars": (Integral, 1, None)}

    def __init__(self, *, max_chars: int = MAX_CHARS_DEFAULT):
        self.max_chars = max_chars

    def _from_scan(self, scan: Scan) -> np.ndarray:
        """Dense array of shape (n_paragraphs, 7)."""
        return voice_signals(scan)

    def _names(self) -> list[str]:
        return list(VOICE_NAMES)


class PlaceFeatures(_StatelessTransformer):
    """Place of each paragraph in its article.

    Boilerplate sits at the top and bottom of an article, after the story's last long
    paragraph, and in runs of short lines.

    Parameters
    ----------
    short_line_words : int, default=6
        Lines of at most this many words form the "short runs" measured by ``log_short_run``.
    long_paragraph_words : int, default=25
        Paragraphs of at least this many words mark the story's span
        (``after_last_long`` / ``before_first_long``).
    max_chars : int, default=1000
        Characters of each paragraph whose words are counted.

    Examples
    --------
    >>> from newsclean.features import paragraph_table
    >>> X = paragraph_table(["Title\\nOne\\nTwo\\nThree"])
    >>> PlaceFeatures().fit_transform(X)[:, 6].round(2).tolist()  # log_short_run
    [1.61, 1.61, 1.61, 1.61]
    """

    _prefix = "place"
    _parameter_constraints = {
        "short_line_words": (Integral, 1, None),
        "long_paragraph_words": (Integral, 1, None),
        "max_chars": (Integral, 1, None),
    }

    def __init__(
        self,
        *,
        short_line_words: int = SHORT_LINE_WORDS,
        long_paragraph_words: int = LONG_PARAGRAPH_WORDS,
        max_chars: int = MAX_CHARS_DEFAULT,
    ):
        self.short_line_words = short_line_words
        self.long_paragraph_words = long_paragraph_words
        self.max_chars = max_chars

    def _from_scan(self, scan: Scan) -> np.ndarray:
        """Dense array of shape (n_paragraphs, 12)."""
        return place_signals(scan, self.short_line_words, self.long_paragraph_words)

    def _names(self) -> list[str]:
        return list(PLACE_NAMES)


__all__ = ["CharNgrams", "HashedText", "PlaceFeatures", "ShapeFeatures", "VoiceFeatures"]
