"""File formats for batch cleaning: finding input shards, streaming readers, atomic writers.

Readers yield :class:`~newsclean.batch_steps.Item` objects one record at a time and never hold a
whole file in memory: JSONL is read line by line (as bytes, so undecodable lines can be rejected
rather than crash the run), CSV row by row with the :mod:`csv` module (every value a string),
Parquet one record batch at a time (``iter_batches``), keeping the Arrow types.

Writers write to a temporary name next to the target; :meth:`ShardWriter.commit` renames it into
place with :func:`os.replace`, so a reader of the output never sees half a file. Output bytes
depend only on the records (gzip headers carry no time stamp or file name), so the same input
always gives byte-identical output.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import gzip
import io
import json
import math
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from newsclean.atomic import temporary_path
from newsclean.batch_steps import Item, kind_of

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
_GLOB_CHARS = "*?["
_CSV_FIELD_LIMIT = 2**31 - 1
_WRITE_BUFFER = 1 << 20


def format_of(path: str | os.PathLike) -> str | None:
    """The format a file name implies (``"jsonl"``, ``"jsonl.gz"``, ``"parquet"``, ``"csv"``)."""
    name = str(path).lower()
    for suffix, fmt in INPUT_SUFFIXES:
        if name.endswith(suffix):
            return fmt
    return None


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


# --------------------------------------------------------------------------------------------
# Readers


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


# --------------------------------------------------------------------------------------------
# Writers


def _jsonable(value: Any) -> Any:
    """``json.dumps`` fallback for Arrow values JSON has no type for (dates, bytes, decimals)."""
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "backslashreplace")
    return str(value)


def dumps_line(record: dict) -> bytes:
    """One JSON line, UTF-8; lone surrogates (from ``\\udXXX`` escapes) are kept as escapes.

    JSON has no NaN or infinity: such floats (a Parquet NaN, a ``NaN`` token some JSONL
    writers emit) are written as ``null``, so every line stays valid for strict parsers.
    """
    try:
        line = json.dumps(record, ensure_ascii=False, default=_jsonable, allow_nan=False)
    except ValueError:  # a non-finite float somewhere in the record
        return dumps_line(finite(record))
    try:
        return (line + "\n").encode()
    except UnicodeEncodeError:
        return (json.dumps(record, ensure_ascii=True, default=_jsonable) + "\n").encode()


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None, in dicts, lists and tuples
    (recursively) and in numpy scalars and arrays (as Python values), so that
    ``json.dumps(..., allow_nan=False)`` takes it."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        value = value.tolist()  # without importing numpy: arrays and scalars alike
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


class ShardWriter:
    """Base class: write records in batches to ``path`` via a temporary file."""

    def __init__(self, path: str | os.PathLike | None) -> None:
        self.path = Path(path) if path is not None else None
        self.tmp = temporary_path(self.path) if self.path is not None else None

    def write_batch(self, records: list[dict]) -> int:  # pragma: no cover - abstract
        """Write records; return how many were written (the rest were rejected)."""
        raise NotImplementedError

    def _close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def commit(self) -> None:
        """Finish the file and move it to its final name."""
        self._close()
        if self.tmp is not None:
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Close and delete the temporary file."""
        with contextlib.suppress(Exception):  # already failing; the temp file goes anyway
            self._close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


class JsonlWriter(ShardWriter):
    """JSON lines, optionally gzipped (``mtime=0``, no file name: deterministic bytes)."""

    def __init__(
        self, path: str | os.PathLike | None, *, gz: bool = False, stream: BinaryIO | None = None
    ) -> None:
        super().__init__(path)
        self._raw = stream if stream is not None else open(self.tmp, "wb")  # noqa: SIM115
        self._own = stream is None
        self._fh: BinaryIO = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0) if gz else self._raw
        )

    def write_batch(self, records: list[dict]) -> int:
        self._fh.write(b"".join(dumps_line(r) for r in records))
        if not self._own:
            self._fh.flush()
        return len(records)

    def _close(self) -> None:
        if self._fh is not self._raw:
            self._fh.close()
        if self._own:
            self._raw.close()
        else:
            self._raw.flush()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=_jsonable)
    return str(value)


