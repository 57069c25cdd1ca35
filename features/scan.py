"""One vectorised pass over the characters of many paragraphs.

Every featuriser needs the same few facts about each paragraph: how many letters, capitals,
digits and words it has, how it starts and ends, and which words it contains. Computing them one
paragraph at a time with regular expressions cost more than everything else in cleaning, so
:func:`scan_table` does it once for a whole paragraph table:

1. the paragraphs' prefixes (``max_chars`` each) are joined by ``"\\n"`` into strings of about
   :data:`CHUNK_CHARS` characters, each viewed as an array of code points;
2. a lookup table gives each code point's class (space, letter, capital, digit, word character)
   and its folded form (lower case, digits as ``0``); the table is filled lazily, only for code
   points that actually occur, so it costs nothing for scripts never seen;
3. per-paragraph counts are differences of cumulative sums between paragraph offsets;
4. words are maximal runs of word characters (as ``\\w+``); each word gets a 64-bit hash of its
   folded code points (a polynomial hash finished by the SplitMix64 mixer), which is what the
   hashed bag of words and the word lists of :class:`~newsclean.features.VoiceFeatures` use.

The separator ``"\\n"`` is a space and not a word character, so no word or whitespace-separated
token crosses a paragraph boundary.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

import numpy as np

# Character classes (bits of a uint16): the dense ones are counted per paragraph; MARK flags the
# sparse characters whose neighbours matter (". ", "@", "#") or that are counted one by one.
SPACE, LETTER, UPPER, DIGIT, WORD = 1, 2, 4, 8, 16
MARK, MONEY, SEPARATOR, TERMINAL = 256, 512, 1024, 2048
UNKNOWN = 0x8000  # not classified yet
_MONEY_CHARS = "$€£¥"
_SEPARATOR_CHARS = "|•·»›/"
_MARK_CHARS = ".!?@#" + _MONEY_CHARS + _SEPARATOR_CHARS
_TERMINAL_CHARS = ".!?\"'”’)»…"  # characters that end a sentence, quote or aside
_N_CODEPOINTS = 0x110000
_flags = np.full(_N_CODEPOINTS, UNKNOWN, dtype=np.uint16)
_fold = np.arange(_N_CODEPOINTS, dtype=np.uint32)
_table_lock = threading.Lock()

_HASH_BASE = 0x100000001B3  # odd, so it has an inverse mod 2**64
_HASH_BASE_INVERSE = pow(_HASH_BASE, -1, 2**64)
# (B ** i, B ** -i) for i < len; replaced as one tuple so readers never see a mixed pair.
_power_pair = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))


def _learn(codepoints: np.ndarray) -> None:
    """Classify unseen code points (the fold first, then the flags that mark them known)."""
    with _table_lock:
        codepoints = codepoints[_flags[codepoints] == UNKNOWN]
        for c in codepoints.tolist():
            ch = chr(c)
            flags = (
                SPACE * ch.isspace()
                | LETTER * ch.isalpha()
                | UPPER * ch.isupper()
                | DIGIT * ch.isdecimal()
                | WORD * (ch.isalnum() or ch == "_")
                | MONEY * (ch in _MONEY_CHARS)
                | SEPARATOR * (ch in _SEPARATOR_CHARS)
                | MARK * (ch in _MARK_CHARS)
                | TERMINAL * (ch in _TERMINAL_CHARS)
            )
            lower = ch.lower()
            _fold[c] = ord("0") if ch.isdecimal() else (ord(lower) if len(lower) == 1 else c)
            _flags[c] = flags


def _char_flags(codepoints: np.ndarray) -> np.ndarray:
    flags = _flags[codepoints]
    unknown = flags == UNKNOWN
    if unknown.any():
        _learn(np.unique(codepoints[unknown]))
        flags = _flags[codepoints]
    return flags


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``B ** i`` and ``B ** -i`` (mod 2**64) for ``i < n`` at least, grown on demand."""
    global _power_pair
    powers, inverse_powers = _power_pair
    if len(powers) < n:
        size = max(n, 2 * len(powers))
        powers = np.full(size, _HASH_BASE, dtype=np.uint64)
        inverse_powers = np.full(size, _HASH_BASE_INVERSE, dtype=np.uint64)
        powers[0] = inverse_powers[0] = 1
        powers = np.cumprod(powers, dtype=np.uint64)  # uint64 arithmetic wraps: mod 2**64
        inverse_powers = np.cumprod(inverse_powers, dtype=np.uint64)
        _power_pair = (powers, inverse_powers)
    return powers, inverse_powers


