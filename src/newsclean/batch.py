"""``newsclean clean``: clean article dumps (JSONL, Parquet, CSV) in streamed batches.

Output rules
------------
* ``INPUT`` is files, directories (every ``.jsonl``, ``.jsonl.gz``, ``.parquet``, ``.csv`` below
  them) or globs. The expanded list is sorted; input file *k* in that order is shard *k*.
* ``-o DIR`` (no data suffix): a directory of shards ``part-00000.<ext>`` … one per input file,
  plus ``stats.json`` (merged counts), ``rejects.jsonl`` (or ``--rejects PATH``), and the
  bookkeeping folders ``_stats/`` (per-shard counts), ``_rejects/`` (per-shard rejects) and
  ``_done/`` (a marker per finished shard, written last). A non-empty directory needs
  ``--resume`` (skip shards whose marker exists) or ``--overwrite`` (delete newsclean's files
  there first and start again).
* ``-o FILE.jsonl|.jsonl.gz|.parquet|.csv``: a single output file; allowed with exactly one input
  file. Rejects go to ``FILE.ext.rejects.jsonl`` (or ``--rejects``), counts to
  ``FILE.ext.stats.json`` (``out.csv`` → ``out.csv.rejects.jsonl``).
  An existing FILE needs ``--overwrite`` and is replaced only once the new one is complete;
  ``--resume`` does not apply. A new name with a data suffix newsclean does not write
  (``out.json``, ``out.csv.gz``) is an error, not a directory; a trailing slash asks for a
  directory. No output or rejects path may be an input file.
* ``-`` as the only INPUT reads JSONL from stdin and writes JSONL to stdout (``-o`` omitted or
  ``-``); rejects go to ``--rejects PATH``, else (or with ``--rejects -``) to stderr as JSON
  lines.
* Output format: ``--format``, else the suffix of a single output file, else the input files'
  format when they all share one, else JSONL.
* ``--repetition`` first reads every input once to count, per publisher domain
  (``--domain-field``, else the host of ``--url-field``), the articles each paragraph occurs in,
  writes that memory to ``OUTPUT/memory.json`` (``FILE.memory.json`` beside a single file), then
  cleans with it: a paragraph in at least ``--min-support`` articles of its domain is removed
  when its score is at least ``--repetition-floor``. ``--memory PATH`` uses a saved memory
  (extended by this run's inputs with ``--repetition``; PATH itself is not changed).

Every file appears atomically (temporary name, then :func:`os.replace`) and its bytes depend
only on the input and options, so a killed run continued with ``--resume`` gives the same bytes
as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsclean.atomic import temporaries_of
from newsclean.batch_formats import (
    INPUT_SUFFIXES,
    SUFFIXES,
    RejectsWriter,
    atomic_write_text,
    concat_files,
    expand_inputs,
    format_of,
    open_writer,
    read_jsonl_stream,
    read_shard,
)
from newsclean.batch_steps import (
    BATCH_SIZE_DEFAULT,
    MAX_CHARS_DEFAULT,
    REASONS,
    BatchConfig,
    CleanJob,
    Item,
    Shard,
    batched,
    clean,
    validate,
    write,
)
from newsclean.memory import (
    FLOOR_DEFAULT,
    MIN_SUPPORT_DEFAULT,
    PublisherMemory,
    load_memory,
    record_domain,
)
from newsclean.models import check_threshold
from newsclean.predict import MLFLOW_SCHEMES

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")
#: Names that look like data files newsclean does not write: as ``-o``, an error, not a new
#: directory of that name.
_FILE_SUFFIXES = (
    ".json",
    ".txt",
    ".tsv",
    ".gz",
    ".bz2",
    ".xz",
    ".zst",
    ".zip",
    ".arrow",
    ".feather",
    ".pq",
    ".xlsx",
)
#: Dask LocalCluster size when neither ``--scheduler`` nor ``--jobs`` is given.
DASK_WORKERS_DEFAULT = 2
#: Batches in flight per worker process (bounds memory with ``--jobs``).
PENDING_PER_JOB = 2
_PART = "part-[0-9][0-9][0-9][0-9][0-9].*"  # part-00000.jsonl: not a user's part-time.txt
_OWN_FILES = (
    _PART,
    f".{_PART}",
    ".stats.json.tmp-*",
    ".rejects.jsonl.tmp-*",
    ".*.tmp-*",
    "stats.json",
    "rejects.jsonl",
    "_run.json",
    "memory.json",
)
_OWN_DIRS = ("_done", "_stats", "_rejects")
RUN_FILE = "_run.json"
MEMORY_FILE = "memory.json"
#: BatchConfig fields of the publisher memory; left out of ``_run.json`` when unset, so runs
#: without ``--repetition`` / ``--memory`` keep their fingerprint.
_MEMORY_FIELDS = ("domain_field", "url_field", "memory", "min_support", "floor")

DESCRIPTION = __doc__.split("\n\n", 1)[1].split("\n\nEvery file", 1)[0].replace("``", "")


# --------------------------------------------------------------------------------------------
# Output layout


@dataclass(frozen=True)
class Layout:
    """Where a run writes: a shard directory, a single file, or stdout (both paths None)."""

    fmt: str
    root: Path | None = None
    single: Path | None = None
    rejects: Path | None = None

    def part(self, i: int) -> Path | None:
        if self.single is not None:
            return self.single
        if self.root is None:
            return None
        return self.root / f"part-{i:05d}{SUFFIXES[self.fmt]}"

    def shard_rejects(self, i: int) -> Path | None:
        if self.root is None:
            return self.rejects
        return self.root / "_rejects" / f"{i:05d}.jsonl"

    def shard_stats(self, i: int) -> Path | None:
        return None if self.root is None else self.root / "_stats" / f"{i:05d}.json"

    def done(self, i: int) -> Path | None:
        return None if self.root is None else self.root / "_done" / f"{i:05d}"

    @property
    def memory(self) -> Path | None:
        """Where ``--repetition`` writes the publisher memory (None for stdout)."""
        if self.root is not None:
            return self.root / MEMORY_FILE
        if self.single is not None:
            return self.single.with_name(self.single.name + "." + MEMORY_FILE)
        return None

    @property
    def stats(self) -> Path | None:
        if self.root is not None:
            return self.root / "stats.json"
        if self.single is not None:
            return self.single.with_name(self.single.name + ".stats.json")
        return None


def is_single_file(output: str) -> bool:
    """Whether ``-o OUTPUT`` names one output file: a data suffix, not an existing directory,
    and no trailing slash (``-o cleaned.jsonl/`` asks for a directory)."""
    return (
        format_of(output) is not None
        and not _asks_for_directory(output)
        and not Path(output).is_dir()
    )


def _asks_for_directory(output: str) -> bool:
    """Whether ``-o OUTPUT`` ends with a path separator."""
    return output.endswith(("/", os.sep))


def make_layout(output: str | None, fmt: str, rejects: str | None) -> Layout:
    """The layout for ``-o OUTPUT`` (see the module docstring for the rules)."""
    if output in (None, "-"):
        return Layout(fmt, rejects=Path(rejects) if rejects else None)
    out = Path(output)
    if is_single_file(output):
        default = out.with_name(out.name + ".rejects.jsonl")
        return Layout(fmt, single=out, rejects=Path(rejects) if rejects else default)
    return Layout(fmt, root=out, rejects=Path(rejects) if rejects else out / "rejects.jsonl")


# --------------------------------------------------------------------------------------------
# One shard: read → validate → batched → clean → write, then commit


def ordered_pool_map(executor: Executor, max_pending: int) -> Callable:
    """A ``map`` over ``executor`` that yields results in order with at most ``max_pending``
    tasks in flight, so a streamed input is never read ahead further than that."""

    def mapper(fn: Callable, iterable: Iterable) -> Iterator:
        pending: deque = deque()
        for x in iterable:
            pending.append(executor.submit(fn, x))
            if len(pending) >= max_pending:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    return mapper


def _validate(records: Iterable[Item], shard: Shard, cfg: BatchConfig) -> Iterator[Item]:
    """:func:`validate` with the run's rules: the cleaning pass and the ``--repetition`` pass
    must let through exactly the same records."""
    return validate(
        records,
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
        pos_name="line" if format_of(source) in ("jsonl", "jsonl.gz") or source == "-" else "row",
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
        job = CleanJob(
            model=cfg.model,
            threshold=cfg.threshold,
            annotate=cfg.annotate,
            memory=cfg.memory,
            min_support=cfg.min_support,
            floor=cfg.floor,
        )
        domain_of = None
        if cfg.memory is not None:
            domain_of = functools.partial(
                record_domain, domain_field=cfg.domain_field, url_field=cfg.url_field
            )
        records = items if items is not None else read_shard(source, cfg.batch_size)
        valid = _validate(records, shard, cfg)
        cleaned = clean(
            batched(valid, cfg.batch_size),
            shard,
            job=job,
            mapper=mapper,
            text_field=cfg.text_field,
            output_field=cfg.output_field,
            annotation_field=cfg.annotation_field,
            domain_of=domain_of,
        )
        write(cleaned, shard, writer)
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

    Streams each input (records are not kept, only fingerprints), counts exactly the records the
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
            for item in _validate(records, shard, cfg):
                domain = record_domain(item.record, cfg.domain_field, cfg.url_field)
                memory.add(item.record[cfg.text_field], domain)
                if on_article is not None:
                    on_article()
        except Exception as exc:
            error = " ".join(f"{type(exc).__name__}: {exc}".split())
            raise IncompleteMemoryError(f"{source} could not be read to the end ({error})") from exc
    return memory


class IncompleteMemoryError(RuntimeError):
    """The ``--repetition`` pass could not read an input to the end."""


# --------------------------------------------------------------------------------------------
# Engines: they only schedule shards


def _warm_worker(model: str | None) -> None:
    """Start a pool worker: watch the parent, leave Ctrl-C to it, and load the model."""
    # Ctrl-C reaches the whole process group: the parent stops the run and its pool, and a
    # worker interrupted as well would only print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, name="newsclean-parent-watch", daemon=True).start()
    from newsclean.predict import load_scorer

    load_scorer(model)


def _exit_with_parent() -> None:
    """End this pool worker once the process that started it has gone.

    A parent killed outright (SIGKILL, out of memory) cannot shut its pool down, and its
    workers would wait for work forever, each holding a model in memory.
    """
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()  # returns when the parent's sentinel closes, i.e. when it exits
        os._exit(1)


def run_local(
    todo: list[int],
    sources: list[str],
    cfg: BatchConfig,
    layout: Layout,
    *,
    jobs: int = 1,
    on_batch: Callable | None = None,
) -> list[dict]:
    """Shards in order in this process; with ``jobs > 1`` each shard's batches are cleaned by
    a pool of ``jobs`` processes (model loaded once per process), so one big file scales too.

    A worker that dies (killed, out of memory) breaks the pool: its shard fails, and is run
    once more on a new pool; later shards use the new pool too.
    """
    summaries = []
    with worker_pool(jobs if todo else 1, cfg.model) as mapper:
        for i in todo:
            args = (i, len(sources), sources[i], cfg, layout)
            attempt = _AttemptProgress(on_batch)
            summary = process_shard(*args, mapper=mapper, on_batch=attempt)
            if isinstance(mapper, PoolMap) and mapper.broken:
                log.warning("shard %05d: a worker process died; running it again", i)
                attempt.take_back()  # the rerun counts its batches again
                mapper.renew()
                summary = process_shard(*args, mapper=mapper, on_batch=on_batch)
                if mapper.broken:  # twice: the shard fails, the next one gets a new pool
                    mapper.renew()
            summaries.append(summary)
    return summaries


class _AttemptProgress:
    """``on_batch`` for one attempt at a shard, keeping its totals so that the progress of an
    attempt that failed part-way can be taken back before the shard runs again."""

    def __init__(self, on_batch: Callable | None) -> None:
        self.on_batch = on_batch
        self.totals = (0, 0, 0)  # articles, paragraphs, paragraphs removed

    def __call__(self, n: int, paragraphs: int, removed: int) -> None:
        self.totals = tuple(t + d for t, d in zip(self.totals, (n, paragraphs, removed)))
        if self.on_batch is not None:
            self.on_batch(n, paragraphs, removed)

    def take_back(self) -> None:
        if self.on_batch is not None and any(self.totals):
            self.on_batch(*(-t for t in self.totals))
        self.totals = (0, 0, 0)


class PoolMap:
    """An ordered map over a pool of worker processes that can replace a broken pool.

    Calling it is :func:`ordered_pool_map` over the current pool; :attr:`broken` says that a
    worker died while it ran (``BrokenProcessPool``), and :meth:`renew` starts a new pool.
    """

    def __init__(self, jobs: int, model: str | None) -> None:
        self.jobs, self.model = jobs, model
        self.broken = False
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        import multiprocessing

        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
            initargs=(self.model,),
        )

    def __call__(self, fn: Callable, iterable: Iterable) -> Iterator:
        from concurrent.futures.process import BrokenProcessPool

        try:
            yield from ordered_pool_map(self.executor, PENDING_PER_JOB * self.jobs)(fn, iterable)
        except BrokenProcessPool:
            self.broken = True
            raise

    def renew(self) -> None:
        """Replace the pool (after a worker died) with a new one."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._start()
        self.broken = False

    def shutdown(self, *, cancel: bool = False) -> None:
        self.executor.shutdown(wait=True, cancel_futures=cancel)


