"""Readers of batch cleaning: finding input shards and streaming their records.

Readers yield :class:`~newsclean.batch.records.Item` objects one record at a time and never
hold a whole file in memory: JSONL is read line by line (as bytes, so undecodable lines can be
rejected rather than crash the run), CSV row by row with the :mod:`csv` module (every value a
string), Parquet one record batch at a time (``iter_batches``), keeping the Arrow types.
"""

from __future__ import annotations

import csv
import glob
import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from newsclean.batch.formats import format_of
from newsclean.batch.records import Item, kind_of

_GLOB_CHARS = "*?["


_CSV_FIELD_LIMIT = 2**31 - 1


def expand_inputs(patterns: list[str]) -> tuple[list[str], list[str]]:
    """Expand files, directories and globs to a sorted list of input files, each file once.

    A directory contributes every file below it with a recognised suffix (hidden files and
    names starting with ``_`` are skipped); a glob contributes its matches with a recognised
    suffix; a plain path is kept as given even if it does not exist, so that it fails as its
    own shard. Returns ``(files, problems)``, problems being one-line messages for patterns
    that contributed nothing or plain files of unknown format.
    """
    files: set[str] = set()
    problems: list[str] = []
    for pattern in patterns:
        path = Path(pattern)
        if any(c in pattern for c in _GLOB_CHARS) and not path.exists():
            found = [
                p for p in glob.glob(pattern, recursive=True) if Path(p).is_file() and format_of(p)
            ]
            if not found:
                problems.append(f"{pattern}: no input files match")
            files.update(found)
        elif path.is_dir():
            found = [
                str(p)
                for p in path.rglob("*")
                if p.is_file()
                and format_of(p)
                and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
            ]
            if not found:
                problems.append(
                    f"{pattern}: directory holds no .jsonl, .jsonl.gz, .parquet or .csv files"
                )
            files.update(found)
        elif format_of(pattern) is None:
            problems.append(
                f"{pattern}: unknown input format (expected .jsonl, .jsonl.gz, .parquet or .csv)"
            )
        else:
            files.add(pattern)
    # One file under two spellings ("a.jsonl", "./a.jsonl") is one input, cleaned once. Two
    # names linked to one file (a dataset cache) stay two inputs, as the user listed them.
    by_file: dict[str, str] = {}
    for name in sorted(files):
        by_file.setdefault(os.path.normpath(os.path.abspath(name)), name)
    return sorted(by_file.values()), problems


def read_jsonl_stream(stream: BinaryIO) -> Iterator[Item]:
    """Records of a JSONL byte stream; bad lines become items with an error reason.

    Blank lines are not records: they are skipped and not counted as read.
    """
    for lineno, raw in enumerate(stream, 1):
        if lineno == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is not JSON
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Item(
                lineno,
                None,
                "undecodable",
                f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})",
                raw.decode("utf-8", "backslashreplace").rstrip("\r\n"),
            )
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield Item(lineno, None, "malformed_json", f"invalid JSON: {exc}", line.rstrip("\r\n"))
            continue
        if not isinstance(record, dict):
            yield Item(
                lineno,
                None,
                "not_an_object",
                f"JSON value is {kind_of(record)}, not an object",
                line.rstrip("\r\n"),
            )
            continue
        yield Item(lineno, record)


def read_jsonl(path: str) -> Iterator[Item]:
    """Records of a ``.jsonl`` or ``.jsonl.gz`` file, line by line."""
    opener = gzip.open if format_of(path) == "jsonl.gz" else open
    with opener(path, "rb") as fh:
        yield from read_jsonl_stream(fh)


