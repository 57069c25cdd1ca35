"""The signals newsclean reads in a paragraph, computed from a :class:`~.scan.Scan` with numpy.

These functions are the arithmetic behind the featurisers of :mod:`.featurisers` (which wrap them
as scikit-learn transformers for training) and behind :class:`newsclean.scorer.Scorer` (which
applies a fitted model without scikit-learn or pandas, so the library call stays light).

- :func:`word_entries` -- *what does it say?* Words and word pairs, hashed so the vocabulary
  never grows with the data and the model stays small.
- :func:`shape_signals` -- *what does it look like?* Length, capitals, digits, end punctuation,
  links and money, for the paragraph and its neighbours.
- :func:`voice_signals` -- *who is speaking to whom?* Publisher appeals address the reader
  ("you", "your support") in the publisher's voice ("we", "our journalism") and give orders
  ("Subscribe", "Give now"); stories mostly report in the third person.
- :func:`place_signals` -- *where is it?* Boilerplate sits at the top and bottom of an article,
  after the story's last long paragraph, and in runs of short lines.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from newsclean.features.scan import Scan, WordLists, mix64, span_hashes

#: Characters of a paragraph that featurisers read; longer paragraphs are judged by this prefix
#: (and their length), which bounds the cost of pathological input.
MAX_CHARS_DEFAULT = 1000
#: Hash space of the hashed words: 2**18 columns keep the shipped model about 1 MB.
N_FEATURES_DEFAULT = 2**18
#: A line of at most this many words counts as "short" (menus, buttons, kickers).
SHORT_LINE_WORDS = 6
#: A paragraph of at least this many words counts as "long" (story prose).
LONG_PARAGRAPH_WORDS = 25
#: Neighbours on each side whose shape is reported.
WINDOW_DEFAULT = 2

_URL_WORDS = frozenset({"http", "https", "www"})
_DOMAIN_ENDINGS = frozenset({"com", "org", "net", "uk", "de"})  # after a dot: "example.com"
_MONEY_WORDS = frozenset(
    {"usd", "eur", "gbp", "dollar", "dollars", "euro", "euros", "pound", "pounds", "cent", "cents"}
)

_FIRST_PLURAL = frozenset({"we", "our", "ours", "us", "ourselves", "wir", "unser", "unsere", "uns"})
_SECOND_PERSON = frozenset(
    {"you", "your", "yours", "yourself", "du", "dein", "deine", "sie", "ihr", "ihre"}
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
        # Besides appeals, the other publisher prompts, each by its everyday words: registration,
        "register",
        "registration",
        "signup",
        "password",
        "username",
        "accounts",
        "email",
        # newsletters and alerts,
        "subscribed",
        "subscribing",
        "unsubscribe",
        "subscriptions",
        "enewsletter",
        "enewsletters",
        "notifications",
        "alerts",
        "rss",
        "feed",
        # apps,
        "apps",
        "android",
        "ios",
        "iphone",
        "ipad",
        "itunes",
        # follow-us lines,
        "facebook",
        "twitter",
        "instagram",
        "linkedin",
        "youtube",
        "pinterest",
        "tiktok",
        "whatsapp",
        "tweet",
        # and appeals.
        "donors",
        "donor",
        "supporters",
        "paypal",
        "patreon",
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
        "once",
        "month",
        "year",
    ]
)


_WORD_LISTS = WordLists(
    {
        "url": _URL_WORDS,
        "domain_ending": _DOMAIN_ENDINGS,
        "money": _MONEY_WORDS,
        "first_plural": _FIRST_PLURAL,
        "second_person": _SECOND_PERSON,
        "imperative": _IMPERATIVES,
        "publisher": _PUBLISHER_WORDS,
        "frequency": _FREQUENCY_WORDS,
    }
)


#: Multiplier that makes a word pair's hash depend on the order of its words.
_PAIR = np.uint64(0x9E3779B97F4A7C15)


def word_entries(
    scan: Scan, n_features: int, bigrams: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed words (and word pairs) of each paragraph, as unsorted sparse entries.

    Words are runs of letters, digits and ``_`` of at least two characters, lower-cased, with
    digits folded to ``0`` (so "© 2019" and "© 2024" share features). Each word, and each pair
    of adjacent words, adds ``1 / sqrt(m)`` to column ``hash % n_features``, where ``m`` is the
    number of words and pairs of the paragraph. A row may hold a column more than once (a
    repeated word); products and sums treat such entries as added.

    Returns
    -------
    rows, columns, data : ndarray
        One entry per word and word pair, words first, then pairs; a dot product with a weight
        vector needs no particular order
        (``np.bincount(rows, data * coef[columns], minlength=scan.n)``).
    """
    keep = scan.token_len >= 2
    hashes = scan.token_hash[keep]
    rows = scan.token_row[keep]
    if bigrams and len(hashes) > 1:
        same_paragraph = rows[1:] == rows[:-1]
        pairs = mix64(hashes[:-1] * _PAIR + hashes[1:])
        rows = np.concatenate([rows, rows[1:][same_paragraph]])
        hashes = np.concatenate([hashes, pairs[same_paragraph]])
    columns = (hashes % np.uint64(n_features)).astype(np.int32)
    per_row = np.bincount(rows, minlength=scan.n)
    # Every occurrence weighs 1/sqrt(occurrences in its paragraph): the L2-normalised count
    # vector when no word repeats, without the cost of merging repeats into one entry.
    weight = (1.0 / np.sqrt(np.maximum(per_row, 1))).astype(np.float32)
    return rows, columns, weight[rows]