@contextlib.contextmanager
def worker_pool(jobs: int, model: str | None) -> Iterator[Callable]:
    """The ``mapper`` for :func:`process_shard`: the builtin ``map`` when ``jobs <= 1``, else a
    :class:`PoolMap` over ``jobs`` processes, each loading ``model`` once."""
    if jobs <= 1:
        yield map
        return
    pool = PoolMap(jobs, model)
    try:
        yield pool
    except BaseException:  # a failure or Ctrl-C: drop the batches not yet started
        pool.shutdown(cancel=True)
        raise
    pool.shutdown()


def _dask_partition(frame, n_shards: int, cfg: BatchConfig, layout: Layout):
    """One Dask partition = rows of (shard, source); runs each shard's pipeline."""
    import pandas as pd

    rows = [
        json.dumps(process_shard(int(i), n_shards, s, cfg, layout), sort_keys=True)
        for i, s in zip(frame["shard"], frame["source"], strict=True)
    ]
    return pd.DataFrame({"shard": frame["shard"].to_numpy(), "summary": rows}, index=frame.index)


def run_dask(
    todo: list[int],
    sources: list[str],
    cfg: BatchConfig,
    layout: Layout,
    *,
    scheduler: str | None = None,
    workers: int = DASK_WORKERS_DEFAULT,
    on_shard: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Shards as partitions of a ``dask.dataframe``, cleaned with ``map_partitions`` on a
    ``LocalCluster(n_workers=workers, threads_per_worker=1)`` or the cluster at ``scheduler``
    (whose workers must see the input and output paths)."""
    if not todo:
        return []
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster, as_completed

    # distributed sets its loggers to INFO on import (some thirty lines a run): follow
    # newsclean's verbosity (-v) unless someone chose another level for them.
    distributed_log = logging.getLogger("distributed")
    if distributed_log.level == logging.INFO and not log.isEnabledFor(logging.INFO):
        distributed_log.setLevel(logging.WARNING)

    frame = pd.DataFrame({"shard": todo, "source": [sources[i] for i in todo]})
    ddf = dd.from_pandas(frame, npartitions=len(todo), sort=False)
    meta = pd.DataFrame({"shard": pd.Series(dtype="int64"), "summary": pd.Series(dtype="object")})
    out = ddf.map_partitions(_dask_partition, len(sources), cfg, layout, meta=meta)
    cluster = None
    if scheduler is None:
        # Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers, which turns glibc's
        # adaptive mmap threshold off: every array above 128 KB is then mapped and unmapped
        # anew, and cleaning ran at ~60 % speed (measured: 704 vs 1,133 articles/s in one
        # process). None stops the nannies from setting it (dask's documented override); a
        # value already in this process's environment is still inherited.
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
    try:
        with Client(scheduler or cluster) as client:
            summaries = []
            for future in as_completed(client.compute(out.to_delayed())):
                for text in future.result()["summary"]:
                    summaries.append(json.loads(text))
                    if on_shard is not None:
                        on_shard(summaries[-1])
    finally:
        if cluster is not None:
            cluster.close()
    return sorted(summaries, key=lambda s: s["shard"])


# --------------------------------------------------------------------------------------------
# Merging counts


_TOTALS = (
    "read",
    "written",
    "rejected",
    "paragraphs",
    "paragraphs_removed",
    "chars",
    "chars_removed",
)


def merge_stats(summaries: list[dict], n_inputs: int) -> dict[str, Any]:
    """Merge per-shard counts into the run's ``stats.json`` (deterministic: no timings)."""
    totals: Counter = Counter()
    reasons: Counter = Counter()
    completed = [s for s in summaries if not s.get("failed")]
    for s in completed:
        totals.update({k: s.get(k, 0) for k in _TOTALS})
        reasons.update(
            {
                k[len("rejected_") :]: v
                for k, v in s.items()
                if k.startswith("rejected_") and isinstance(v, int)
            }
        )
    result: dict[str, Any] = {k: totals[k] for k in _TOTALS}
    # Counted only with a publisher memory, and only by this version: a shard done by an
    # older one (--resume) leaves the total unknown, so it is not given.
    if completed and all("without_domain" in s for s in completed):
        result["without_domain"] = sum(s["without_domain"] for s in completed)
    result["rejected_by_reason"] = dict(sorted(reasons.items()))
    result["reconciled"] = totals["read"] == totals["written"] + totals["rejected"] and all(
        s.get("reconciled") for s in completed
    )
    result["shards"] = n_inputs
    result["shards_completed"] = len(completed)
    result["shards_failed"] = [
        {"shard": s["shard"], "source": s["source"], "error": s["error"]}
        for s in summaries
        if s.get("failed")
    ]
    result["per_shard"] = sorted(summaries, key=lambda s: s["shard"])
    return result


def format_summary(
    stats: dict, *, skipped: int = 0, seconds: float | None = None, processed: int | None = None
) -> str:
    """The end-of-run summary printed on stderr (``processed``: records read by this run,
    which excludes shards skipped by ``--resume``)."""
    reasons = ", ".join(f"{k} {v:,}" for k, v in stats["rejected_by_reason"].items())
    share = stats["paragraphs_removed"] / stats["paragraphs"] if stats["paragraphs"] else 0.0
    lines = [
        f"shards: {stats['shards']} ({stats['shards_completed']} completed"
        + (f", {skipped} of them skipped as already done" if skipped else "")
        + f", {len(stats['shards_failed'])} failed)",
        f"records: read {stats['read']:,}, written {stats['written']:,}, "
        f"rejected {stats['rejected']:,}" + (f" ({reasons})" if reasons else ""),
        f"removed: {stats['paragraphs_removed']:,} of {stats['paragraphs']:,} paragraphs "
        f"({share:.1%}), {stats['chars_removed']:,} of {stats['chars']:,} characters",
        (
            "counts reconcile: read {r:,} = written {w:,} + rejected {j:,}"
            if stats["reconciled"]
            else "COUNTS DO NOT RECONCILE: read {r:,} != written {w:,} + rejected {j:,}"
        ).format(r=stats["read"], w=stats["written"], j=stats["rejected"]),
    ]
    if n_without := stats.get("without_domain"):
        lines.append(
            f"repetition: {n_without:,} record{'s' if n_without > 1 else ''} had no domain, so "
            "the publisher memory could not help clean them"
        )
    for failed in stats["shards_failed"]:
        lines.append(f"failed shard {failed['shard']:05d} {failed['source']}: {failed['error']}")
    if seconds is not None and seconds > 0:
        processed = stats["read"] if processed is None else processed
        lines.append(
            f"time: {seconds:.1f} s, {processed / seconds:,.0f} records/s"
            + (" (this run)" if skipped else "")
        )
    return "\n".join("newsclean clean: " + line for line in lines)


# --------------------------------------------------------------------------------------------
# CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``clean`` options to ``parser`` (a subcommand parser)."""
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    group = parser.add_argument_group("Input")
    group.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="input files (.jsonl, .jsonl.gz, .parquet, .csv), directories or "
        "globs; '-' reads JSONL from stdin",
    )
    group.add_argument(
        "--text-field", default="text", help="field holding the article text (default: %(default)s)"
    )
    group.add_argument(
        "--id-field", default="id", help="field named in the rejects file (default: %(default)s)"
    )
    group.add_argument(
        "--max-chars",
        type=int,
        default=MAX_CHARS_DEFAULT,
        help="reject texts longer than this as too_long (default: %(default)s)",
    )

    group = parser.add_argument_group("Output")
    group.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="output directory of shards, a single output file (one input only), "
        "or '-' for stdout (with input '-')",
    )
    group.add_argument(
        "--format",
        choices=sorted(SUFFIXES),
        dest="out_format",
        help="output format (default: from OUTPUT's suffix, else the inputs')",
    )
    group.add_argument(
        "--output-field",
        metavar="NAME",
        help="write the cleaned text to NAME and keep the text field as it was",
    )
    group.add_argument(
        "--annotate",
        action="store_true",
        help="add NAME_paragraphs: per paragraph start, end, score, score_raw, label (JSON in CSV)",
    )
    group.add_argument(
        "--rejects",
        metavar="PATH",
        help="rejects file (default: OUTPUT/rejects.jsonl, or FILE.ext.rejects.jsonl beside a "
        "single output file; stderr for stdout)",
    )
    mode = group.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume",
        action="store_true",
        help="continue a run: skip shards whose _done marker exists",
    )
    mode.add_argument(
        "--overwrite",
        action="store_true",
        help="delete newsclean's files in OUTPUT first and start again",
    )
    group.add_argument("--strict", action="store_true", help="exit 1 if any record was rejected")

    group = parser.add_argument_group("Model")
    group.add_argument(
        "--model",
        metavar="PATH_OR_URI",
        help="model folder or MLflow URI (default: the shipped model)",
    )
    group.add_argument(
        "--threshold",
        type=float,
        help="boilerplate probability at which a paragraph is removed (default: the model's)",
    )

    group = parser.add_argument_group("Execution")
    group.add_argument(
        "--engine",
        choices=ENGINES,
        default="local",
        help="local processes or Dask (default: %(default)s)",
    )
    group.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="worker processes (local engine; default 1) or LocalCluster workers (dask; "
        f"default {DASK_WORKERS_DEFAULT})",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of an existing Dask scheduler (with --engine dask)",
    )
    group.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE_DEFAULT,
        help="articles per model call and per write (default: %(default)s)",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    group = parser.add_argument_group("Repetition across the dump")
    group.add_argument(
        "--repetition",
        action="store_true",
        help="read the inputs once first to count each paragraph's articles per domain, save "
        "that memory as OUTPUT/memory.json, and remove paragraphs repeated across a domain",
    )
    group.add_argument(
        "--memory",
        metavar="PATH",
        help="a saved publisher memory to clean with (with --repetition: extended by these "
        "inputs and saved beside the output; PATH is not changed)",
    )
    group.add_argument(
        "--domain-field", metavar="NAME", help="field holding each record's publisher domain"
    )
    group.add_argument(
        "--url-field",
        metavar="NAME",
        help="field holding the article URL; its host minus 'www.' is the domain when there is "
        "no --domain-field value",
    )
    group.add_argument(
        "--min-support",
        type=int,
        metavar="N",
        help="articles of a domain a paragraph must occur in to count as repeated "
        f"(default: the memory's; new memories {MIN_SUPPORT_DEFAULT})",
    )
    group.add_argument(
        "--repetition-floor",
        type=float,
        dest="floor",
        metavar="SCORE",
        help="a repeated paragraph is removed only from this boilerplate score up "
        f"(default: the memory's; new memories {FLOOR_DEFAULT})",
    )
    parser.epilog = (
        (parser.epilog or "")
        + "\n\nreject reasons:\n"
        + "\n".join(f"  {k:16} {v}" for k, v in REASONS.items())
    )
    parser.set_defaults(handler=run_clean, validate=validate_args)