_MIX_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_MIX_FACTORS = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: spreads similar inputs over all 64 bits (uint64 in, uint64 out)."""
    x = values.astype(np.uint64, copy=True)
    x ^= x >> _MIX_SHIFTS[0]
    x *= _MIX_FACTORS[0]
    x ^= x >> _MIX_SHIFTS[1]
    x *= _MIX_FACTORS[1]
    x ^= x >> _MIX_SHIFTS[2]
    return x


@dataclass(frozen=True)
class Scan:
    """What :func:`scan_table` found in each paragraph; arrays have one entry per paragraph
    unless they start with ``token_``, which have one entry per word (in reading order).

    Counts are over the first ``max_chars`` characters, except ``chars`` (the full length).
    """

    max_chars: int
    article_starts: np.ndarray
    article_ends: np.ndarray
    chars: np.ndarray
    prefix_chars: np.ndarray
    letters: np.ndarray
    upper: np.ndarray
    digits: np.ndarray
    words: np.ndarray  # whitespace-separated tokens, as ``str.split()``
    title_words: np.ndarray  # of those, the ones starting with a capital
    starts_upper: np.ndarray
    last_char: np.ndarray  # code point of the last non-space character, 0 if none
    ends_terminal: np.ndarray  # that character ends a sentence, quote or aside (. ! ? " ) …)
    sentence_breaks: np.ndarray  # ". " inside the paragraph
    emails: np.ndarray  # "@" between word characters
    handles: np.ndarray  # "@" or "#" after a space (or at the start) before a word character
    exclamations: np.ndarray
    questions: np.ndarray
    money_symbols: np.ndarray
    separators: np.ndarray
    token_hash: np.ndarray  # uint64 hash of the folded word
    token_row: np.ndarray  # paragraph of the word
    token_len: np.ndarray
    token_after_dot: np.ndarray  # the word directly follows a "." ("example.com")
    #: Per character of the prefixes, each followed by one 0 (the paragraph separator): the
    #: folded code point of a word character, 0 for any other (for character n-grams).
    word_chars: np.ndarray
    #: Results derived from the scan and shared by featurisers (see :meth:`WordLists.classes`).
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n(self) -> int:
        return len(self.chars)

    def first_token(self) -> tuple[np.ndarray, np.ndarray]:
        """Index of each paragraph's first word and whether it has one."""
        index = np.searchsorted(self.token_row, np.arange(self.n))
        present = index < len(self.token_row)
        present[present] = self.token_row[index[present]] == np.flatnonzero(present)
        return np.minimum(index, max(len(self.token_row) - 1, 0)), present

    def count_tokens(self, mask: np.ndarray) -> np.ndarray:
        """Per paragraph, how many of its words have ``mask`` set."""
        return np.bincount(self.token_row[mask], minlength=self.n)


