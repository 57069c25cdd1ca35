"""The steps of batch cleaning: small generators over records, composed per shard.

A shard's pipeline is ``read → validate → batched → clean_batches → write_batches`` (see
:func:`newsclean.batch.pipeline.process_shard`). Each step takes an iterable and a
:class:`Shard` (the shard's index, source, counters and rejects sink) and can be run on a
hand-made list::

    >>> shard = Shard(index=0, n_shards=1, source="mem")
    >>> items = items_from_dicts([{"id": 1, "text": "Hello."}, {"id": 2}])
    >>> [it.record["id"] for it in validate(items, shard)]
    [1]
    >>> shard.rejected[0]["reason"], shard.stats["rejected_missing_text"]
    ('missing_text', 1)

A record leaves a step either downstream or through :meth:`Shard.reject` with a reason code
(one of :data:`~newsclean.batch.records.REASONS`), never silently: per shard
``read == written + rejected``.
"""

from __future__ import annotations

import base64
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple

from newsclean.batch.config import MAX_ARTICLE_CHARS_DEFAULT, BatchConfig
from newsclean.batch.records import Item, items_from_dicts, kind_of

_SURROGATE = re.compile("[\ud800-\udfff]")


_RAW_ID = r'"{}"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)'


_DETAIL_CHARS = 300


_ABSENT = object()  # a field the record did not have before cleaning


@dataclass
class Shard:
    """A shard being processed: its place in the run, its counters and its rejects sink.

    ``sink`` receives each reject entry (a dict); by default entries are kept in
    :attr:`rejected`, which is handy in tests.
    """

    index: int
    n_shards: int
    source: str
    id_field: str = "id"
    pos_name: str = "line"
    stats: Counter = field(default_factory=Counter)
    sink: Callable[[dict], None] | None = None
    on_batch: Callable[[int, int, int], None] | None = None
    rejected: list[dict] = field(default_factory=list)
    #: Per record of the batch being written (by ``id``), its line or row number.
    _positions: dict[int, int] = field(default_factory=dict, repr=False)
    #: Per record in flight (by ``id``), the values :func:`clean_batches` replaced: a record the
    #: writer rejects goes to the rejects as it was read, so no text is lost.
    _originals: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)

    def reject(
        self,
        pos: int,
        record: dict | None,
        reason: str,
        detail: str = "",
        raw: bytes | str | None = None,
    ) -> None:
        """Send one record to the rejects with a reason code, and count it.

        An unparsed record (``record`` None) keeps its input as ``raw_base64``, the base64 of
        its exact bytes (``raw`` as given, or a string's UTF-8 with lone surrogates turned back
        into the bytes they stand for), and ``raw``, a readable but lossy preview.
        """
        self.stats["rejected"] += 1
        self.stats[f"rejected_{reason}"] += 1
        preview = raw_bytes = None
        if raw is not None:
            raw_bytes = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
            preview = raw_bytes.decode("utf-8", "backslashreplace")
        entry: dict[str, Any] = {
            "source": self.source,
            self.pos_name: pos,
            "id": self._id_of(record, preview),
            "reason": reason,
            "detail": " ".join(detail.split())[:_DETAIL_CHARS],
        }
        if record is not None:
            entry["record"] = record
        else:
            entry["raw"] = preview
            # Different bytes can share a preview (any invalid byte shows as an escape).
            entry["raw_base64"] = (
                None if raw_bytes is None else base64.b64encode(raw_bytes).decode("ascii")
            )
        if self.sink is None:
            self.rejected.append(entry)
        else:
            self.sink(entry)

    def keep_original(self, record: dict, fields: Iterable[str]) -> None:
        """Remember ``record``'s values of ``fields`` (or their absence) before the cleaner
        replaces them, for :meth:`reject_written`."""
        self._originals[id(record)] = {k: record.get(k, _ABSENT) for k in fields}

    def start_writing(self, batch: list[Item]) -> None:
        """Note the positions of the batch about to be written, for :meth:`reject_written`."""
        self._positions = {id(item.record): item.pos for item in batch}

    def finish_writing(self, batch: list[Item]) -> None:
        """Forget what was kept of a written batch's records."""
        for item in batch:
            self._originals.pop(id(item.record), None)
        self._positions = {}

    def reject_written(self, record: dict, reason: str, detail: str = "") -> None:
        """Reject a record the writer could not store, as it was read (positions come from
        :meth:`start_writing`)."""
        original = dict(record)
        for key, value in self._originals.get(id(record), {}).items():
            if value is _ABSENT:
                original.pop(key, None)
            else:
                original[key] = value
        self.reject(self._positions.get(id(record), 0), original, reason, detail)

    def _id_of(self, record: dict | None, raw: str | None) -> Any:
        if record is not None:
            return record.get(self.id_field)
        if raw:  # best effort on an unparsable line: "id": "abc" or "id": 12
            match = re.search(_RAW_ID.format(re.escape(self.id_field)), raw)
            if match:
                value = match.group(1)
                return value[1:-1] if value.startswith('"') else int(value)
        return None

    def summary(self) -> dict[str, Any]:
        """The shard's counters as a JSON-ready dict (deterministic: no timings)."""
        stats = dict(sorted(self.stats.items()))
        for key in ("read", "written", "rejected"):
            stats.setdefault(key, 0)
        stats["reconciled"] = stats["read"] == stats["written"] + stats["rejected"]
        return {"shard": self.index, "source": self.source, **stats}