def _model_problem(model: str | None) -> str | None:
    from newsclean.models import CARD_NAME, DEFAULT_MODEL_DIR

    if model is None:
        if not (DEFAULT_MODEL_DIR / CARD_NAME).exists():
            return (
                f"the shipped default model is not installed ({DEFAULT_MODEL_DIR} has no "
                f"{CARD_NAME}); pass --model DIR or an MLflow URI"
            )
        return None
    if model.startswith(MLFLOW_SCHEMES):
        return None
    path = Path(model)
    if not path.exists():
        return f"--model {model}: no such file or directory"
    if path.is_dir() and not (path / CARD_NAME).exists():
        return f"--model {model}: not a newsclean model folder (no {CARD_NAME})"
    return None


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Rules argparse cannot express; each violation exits with status 2 via ``parser.error``."""
    for name in ("jobs", "batch_size", "max_chars"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.threshold is not None:
        try:
            check_threshold(args.threshold, "--threshold")  # the library's rule, one place
        except (TypeError, ValueError) as exc:
            parser.error(str(exc))
    if args.scheduler and args.engine != "dask":
        parser.error("--scheduler needs --engine dask")
    if args.engine == "dask" and not all(map(_installed, ("dask.dataframe", "distributed"))):
        parser.error("--engine dask needs Dask: pip install 'newsclean[dask]'")
    if args.output_field is not None and not args.output_field:
        parser.error("--output-field must not be empty")
    _validate_memory_args(parser, args)

    stdin = "-" in args.inputs
    if stdin:
        if args.inputs != ["-"]:
            parser.error("'-' (stdin) cannot be combined with other inputs")
        if args.output not in (None, "-"):
            parser.error("with input '-' the output is JSONL on stdout: omit -o or use -o -")
        if args.out_format not in (None, "jsonl"):
            parser.error("with input '-' the output format is jsonl")
        if args.engine != "local" or args.resume:
            parser.error("input '-' runs with the local engine and cannot --resume")
        args.input_files = ["-"]
        args.out_format = "jsonl"
        if args.rejects == "-":
            args.rejects = None  # stderr, as without --rejects
    else:
        if args.rejects == "-":
            parser.error("--rejects - (stderr) is only for input '-'; give a file")
        if args.output is None:
            parser.error("-o OUTPUT is required (a directory, or a file for one input)")
        if args.output == "-":
            parser.error("-o - (stdout) is only for input '-'")
        found, problems = expand_inputs(args.inputs)
        out_dir = Path(args.output).resolve()
        # An output directory inside an input directory is not input (e.g. on --resume).
        files = [f for f in found if out_dir not in Path(f).resolve().parents]
        for problem in problems:
            log.warning("%s", problem)
        if any("unknown input format" in p for p in problems):
            parser.error("; ".join(p for p in problems if "unknown input format" in p))
        if not files:
            inside = sorted(set(found) - set(files))
            why = "; ".join(problems) or (
                f"{', '.join(inside[:3])}{' …' if len(inside) > 3 else ''} lie(s) inside the "
                f"output directory {args.output}, whose files newsclean treats as its own "
                "output: write the output elsewhere"
            )
            parser.error(f"no input files found: {why}")
        args.input_files = files
        out = Path(args.output)
        single = is_single_file(args.output)
        if single:
            if len(files) != 1:
                parser.error(
                    f"-o {args.output} is a single file but there are {len(files)} "
                    "inputs: give a directory to get one part file per input"
                )
            if args.out_format is not None and args.out_format != format_of(out):
                parser.error(f"--format {args.out_format} contradicts -o {args.output}")
            if args.resume:
                parser.error("--resume needs an output directory, not a single file")
            if out.exists() and not args.overwrite:
                parser.error(f"{out} exists: pass --overwrite to replace it")
            args.out_format = format_of(out)
        else:
            if out.exists() and not out.is_dir():
                parser.error(f"-o {args.output} exists and is not a directory")
            if (
                not out.exists()
                and not _asks_for_directory(args.output)
                and out.name.lower().endswith(_FILE_SUFFIXES)
            ):
                # Without this, "-o out.json" would quietly become a directory of part files.
                parser.error(
                    f"-o {args.output}: newsclean writes no {out.suffix} files; give a "
                    f"directory, or one file ending in {', '.join(s for s, _ in INPUT_SUFFIXES)}"
                )
            if out.is_dir() and any(out.iterdir()) and not (args.resume or args.overwrite):
                parser.error(
                    f"output directory {out} is not empty: pass --resume to continue "
                    "an earlier run or --overwrite to start again"
                )
            if args.out_format is None:
                formats = {format_of(f) for f in files}
                args.out_format = formats.pop() if len(formats) == 1 else "jsonl"
    if args.rejects and Path(args.rejects).is_dir():
        parser.error(f"--rejects {args.rejects} is a directory: give the path of a file")
    _refuse_writing_over_inputs(parser, args)
    if args.rejects:
        # Found now, not after hours of cleaning: the rejects file is written at the end.
        folder = Path(args.rejects).resolve().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)  # as the run would
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            parser.error(f"--rejects {args.rejects}: cannot write in {folder} ({exc.strerror})")
    problem = _model_problem(args.model)
    if problem:
        parser.error(problem)
    own = make_layout(args.output, args.out_format, None).memory
    if args.memory and own is not None and Path(args.memory).resolve() == own.resolve():
        parser.error(f"--memory {args.memory} is the memory this run writes: copy it elsewhere")


def _refuse_writing_over_inputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exit (status 2) when a file the run writes is one of its inputs: ``-o in.jsonl
    --overwrite`` would delete the input before reading it, ``--rejects in.jsonl`` replace it."""
    if args.input_files == ["-"]:
        return
    layout = make_layout(args.output, args.out_format or "jsonl", args.rejects)
    inputs = {os.path.realpath(f) for f in args.input_files}
    for flag, path in (
        ("-o", layout.single),
        ("--rejects", layout.rejects),
        ("-o", layout.stats),
        ("-o", layout.memory),
    ):
        if path is not None and os.path.realpath(path) in inputs:
            parser.error(f"{flag}: {path} is also an input; newsclean does not write over inputs")


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a submodule whose parent package is missing ("dask.dataframe")
        return False


