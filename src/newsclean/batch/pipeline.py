"""One shard's pipeline, read → validate → batched → clean → write, and the memory pre-pass.

The engines (:mod:`newsclean.batch.engines`) only schedule :func:`process_shard` calls.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from newsclean.atomic import atomic_write_text
from newsclean.batch.config import BatchConfig
from newsclean.batch.formats import input_format_of
from newsclean.batch.layout import Layout
from newsclean.batch.readers import read_shard
from newsclean.batch.records import Item
from newsclean.batch.steps import CleanJob, Shard, batched, clean_batches, validate, write_batches
from newsclean.batch.writers import RejectsWriter, open_writer
from newsclean.memory import PublisherMemory, record_domain

log = logging.getLogger(__name__)


class PlainTextError(ValueError):
    """A JSON-lines input that is plain text: the wrong format for the whole input, which
    rejecting it line by line would only hide."""


def refuse_plain_text(items: Iterable[Item], source: str) -> Iterator[Item]:
    """Pass ``items`` through unchanged, unless the input looks like plain text, not JSONL.

    It does when its first record (its first non-blank line) is not JSON and does not start
    as a JSON object or array would: a dump whose first line is a truncated record still
    starts with ``{`` and is cleaned, with that line rejected.

    Raises
    ------
    PlainTextError
        Before any record is passed on, naming ``source`` and the line.
    """
    items = iter(items)
    first = next(items, None)
    if first is None:
        return
    raw = first.raw or b""  # a JSONL line's bytes (CSV rows, never checked here, are text)
    start = raw.lstrip()[:1]
    if first.reason == "malformed_json" and start not in (b"{", b"[", "{", "["):
        raise PlainTextError(
            f"{'stdin' if source == '-' else source}: line {first.pos} is not JSON and the input "
            "looks like plain text, not JSON lines; to clean one plain-text article use "
            "--format text"
        )
    yield first
    yield from items


def validate_records(records: Iterable[Item], shard: Shard, cfg: BatchConfig) -> Iterator[Item]:
    """:func:`validate` with the run's rules: the cleaning pass and the ``--repetition`` pass
    must let through exactly the same records, and both stop on plain text
    (:func:`refuse_plain_text`)."""
    return validate(
        refuse_plain_text(records, shard.source),
        shard,
        text_field=cfg.text_field,
        max_chars=cfg.max_chars,
        annotation_field=cfg.annotation_field,
    )


def process_shard(
    index: int,
    n_shards: int,
    source: str,
    cfg: BatchConfig,
    layout: Layout,
    *,
    mapper: Callable = map,
    on_batch: Callable | None = None,
    items: Iterable[Item] | None = None,
    stream=None,
) -> dict[str, Any]:
    """Run one shard's pipeline and commit its files; return its counts.

    The part file, the shard's rejects and its stats appear under their final names only once
    the whole shard succeeded; the ``_done`` marker is written last. An error that stops the
    shard (unreadable input, I/O) is returned as ``{"failed": True, "error": ...}`` and leaves
    nothing behind.
    """
    shard = Shard(
        index=index,
        n_shards=n_shards,
        source=source,
        id_field=cfg.id_field,
        pos_name="line"
        if input_format_of(source) in ("jsonl", "jsonl.gz") or source == "-"
        else "row",
        on_batch=on_batch,
    )
    rejects = writer = None
    try:
        rejects_path = layout.shard_rejects(index)
        if rejects_path is not None:
            rejects_path.parent.mkdir(parents=True, exist_ok=True)
        rejects = RejectsWriter(rejects_path)
        shard.sink = rejects.write
        writer = open_writer(
            cfg.fmt,
            layout.part(index),
            source=None if source == "-" else source,
            text_field=cfg.text_field,
            output_field=cfg.out_field,
            annotation_field=cfg.annotation_field,
            reject=shard.reject_written,
            stream=stream,
            with_support=cfg.memory is not None,
        )
        job = CleanJob(cfg)
        domain_of = None
        if cfg.memory is not None:
            domain_of = functools.partial(
                record_domain, domain_field=cfg.domain_field, url_field=cfg.url_field
            )
        records = items if items is not None else read_shard(source, cfg.batch_size)
        valid = validate_records(records, shard, cfg)
        cleaned = clean_batches(
            batched(valid, cfg.batch_size),
            shard,
            job=job,
            mapper=mapper,
            text_field=cfg.text_field,
            output_field=cfg.output_field,
            annotation_field=cfg.annotation_field,
            domain_of=domain_of,
        )
        write_batches(cleaned, shard, writer)
        summary = shard.summary()
        writer.commit()
        rejects.commit()
    except Exception as exc:  # a shard's failure must not stop the others
        _abort(writer, rejects)
        error = " ".join(f"{type(exc).__name__}: {exc}".split())
        log.error("shard %05d (%s) failed: %s", index, source, error)
        return {"shard": index, "source": source, "failed": True, "error": error}
    except BaseException:  # Ctrl-C: stop, but leave no temporary file behind
        _abort(writer, rejects)
        raise
    if layout.shard_stats(index) is not None:
        layout.shard_stats(index).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(layout.shard_stats(index), json.dumps(summary, sort_keys=True) + "\n")
    if layout.done(index) is not None:
        layout.done(index).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(layout.done(index), "")
    return summary


def _abort(*writers) -> None:
    """Delete the temporary files of the writers that were opened (None: not opened)."""
    for w in writers:
        if w is not None:
            w.abort()


def build_memory(
    sources: list[str],
    cfg: BatchConfig,
    memory: PublisherMemory | None = None,
    *,
    on_article: Callable[[], None] | None = None,
) -> PublisherMemory:
    """The first pass of ``--repetition``: count every valid record of ``sources`` per domain.

    Streams each input (records are not kept, only paragraph hashes), counts exactly the records the
    cleaning pass will clean (same validation; rejects are reported by that pass), and adds to
    ``memory`` when given. An input that cannot be read to the end raises
    :class:`IncompleteMemoryError`: every shard's result depends on every input's counts, so a
    memory missing some would clean differently from a run on the repaired input.
    """
    if memory is None:
        memory = PublisherMemory()
    for index, source in enumerate(sources):
        shard = Shard(index=index, n_shards=len(sources), source=source, sink=lambda _: None)
        try:
            records = read_shard(source, cfg.batch_size)
            for item in validate_records(records, shard, cfg):
                domain = record_domain(item.record, cfg.domain_field, cfg.url_field)
                memory.add(item.record[cfg.text_field], domain)
                if on_article is not None:
                    on_article()
            if shard.stats["rejected_truncated_input"]:  # the cleaning pass keeps the rest
                raise EOFError("the compressed file ends early")
        except Exception as exc:
            error = " ".join(f"{type(exc).__name__}: {exc}".split())
            raise IncompleteMemoryError(f"{source} could not be read to the end ({error})") from exc
    return memory


class IncompleteMemoryError(RuntimeError):
    """The ``--repetition`` pass could not read an input to the end."""


__all__ = [
    "IncompleteMemoryError",
    "PlainTextError",
    "build_memory",
    "process_shard",
    "refuse_plain_text",
    "validate_records",
]
