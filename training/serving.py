"""The whole cleaner as an MLflow pyfunc model, for ``mlflow models serve``.

Input: a DataFrame with a ``text`` column of articles (MLflow's input schema drops any other
column; rows come back in order). Output: the same rows with ``text`` cleaned and an ``error``
column; with the param ``annotate=True`` also a ``paragraphs`` column holding each article's
per-paragraph labels as JSON. The param ``threshold`` (a float, default the model's own) sets
the cut.

A row that cannot be cleaned (a missing or non-string ``text``) does not fail the request: its
``error`` names the row and the field (``row 3: field 'text' is missing (null)``), its ``text``
and ``paragraphs`` are null, and the other rows are cleaned. ``error`` is null on every cleaned
row. A bad ``threshold`` concerns the whole request and is refused as an invalid parameter.

The model folder exported by training is logged as the pyfunc's artifact, and loaded through
:func:`newsclean.load_model`, so serving checks the artifact's SHA-256 like any other load.
"""

from __future__ import annotations

import json
import logging
import math

import mlflow.pyfunc
import pandas as pd

log = logging.getLogger(__name__)

TEXT_COLUMN = "text"
ERROR_COLUMN = "error"
PARAGRAPHS_COLUMN = "paragraphs"


class CleanerModel(mlflow.pyfunc.PythonModel):
    """Segmentation, paragraph model and threshold behind one ``predict``."""

    def load_context(self, context) -> None:
        from newsclean import load_model

        self.model = load_model(context.artifacts["model_dir"])

    def predict(
        self, context, model_input: pd.DataFrame, params: dict | None = None
    ) -> pd.DataFrame:
        """Clean ``model_input["text"]`` row by row; see the module docstring."""
        params = params or {}
        annotate = bool(params.get("annotate", False))
        threshold = _threshold_param(params.get("threshold"))
        rows = list(model_input.index)
        if TEXT_COLUMN in model_input.columns:
            values = model_input[TEXT_COLUMN].tolist()
        else:
            values = [None] * len(rows)
        errors = [_text_error(row, value) for row, value in zip(rows, values)]
        good = [i for i, error in enumerate(errors) if error is None]
        cleaned, annotations = [None] * len(rows), [None] * len(rows)
        for i, result in zip(good, self._clean([values[i] for i in good], threshold, annotate)):
            if isinstance(result, Exception):
                errors[i] = f"row {rows[i]!r}: field 'text' could not be cleaned: {result}"
                continue
            cleaned[i] = result.text
            if annotate:
                annotations[i] = json.dumps([p.annotation() for p in result.paragraphs])
        out = model_input.copy()
        out[TEXT_COLUMN] = pd.Series(cleaned, index=model_input.index, dtype=object)
        out[ERROR_COLUMN] = pd.Series(errors, index=model_input.index, dtype=object)
        if annotate:
            out[PARAGRAPHS_COLUMN] = pd.Series(annotations, index=model_input.index, dtype=object)
        return out

    def _clean(self, texts: list[str], threshold: float | None, annotate: bool) -> list:
        """:func:`newsclean.clean_texts` of ``texts`` in one call; should that fail, each text
        alone, so one text's failure becomes its own error (the exception in its place)."""
        from newsclean import clean_texts

        def clean(batch: list[str]) -> list:
            return clean_texts(batch, model=self.model, threshold=threshold, annotate=annotate)

        try:
            return clean(texts)
        except Exception:  # a row's problem must not fail the others: find it row by row
            log.exception("cleaning a batch of %d rows failed; cleaning row by row", len(texts))
        results = []
        for text in texts:
            try:
                results.extend(clean([text]))
            except Exception as error:  # reported in the row's error column, no traceback
                results.append(error)
        return results


def _text_error(row: object, value: object) -> str | None:
    """Why ``value`` (row ``row``'s text) cannot be cleaned, or None when it is a string."""
    if isinstance(value, str):
        return None
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return f"row {row!r}: field 'text' is missing (null)"
    return f"row {row!r}: field 'text' must be a string, got {type(value).__name__}"


def _threshold_param(value: object) -> float | None:
    """The ``threshold`` param as a checked float, None for the model's own."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
    from newsclean.models import check_threshold

    if value in (None, ""):  # "": the default of models logged before the param was a float
        return None
    try:
        return check_threshold(float(value), "param 'threshold'")
    except (TypeError, ValueError):
        raise MlflowException(
            f"param 'threshold' must be a number in [0, 1], got {value!r}",
            error_code=INVALID_PARAMETER_VALUE,
        ) from None