#: Length of the character n-grams of :func:`char_ngram_entries` that a new model reads (0 for
#: none). On the reviewed yardstick (3 split seeds, benchmarks/results/compare_*.md) 4-grams
#: raised boilerplate recall at 99.5 % story kept from 0.43 to 0.47 without losing editorial
#: recall; models stored without them keep reading none.
CHAR_NGRAMS_DEFAULT = 4


def char_ngram_entries(
    scan: Scan, n_features: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed character ``n``-grams inside the words of each paragraph, as sparse entries.

    Every run of ``n`` word characters (folded as words are: lower case, digits as ``0``) within
    one word counts, so "subscribers" and "subscription" share "subs", "ubsc", "bscr"... A
    word shorter than ``n`` gives none (its word column has it). Each n-gram adds
    ``1 / sqrt(m)`` to column ``hash % n_features``, ``m`` being the paragraph's n-grams.
    Hashes are exact functions of the n-gram's characters, so a paragraph's entries do not
    depend on the paragraphs scanned with it.

    Returns
    -------
    rows, columns, data : ndarray
        One entry per n-gram, in reading order (as :func:`word_entries`).
    """
    chars = scan.word_chars
    if len(chars) < n:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.astype(np.int32), np.zeros(0, dtype=np.float32)
    # A window of n characters lies inside one word when none of them is a 0 (a non-word
    # character or a paragraph's separator): count the 0s in every window by a prefix sum.
    breaks = np.zeros(len(chars) + 1, dtype=np.int64)
    np.cumsum(chars == 0, out=breaks[1:])
    starts = np.flatnonzero(breaks[n:] == breaks[:-n])
    hashes = span_hashes(chars, starts, starts + n)
    # Paragraph i's characters start after the prefixes and separators of the ones before it.
    edges = np.cumsum(scan.prefix_chars + 1) - (scan.prefix_chars + 1)
    rows = np.searchsorted(edges, starts, side="right") - 1
    columns = (hashes % np.uint64(n_features)).astype(np.int32)
    per_row = np.bincount(rows, minlength=scan.n)
    weight = (1.0 / np.sqrt(np.maximum(per_row, 1))).astype(np.float32)
    return rows, columns, weight[rows]


def word_columns(
    scan: Scan, n_features: int, bigrams: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`word_entries` as a CSR matrix's parts.

    Returns
    -------
    data, columns, indptr : ndarray
        ``scipy.sparse.csr_matrix((data, columns, indptr), shape=(scan.n, n_features))``.
    """
    return csr_parts(*word_entries(scan, n_features, bigrams), scan.n)


def csr_parts(
    rows: np.ndarray, columns: np.ndarray, data: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse entries of ``n`` rows (each kind in row order) as a CSR matrix's
    ``(data, columns, indptr)``."""
    # Words and pairs are each in paragraph order: a stable sort merges the two runs.
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return data[order], columns[order], indptr


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


def _stack(columns: list[np.ndarray]) -> np.ndarray:
    """Equal-length columns (numbers or flags) as one float64 matrix, a column each."""
    # One call, whatever the number of columns; C order, as the products that read it expect
    # (the same rounding as a row-major matrix, so scores do not move in the last bits).
    return np.ascontiguousarray(np.array(columns, dtype=np.float64).T)


def _list_count(scan: Scan, name: str) -> np.ndarray:
    """Per paragraph, how many of its words are in the word list ``name``."""
    return _WORD_LISTS.counts(scan)[:, _WORD_LISTS.names.index(name)]


def shape_matrix(scan: Scan) -> np.ndarray:
    """The shape signals of every paragraph, shape (n_paragraphs, len(SHAPE_NAMES))."""

    def has(name: str) -> np.ndarray:
        return _WORD_LISTS.has(scan, name)

    url_words = has("url") | (scan.token_after_dot & has("domain_ending"))
    letters = np.maximum(scan.letters, 1)
    prefix_chars = np.maximum(scan.prefix_chars, 1)
    columns = [
        np.log1p(scan.chars),
        np.log1p(scan.words),
        scan.upper / letters,
        scan.digits / prefix_chars,
        scan.letters / prefix_chars,
        scan.starts_upper,
        scan.ends_terminal,
        scan.last_char == ord(":"),
        scan.count_tokens(url_words) > 0,
        scan.emails > 0,
        scan.handles > 0,
        scan.money_symbols + _list_count(scan, "money"),
        scan.separators,
        scan.title_words / np.maximum(scan.words, 1),
        (scan.letters > 3) & (scan.upper == scan.letters),
        scan.sentence_breaks + (scan.last_char == ord(".")),
        scan.words <= SHORT_LINE_WORDS,
        scan.words >= LONG_PARAGRAPH_WORDS,
    ]
    return _stack(columns)


def neighbour_offsets(window: int) -> list[int]:
    """Offsets of the neighbours reported for ``window``: -window..-1, 1..window."""
    return [*range(-window, 0), *range(1, window + 1)]


def neighbour_rows(
    bounds: tuple[np.ndarray, np.ndarray], window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's neighbour at every offset of :func:`neighbour_offsets`, within its article.

    Returns ``(rows, present)``, both of shape (n, 2 * window): the neighbour's row index (0
    where there is none, so it can be used to gather) and whether it exists.
    """
    starts, ends = bounds
    offsets = np.asarray(neighbour_offsets(window), dtype=np.int64)
    target = np.arange(len(starts))[:, None] + offsets[None, :]
    present = (target >= starts[:, None]) & (target < ends[:, None])
    return np.where(present, target, 0), present


def shift_within_articles(
    values: np.ndarray, bounds: tuple[np.ndarray, np.ndarray], window: int
) -> np.ndarray:
    """Each row's neighbours' ``values`` within its article, with a ``present`` flag each.

    For ``values`` of shape (n, k) (or (n,), read as (n, 1)) returns shape
    (n, 2 * window * (k + 1)): for every offset of :func:`neighbour_offsets`, the ``k`` values of
    the row that far away in the same article (zeros at the article's edges) and then 1.0 if
    that row exists, else 0.0.
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    k = values.shape[1] if values.ndim == 2 else 1
    values = values.reshape(n, k)
    rows, present = neighbour_rows(bounds, window)
    # Every row's neighbours in one gather; rows outside the article read row 0, then zeroed.
    shifted = values[rows] * present[:, :, None]
    out = np.concatenate([shifted, present[:, :, None].astype(np.float64)], axis=2)
    return out.reshape(n, rows.shape[1] * (k + 1))


def shape_signals(scan: Scan, window: int = WINDOW_DEFAULT) -> np.ndarray:
    """:func:`shape_matrix` of each paragraph and of its ``window`` neighbours on each side.

    A missing neighbour (article start or end) gives zeros and a ``present`` flag of 0.
    """
    own = shape_matrix(scan)
    bounds = (scan.article_starts, scan.article_ends)
    return np.hstack([own, shift_within_articles(own, bounds, window)])


def shape_names(window: int) -> list[str]:
    """Names of :func:`shape_signals`' columns."""
    names = list(SHAPE_NAMES)
    for offset in neighbour_offsets(window):
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


def voice_signals(scan: Scan) -> np.ndarray:
    """Publisher voice of each paragraph, shape (n_paragraphs, len(VOICE_NAMES)).

    Rates are per word, so a long story paragraph that mentions "our" once scores low while
    "Support our journalism" scores high.
    """

    n_words = np.maximum(np.bincount(scan.token_row, minlength=scan.n), 1)
    first, has_first = scan.first_token()
    imperative = _WORD_LISTS.has(scan, "imperative")
    rates = _WORD_LISTS.counts(scan)[:, _RATE_LISTS] / n_words[:, None]
    columns = [
        *rates.T[:2],
        has_first & imperative[first] if len(imperative) else has_first,
        *rates.T[2:],
        scan.exclamations > 0,
        scan.questions > 0,
    ]
    return _stack(columns)


#: The word lists whose share of a paragraph's words :func:`voice_signals` reports, in order.
_RATE_LISTS = [
    _WORD_LISTS.names.index(name)
    for name in ("first_plural", "second_person", "publisher", "frequency")
]


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


def place_signals(
    scan: Scan,
    short_line_words: int = SHORT_LINE_WORDS,
    long_paragraph_words: int = LONG_PARAGRAPH_WORDS,
) -> np.ndarray:
    """Place of each paragraph in its article, shape (n_paragraphs, len(PLACE_NAMES))."""
    bounds = (scan.article_starts, scan.article_ends)
    return place_matrix(scan.words, scan.chars, bounds, short_line_words, long_paragraph_words)


def place_matrix(
    words: np.ndarray,
    chars: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    short_line_words: int = SHORT_LINE_WORDS,
    long_paragraph_words: int = LONG_PARAGRAPH_WORDS,
    rows: tuple[int, int] | None = None,
) -> np.ndarray:
    """:func:`place_signals` from each paragraph's word and character counts (``Scan.words``
    and ``Scan.chars``) and article bounds, which is all the place signals read.

    ``rows=(lo, hi)`` gives the signals of those rows only (the same values), so a long article
    can be scored in windows; the article-wide sums still read all rows, so a caller that
    windows should pass the whole article's ``words`` and ``chars``, and :class:`PlaceSums`.
    """
    return PlaceSums.of(words, chars, bounds, short_line_words, long_paragraph_words).rows(
        *(rows or (0, len(words)))
    )


class PlaceSums(NamedTuple):
    """The article-wide sums behind :func:`place_matrix`, one entry per paragraph: computed
    once, they give any rows' place signals without reading the rest of the article again."""

    starts: np.ndarray
    ends: np.ndarray
    short: np.ndarray  # the paragraph is a short line
    run: np.ndarray  # length of its run of short (or not short) lines
    chars: np.ndarray  # its characters (float)
    chars_before: np.ndarray  # characters of the article before it
    chars_total: np.ndarray  # characters of its article
    longs: np.ndarray  # long paragraphs in rows [0, i), length n + 1

    @classmethod
    def of(
        cls,
        words: np.ndarray,
        chars: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
        short_line_words: int = SHORT_LINE_WORDS,
        long_paragraph_words: int = LONG_PARAGRAPH_WORDS,
    ) -> PlaceSums:
        """The sums of all rows of ``bounds``."""
        starts, ends = bounds
        chars = chars.astype(np.float64)
        short = words <= short_line_words
        cum = np.cumsum(chars)
        article_cum_start = cum[starts] - chars[starts]
        # Long paragraphs in rows [a, b) of an article: longs[b] - longs[a].
        longs = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(words >= long_paragraph_words, out=longs[1:])
        return cls(
            starts=starts,
            ends=ends,
            short=short,
            run=_run_lengths(short, starts),
            chars=chars,
            chars_before=(cum - chars) - article_cum_start,
            chars_total=cum[ends - 1] - article_cum_start,
            longs=longs,
        )

    def rows(self, lo: int, hi: int) -> np.ndarray:
        """The place signals of rows ``[lo, hi)``, shape (hi - lo, len(PLACE_NAMES))."""
        index = np.arange(lo, hi)
        starts, ends = self.starts[lo:hi], self.ends[lo:hi]
        position = index - starts
        n_par = ends - starts
        from_end = ends - 1 - index
        before, total = self.chars_before[lo:hi], self.chars_total[lo:hi]
        after = total - before - self.chars[lo:hi]
        safe_total = np.maximum(total, 1.0)
        short, longs = self.short[lo:hi], self.longs
        has_long = longs[ends] > longs[starts]
        return _stack(
            [
                np.log1p(position),
                np.log1p(from_end),
                position / np.maximum(n_par - 1, 1),
                np.log1p(n_par),
                position == 0,
                from_end == 0,
                np.log1p(np.where(short, self.run[lo:hi], 0)),
                before / safe_total,
                after / safe_total,
                has_long & (longs[ends] == longs[index]),  # no long paragraph from here on
                has_long & (longs[index + 1] == longs[starts]),  # none up to and including here
                ~has_long,
            ]
        )


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


__all__ = [
    "LONG_PARAGRAPH_WORDS",
    "MAX_CHARS_DEFAULT",
    "N_FEATURES_DEFAULT",
    "PLACE_NAMES",
    "SHAPE_NAMES",
    "SHORT_LINE_WORDS",
    "VOICE_NAMES",
    "WINDOW_DEFAULT",
    "PlaceSums",
    "neighbour_offsets",
    "neighbour_rows",
    "place_matrix",
    "place_signals",
    "shape_matrix",
    "shape_names",
    "shape_signals",
    "shift_within_articles",
    "voice_signals",
    "word_columns",
    "word_entries",
]