class CsvWriter(ShardWriter):
    """CSV with a header; every value written as a string (lists and dicts as JSON).

    The header is the input's (CSV or Parquet input) or the fields of the first batch (JSONL
    input). A record with a field the header lacks goes to ``reject`` as ``schema_mismatch``.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        columns: list[str] | None,
        *,
        reject: Callable[[dict, str, str], None] | None = None,
    ) -> None:
        super().__init__(path)
        self.columns = list(columns) if columns is not None else None
        self._reject = reject
        self._fh = open(  # noqa: SIM115 - closed by close() / abort()
            self.tmp, "w", encoding="utf-8", errors="surrogateescape", newline=""
        )
        self._writer = csv.writer(self._fh)
        if self.columns is not None:
            self._writer.writerow(self.columns)

    def write_batch(self, records: list[dict]) -> int:
        if self.columns is None:
            if not records:
                return 0
            self.columns = list(dict.fromkeys(k for r in records for k in r))
            self._writer.writerow(self.columns)
        known = set(self.columns)
        good = []
        for r in records:
            extra = [k for k in r if k not in known]
            if extra:
                self._reject(r, "schema_mismatch", f"fields not in the CSV header: {extra}")
            else:
                good.append(r)
        self._writer.writerows([_csv_cell(r.get(c)) for c in self.columns] for r in good)
        return len(good)

    def _close(self) -> None:
        self._fh.close()


class ParquetWriter(ShardWriter):
    """Parquet, one row group per batch, with a fixed schema.

    The schema is the input's (Parquet or CSV input: every record came from it) or is inferred
    from the first batch (JSONL input). A record that does not fit it exactly goes to ``reject``
    with reason ``schema_mismatch`` instead of being dropped or coerced. With an inferred
    schema, every value but those of ``own_fields`` (the cleaned text and annotations newsclean
    wrote itself) is read back and compared, since Arrow converts some misfits silently.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        schema=None,
        *,
        reject: Callable[[dict, str, str], None] | None = None,
        own_fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(path)
        self.schema = schema
        self._reject = reject
        self._writer = None
        self._compare = schema is None
        self._own = frozenset(own_fields)

    def _open(self) -> None:
        import pyarrow.parquet as pq

        self._writer = pq.ParquetWriter(self.tmp, self.schema)

    def write_batch(self, records: list[dict]) -> int:
        import pyarrow as pa

        if not records:
            return 0
        if self.schema is None:
            self.schema = _first_schema(records)
        if self._writer is None:
            self._open()
        table = self._table_if_exact(records)
        good = records
        if table is None:  # find the records that do not fit, one by one
            good = []
            for r in records:
                problem = self._misfit(r)
                if problem:
                    self._reject(r, "schema_mismatch", problem)
                else:
                    good.append(r)
            table = pa.Table.from_pylist(good, schema=self.schema)
        self._writer.write_table(table)
        return len(good)

    def _table_if_exact(self, records: list[dict]):
        """The batch as a table of the file's schema, or None if any value would not survive
        the conversion unchanged (Arrow would truncate 2.75 in an integer column or drop a key
        missing from a struct without a word, so every value is read back and compared)."""
        import pyarrow as pa

        names = self.schema.names
        if any(set(r) - set(names) for r in records):
            return None
        try:
            table = pa.Table.from_pylist(records, schema=self.schema)
        except _arrow_errors():
            return None
        if not self._compare:
            return table
        rows = table.select([n for n in names if n not in self._own]).to_pylist()
        return None if any(map(self._changed, rows, records)) else table

    def _changed(self, row: dict, record: dict) -> list[str]:
        """Fields of ``record`` that Arrow stored as another value in ``row`` (the fields
        newsclean wrote itself are not compared)."""
        return [
            n
            for n in self.schema.names
            if n not in self._own and not _same_value(row[n], record.get(n))
        ]

    def _misfit(self, record: dict) -> str:
        """Why ``record`` does not fit the schema exactly ("" if it does)."""
        import pyarrow as pa

        extra = sorted(set(record) - set(self.schema.names))
        if extra:
            return f"fields not in the Parquet schema: {extra}"
        errors = _arrow_errors()
        try:
            (row,) = pa.Table.from_pylist([record], schema=self.schema).to_pylist()
        except errors as exc:
            for field in self.schema:  # name the field Arrow could not take
                try:
                    pa.array([record.get(field.name)], type=field.type)
                except errors:
                    value = repr(record.get(field.name))[:60]
                    return f"field {field.name!r}: {value} does not fit the type {field.type}"
            return " ".join(str(exc).split())[:200]
        changed = self._changed(row, record)
        if changed:
            types = ", ".join(f"{n} ({self.schema.field(n).type})" for n in changed)
            return f"values would change in the Parquet schema's types: {types}"
        return ""

    def _close(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is None:
            if self.schema is None:
                self.schema = pa.schema([])
            pq.write_table(self.schema.empty_table(), self.tmp)
            self._writer = False
        elif self._writer:
            self._writer.close()
            self._writer = False


def _same_value(stored: object, original: object) -> bool:
    """Whether Arrow stored ``original`` unchanged. A key the record lacks reads back as None
    (in a row or in a struct), and an integer stored as a float compares equal to it."""
    if isinstance(stored, dict) and isinstance(original, dict):
        return set(original) <= set(stored) and all(
            _same_value(value, original.get(key)) for key, value in stored.items()
        )
    if isinstance(stored, list) and isinstance(original, list):
        return len(stored) == len(original) and all(map(_same_value, stored, original))
    if isinstance(stored, float) and isinstance(original, float) and stored != stored:
        return original != original  # NaN is stored as NaN
    return stored == original


def _first_schema(records: list[dict]):
    """The schema of a Parquet output file for JSONL input, inferred from its first batch.

    Every field found in the batch is a column, in the order first seen (a key that only later
    records have is kept; Arrow alone would take the first record's keys). A field's type is
    Arrow's for all its values in the batch (integers and floats together: float); where Arrow
    finds none (an integer ``id`` here, a string there), the first value Arrow can type decides
    and the records that do not fit go to the rejects. A type Arrow could only call
    ``null`` (a field that was always null, or always an empty list) becomes ``string`` (a list
    of strings), so later values of the usual kind still fit.
    """
    import pyarrow as pa

    fields = []
    for name in dict.fromkeys(key for record in records for key in record):
        values = [record.get(name) for record in records]
        arrow_type = _arrow_type(values)
        if arrow_type is not None:  # else no column: records with a value go to the rejects
            fields.append(pa.field(name, _without_null(arrow_type)))
    return pa.schema(fields)


def _arrow_errors() -> tuple[type[BaseException], ...]:
    """What Arrow raises for a value it cannot convert (pyarrow is imported on first use)."""
    import pyarrow as pa

    return (pa.ArrowException, ValueError, TypeError, OverflowError)


def _arrow_type(values: list):
    """The Arrow type of ``values``; where they disagree, of the first value Arrow can type on
    its own (None if there is none, e.g. only lists mixing numbers and strings)."""
    import pyarrow as pa

    errors = _arrow_errors()
    try:
        return pa.array(values).type
    except errors:
        pass
    for value in values:
        if value is not None:
            try:
                return pa.array([value]).type
            except errors:
                continue
    return None


def _without_null(arrow_type):
    import pyarrow as pa

    if pa.types.is_null(arrow_type):
        return pa.string()
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return pa.list_(_without_null(arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return pa.struct([f.with_type(_without_null(f.type)) for f in arrow_type])
    return arrow_type


def annotation_type(with_support: bool = False):
    """Arrow type of the ``*_paragraphs`` annotation column (``support`` with a memory)."""
    import pyarrow as pa

    fields = [
        ("index", pa.int64()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("score", pa.float64()),
        ("score_raw", pa.float64()),
        ("label", pa.string()),
    ]
    return pa.list_(pa.struct(fields + ([("support", pa.int64())] if with_support else [])))


def output_parquet_schema(
    source_schema,
    *,
    text_field: str,
    output_field: str,
    annotation_field: str | None,
    with_support: bool = False,
):
    """The output schema for Parquet input: the input's, plus the output/annotation fields
    (whose paragraphs carry ``support`` when ``with_support``: a publisher memory is used)."""
    import pyarrow as pa

    schema = source_schema
    if output_field not in schema.names:
        schema = schema.append(pa.field(output_field, pa.string()))
    elif output_field != text_field:
        schema = schema.set(
            schema.get_field_index(output_field), pa.field(output_field, pa.string())
        )
    if annotation_field is not None:
        field = pa.field(annotation_field, annotation_type(with_support))
        if annotation_field in schema.names:
            schema = schema.set(schema.get_field_index(annotation_field), field)
        else:
            schema = schema.append(field)
    return schema


def open_writer(
    fmt: str,
    path: str | os.PathLike | None,
    *,
    source: str | None,
    text_field: str,
    output_field: str,
    annotation_field: str | None,
    reject: Callable[[dict, str, str], None],
    stream: BinaryIO | None = None,
    with_support: bool = False,
) -> ShardWriter:
    """A writer for one output shard in ``fmt``, with a schema/header taken from ``source``
    (``with_support``: the annotations carry a publisher memory's ``support``)."""
    if fmt in ("jsonl", "jsonl.gz"):
        return JsonlWriter(path, gz=fmt == "jsonl.gz", stream=stream)
    source_fmt = format_of(source) if source else None
    if fmt == "csv":
        columns = None
        if source_fmt == "csv":
            columns = csv_header(source)
        elif source_fmt == "parquet":
            columns = list(parquet_schema(source).names)
        if columns is not None:
            for extra in (output_field, annotation_field):
                if extra is not None and extra not in columns:
                    columns.append(extra)
        return CsvWriter(path, columns, reject=reject)
    if fmt == "parquet":
        schema = None
        if source_fmt == "parquet":
            schema = output_parquet_schema(
                parquet_schema(source),
                text_field=text_field,
                output_field=output_field,
                annotation_field=annotation_field,
                with_support=with_support,
            )
        elif source_fmt == "csv":
            import pyarrow as pa

            columns = csv_header(source)
            schema = pa.schema([(c, pa.string()) for c in columns])
            schema = output_parquet_schema(
                schema,
                text_field=text_field,
                output_field=output_field,
                annotation_field=annotation_field,
                with_support=with_support,
            )
        own = tuple(f for f in (output_field or text_field, annotation_field) if f)
        return ParquetWriter(path, schema, reject=reject, own_fields=own)
    raise ValueError(f"unknown output format {fmt!r}")


class RejectsWriter:
    """JSON lines of rejected records, via a temporary file (or to a stream, e.g. stderr)."""

    def __init__(self, path: str | os.PathLike | None, stream: io.TextIOBase | None = None):
        self.path = Path(path) if path is not None else None
        self.tmp = temporary_path(self.path) if self.path is not None else None
        if self.tmp is not None:
            self._fh: BinaryIO | None = open(self.tmp, "wb", buffering=_WRITE_BUFFER)  # noqa: SIM115
        else:
            self._fh = None
            self._stream = stream if stream is not None else sys.stderr

    def write(self, entry: dict) -> None:
        line = dumps_line(entry)
        if self._fh is not None:
            self._fh.write(line)
        else:
            self._stream.write(line.decode())
            self._stream.flush()

    def commit(self) -> None:
        if self._fh is not None:
            self._fh.close()
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self.tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary name and :func:`os.replace`."""
    path = Path(path)
    tmp = temporary_path(path)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def concat_files(sources: list[Path], target: str | os.PathLike) -> None:
    """Concatenate ``sources`` (missing ones skipped) into ``target`` atomically."""
    target = Path(target)
    tmp = temporary_path(target)
    with open(tmp, "wb") as out:
        for src in sources:
            if src.exists():
                with open(src, "rb") as fh:
                    while chunk := fh.read(_WRITE_BUFFER):
                        out.write(chunk)
    os.replace(tmp, target)
