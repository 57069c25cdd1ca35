"""What a batch run reads: input records (:class:`Item`) and the reasons a record is rejected.

A record leaves the pipeline either downstream or through a reject with one of the reason codes
of :data:`REASONS`, never silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

#: Reject reason codes and what they mean.
REASONS = {
    "malformed_json": "the line is not valid JSON",
    "not_an_object": "the line is valid JSON but not an object",
    "malformed_csv": "the CSV row has more or fewer cells than the header, or broken quoting",
    "undecodable": "the line (or the text) is not valid UTF-8 / Unicode",
    "missing_text": "the text field is absent or null",
    "text_not_string": "the text field is not a string",
    "too_long": "the text is longer than --max-chars characters",
    "field_exists": "the record already has a value in the field --annotate writes",
    "schema_mismatch": "the record does not fit the output schema (Parquet types, CSV header)",
    "truncated_input": "a compressed input ends early or is damaged: its unreadable rest as one",
}


class Item(NamedTuple):
    """One input record and where it came from; ``reason`` is set when it could not be parsed.

    ``pos`` is the 1-based line (JSONL) or data row (CSV, Parquet) number; ``raw`` holds the
    unparsed input for parse errors: the line's bytes (JSONL, without its final newline) or the
    row's text (CSV, with invalid UTF-8 kept as lone surrogates).
    """

    pos: int
    record: dict | None
    reason: str | None = None
    detail: str = ""
    raw: bytes | str | None = None


def items_from_dicts(records: Iterable[dict]) -> Iterator[Item]:
    """Items for in-memory records, numbered from 1 (for tests and library use)."""
    for pos, record in enumerate(records, 1):
        yield Item(pos, record)


_JSON_KINDS = {
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "an array",
}


def kind_of(value: object) -> str:
    """What ``value`` is, in JSON's words where it has them ("a number", "an array", "null")."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    return _JSON_KINDS.get(type(value), f"of type {type(value).__name__}")


__all__ = ["REASONS", "Item", "items_from_dicts", "kind_of"]