def read_csv(path: str) -> Iterator[Item]:
    """Rows of a CSV file with a header, as dicts of strings.

    Invalid UTF-8 survives reading as lone surrogates (``surrogateescape``), so the text field
    can be rejected as ``undecodable`` and other fields are written back byte for byte. A row
    with more or fewer cells than the header, or with broken quoting, becomes a
    ``malformed_csv`` item. Quoting is read strictly: a lax reader turns a quote that is never
    closed into one cell holding the rest of the file, whose rows would then vanish into it.
    """
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    # utf-8-sig: a byte-order mark (spreadsheet exports) is not part of the first column's name.
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        lines = _RowLines(fh)
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise ValueError(f"{path}: the CSV header is malformed: {exc}") from None
        if header is None:
            return
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:  # a dict per row would keep only the last of them
            raise ValueError(f"{path}: the CSV header repeats the column(s) {repeated}")
        width = len(header)
        rowno = 0
        while True:
            lines.start_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                row = None
                # The error may come inside a quoted cell that goes on over later lines: those
                # belong to this row too, not to new rows (the reader restarts at the next line).
                while lines.quote_open() and lines.take_line():
                    pass
                problem = _quoting_problem(exc, lines.first_line, lines.last_line)
            rowno += 1
            if row is None:
                yield Item(rowno, None, "malformed_csv", problem, lines.text())
            elif not row:  # a blank line
                continue
            elif len(row) != width:
                yield Item(
                    rowno,
                    None,
                    "malformed_csv",
                    f"row has {len(row)} cells, header has {width}",
                    json.dumps(row, ensure_ascii=False),
                )
            else:
                yield Item(rowno, dict(zip(header, row, strict=True)))


class _RowLines:
    """The lines of a file, fed to :func:`csv.reader`, keeping those of the row being read so
    that a row the reader refuses can be put in the rejects as it was."""

    def __init__(self, fh) -> None:
        self._fh = fh
        self._lines: list[str] = []
        self._quotes = 0  # quote characters in those lines, kept as they come
        self._line_number = 0
        self.first_line = 1

    def __iter__(self) -> _RowLines:
        return self

    def __next__(self) -> str:
        line = next(self._fh)
        self._line_number += 1
        self._lines.append(line)
        self._quotes += line.count('"')
        return line

    def start_row(self) -> None:
        self._lines.clear()
        self._quotes = 0
        self.first_line = self._line_number + 1

    @property
    def last_line(self) -> int:
        return self._line_number

    def quote_open(self) -> bool:
        """Whether the row's lines so far leave a quoted cell open (an odd number of quotes)."""
        return self._quotes % 2 == 1

    def take_line(self) -> bool:
        """Add the file's next line to this row, bypassing the reader; False at the end."""
        try:
            next(self)
        except StopIteration:
            return False
        return True

    def text(self) -> str:
        return "".join(self._lines)


def _quoting_problem(exc: csv.Error, first_line: int, last_line: int) -> str:
    lines = f"line {first_line}" if first_line >= last_line else f"lines {first_line}-{last_line}"
    if "unexpected end of data" in str(exc):
        return f"{lines}: a quoted cell is never closed (it runs to the end of the file)"
    return f"{lines}: broken quoting: {exc}"


def csv_header(path: str) -> list[str]:
    """The header row of a CSV file (empty for an empty file)."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        return next(csv.reader(fh), [])


def read_parquet(path: str, batch_size: int) -> Iterator[Item]:
    """Rows of a Parquet file, one record batch at a time, with their Arrow types kept."""
    import pyarrow.parquet as pq

    rowno = 0
    with pq.ParquetFile(path) as pf:
        for batch in pf.iter_batches(batch_size=batch_size):
            for record in batch.to_pylist():
                rowno += 1
                yield Item(rowno, record)


def read_shard(path: str, batch_size: int) -> Iterator[Item]:
    """Records of one input file, whatever its format."""
    fmt = format_of(path)
    if fmt in ("jsonl", "jsonl.gz"):
        return read_jsonl(path)
    if fmt == "csv":
        return read_csv(path)
    if fmt == "parquet":
        return read_parquet(path, batch_size)
    raise ValueError(f"{path}: unknown input format")


def parquet_schema(path: str):
    """The Arrow schema of a Parquet file."""
    import pyarrow.parquet as pq

    return pq.read_schema(path)


__all__ = [
    "csv_header",
    "expand_inputs",
    "parquet_schema",
    "read_csv",
    "read_jsonl",
    "read_jsonl_stream",
    "read_parquet",
    "read_shard",
]
