"""The whole cleaner as an MLflow pyfunc model, for ``mlflow models serve``.

Input: a DataFrame with a ``text`` column of articles (MLflow's input schema drops any other
column; rows come back in order). Output: the same rows with ``text`` cleaned; with the param
``annotate=True`` also a ``paragraphs`` column holding each article's per-paragraph labels as
JSON. The param ``threshold`` (a float, default the model's own) sets the cut.

The model folder exported by training is logged as the pyfunc's artifact, and loaded through
:func:`newsclean.load_model`, so serving checks the artifact's SHA-256 like any other load.
"""

from __future__ import annotations

import json

import mlflow.pyfunc
import pandas as pd


class CleanerModel(mlflow.pyfunc.PythonModel):
    """Segmentation, paragraph model and threshold behind one ``predict``."""

    def load_context(self, context) -> None:
        from newsclean import load_model

        self.model = load_model(context.artifacts["model_dir"])

    def predict(
        self, context, model_input: pd.DataFrame, params: dict | None = None
    ) -> pd.DataFrame:
        """Clean ``model_input["text"]``; see the module docstring."""
        from newsclean import clean_frame

        params = params or {}
        annotate = bool(params.get("annotate", False))
        threshold = params.get("threshold")
        out = clean_frame(
            model_input,
            "text",
            model=self.model,
            annotate=annotate,
            threshold=None if threshold in (None, "") else float(threshold),  # "": old models
        )
        if annotate:
            out["paragraphs"] = out.pop("text_paragraphs").map(json.dumps)
        return out
