"""File formats of batch cleaning: their names and the file suffixes that imply them."""

from __future__ import annotations

import os

#: Output/input formats, keyed by name, with the file suffix of each.
SUFFIXES = {"jsonl": ".jsonl", "jsonl.gz": ".jsonl.gz", "parquet": ".parquet", "csv": ".csv"}


#: Recognised input suffixes and the format each means (longest suffix first).
INPUT_SUFFIXES = (
    (".jsonl.gz", "jsonl.gz"),
    (".ndjson.gz", "jsonl.gz"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
    (".parquet", "parquet"),
    (".csv", "csv"),
)

#: Names newsclean reads but never writes: JSON Lines under a ``.json`` name (as many dumps,
#: C4's among them, are published) and compressions read through fsspec.
READ_ONLY_SUFFIXES = (
    (".json.gz", "jsonl.gz"),
    (".jsonl.zst", "jsonl"),
    (".ndjson.zst", "jsonl"),
    (".json.zst", "jsonl"),
    (".jsonl.bz2", "jsonl"),
    (".jsonl.xz", "jsonl"),
    (".json", "jsonl"),
)

#: Compression of an input file by its last suffix, in fsspec's names.
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".bz2": "bz2", ".xz": "xz"}

#: The input names newsclean reads, for messages.
READABLE_NAMES = ".jsonl, .ndjson, .json (JSON Lines), each also .gz or .zst, .parquet, .csv"


def format_of(path: str | os.PathLike) -> str | None:
    """The format a file name implies (``"jsonl"``, ``"jsonl.gz"``, ``"parquet"``, ``"csv"``).

    These are the names newsclean also writes (``-o``); see :func:`input_format_of` for inputs.
    """
    name = str(path).lower()
    for suffix, fmt in INPUT_SUFFIXES:
        if name.endswith(suffix):
            return fmt
    return None


def input_format_of(path: str | os.PathLike) -> str | None:
    """The format an input file is read as: :func:`format_of`, plus the read-only names
    (``.json`` and ``.json.gz`` as JSON Lines, ``.jsonl.zst`` …); None for other names."""
    name = str(path).lower()
    for suffix, fmt in READ_ONLY_SUFFIXES:
        if name.endswith(suffix):
            return fmt
    return format_of(name)


def compression_of(path: str | os.PathLike) -> str | None:
    """The compression of an input file by its suffix (fsspec's name: ``"gzip"``, ``"zstd"``…)."""
    name = str(path).lower()
    for suffix, compression in COMPRESSIONS.items():
        if name.endswith(suffix):
            return compression
    return None


__all__ = [
    "COMPRESSIONS",
    "INPUT_SUFFIXES",
    "READABLE_NAMES",
    "READ_ONLY_SUFFIXES",
    "SUFFIXES",
    "compression_of",
    "format_of",
    "input_format_of",
]
