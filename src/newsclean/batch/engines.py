"""Engines: they only schedule shards (:func:`~newsclean.batch.pipeline.process_shard`).

:func:`run_local` runs the shards in order in this process, with an optional pool of worker
processes for their batches; :func:`run_dask` runs each shard as a partition on Dask.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from newsclean.batch.config import BatchConfig
from newsclean.batch.layout import Layout
from newsclean.batch.pipeline import process_shard

log = logging.getLogger(__name__)

#: Dask LocalCluster size when neither ``--scheduler`` nor ``--jobs`` is given.
DASK_WORKERS_DEFAULT = 2


#: Batches in flight per worker process (bounds memory with ``--jobs``).
PENDING_PER_JOB = 2


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


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT back (pending, not lost) in this thread for the duration of the block.

    A process started meanwhile inherits the blocked signal: a worker then gets no Ctrl-C
    while it imports, before :func:`_warm_worker` can ignore SIGINT, and the parent gets its
    own Ctrl-C at the end of the block, not half-way through starting a process.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _WorkerPool(ProcessPoolExecutor):
    """A process pool whose workers start with SIGINT held (:func:`_sigint_held`).

    The pool starts its processes on demand, in :meth:`submit`.
    """

    def submit(self, fn: Callable, /, *args, **kwargs):
        with _sigint_held():
            return super().submit(fn, *args, **kwargs)


def _warm_worker(model: str | None) -> None:
    """Start a pool worker: watch the parent, leave Ctrl-C to it, and load the model."""
    # Ctrl-C reaches the whole process group: the parent stops the run and its pool, and a
    # worker interrupted as well would only print a traceback of its own. The worker started
    # with SIGINT blocked (_WorkerPool); ignoring it drops one that came while it imported.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
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

        return _WorkerPool(
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
        """Stop the pool once its tasks are done (``cancel``: drop those not started)."""
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


__all__ = [
    "DASK_WORKERS_DEFAULT",
    "PoolMap",
    "ordered_pool_map",
    "run_dask",
    "run_local",
    "worker_pool",
]
