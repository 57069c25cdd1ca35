"""Clean a Hugging Face ``datasets`` column with ``Dataset.map(..., batched=True)``.

:func:`clean_batch` takes a batch (a mapping of column name to list of values) and returns a
dict of columns, so ``datasets`` replaces or adds those columns and keeps the others::

    from datasets import load_dataset
    from newsclean.integrations.huggingface import clean_batch

    ds = load_dataset("json", data_files="articles.jsonl", split="train")
    ds = ds.map(clean_batch, batched=True, fn_kwargs={"column": "text", "invalid": "keep"})

This module imports nothing from ``datasets``; the function works on any such mapping.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from newsclean.predict import INVALID_HINT, check_invalid_policy, check_text, clean_texts

if TYPE_CHECKING:
    from newsclean.classifier import ParagraphClassifier

#: The columns ``counts=True`` adds, each prefixed by the output column's name and ``_``.
COUNT_COLUMNS = ("n_paragraphs", "n_removed", "chars_removed")


def clean_batch(
    batch: Mapping[str, Sequence[Any]],
    indices: Sequence[int] | None = None,
    *,
    column: str = "text",
    output_column: str | None = None,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    threshold: float | None = None,
    invalid: Literal["raise", "keep"] = "raise",
    counts: bool = False,
) -> dict[str, list[Any]]:
    """Clean the articles in ``batch[column]`` with one model call.

    Parameters
    ----------
    batch : mapping of str to sequence
        A batch of rows by column, as ``Dataset.map(..., batched=True)`` passes it.
    indices : sequence of int, optional
        The rows' indices in the dataset (``with_indices=True``): an error then names the row.
    column : str, default="text"
        The column holding the articles.
    output_column : str, optional
        The column receiving the cleaned text; defaults to ``column`` (cleaned in place).
    model : ParagraphClassifier, model folder, MLflow model URI, or None
        None is the model shipped with newsclean; see :func:`newsclean.load_model`. A folder or
        URI is loaded once per process (``num_proc`` workers load it once each).
    threshold : float, optional
        Boilerplate probability at or above which a paragraph is removed; defaults to the
        model's.
    invalid : {"raise", "keep"}, default="raise"
        What to do with a value that is not a ``str`` (a missing value is None in a
        ``datasets`` string column): ``"raise"`` a ``TypeError`` naming the row, or ``"keep"``
        the value unchanged (its counts are None), as in :func:`newsclean.clean_texts`.
    counts : bool, default=False
        Also return ``f"{output}_n_paragraphs"``, ``f"{output}_n_removed"`` and
        ``f"{output}_chars_removed"``.

    Returns
    -------
    dict of str to list
        The output column (and the count columns), one value per row, in order.

    Raises
    ------
    KeyError
        If the batch has no ``column``.
    TypeError
        If a value is not a ``str`` and ``invalid="raise"``.

    Examples
    --------
    >>> clean_batch({"id": [1, 2], "text": ["", None]}, invalid="keep")
    {'text': ['', None]}
    """
    if column not in batch:
        raise KeyError(f"column {column!r} not in the batch; columns are {list(batch)}")
    check_invalid_policy(invalid)
    texts = list(batch[column])
    if invalid == "raise":  # name the dataset row, not the position in clean_texts' batch
        for position, value in enumerate(texts):
            row = f"row {indices[position]}" if indices is not None else f"batch row {position}"
            check_text(value, f"{column!r} at {row}", hint=INVALID_HINT)
    results = clean_texts(texts, model=model, threshold=threshold, invalid="keep")
    output = output_column or column
    columns: dict[str, list[Any]] = {output: [r.text for r in results]}
    if counts:
        for name in COUNT_COLUMNS:
            columns[f"{output}_{name}"] = [getattr(r, name) if r.valid else None for r in results]
    return columns


__all__ = ["COUNT_COLUMNS", "clean_batch"]