def _validate_memory_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The ``--repetition`` / ``--memory`` rules (usage errors exit with status 2)."""
    uses_memory = args.repetition or args.memory is not None
    if not uses_memory:
        given = [
            flag
            for flag, value in (
                ("--domain-field", args.domain_field),
                ("--url-field", args.url_field),
                ("--min-support", args.min_support),
                ("--repetition-floor", args.floor),
            )
            if value is not None
        ]
        if given:
            parser.error(f"{', '.join(given)} need(s) --repetition or --memory")
        return
    if not (args.domain_field or args.url_field):
        parser.error("--repetition and --memory need --domain-field NAME or --url-field NAME")
    if args.min_support is not None and args.min_support < 2:
        parser.error("--min-support must be at least 2")
    if args.floor is not None and not 0.0 <= args.floor <= 1.0:
        parser.error("--repetition-floor must be between 0 and 1")
    if args.memory is not None and not Path(args.memory).is_file():
        parser.error(f"--memory {args.memory}: no such file")
    if args.repetition and "-" in args.inputs:
        parser.error("--repetition reads the inputs twice, so it cannot read stdin ('-')")


def _config(args: argparse.Namespace) -> BatchConfig:
    return BatchConfig(
        text_field=args.text_field,
        id_field=args.id_field,
        output_field=args.output_field,
        annotate=args.annotate,
        threshold=args.threshold,
        model=args.model,
        max_chars=args.max_chars,
        batch_size=args.batch_size,
        fmt=args.out_format,
        domain_field=args.domain_field,
        url_field=args.url_field,
        min_support=args.min_support,
        floor=args.floor,
    )


def _clear_output(root: Path) -> None:
    """Delete what newsclean writes in an output directory (``--overwrite``); nothing else."""
    for name in _OWN_DIRS:
        shutil.rmtree(root / name, ignore_errors=True)
    for pattern in _OWN_FILES:
        for path in root.glob(pattern):
            if path.is_file():
                path.unlink()


def _run_fingerprint(cfg: BatchConfig, sources: list[str]) -> dict[str, Any]:
    config = {
        k: v for k, v in dataclasses.asdict(cfg).items() if v is not None or k not in _MEMORY_FIELDS
    }
    return {"config": config, "inputs": [os.path.abspath(s) for s in sources]}


def _memory_fingerprint(args: argparse.Namespace) -> dict[str, Any]:
    """What ``_run.json`` records of the memory options (nothing when they are unused)."""
    out: dict[str, Any] = {}
    if args.repetition:
        out["repetition"] = True
    if args.memory is not None:
        digest = hashlib.sha256(Path(args.memory).read_bytes()).hexdigest()
        out["memory_input"] = {"path": os.path.abspath(args.memory), "sha256": digest}
    return out


def _memory_config(cfg: BatchConfig, args: argparse.Namespace, layout: Layout) -> BatchConfig:
    """``cfg`` with the memory file the cleaning pass reads (None without the options)."""
    if args.repetition and layout.memory is not None:
        return dataclasses.replace(cfg, memory=str(layout.memory.resolve()))
    if args.memory is not None:
        return dataclasses.replace(cfg, memory=str(Path(args.memory).resolve()))
    return cfg


def _prepare_memory(
    args: argparse.Namespace, cfg: BatchConfig, sources: list[str], layout: Layout
) -> tuple[int, str | None]:
    """Build (``--repetition``) or check (``--memory``) the memory; return (exit code, note).

    With ``--resume`` a memory the interrupted run already saved is reused: it was written
    atomically before any shard and is a function of the same inputs and options.
    """
    if cfg.memory is None:
        return 0, None
    started = time.perf_counter()
    how = f"read from {args.memory}"
    try:
        if args.repetition and not (args.resume and Path(cfg.memory).exists()):
            from tqdm.auto import tqdm

            base = PublisherMemory.load(args.memory) if args.memory else PublisherMemory()
            with tqdm(
                unit="art",
                file=sys.stderr,
                disable=args.quiet,
                desc="memory (pass 1)",
                dynamic_ncols=True,
            ) as bar:
                memory = build_memory(sources, cfg, base, on_article=lambda: bar.update(1))
            # Saved with the run's parameters, so a later --memory run cleans as this one did.
            memory.with_params(min_support=cfg.min_support, floor=cfg.floor).save(cfg.memory)
            how = (
                f"built in {time.perf_counter() - started:.1f} s"
                + (f" on top of {args.memory}" if args.memory else "")
                + f", saved to {cfg.memory}"
            )
        elif args.repetition:
            how = f"reused from {cfg.memory} (--resume)"
        memory = load_memory(cfg.memory).with_params(min_support=cfg.min_support, floor=cfg.floor)
    except IncompleteMemoryError as exc:
        print(
            f"newsclean clean: error: --repetition: {exc}; the memory would miss its articles, "
            "so nothing was cleaned: repair or remove that input and run again",
            file=sys.stderr,
        )
        return 1, None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"newsclean clean: error: publisher memory: {exc}", file=sys.stderr)
        return 2, None
    n_articles = memory.n_articles
    note = (
        f"newsclean clean: repetition: memory of {sum(n_articles.values()):,} articles on "
        f"{len(n_articles):,} domains ({len(memory):,} distinct paragraphs), {how}; "
        f"min support {memory.min_support}, floor {memory.floor}"
    )
    if not n_articles:
        given = (("--domain-field", args.domain_field), ("--url-field", args.url_field))
        fields = " / ".join(f"{flag} {name}" for flag, name in given if name)
        note += f"\nnewsclean clean: warning: no record had a domain: is {fields} right?"
    return 0, note


class _Progress:
    """tqdm on stderr: articles/s and the share of paragraphs removed so far."""

    def __init__(self, *, disable: bool, unit: str = "art") -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(
            unit=unit, file=sys.stderr, disable=disable, desc="cleaning", dynamic_ncols=True
        )
        self.paragraphs = self.removed = 0

    def on_batch(self, n: int, paragraphs: int, removed: int) -> None:
        self.paragraphs += paragraphs
        self.removed += removed
        self.bar.update(n)
        if self.paragraphs:
            self.bar.set_postfix_str(
                f"removed {self.removed / self.paragraphs:.1%} of paragraphs", refresh=False
            )

    def on_shard(self, summary: dict) -> None:
        if not summary.get("failed"):
            self.on_batch(
                summary["read"], summary.get("paragraphs", 0), summary.get("paragraphs_removed", 0)
            )

    def close(self) -> None:
        self.bar.close()


def run_clean(args: argparse.Namespace) -> int:
    """Run ``newsclean clean``; return the exit code (0 ok, 1 rejects under --strict or a
    failed shard, 2 configuration error)."""
    from newsclean.predict import load_scorer

    started = time.perf_counter()
    cfg = _config(args)
    try:
        _, card = load_scorer(cfg.model)  # fail fast, before any output is touched
    except Exception as exc:  # reported as a configuration error
        print(f"newsclean clean: error: cannot load model: {exc}", file=sys.stderr)
        return 2
    sources = args.input_files
    layout = make_layout(args.output, cfg.fmt, args.rejects)
    cfg = _memory_config(cfg, args, layout)
    skipped = 0
    todo = list(range(len(sources)))
    if sources != ["-"]:
        if layout.root is not None:
            code = _prepare_directory(layout.root, args, cfg, sources, card["sha256"])
            if code:
                return code
            done = [i for i in todo if layout.done(i).exists()] if args.resume else []
            skipped = len(done)
            todo = [i for i in todo if i not in set(done)]
        elif layout.single is not None:
            # --overwrite deletes nothing up front: the new file replaces the old one only once
            # it is complete, so a run that fails keeps the previous output.
            _remove_dead_temporaries(layout)
    code, memory_note = _prepare_memory(args, cfg, sources, layout)
    if code:
        return code
    progress = _Progress(disable=args.quiet)
    try:
        if sources == ["-"]:
            with worker_pool(args.jobs or 1, cfg.model) as mapper:
                summaries = ran = [
                    process_shard(
                        0,
                        1,
                        "-",
                        cfg,
                        layout,
                        mapper=mapper,
                        on_batch=progress.on_batch,
                        items=read_jsonl_stream(sys.stdin.buffer),
                        stream=sys.stdout.buffer,
                    )
                ]
        else:
            if args.engine == "dask":
                ran = run_dask(
                    todo,
                    sources,
                    cfg,
                    layout,
                    scheduler=args.scheduler,
                    workers=args.jobs or DASK_WORKERS_DEFAULT,
                    on_shard=progress.on_shard,
                )
            else:
                ran = run_local(
                    todo, sources, cfg, layout, jobs=args.jobs or 1, on_batch=progress.on_batch
                )
            summaries = _with_skipped(ran, layout, len(sources))
    except KeyboardInterrupt:
        progress.close()
        again = "; run again with --resume to finish" if layout.root is not None else ""
        print(
            "newsclean clean: interrupted: finished shards are complete, unfinished ones left "
            f"no visible output{again}",
            file=sys.stderr,
        )
        return 130
    finally:
        progress.close()
    stats = merge_stats(summaries, len(sources))
    _write_results(stats, layout, len(sources))
    if layout.root is not None and not stats["shards_failed"]:
        # Every shard is complete: what is left is from attempts that died (a Dask worker
        # lost mid-shard, whose shard the scheduler ran again elsewhere).
        _remove_temporaries(layout.root)
    processed = sum(s.get("read", 0) for s in ran)
    if memory_note:
        print(memory_note, file=sys.stderr)
    if stats["read"] and stats["rejected_by_reason"].get("missing_text", 0) == stats["read"]:
        print(
            f"newsclean clean: warning: no record has the field {cfg.text_field!r}: "
            "is --text-field right?",
            file=sys.stderr,
        )
    print(
        format_summary(
            stats, skipped=skipped, seconds=time.perf_counter() - started, processed=processed
        ),
        file=sys.stderr,
    )
    if stats["shards_failed"] or not stats["reconciled"]:
        return 1
    return 1 if args.strict and stats["rejected"] else 0


def _prepare_directory(
    root: Path, args, cfg: BatchConfig, sources: list[str], model_sha256: str
) -> int:
    root.mkdir(parents=True, exist_ok=True)
    # The memory --repetition writes lies in the output: its path is not an option.
    own = dataclasses.replace(cfg, memory=None) if args.repetition else cfg
    fingerprint = _run_fingerprint(own, sources) | _memory_fingerprint(args)
    # The model's own hash, not its path: the shipped default changes with the package.
    fingerprint["model_sha256"] = model_sha256
    run_file = root / RUN_FILE
    if args.overwrite:
        _clear_output(root)
    elif args.resume and run_file.exists():
        previous = json.loads(run_file.read_text())
        if previous.get("model_sha256") != model_sha256:
            print(
                f"newsclean clean: error: {root} was cleaned with another model (or by a "
                f"newsclean that did not record it; see {run_file}); --resume would mix two "
                "models' output: use --overwrite",
                file=sys.stderr,
            )
            return 2
        if previous != fingerprint:
            print(
                f"newsclean clean: error: {root} was written with other inputs or options "
                f"(see {run_file}); --resume needs the same ones, or use --overwrite",
                file=sys.stderr,
            )
            return 2
    _remove_temporaries(root)  # left by a killed run
    atomic_write_text(run_file, json.dumps(fingerprint, indent=2, sort_keys=True) + "\n")
    return 0


def _remove_temporaries(root: Path) -> None:
    """Delete the temporary files (``.NAME.tmp-PID``) in an output directory's own folders."""
    for folder in (root, *(root / name for name in _OWN_DIRS)):
        for stale in folder.glob(".*.tmp-*"):
            stale.unlink(missing_ok=True)


