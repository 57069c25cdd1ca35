"""Featurisers: scikit-learn transformers over a paragraph table (see :mod:`.table`).

Every family answers one question about a paragraph:

- :class:`HashedText` -- *what does it say?* Words and character n-grams, hashed so the vocabulary
  never grows with the data and the model stays small.
- :class:`ShapeFeatures` -- *what does it look like?* Length, capitals, digits, end punctuation,
  links and money; boilerplate is short, link-like and unpunctuated far more often than prose.
  With ``window > 0`` it also reports the same signals for the neighbours, because a block of
  button-like lines or a teaser list is recognisable by its surroundings.
- :class:`VoiceFeatures` -- *who is speaking to whom?* Publisher appeals address the reader
  ("you", "your support") in the publisher's voice ("we", "our journalism") and give orders
  ("Subscribe", "Give now"); stories mostly report in the third person.
- :class:`PlaceFeatures` -- *where is it?* Boilerplate sits at the top and bottom of an article,
  after the story's last long paragraph, and in runs of short lines.

All are stateless: ``fit`` only validates parameters. Each reads at most ``max_chars`` characters
of a paragraph, so a huge paragraph costs bounded time.
"""

from __future__ import annotations

import math
import re
from numbers import Integral

import numpy as np
import pandas as pd
from newsclean.features.table import article_bounds, check_table
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer

#: Characters of a paragraph that featurisers read; longer paragraphs are judged by this prefix
#: (and their length), which bounds the cost of pathological input.
MAX_CHARS_DEFAULT = 1000
#: Hash space of the text features: 2**18 keeps the shipped model a few MB.
N_FEATURES_DEFAULT = 2**18
#: A line of at most this many words counts as "short" (menus, buttons, kickers).
SHORT_LINE_WORDS = 6
#: A paragraph of at least this many words counts as "long" (story prose).
LONG_PARAGRAPH_WORDS = 25
#: Neighbours on each side whose shape is reported.
WINDOW_DEFAULT = 2