def groups(sizes: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Consecutive index ranges ``[lo, hi)`` over items of ``sizes``, about ``limit`` each.

    Items are kept whole: a range ends with the item whose running total reaches a multiple of
    ``limit``. Empty ranges are left out, so no items give no ranges.

    Examples
    --------
    >>> groups(np.array([3, 3, 3, 0, 3]), 5)
    [(0, 2), (2, 5)]
    """
    ends = np.cumsum(sizes)
    total = int(ends[-1]) if len(ends) else 0
    if total <= limit:  # the usual case (one article, one batch): a single range or none
        return [(0, len(ends))] if len(ends) else []
    cuts = np.searchsorted(ends, np.arange(limit, total, limit), side="left") + 1
    bounds = np.unique(np.concatenate([[0], cuts, [len(ends)]]).astype(np.int64))
    return [(int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds) if hi > lo]


#: Characters scanned at once: bounds the memory of the per-character arrays (about 60 bytes a
#: character) whatever the size of the table.
CHUNK_CHARS = 1 << 16


def scan_texts(
    texts: list[str], max_chars: int, bounds: tuple[np.ndarray, np.ndarray] | None = None
) -> Scan:
    """Scan paragraph texts (see the module docstring); ``bounds`` as from ``article_bounds``."""
    n = len(texts)
    if bounds is None:
        bounds = (np.zeros(n, dtype=np.int64), np.full(n, n, dtype=np.int64))
    prefixes = [t[:max_chars] for t in texts]
    chars = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    prefix_chars = np.fromiter(map(len, prefixes), dtype=np.int64, count=n)
    ranges = groups(prefix_chars + 1, CHUNK_CHARS) or [(0, 0)]  # (0, 0): empty fields
    parts = [_scan_chunk(prefixes[lo:hi], prefix_chars[lo:hi]) for lo, hi in ranges]
    fields = parts[0]
    if len(parts) > 1:
        fields = {}
        for name in parts[0]:
            values = [p[name] for p in parts]
            if name == "token_row":
                values = [rows + lo for rows, (lo, _) in zip(values, ranges)]
            fields[name] = np.concatenate(values)
    return Scan(
        max_chars=max_chars,
        article_starts=bounds[0],
        article_ends=bounds[1],
        chars=chars,
        prefix_chars=prefix_chars,
        **fields,
    )


#: The sparse marks counted per paragraph, in the order :func:`_scan_chunk` lists them.
_MARK_COUNTS = (
    "sentence_breaks",
    "emails",
    "handles",
    "exclamations",
    "questions",
    "money_symbols",
    "separators",
)


def _scan_chunk(prefixes: list[str], prefix_chars: np.ndarray) -> dict[str, np.ndarray]:
    # Cleaning one article costs little per character but a little for every numpy call, so
    # counts of several kinds are taken together where one call can do it.
    n = len(prefixes)
    # Every paragraph is followed by "\n", so the chunk ends with a space; index -1 (the final
    # "\n") therefore serves as "the character before position 0" below.
    joined = "\n".join(prefixes) + "\n"
    # surrogatepass: text decoded with surrogateescape must not make featurising fail.
    # As intp, the index type: the table lookups below then need no conversion.
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.intp)
    # Paragraph i is the segment [edges[i], edges[i + 1]), its final "\n" included.
    edges = np.zeros(n + 1, dtype=np.int64)
    prefix_chars.cumsum(out=edges[1:])
    edges[1:] += np.arange(1, n + 1)
    starts = edges[:-1]

    flags = _char_flags(cp)
    folded = _fold[cp]

    # Dense classes: count each paragraph's segment, whose final "\n" has none of these classes.
    def count(cls: int) -> np.ndarray:
        return np.add.reduceat((flags & cls).astype(bool).view(np.uint8), starts, dtype=np.int64)

    upper = (flags & UPPER).astype(bool)

    # Whitespace-separated words: where a non-space follows a space, and where one ends.
    word_first, word_end = _runs(~(flags & SPACE).astype(bool))
    word_last = word_end - 1
    # Word starts are all before the chunk's end, so the last entry is len(word_first).
    first_word_edges = word_first.searchsorted(edges)
    first_word = first_word_edges[:-1]
    words = first_word_edges[1:] - first_word
    has_word = words > 0
    starts_upper = np.zeros(n, dtype=bool)
    starts_upper[has_word] = upper[word_first[first_word[has_word]]]
    last_char = np.zeros(n, dtype=np.uint32)
    last_char[has_word] = cp[word_last[first_word_edges[1:][has_word] - 1]]
    title = np.zeros(len(word_first) + 1, dtype=np.int64)
    upper[word_first].cumsum(out=title[1:])
    title_words = title[first_word_edges[1:]] - title[first_word]

    # Words for hashing: maximal runs of word characters.
    token_start, token_end = _runs((flags & WORD).astype(bool))
    token_edges = token_start.searchsorted(edges)

    # Sparse marks (punctuation, money, separators): classify just the positions that have one.
    hits = (flags & MARK).nonzero()[0]
    hit_cp, hit_flags = cp[hits], flags[hits]
    hit_row = starts.searchsorted(hits, side="right") - 1
    before, after = flags[hits - 1], flags[hits + 1]
    at = hit_cp == ord("@")
    marks = np.array(  # one row per name of _MARK_COUNTS
        [
            (hit_cp == ord(".")) & (cp[hits + 1] == ord(" ")),
            at & (before & WORD > 0) & (after & WORD > 0),
            (at | (hit_cp == ord("#"))) & (before & SPACE > 0) & (after & WORD > 0),
            hit_cp == ord("!"),
            hit_cp == ord("?"),
            hit_flags & MONEY > 0,
            hit_flags & SEPARATOR > 0,
        ]
    )
    kind, hit = marks.nonzero()
    mark_counts = np.bincount(kind * n + hit_row[hit], minlength=len(marks) * n)

    return dict(
        letters=count(LETTER),
        upper=count(UPPER),
        digits=count(DIGIT),
        words=words,
        title_words=title_words,
        starts_upper=starts_upper,
        last_char=last_char,
        ends_terminal=has_word & (_flags[last_char] & TERMINAL).astype(bool),
        **dict(zip(_MARK_COUNTS, mark_counts.reshape(len(marks), n))),
        token_hash=_hash_tokens(folded, token_start, token_end),
        token_row=np.repeat(np.arange(n), token_edges[1:] - token_edges[:-1]),
        token_len=token_end - token_start,
        token_after_dot=cp[token_start - 1] == ord("."),
        word_chars=np.where(flags & WORD, folded, 0).astype(np.uint32),
    )


def _runs(inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every maximal run of True in ``inside``, whose last value is
    False (a chunk ends with its final "\\n").

    Runs start and end alternately where the value changes, so one pass finds both.
    """
    change = (inside[1:] != inside[:-1]).nonzero()[0] + 1
    if inside[0]:
        change = np.concatenate([[0], change])
    return change[0::2], change[1::2]


def _hash_tokens(folded: np.ndarray, token_start: np.ndarray, token_end: np.ndarray) -> np.ndarray:
    """64-bit hash of each token's folded code points: ``mix64(sum(c_i * B**i))``."""
    if len(token_start) == 0:
        return np.zeros(0, dtype=np.uint64)
    return span_hashes(folded, token_start, token_end)


def span_hashes(folded: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """64-bit hash of each span ``[s, e)`` of the code points ``folded``, as words are hashed.

    With prefix sums ``S[k] = sum(c_j * B**j for j < k)`` over the whole text, the span
    ``[s, e)`` hashes to ``(S[e] - S[s]) * B**-s``: one pass, whatever the number of spans. The
    arithmetic is exact (mod 2**64), so a span's hash does not depend on the text around it.
    """
    powers, inverse_powers = _power_tables(len(folded) + 1)
    prefix = np.zeros(len(folded) + 1, dtype=np.uint64)
    (folded * powers[: len(folded)]).cumsum(out=prefix[1:])  # uint32 * uint64 is uint64
    return mix64((prefix[ends] - prefix[starts]) * inverse_powers[starts])


def bounds_from_lengths(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Article bounds of each paragraph (start row, one past the end row) from article lengths.

    Examples
    --------
    >>> [b.tolist() for b in bounds_from_lengths(np.array([2, 0, 1]))]
    [[0, 0, 2], [2, 2, 3]]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.repeat(ends - lengths, lengths), np.repeat(ends, lengths)


def word_hashes(words: list[str]) -> np.ndarray:
    """Hashes of single words as :func:`scan_texts` computes them (for word-list lookups)."""
    scan = scan_texts(list(words), max_chars=max(map(len, words), default=1))
    if not np.array_equal(scan.token_row, np.arange(len(words))):
        raise ValueError(f"word lists must hold single words, got {sorted(words)}")
    return scan.token_hash


class WordLists:
    """Named word lists, all looked up with one binary search per word of a scan.

    Parameters
    ----------
    lists : dict of str to iterable of str
        Each list's words (single words; case and digits are folded as in the scan).

    Examples
    --------
    >>> lists = WordLists({"money": ["euro", "dollars"], "we": ["we", "our"]})
    >>> scan = scan_texts(["Our 5 Euro", "dollars"], max_chars=100)
    >>> lists.has(scan, "money").tolist(), lists.has(scan, "we").tolist()
    ([False, False, True, True], [True, False, False, False])
    >>> lists.counts(scan).tolist()  # per paragraph: words in "money", words in "we"
    [[1, 1], [1, 0]]
    """

    def __init__(self, lists: dict[str, object]) -> None:
        self.names = list(lists)
        hashes, bits = [], []
        for i, words in enumerate(lists.values()):
            h = word_hashes(sorted(set(words)))
            hashes.append(h)
            bits.append(np.full(len(h), 1 << i, dtype=np.uint64))
        all_hashes = np.concatenate(hashes)
        self._hashes, where = np.unique(all_hashes, return_inverse=True)
        self._bits = np.zeros(len(self._hashes), dtype=np.uint64)
        np.bitwise_or.at(self._bits, where, np.concatenate(bits))
        self._shifts = np.arange(len(self.names), dtype=np.uint64)

    def classes(self, scan: Scan) -> np.ndarray:
        """Bit mask of the lists each word of ``scan`` belongs to (computed once per scan)."""
        key = ("word_lists", id(self))
        if key not in scan.memo:
            index = np.searchsorted(self._hashes, scan.token_hash)
            index[index == len(self._hashes)] = 0
            found = self._hashes[index] == scan.token_hash
            scan.memo[key] = np.where(found, self._bits[index], np.uint64(0))
        return scan.memo[key]

    def has(self, scan: Scan, name: str) -> np.ndarray:
        """Which words of ``scan`` are in the list ``name``."""
        bit = np.uint64(1 << self.names.index(name))
        return (self.classes(scan) & bit) > 0

    def counts(self, scan: Scan) -> np.ndarray:
        """How many words of each paragraph are in each list, shape (n_paragraphs, n_lists),
        columns in the order of :attr:`names` (computed once per scan, for all lists at once)."""
        key = ("word_list_counts", id(self))
        if key not in scan.memo:
            n_lists = len(self.names)
            classes = self.classes(scan)
            listed = classes.nonzero()[0]  # few words are in any list: expand just those
            in_list = (classes[listed, None] >> self._shifts) & np.uint64(1)
            word, list_index = in_list.nonzero()
            flat = scan.token_row[listed[word]] * n_lists + list_index
            counts = np.bincount(flat, minlength=scan.n * n_lists)
            scan.memo[key] = counts.reshape(scan.n, n_lists)
        return scan.memo[key]


__all__ = [
    "Scan",
    "WordLists",
    "bounds_from_lengths",
    "groups",
    "mix64",
    "scan_texts",
    "span_hashes",
    "word_hashes",
]
