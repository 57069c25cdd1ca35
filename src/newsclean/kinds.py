"""The kind head: why a removed paragraph is boilerplate (appeal, newsletter, teaser, ...).

A model may carry, beside its two scoring passes, a small multinomial linear model that names the
*kind* of a paragraph already labelled boilerplate. It reads the first pass's text features, the
hashed words and word pairs (:func:`~newsclean.features.signals.word_entries`) and, when the
model reads them, the hashed character n-grams
(:func:`~newsclean.features.signals.char_ngram_entries`), in a smaller hash space of its own
(:data:`KIND_COLUMNS` columns each), so its weights stay a few MB. It never changes a score or a
label: it runs after the kept/removed decision, on the removed paragraphs only.

:class:`KindHead` holds the fitted arrays and applies them with numpy;
``newsclean.training.kinds`` fits them with scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsclean.features.scan import Scan
from newsclean.features.signals import char_ngram_entries, word_entries

#: Hash columns of each of the head's feature blocks (words and pairs; character n-grams).
KIND_COLUMNS = 2**15
#: What a paragraph removed by repetition alone (a publisher memory, its score under the cut)
#: is called: the reason it was removed is its repetition, not its words.
REPEATED_KIND = "repeated"
#: Prefix of the head's arrays in ``model.npz``.
KIND_PREFIX = "kind_"


def kind_entries(
    scan: Scan, n_columns: int, char_ngrams: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The head's sparse inputs of every paragraph of ``scan``: hashed words and pairs in
    columns ``[0, n_columns)``, then, with ``char_ngrams > 0``, hashed character n-grams of that
    length in ``[n_columns, 2 * n_columns)``. Returns ``rows, columns, data`` as
    :func:`~newsclean.features.signals.word_entries` does (repeated entries add up)."""
    rows, columns, data = word_entries(scan, n_columns)
    if not char_ngrams:
        return rows, columns.astype(np.int64), data
    gram_rows, gram_columns, gram_data = char_ngram_entries(scan, n_columns, char_ngrams)
    return (
        np.concatenate([rows, gram_rows]),
        np.concatenate([columns.astype(np.int64), gram_columns.astype(np.int64) + n_columns]),
        np.concatenate([data, gram_data]),
    )


@dataclass(frozen=True)
class KindHead:
    """A fitted multinomial linear model over :func:`kind_entries`.

    Parameters
    ----------
    names : tuple of str
        The kinds, in the order of ``coef``'s columns.
    coef : ndarray of shape (n_inputs, n_kinds)
        Weight of each input column for each kind; ``n_inputs`` is ``n_columns``, or twice
        that with character n-grams.
    intercept : ndarray of shape (n_kinds,)
    n_columns : int
        Hash columns of each feature block.
    char_ngrams : int
        Length of the character n-grams read, 0 for none.

    Examples
    --------
    >>> head = KindHead(("legal", "teaser"), np.zeros((4, 2)), np.array([0.0, 1.0]), 4, 0)
    >>> from newsclean.features.scan import scan_texts
    >>> head.predict(scan_texts(["Read more"], max_chars=100))
    ['teaser']
    """

    names: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    n_columns: int
    char_ngrams: int

    def __post_init__(self) -> None:
        width = self.n_columns * (2 if self.char_ngrams else 1)
        if np.shape(self.coef) != (width, len(self.names)):
            raise ValueError(
                f"kind coef has shape {np.shape(self.coef)}; expected ({width}, {len(self.names)})"
            )
        if np.shape(self.intercept) != (len(self.names),):
            raise ValueError(f"kind intercept has shape {np.shape(self.intercept)}")
        if len(self.names) < 2 or len(set(self.names)) != len(self.names):
            raise ValueError(f"kind names must be two or more distinct names, got {self.names}")

    def decision_function(self, scan: Scan) -> np.ndarray:
        """Each paragraph's logit of each kind, shape (n, n_kinds)."""
        rows, columns, data = kind_entries(scan, self.n_columns, self.char_ngrams)
        logits = np.tile(np.asarray(self.intercept, dtype=np.float64), (scan.n, 1))
        weighted = self.coef[columns].astype(np.float64) * data[:, None]  # (entries, kinds)
        for k in range(len(self.names)):  # one bincount per kind: no loop over paragraphs
            logits[:, k] += np.bincount(rows, weights=weighted[:, k], minlength=scan.n)
        return logits

    def predict(self, scan: Scan) -> list[str]:
        """The most likely kind of every paragraph of ``scan``."""
        if scan.n == 0:
            return []
        best = self.decision_function(scan).argmax(axis=1)
        return [self.names[i] for i in best]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays (no object dtype, so no pickle) for ``model.npz``."""
        return {
            f"{KIND_PREFIX}names": np.array(self.names, dtype=str),
            f"{KIND_PREFIX}coef": np.asarray(self.coef, dtype=np.float32),
            f"{KIND_PREFIX}intercept": np.asarray(self.intercept, dtype=np.float64),
            f"{KIND_PREFIX}shape": np.array([self.n_columns, self.char_ngrams]),
        }

    @classmethod
    def from_arrays(cls, arrays) -> KindHead | None:
        """Rebuild from :meth:`to_arrays`' output; None when the arrays hold no head (a model
        exported before kinds, or trained without reviewed kinds)."""
        if f"{KIND_PREFIX}coef" not in arrays:
            return None
        n_columns, char_ngrams = (int(v) for v in arrays[f"{KIND_PREFIX}shape"])
        return cls(
            names=tuple(str(name) for name in arrays[f"{KIND_PREFIX}names"]),
            coef=np.asarray(arrays[f"{KIND_PREFIX}coef"]),
            intercept=np.asarray(arrays[f"{KIND_PREFIX}intercept"], dtype=np.float64),
            n_columns=n_columns,
            char_ngrams=char_ngrams,
        )


__all__ = ["KIND_COLUMNS", "KIND_PREFIX", "REPEATED_KIND", "KindHead", "kind_entries"]
