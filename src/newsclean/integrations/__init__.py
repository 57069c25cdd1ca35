"""newsclean inside pipelines people already run.

Each integration is its own module, imported only on use, so ``import newsclean`` never pulls in
the tools they connect to:

* :mod:`newsclean.integrations.datatrove`: ``NewscleanFilter``, a datatrove pipeline step
  (needs ``datatrove``);
* :mod:`newsclean.integrations.huggingface`: ``clean_batch``, for
  ``datasets.Dataset.map(..., batched=True)`` (imports nothing from ``datasets``).

Dask and Spark need no adapter: :func:`newsclean.clean_frame` is the partition function (see
``docs/integrations.md``).
"""
