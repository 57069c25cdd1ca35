"""Readers of batch cleaning: finding input shards and streaming their records.

Readers yield :class:`~newsclean.batch.records.Item` objects one record at a time and never
hold a whole file in memory: JSONL is read line by line (as bytes, so undecodable lines can be
rejected rather than crash the run), CSV row by row with the :mod:`csv` module (every value a
string), Parquet one record batch at a time (``iter_batches``), keeping the Arrow types.

Inputs are decompressed by suffix (``.gz``, ``.zst`` with ``zstandard``, ``.bz2``, ``.xz``);
URLs (``s3://``, ``gs://``, ``hf://``, ``memory://`` …) are opened through fsspec
(``pip install 'newsclean[remote]'``), plus the filesystem's own package (``s3fs`` …).
"""

from __future__ import annotations

import bz2
import contextlib
import csv
import glob
import gzip
import io
import json
import lzma
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from newsclean.batch.formats import READABLE_NAMES, compression_of, format_of, input_format_of
from newsclean.batch.records import Item, kind_of

_GLOB_CHARS = "*?["


_CSV_FIELD_LIMIT = 2**31 - 1


class InputError(ValueError):
    """An input that cannot be read at all: a URL whose filesystem package is missing."""


def is_url(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a URL (``s3://…``, ``file://…``) rather than a local path."""
    return "://" in str(path)


def filesystem(url: str):
    """``(fs, path)`` for a URL, via :func:`fsspec.core.url_to_fs`.

    Raises
    ------
    InputError
        When fsspec, or the package of the URL's filesystem (``s3fs`` for ``s3://``), is not
        installed, or the scheme is unknown.
    """
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise InputError(
            f"{url}: URLs are read and written through fsspec: pip install 'newsclean[remote]'"
        ) from None
    try:
        return url_to_fs(url)
    except ImportError as exc:  # fsspec names the package: "Install s3fs to access S3"
        raise InputError(f"{url}: {exc}") from None
    except ValueError as exc:  # "Protocol not known: xyz"
        raise InputError(f"{url}: {exc}") from None


def check_readable(path: str) -> None:
    """Raise :class:`InputError` now when reading ``path`` needs a package that is missing
    (fsspec or a URL's filesystem package, ``zstandard`` for ``.zst``), rather than failing
    every shard."""
    if is_url(path):
        filesystem(path)
    if compression_of(path) == "zstd":
        import importlib.util

        if importlib.util.find_spec("zstandard") is None:
            raise InputError(f"{path}: reading .zst needs zstandard: pip install 'newsclean[zstd]'")


def expand_inputs(patterns: list[str]) -> tuple[list[str], list[str]]:
    """Expand files, directories and globs (local or URLs) to a sorted list of input files,
    each file once.

    A directory contributes every file below it with a readable name (see
    :data:`~newsclean.batch.formats.READABLE_NAMES`; hidden files and names starting with
    ``_`` are skipped); a glob contributes its matches with a readable name; a plain path is
    kept as given even if it does not exist, so that it fails as its own shard. Returns
    ``(files, problems)``, problems being one-line messages for patterns that contributed
    nothing, plain files of unknown format, and files a directory or glob holds that newsclean
    cannot read (named, not silently skipped).

    Raises
    ------
    InputError
        For a URL or compression whose package is missing.
    """
    files: set[str] = set()
    problems: list[str] = []
    for pattern in patterns:
        found = _expand_one(pattern)
        if found is not None:
            readable = [f for f in found if input_format_of(f)]
            unreadable = sorted(set(found) - set(readable))
            if unreadable:
                shown = ", ".join(unreadable[:3]) + (" …" if len(unreadable) > 3 else "")
                problems.append(
                    f"{pattern}: skipped {len(unreadable)} file(s) newsclean cannot read "
                    f"({shown}); it reads {READABLE_NAMES}"
                )
            if not found:
                problems.append(f"{pattern}: no input files match")
            elif not readable:
                problems.append(f"{pattern}: no input files newsclean can read")
            files.update(readable)
        elif input_format_of(pattern) is None:
            problems.append(f"{pattern}: unknown input format (expected {READABLE_NAMES})")
        else:
            files.add(pattern)
    for name in files:
        check_readable(name)
    # One file under two spellings ("a.jsonl", "./a.jsonl") is one input, cleaned once. Two
    # names linked to one file (a dataset cache) stay two inputs, as the user listed them.
    by_file: dict[str, str] = {}
    for name in sorted(files):
        by_file.setdefault(name if is_url(name) else os.path.normpath(os.path.abspath(name)), name)
    return sorted(by_file.values()), problems


def _expand_one(pattern: str) -> list[str] | None:
    """The files a glob or directory holds (every file, readable or not), or None when
    ``pattern`` names a single file (which need not exist)."""
    if is_url(pattern):
        fs, path = filesystem(pattern)
        if any(c in path for c in _GLOB_CHARS) and not fs.exists(path):
            return [fs.unstrip_protocol(p) for p in fs.glob(path) if fs.isfile(p)]
        if fs.isdir(path):
            return [
                fs.unstrip_protocol(p)
                for p in fs.find(path)
                if not any(
                    part.startswith((".", "_"))
                    for part in p[len(path.rstrip("/")) + 1 :].split("/")
                )
            ]
        return None
    path = Path(pattern)
    if any(c in pattern for c in _GLOB_CHARS) and not path.exists():
        return [p for p in glob.glob(pattern, recursive=True) if Path(p).is_file()]
    if path.is_dir():
        return [
            str(p)
            for p in path.rglob("*")
            if p.is_file()
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
        ]
    return None


@contextlib.contextmanager
def open_input(path: str, mode: str = "rb", **text_args) -> Iterator[IO]:
    """Open an input file for reading, decompressed by its suffix (``.gz``, ``.zst``, ``.bz2``,
    ``.xz``).

    A URL is opened through fsspec; ``text_args`` (``encoding``, ``errors``, ``newline``)
    apply in text mode (``"rt"``). A compressed file that ends early raises ``EOFError`` when
    the read reaches its end (see :func:`damage_errors`), never a silent end of file.
    """
    check_readable(path)
    with contextlib.ExitStack() as stack:
        if is_url(path):
            import fsspec

            fh = stack.enter_context(fsspec.open(path, "rb"))
        else:
            fh = stack.enter_context(open(path, "rb"))
        compression = compression_of(path)
        if compression == "gzip":
            fh = stack.enter_context(gzip.GzipFile(fileobj=fh, mode="rb"))
        elif compression == "bz2":
            fh = stack.enter_context(bz2.BZ2File(fh, "rb"))
        elif compression == "xz":
            fh = stack.enter_context(lzma.LZMAFile(fh, "rb"))
        elif compression == "zstd":
            fh = stack.enter_context(io.BufferedReader(_ZstdReader(fh)))
        if "t" in mode:
            fh = stack.enter_context(io.TextIOWrapper(fh, **text_args))
        yield fh


class _ZstdReader(io.RawIOBase):
    """The decompressed bytes of a zstd stream (one frame or several after each other).

    zstandard's own ``stream_reader`` ends quietly where a truncated file ends; this raises
    ``EOFError`` instead, as :mod:`gzip` does, so a damaged file is never taken as complete.
    """

    _CHUNK = 1 << 16

    def __init__(self, fh: BinaryIO) -> None:
        import zstandard

        self._fh = fh
        self._new_frame = zstandard.ZstdDecompressor().decompressobj
        self._frame = self._new_frame()
        self._pending = b""
        self._in_frame = False  # bytes of a frame were read and its end not yet reached

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = self._fh.read(self._CHUNK)
            if not chunk:
                if self._in_frame:
                    raise EOFError("zstd stream ended before the end of its frame")
                return 0
            while chunk:
                self._in_frame = True
                self._pending += self._frame.decompress(chunk)
                if not self._frame.eof:
                    break
                chunk = self._frame.unused_data  # the next frame starts here
                self._frame = self._new_frame()
                self._in_frame = False
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def damage_errors(path: str) -> tuple[type[BaseException], ...]:
    """What a decompressor raises when a compressed file ends early or is damaged (not an I/O
    error, which fails the shard): ``EOFError`` ("Compressed file ended before the
    end-of-stream marker was reached"), ``BadGzipFile``, ``zlib.error`` and their kin."""
    compression = compression_of(path)
    if compression is None:
        return ()
    errors: tuple[type[BaseException], ...] = (EOFError, zlib.error, gzip.BadGzipFile)
    if compression == "xz":
        errors += (lzma.LZMAError,)
    if compression == "zstd":
        import zstandard

        errors += (zstandard.ZstdError,)
    return errors


def read_jsonl_stream(
    stream: BinaryIO, *, damage: tuple[type[BaseException], ...] = ()
) -> Iterator[Item]:
    """Records of a JSONL byte stream; bad lines become items with an error reason.

    Blank lines are not records: they are skipped and not counted as read. When the stream
    raises one of ``damage`` (a compressed file that ends early), the records before are kept
    and the unreadable rest becomes one ``truncated_input`` item; if not even a first line
    could be read (not a gzip file at all), the error is raised and the shard fails.
    """
    lines = iter(stream)
    lineno = 0
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except damage as exc:
            if lineno == 0:  # not a compressed file at all, or nothing of it readable
                raise
            yield Item(
                lineno + 1,
                None,
                "truncated_input",
                f"the input cannot be read after line {lineno} "
                f"({type(exc).__name__}: {exc}); the rest of the file is lost",
                b"",
            )
            return
        lineno += 1
        if lineno == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is not JSON
        if not raw.strip():
            continue
        original = raw.removesuffix(b"\n")  # the rejects keep the line's exact bytes
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Item(
                lineno,
                None,
                "undecodable",
                f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})",
                original,
            )
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield Item(lineno, None, "malformed_json", f"invalid JSON: {exc}", original)
            continue
        if not isinstance(record, dict):
            yield Item(
                lineno,
                None,
                "not_an_object",
                f"JSON value is {kind_of(record)}, not an object",
                original,
            )
            continue
        yield Item(lineno, record)


