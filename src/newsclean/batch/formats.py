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


def format_of(path: str | os.PathLike) -> str | None:
    """The format a file name implies (``"jsonl"``, ``"jsonl.gz"``, ``"parquet"``, ``"csv"``)."""
    name = str(path).lower()
    for suffix, fmt in INPUT_SUFFIXES:
        if name.endswith(suffix):
            return fmt
    return None


__all__ = ["INPUT_SUFFIXES", "SUFFIXES", "format_of"]