def validate(
    items: Iterable[Item],
    shard: Shard,
    *,
    text_field: str = "text",
    max_chars: int = MAX_ARTICLE_CHARS_DEFAULT,
    annotation_field: str | None = None,
) -> Iterator[Item]:
    """Pass on records with a usable text; reject the rest with a reason code.

    With ``annotation_field``, a record that already holds a value there (not null, NaN or
    empty) is rejected too, rather than losing that value to the annotations. Counts ``read`` (every
    item) and ``rejected_<reason>``.
    """
    for item in items:
        shard.stats["read"] += 1
        if item.reason is not None:
            shard.reject(item.pos, None, item.reason, item.detail, item.raw)
            continue
        text = item.record.get(text_field)
        if text is None:
            state = "null" if text_field in item.record else "absent"
            shard.reject(item.pos, item.record, "missing_text", f"field {text_field!r} is {state}")
        elif not isinstance(text, str):
            shard.reject(
                item.pos,
                item.record,
                "text_not_string",
                f"field {text_field!r} is {kind_of(text)}, not a string",
            )
        elif len(text) > max_chars:
            shard.reject(
                item.pos,
                item.record,
                "too_long",
                f"text has {len(text)} characters, more than --max-chars {max_chars}",
            )
        elif _SURROGATE.search(text):
            shard.reject(
                item.pos,
                item.record,
                "undecodable",
                f"field {text_field!r} holds bytes that are not valid UTF-8",
            )
        elif annotation_field is not None and _has_value(item.record.get(annotation_field)):
            shard.reject(
                item.pos,
                item.record,
                "field_exists",
                f"field {annotation_field!r} already has a value, which --annotate would replace",
            )
        else:
            yield item