def read_jsonl(path: str) -> Iterator[Item]:
    """Records of a JSON Lines file (``.jsonl``, ``.json``, compressed or not), line by line.

    A ``.json`` file holding one JSON document spread over lines (``[`` alone on its first
    line) is refused with a :class:`ValueError` (its shard fails, named) rather than read as
    lines that are each malformed.
    """
    with open_input(path, "rb") as fh:
        items = read_jsonl_stream(fh, damage=damage_errors(path))
        first = next(items, None)
        if first is None:
            return
        if (
            first.reason == "malformed_json"
            and first.raw.strip() in (b"[", b"{")
            and input_format_of(path) != format_of(path)  # a .json name, not .jsonl
        ):
            raise ValueError(
                f"{path}: a JSON document spread over lines, not JSON Lines (one object per "
                "line), which is what newsclean reads"
            )
        yield first
        yield from items


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
    with open_input(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
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
                    lines.text(),
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
    with open_input(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        return next(csv.reader(fh), [])


def read_parquet(path: str, batch_size: int) -> Iterator[Item]:
    """Rows of a Parquet file, one record batch at a time, with their Arrow types kept."""
    import pyarrow.parquet as pq

    rowno = 0
    with open_input(path) as fh, pq.ParquetFile(fh) as pf:
        for batch in pf.iter_batches(batch_size=batch_size):
            for record in batch.to_pylist():
                rowno += 1
                yield Item(rowno, record)


def read_shard(path: str, batch_size: int) -> Iterator[Item]:
    """Records of one input file, whatever its format."""
    fmt = input_format_of(path)
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

    with open_input(path) as fh:
        return pq.read_schema(fh)


__all__ = [
    "InputError",
    "check_readable",
    "csv_header",
    "damage_errors",
    "expand_inputs",
    "filesystem",
    "is_url",
    "open_input",
    "parquet_schema",
    "read_csv",
    "read_jsonl",
    "read_jsonl_stream",
    "read_parquet",
    "read_shard",
]
