"""Batch cleaning of article dumps (``newsclean clean``), one module per job.

* :mod:`~newsclean.batch.options` -- the command's options and their rules (``--help`` holds
  the output rules);
* :mod:`~newsclean.batch.run` -- a run from its options: output, memory, engine, summary;
* :mod:`~newsclean.batch.engines` -- local processes or Dask; they only schedule shards;
* :mod:`~newsclean.batch.pipeline` -- one shard: read → validate → batched → clean → write;
* :mod:`~newsclean.batch.steps` -- those steps, each a generator over records and a
  :class:`~newsclean.batch.steps.Shard`;
* :mod:`~newsclean.batch.readers`, :mod:`~newsclean.batch.writers`,
  :mod:`~newsclean.batch.formats` -- files in and out;
* :mod:`~newsclean.batch.layout` -- where a run writes; :mod:`~newsclean.batch.stats` -- counts;
* :mod:`~newsclean.batch.config`, :mod:`~newsclean.batch.records` -- the shared options and
  the input record.
"""

from newsclean.batch.config import BatchConfig
from newsclean.batch.engines import run_dask, run_local
from newsclean.batch.layout import Layout, make_layout
from newsclean.batch.options import add_arguments, validate_args
from newsclean.batch.pipeline import build_memory, process_shard
from newsclean.batch.run import run_clean
from newsclean.batch.stats import format_summary, merge_stats

__all__ = [
    "BatchConfig",
    "Layout",
    "add_arguments",
    "build_memory",
    "format_summary",
    "make_layout",
    "merge_stats",
    "process_shard",
    "run_clean",
    "run_dask",
    "run_local",
    "validate_args",
]