def _has_value(value: object) -> bool:
    """Whether a field holds something to lose: not null, NaN, "" or an empty list/dict."""
    if value is None or (isinstance(value, float) and value != value):
        return False
    return not (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


class DomainTexts(NamedTuple):
    """A batch's texts and their publisher domains (what :func:`clean_batches` sends to the job when
    ``domain_of`` is given)."""

    texts: list[str]
    domains: list[str | None]


def batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Lists of up to ``size`` items, in order."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class CleanJob:
    """Clean a list of texts with one model call: the unit of work sent to worker processes.

    Takes the run's :class:`~newsclean.batch.config.BatchConfig` and cleans with its model,
    threshold, annotations and publisher memory. The model is loaded on first use in each
    process and cached (:func:`~newsclean.predict.load_scorer`), and so is the publisher memory
    file ``config.memory`` when given (only its path travels to worker processes). Takes a list
    of texts, or :class:`DomainTexts` when a memory is used. Returns one
    ``(text, n_paragraphs, n_removed, chars_removed, annotations)`` tuple per text;
    ``annotations`` is a list of dicts as in :func:`newsclean.clean_frame`, or None.
    """

    def __init__(self, config: BatchConfig) -> None:
        self.config = config

    def __call__(self, texts: list[str] | DomainTexts) -> list[tuple]:
        from newsclean.predict import clean_texts

        config = self.config
        repetition = {}
        if config.memory is not None:
            from newsclean.memory import load_memory_with

            memory = load_memory_with(
                config.memory, min_support=config.min_support, floor=config.floor
            )
            domains = texts.domains if isinstance(texts, DomainTexts) else [None] * len(texts)
            repetition = {"memory": memory, "domains": domains}
        if isinstance(texts, DomainTexts):
            texts = texts.texts
        results = clean_texts(
            texts,
            model=config.model,
            threshold=config.threshold,
            annotate=config.annotate,
            **repetition,
        )
        return [
            (
                r.text,
                r.n_paragraphs,
                r.n_removed,
                r.chars_removed,
                [p.annotation() for p in r.paragraphs] if config.annotate else None,
            )
            for r in results
        ]


def clean_batches(
    batches: Iterable[list[Item]],
    shard: Shard,
    *,
    job: Callable[[list[str]], list],
    text_field: str = "text",
    output_field: str | None = None,
    annotation_field: str | None = None,
    mapper: Callable = map,
    domain_of: Callable[[dict], str | None] | None = None,
) -> Iterator[list[Item]]:
    """Clean each batch's texts with ``job``; put the result in ``output_field``.

    ``mapper(job, texts_per_batch)`` must return results in order: the builtin :func:`map`, or
    an ordered process-pool map (see :func:`newsclean.batch.engines.ordered_pool_map`). With
    ``domain_of`` (record -> domain), the job receives :class:`DomainTexts`. Counts
    ``paragraphs``, ``paragraphs_removed``, ``chars`` and ``chars_removed`` (and, with
    ``domain_of``, ``without_domain``: records it gave no domain).
    """
    out_field = output_field or text_field
    pending: deque[list[Item]] = deque()
    if domain_of is not None:
        shard.stats["without_domain"] += 0  # present even in a shard with nothing to clean

    def texts() -> Iterator[list[str] | DomainTexts]:
        for batch in batches:
            pending.append(batch)
            texts = [item.record[text_field] for item in batch]
            if domain_of is None:
                yield texts
            else:
                domains = [domain_of(item.record) for item in batch]
                shard.stats["without_domain"] += domains.count(None)  # the memory can't help
                yield DomainTexts(texts, domains)

    stats = shard.stats
    for results in mapper(job, texts()):
        batch = pending.popleft()
        n_par = n_removed = 0
        for item, (text, paragraphs, removed, chars_removed, notes) in zip(
            batch, results, strict=True
        ):
            stats["chars"] += len(item.record[text_field])
            replaced = [out_field] if annotation_field is None else [out_field, annotation_field]
            shard.keep_original(item.record, replaced)
            item.record[out_field] = text
            if annotation_field is not None:
                item.record[annotation_field] = notes
            n_par += paragraphs
            n_removed += removed
            stats["chars_removed"] += chars_removed
        stats["paragraphs"] += n_par
        stats["paragraphs_removed"] += n_removed
        if shard.on_batch is not None:
            shard.on_batch(len(batch), n_par, n_removed)
        yield batch


def write_batches(batches: Iterable[list[Item]], shard: Shard, writer) -> None:
    """Write each batch with ``writer.write_batch``; count ``written``.

    Records the writer cannot store come back through :meth:`Shard.reject_written`.
    """
    for batch in batches:
        shard.start_writing(batch)
        shard.stats["written"] += writer.write_batch([item.record for item in batch])
        shard.finish_writing(batch)


__all__ = [
    "CleanJob",
    "DomainTexts",
    "Shard",
    "batched",
    "clean_batches",
    "items_from_dicts",
    "validate",
    "write_batches",
]
