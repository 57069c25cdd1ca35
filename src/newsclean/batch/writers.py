"""Writers of batch cleaning: output shards, rejects and merged files, written atomically.

Writers write to a temporary name next to the target (:func:`newsclean.atomic.temporary_path`);
:meth:`ShardWriter.commit` renames it into place with :func:`os.replace`, so a reader of the
output never sees half a file. Output bytes depend only on the records (gzip headers carry no
time stamp or file name), so the same input always gives byte-identical output.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from newsclean.atomic import PendingFile, atomic_file, is_remote
from newsclean.batch.formats import input_format_of
from newsclean.batch.readers import csv_header, parquet_schema
from newsclean.jsonsafe import finite

_WRITE_BUFFER = 1 << 20


def _json_default(value: Any) -> Any:
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
        line = json.dumps(record, ensure_ascii=False, default=_json_default, allow_nan=False)
    except ValueError:  # a non-finite float somewhere in the record
        return dumps_line(finite(record))
    try:
        return (line + "\n").encode()
    except UnicodeEncodeError:
        return (json.dumps(record, ensure_ascii=True, default=_json_default) + "\n").encode()


class ShardWriter:
    """Base class: write records in batches to ``path`` via a temporary file."""

    def __init__(self, path: str | os.PathLike | None) -> None:
        self.path = _as_path(path)
        self._pending = PendingFile(self.path) if self.path is not None else None
        self.tmp = self._pending.tmp if self._pending is not None else None

    def write_batch(self, records: list[dict]) -> int:  # pragma: no cover - abstract
        """Write records; return how many were written (the rest were rejected)."""
        raise NotImplementedError

    def _close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def commit(self) -> None:
        """Finish the file and move it to its final name."""
        self._close()
        if self._pending is not None:
            self._pending.commit()

    def abort(self) -> None:
        """Close and delete the temporary file."""
        with contextlib.suppress(Exception):  # already failing; the temp file goes anyway
            self._close()
        if self._pending is not None:
            self._pending.abort()


class JsonlWriter(ShardWriter):
    """JSON lines, optionally gzipped (``mtime=0``, no file name: deterministic bytes)."""

    def __init__(
        self, path: str | os.PathLike | None, *, gz: bool = False, stream: BinaryIO | None = None
    ) -> None:
        super().__init__(path)
        self._raw = stream if stream is not None else open(self.tmp, "wb")  # noqa: SIM115
        self._owns_file = stream is None  # else the caller's stream: flushed, not closed
        self._fh: BinaryIO = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0) if gz else self._raw
        )

    def write_batch(self, records: list[dict]) -> int:
        self._fh.write(b"".join(dumps_line(r) for r in records))
        if not self._owns_file:
            self._fh.flush()
        return len(records)

    def _close(self) -> None:
        if self._fh is not self._raw:
            self._fh.close()
        if self._owns_file:
            self._raw.close()
        else:
            self._raw.flush()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
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
        self._own_fields = frozenset(own_fields)

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
        rows = table.select([n for n in names if n not in self._own_fields]).to_pylist()
        return None if any(map(self._changed, rows, records)) else table

    def _changed(self, row: dict, record: dict) -> list[str]:
        """Fields of ``record`` that Arrow stored as another value in ``row`` (the fields
        newsclean wrote itself are not compared)."""
        return [
            n
            for n in self.schema.names
            if n not in self._own_fields and not _same_value(row[n], record.get(n))
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
        ("kind", pa.string()),  # None for kept paragraphs and models without a kind head
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
    source_fmt = input_format_of(source) if source else None
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
        self.path = _as_path(path)
        self._pending = PendingFile(self.path) if self.path is not None else None
        if self._pending is not None:
            self._fh: BinaryIO | None = open(  # noqa: SIM115 - closed by commit() / abort()
                self._pending.tmp, "wb", buffering=_WRITE_BUFFER
            )
        else:
            self._fh = None
            self._stream = stream if stream is not None else sys.stderr

    def write(self, entry: dict) -> None:
        """Write one reject entry as a JSON line."""
        line = dumps_line(entry)
        if self._fh is not None:
            self._fh.write(line)
        else:
            self._stream.write(line.decode())
            self._stream.flush()

    def commit(self) -> None:
        """Finish the file and move it to its final name (nothing for a stream)."""
        if self._fh is not None:
            self._fh.close()
            self._pending.commit()

    def abort(self) -> None:
        """Close and delete the temporary file (nothing for a stream)."""
        if self._fh is not None:
            self._fh.close()
            self._pending.abort()


def _as_path(path: str | os.PathLike | None) -> Path | None:
    """``path`` as a :class:`~pathlib.Path`; a remote :class:`upath.UPath` is kept as it is."""
    return path if path is None or is_remote(path) else Path(path)


def concat_files(sources: list[Path], target: str | os.PathLike) -> None:
    """Concatenate ``sources`` (missing ones skipped; local or remote) into ``target``
    atomically."""
    with atomic_file(target, "wb") as out:
        for src in sources:
            if src.exists():
                with src.open("rb") as fh:
                    while chunk := fh.read(_WRITE_BUFFER):
                        out.write(chunk)


__all__ = [
    "CsvWriter",
    "JsonlWriter",
    "ParquetWriter",
    "RejectsWriter",
    "ShardWriter",
    "annotation_type",
    "concat_files",
    "dumps_line",
    "open_writer",
    "output_parquet_schema",
]