def _remove_dead_temporaries(layout: Layout) -> None:
    """Delete the temporary files a killed run left for this run's own files (the single output
    file, its stats, rejects and memory), named ``.NAME.tmp-PID``.

    One whose process still runs on this machine (another run writing the same file) is left
    alone. Only on POSIX, where signal 0 asks whether a process exists without touching it.
    """
    if os.name != "posix":
        return
    for own in (layout.single, layout.stats, layout.rejects, layout.memory):
        if own is None:
            continue
        for stale, pid in temporaries_of(own):
            if not _process_exists(pid):
                stale.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else (PermissionError), or cannot tell
        return True
    return True


def _with_skipped(ran: list[dict], layout: Layout, n: int) -> list[dict]:
    """This run's shard counts plus the saved counts of shards skipped by ``--resume``."""
    by_shard = {s["shard"]: s for s in ran}
    for i in range(n):
        if i not in by_shard and layout.shard_stats(i) is not None:
            by_shard[i] = json.loads(layout.shard_stats(i).read_text())
    return [by_shard[i] for i in sorted(by_shard)]


def _write_results(stats: dict, layout: Layout, n: int) -> None:
    if layout.root is not None:
        parts = [layout.shard_rejects(i) for i in range(n)]
        layout.rejects.parent.mkdir(parents=True, exist_ok=True)
        concat_files(parts, layout.rejects)
    # Beside a single output file the stats describe that file: a run that failed before
    # replacing it (the summary on stderr says so) leaves them as they were.
    if layout.stats is not None and not (layout.single is not None and stats["shards_failed"]):
        atomic_write_text(layout.stats, json.dumps(stats, indent=2, sort_keys=True) + "\n")


__all__ = [
    "Layout",
    "add_arguments",
    "build_memory",
    "make_layout",
    "merge_stats",
    "ordered_pool_map",
    "process_shard",
    "run_clean",
    "run_dask",
    "run_local",
    "validate_args",
]
