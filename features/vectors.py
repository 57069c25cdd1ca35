"""A static word-vector table, looked up by the scan's word hashes (numpy only).

A table maps the hash of a folded word (as :mod:`.scan` hashes words: lower case, digits as
``0``) to a vector. It is exported once, at build time, from a pretrained table
(``python -m newsclean.training.word_vectors``), so cleaning runs no tokenizer and downloads
nothing: every word of a scan is found with one binary search over the sorted hashes.

:func:`vector_signals` gives each paragraph the mean of its known words' vectors and the share of
its words the table knows, then the same for its neighbours. A publisher's appeal worded unlike
any training appeal ("keep our reporting free") still lands near "support our journalism".
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from newsclean.features.scan import Scan
from newsclean.features.signals import shift_within_articles

#: File name of an exported table (in the vendored folder or beside a model).
TABLE_NAME = "word_vectors.npz"


@dataclass(frozen=True)
class WordVectors:
    """Word vectors keyed by the scan's 64-bit word hashes.

    Parameters
    ----------
    hashes : ndarray of uint64, shape (n_words,)
        Sorted, unique word hashes (:func:`~newsclean.features.scan.word_hashes`).
    vectors : ndarray of float16, shape (n_words, dim)
        The vector of each hash, in the same order.

    Examples
    --------
    >>> from newsclean.features.scan import scan_texts, word_hashes
    >>> words = ["give", "now"]
    >>> order = np.argsort(word_hashes(words))
    >>> table = WordVectors(
    ...     word_hashes(words)[order], np.array([[1, 0], [0, 1]], np.float16)[order]
    ... )
    >>> table.paragraph_means(scan_texts(["Give now!", "Later"], 100)).tolist()
    [[0.5, 0.5, 1.0], [0.0, 0.0, 0.0]]
    """

    hashes: np.ndarray
    vectors: np.ndarray

    def __post_init__(self) -> None:
        if self.hashes.ndim != 1 or self.vectors.ndim != 2:
            raise ValueError("a word-vector table needs 1-d hashes and 2-d vectors")
        if len(self.hashes) != len(self.vectors):
            raise ValueError(
                f"a word-vector table has {len(self.hashes)} hashes for {len(self.vectors)} vectors"
            )
        if not (self.hashes[1:] > self.hashes[:-1]).all():  # not np.diff: uint64 wraps
            raise ValueError("a word-vector table's hashes must be sorted and unique")

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return int(self.vectors.shape[1])

    @cached_property
    def sha256(self) -> str:
        """Fingerprint of the table's contents, which a model stores to find its table again."""
        digest = hashlib.sha256()
        digest.update(np.ascontiguousarray(self.hashes, dtype="<u8").tobytes())
        digest.update(np.ascontiguousarray(self.vectors, dtype="<f2").tobytes())
        return digest.hexdigest()

    @classmethod
    def load(cls, path: str | os.PathLike) -> WordVectors:
        """Read a table written by :meth:`save` (no pickle)."""
        with np.load(path, allow_pickle=False) as arrays:
            hashes = arrays["hashes"].astype(np.uint64)
            vectors = arrays["vectors"].astype(np.float16)
        hashes.setflags(write=False)
        vectors.setflags(write=False)
        return cls(hashes, vectors)

    def save(self, path: str | os.PathLike) -> None:
        """Write the table as a compressed ``.npz`` of ``hashes`` and ``vectors``."""
        np.savez_compressed(path, hashes=self.hashes, vectors=self.vectors)

    def lookup(self, scan: Scan) -> np.ndarray:
        """Row of the table of each word of ``scan``, -1 for a word it lacks (memoised)."""
        key = ("word_vectors", self.sha256)
        if key not in scan.memo:
            index = np.searchsorted(self.hashes, scan.token_hash)
            index[index == len(self.hashes)] = 0
            found = self.hashes[index] == scan.token_hash if len(self.hashes) else index < 0
            scan.memo[key] = np.where(found, index, -1)
        return scan.memo[key]

    def paragraph_means(self, scan: Scan) -> np.ndarray:
        """Per paragraph, the mean vector of its known words and the share of its words that
        are known, shape (n_paragraphs, dim + 1); zeros for a paragraph without known words.

        Each paragraph's sum runs over its own words only, so its value does not depend on
        which other paragraphs were scanned with it (windowed scoring stays exact).
        """
        index = self.lookup(scan)
        known = index >= 0
        rows = scan.token_row[known]
        out = np.zeros((scan.n, self.dim + 1))
        if len(rows):
            vectors = self.vectors[index[known]].astype(np.float64)
            # Words are in reading order, so each paragraph's known words are one run.
            present, starts = np.unique(rows, return_index=True)
            counts = np.diff(np.append(starts, len(rows)))
            out[present, :-1] = np.add.reduceat(vectors, starts, axis=0) / counts[:, None]
            words = np.bincount(scan.token_row, minlength=scan.n)
            out[present, -1] = counts / words[present]
        return out


def vector_names(dim: int, window: int) -> list[str]:
    """Names of :func:`vector_signals`' columns."""
    from newsclean.features.signals import neighbour_offsets

    own = [*(f"mean{i}" for i in range(dim)), "known_share"]
    names = list(own)
    for offset in neighbour_offsets(window):
        tag = f"prev{-offset}" if offset < 0 else f"next{offset}"
        names.extend(f"{tag}_{n}" for n in own)
        names.append(f"{tag}_present")
    return names


def vector_signals(scan: Scan, table: WordVectors, window: int) -> np.ndarray:
    """:meth:`WordVectors.paragraph_means` of each paragraph and of its ``window`` neighbours on
    each side (zeros and a ``present`` flag of 0 where the article has none), laid out as
    :func:`~newsclean.features.signals.shape_signals` lays out the shape."""
    own = table.paragraph_means(scan)
    bounds = (scan.article_starts, scan.article_ends)
    return np.hstack([own, shift_within_articles(own, bounds, window)])


__all__ = ["TABLE_NAME", "WordVectors", "vector_names", "vector_signals"]