_WORD = re.compile(r"\w+", re.UNICODE)
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"https?://|www\.|\.(?:com|org|net|co\.uk|de)\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_HANDLE = re.compile(r"(?:^|\s)[@#]\w+")
_MONEY = re.compile(r"[$€£¥]|\b(?:usd|eur|gbp|dollars?|euros?|pounds?|cents?)\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"[|•·»›/]")
_TERMINAL = frozenset(".!?\"'”’)»…")
_DIGIT_TO_ZERO = str.maketrans("123456789", "000000000")

_FIRST_PLURAL = frozenset({"we", "our", "ours", "us", "ourselves", "wir", "unser", "unsere", "uns"})
_SECOND_PERSON = frozenset(
    {"you", "your", "yours", "yourself", "you're", "du", "dein", "deine", "sie", "ihr", "ihre"}
)
# Verbs that open calls to action on news sites ("Subscribe now", "Give now", "Read more").
_IMPERATIVES = frozenset(
    [
        "subscribe",
        "sign",
        "join",
        "donate",
        "support",
        "follow",
        "download",
        "click",
        "tap",
        "read",
        "get",
        "give",
        "share",
        "register",
        "log",
        "login",
        "become",
        "watch",
        "listen",
        "learn",
        "see",
        "continue",
        "explore",
        "contribute",
        "help",
        "discover",
        "try",
        "upgrade",
        "unlock",
        "shop",
        "buy",
        "install",
        "enable",
        "accept",
        "manage",
        "send",
        "email",
        "contact",
        "visit",
        "jetzt",
        "abonnieren",
        "unterstützen",
    ]
)
# Words of the publisher's business: membership, money, newsletters, apps, legal lines.
_PUBLISHER_WORDS = frozenset(
    [
        "newsletter",
        "newsletters",
        "subscribe",
        "subscription",
        "subscriber",
        "subscribers",
        "donate",
        "donation",
        "donations",
        "contribution",
        "contributions",
        "membership",
        "member",
        "members",
        "journalism",
        "newsroom",
        "inbox",
        "app",
        "podcast",
        "follow",
        "share",
        "cookie",
        "cookies",
        "privacy",
        "terms",
        "policy",
        "advertisement",
        "advertising",
        "ad",
        "ads",
        "copyright",
        "rights",
        "reserved",
        "sponsored",
        "affiliate",
        "commission",
        "login",
        "account",
        "premium",
        "paywall",
        "unlimited",
        "access",
        "support",
        "independent",
        "reporting",
        "readers",
    ]
)
_FREQUENCY_WORDS = frozenset(
    [
        "monthly",
        "yearly",
        "annually",
        "annual",
        "weekly",
        "daily",
        "one-time",
        "once",
        "month",
        "year",
    ]
)


class _StatelessTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: validation in ``fit``, ``requires_fit=False`` tags, named outputs."""

    _parameter_constraints: dict = {}

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
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(
                f"{type(estimator).__name__}: parameter {name!r} must be {kind}, got {value!r}"
            )
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(
                f"{type(estimator).__name__}: parameter {name!r} must be in [{low}, {high}], "
                f"got {value!r}"
            )


def _prefixes(X: pd.DataFrame, max_chars: int) -> list[str]:
    return [t[:max_chars] for t in X["text"].tolist()]


class HashedText(_StatelessTransformer):
    """Hashed bag of words or character n-grams of each paragraph's prefix.

    Digits are folded to ``0`` before hashing, so "© 2019" and "© 2024" share features.

    Parameters
    ----------
    analyzer : {"word", "char_wb"}, default="word"
    ngram_min, ngram_max : int, default=1, 2
        n-gram sizes, in words or characters.
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

    def __init__(
        self,
        *,
        analyzer: str = "word",
        ngram_min: int = 1,
        ngram_max: int = 2,
        n_features: int = N_FEATURES_DEFAULT,
        max_chars: int = MAX_CHARS_DEFAULT,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_min = ngram_min
        self.ngram_max = ngram_max
        self.n_features = n_features
        self.max_chars = max_chars

    _parameter_constraints = {
        "ngram_min": (Integral, 1, None),
        "ngram_max": (Integral, 1, None),
        "n_features": (Integral, 1, None),
        "max_chars": (Integral, 1, None),
        "analyzer": (str, None, None),
    }

    def fit(self, X: pd.DataFrame, y: object = None) -> HashedText:
        """Validate parameters; see :class:`_StatelessTransformer`."""
        super().fit(X, y)
        if self.analyzer not in ("word", "char_wb"):
            raise ValueError(
                f"HashedText: parameter 'analyzer' must be 'word' or 'char_wb', "
                f"got {self.analyzer!r}"
            )
        if self.ngram_max < self.ngram_min:
            raise ValueError("HashedText: parameter 'ngram_max' must be >= 'ngram_min'")
        return self

    def _vectorizer(self) -> HashingVectorizer:
        return HashingVectorizer(
            analyzer=self.analyzer,
            ngram_range=(self.ngram_min, self.ngram_max),
            n_features=self.n_features,
            alternate_sign=False,
            norm="l2",
            lowercase=True,
            dtype=np.float32,
        )

    def transform(self, X: pd.DataFrame):
        """Sparse matrix of shape (n_paragraphs, n_features)."""
        check_table(X)
        texts = [t.translate(_DIGIT_TO_ZERO) for t in _prefixes(X, self.max_chars)]
        return self._vectorizer().transform(texts)

    def _names(self) -> list[str]:
        return [f"{self.analyzer}{i}" for i in range(self.n_features)]


SHAPE_NAMES = [
    "log_chars",
    "log_words",
    "upper_share",
    "digit_share",
    "letter_share",
    "starts_upper",
    "ends_terminal",
    "ends_colon",
    "has_url",
    "has_email",
    "has_handle",
    "money",
    "separators",
    "title_case_share",
    "all_caps",
    "sentences",
    "is_short",
    "is_long",
]


def _shape_row(text: str, n_chars: int) -> list[float]:
    words = text.split()
    n_words = len(words)
    n = max(len(text), 1)
    stripped = text.rstrip()
    last = stripped[-1:] if stripped else ""
    digits = len(_DIGIT.findall(text))
    letters = len(_LETTER.findall(text))
    upper = len(_UPPER.findall(text))
    title = sum(1 for w in words if w[:1].isupper())
    return [
        math.log1p(n_chars),
        math.log1p(n_words),
        upper / max(letters, 1),
        digits / n,
        letters / n,
        float(text.lstrip()[:1].isupper()),
        float(last in _TERMINAL),
        float(last == ":"),
        float(_URL.search(text) is not None),
        float("@" in text and _EMAIL.search(text) is not None),
        float(_HANDLE.search(text) is not None),
        float(len(_MONEY.findall(text))),
        float(len(_SEPARATORS.findall(text))),
        title / max(n_words, 1),
        float(letters > 3 and upper == letters),
        float(text.count(". ") + (last == ".")),
        float(n_words <= SHORT_LINE_WORDS),
        float(n_words >= LONG_PARAGRAPH_WORDS),
    ]


def shape_matrix(X: pd.DataFrame, max_chars: int = MAX_CHARS_DEFAULT) -> np.ndarray:
    """The shape signals of every paragraph, shape (n_paragraphs, len(SHAPE_NAMES))."""
    texts = X["text"].tolist()
    rows = [_shape_row(t[:max_chars], len(t)) for t in texts]
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), len(SHAPE_NAMES))


def neighbour_offsets(window: int) -> list[int]:
    """Offsets of the neighbours reported for ``window``: -window..-1, 1..window."""
    return [*range(-window, 0), *range(1, window + 1)]


def shift_within_articles(
    values: np.ndarray, bounds: tuple[np.ndarray, np.ndarray], offset: int, fill: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """``values`` of the paragraph ``offset`` rows away in the same article, and a present mask.

    ``bounds`` is :func:`~newsclean.features.table.article_bounds` of the table.
    """
    n = len(values)
    starts, ends = bounds
    target = np.arange(n) + offset
    present = (target >= starts) & (target < ends)
    shifted = np.full(values.shape, fill, dtype=np.float64)
    shifted[present] = values[target[present]]
    return shifted, present


class ShapeFeatures(_StatelessTransformer):
    """Surface shape of each paragraph and, with ``window > 0``, of its neighbours.

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

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Dense array of shape (n_paragraphs, n_features_out)."""
        check_table(X)
        own = shape_matrix(X, self.max_chars)
        blocks = [own]
        bounds = article_bounds(X)
        for offset in neighbour_offsets(self.window):
            shifted, present = shift_within_articles(own, bounds, offset)
            blocks.extend([shifted, present[:, None].astype(np.float64)])
        return np.hstack(blocks)

    def _names(self) -> list[str]:
        names = list(SHAPE_NAMES)
        for offset in neighbour_offsets(self.window):
            tag = f"prev{-offset}" if offset < 0 else f"next{offset}"
            names.extend(f"{tag}_{n}" for n in SHAPE_NAMES)
            names.append(f"{tag}_present")
        return names


VOICE_NAMES = [
    "first_plural",
    "second_person",
    "imperative_start",
    "publisher_words",
    "frequency_words",
    "exclamation",
    "question",
]


def _voice_row(text: str) -> list[float]:
    words = _WORD.findall(text.lower())
    n = max(len(words), 1)
    first_plural = sum(1 for w in words if w in _FIRST_PLURAL)
    second = sum(1 for w in words if w in _SECOND_PERSON)
    publisher = sum(1 for w in words if w in _PUBLISHER_WORDS)
    frequency = sum(1 for w in words if w in _FREQUENCY_WORDS)
    return [
        first_plural / n,
        second / n,
        float(bool(words) and words[0] in _IMPERATIVES),
        publisher / n,
        frequency / n,
        float("!" in text),
        float("?" in text),
    ]


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

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Dense array of shape (n_paragraphs, 7)."""
        check_table(X)
        rows = [_voice_row(t) for t in _prefixes(X, self.max_chars)]
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(VOICE_NAMES))

    def _names(self) -> list[str]:
        return list(VOICE_NAMES)


PLACE_NAMES = [
    "log_position",
    "log_from_end",
    "relative_position",
    "log_n_paragraphs",
    "is_first",
    "is_last",
    "log_short_run",
    "chars_before_share",
    "chars_after_share",
    "after_last_long",
    "before_first_long",
    "no_long_in_article",
]


class PlaceFeatures(_StatelessTransformer):
    """Place of each paragraph in its article.

    Parameters
    ----------
    short_line_words : int, default=6
        Lines of at most this many words form the "short runs" measured by ``log_short_run``.
    long_paragraph_words : int, default=25
        Paragraphs of at least this many words mark the story's span
        (``after_last_long`` / ``before_first_long``).

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
    }

    def __init__(
        self,
        *,
        short_line_words: int = SHORT_LINE_WORDS,
        long_paragraph_words: int = LONG_PARAGRAPH_WORDS,
    ):
        self.short_line_words = short_line_words
        self.long_paragraph_words = long_paragraph_words

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Dense array of shape (n_paragraphs, 12)."""
        check_table(X)
        texts = X["text"].tolist()
        n = len(texts)
        starts, ends = article_bounds(X)
        index = np.arange(n)
        position = index - starts
        n_par = ends - starts
        from_end = ends - 1 - index
        # Whitespace-separated words of a bounded prefix, as in ShapeFeatures' is_short/is_long.
        words = np.fromiter(
            (len(t[:MAX_CHARS_DEFAULT].split()) for t in texts), dtype=np.int64, count=n
        )
        chars = np.fromiter((len(t) for t in texts), dtype=np.float64, count=n)
        short = words <= self.short_line_words
        long_ = words >= self.long_paragraph_words

        run = _run_lengths(short, starts)
        cum = np.cumsum(chars)
        article_cum_start = cum[starts] - chars[starts]
        total = cum[ends - 1] - article_cum_start
        before = (cum - chars) - article_cum_start
        after = total - before - chars
        safe_total = np.maximum(total, 1.0)

        first_long, last_long = _first_last_true(long_, starts, ends)
        has_long = first_long >= 0
        out = np.column_stack(
            [
                np.log1p(position),
                np.log1p(from_end),
                position / np.maximum(n_par - 1, 1),
                np.log1p(n_par),
                position == 0,
                from_end == 0,
                np.log1p(np.where(short, run, 0)),
                before / safe_total,
                after / safe_total,
                has_long & (index > last_long),
                has_long & (index < first_long),
                ~has_long,
            ]
        ).astype(np.float64)
        return out.reshape(n, len(PLACE_NAMES))

    def _names(self) -> list[str]:
        return list(PLACE_NAMES)


def _run_lengths(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each row, the length of the run of equal ``flags`` it belongs to (within its article)."""
    n = len(flags)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    boundary = np.ones(n, dtype=bool)
    boundary[1:] = (flags[1:] != flags[:-1]) | (starts[1:] != starts[:-1])
    run_id = np.cumsum(boundary) - 1
    sizes = np.bincount(run_id)
    return sizes[run_id]


def _first_last_true(
    flags: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row index of the first and last ``True`` flag of each row's article (-1 if none)."""
    n = len(flags)
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return first, last
    article_starts = np.unique(starts)
    idx = np.flatnonzero(flags)
    if len(idx):
        owner = np.searchsorted(article_starts, idx, side="right") - 1
        first_by_article = np.full(len(article_starts), -1, dtype=np.int64)
        last_by_article = np.full(len(article_starts), -1, dtype=np.int64)
        # idx is sorted: the last write per article is its last flag, reversed gives the first.
        last_by_article[owner] = idx
        first_by_article[owner[::-1]] = idx[::-1]
        row_article = np.searchsorted(article_starts, np.arange(n), side="right") - 1
        first = first_by_article[row_article]
        last = last_by_article[row_article]
    return first, last


__all__ = [
    "LONG_PARAGRAPH_WORDS",
    "MAX_CHARS_DEFAULT",
    "N_FEATURES_DEFAULT",
    "SHORT_LINE_WORDS",
    "HashedText",
    "PlaceFeatures",
    "ShapeFeatures",
    "VoiceFeatures",
    "shape_matrix",
    "shift_within_articles",
]
