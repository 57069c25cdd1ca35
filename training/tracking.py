"""MLflow tracking: configuration, logging a training run, registration and the alias.

MLflow is imported here only, never by ``import newsclean``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
PIP_REQUIREMENTS = ["newsclean", "scikit-learn", "pandas", "numpy", "pyarrow", "scipy"]


def configure_mlflow():
    """Import MLflow offline and quiet, pointing at ``MLFLOW_TRACKING_URI`` or ``mlflow.db``."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    import mlflow

    mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_TRACKING_URI))
    return mlflow


def flat_metrics(metrics_by_group: dict[str, dict[str, float]], prefix: str) -> dict[str, float]:
    """``{"all": {"f1": ..}, "wcxb": {..}}`` -> ``{"test_f1": .., "test_wcxb_f1": ..}``."""
    flat = {}
    for group, metrics in metrics_by_group.items():
        stem = prefix if group == "all" else f"{prefix}_{group}"
        for name, value in metrics.items():
            flat[f"{stem}_{name}".replace("-", "_")] = float(value)
    return flat


def log_figures(mlflow, figures: dict[str, Any]) -> None:
    """Log matplotlib figures as PNG artifacts under ``plots/``."""
    import matplotlib.pyplot as plt

    for name, fig in figures.items():
        mlflow.log_figure(fig, f"plots/{name}.png")
        plt.close(fig)


def log_models(
    mlflow, model, export_dir: Path, example: pd.DataFrame, articles_example: pd.DataFrame
) -> tuple[str, str]:
    """Log the paragraph model (sklearn flavour) and the cleaner (pyfunc); return their URIs."""
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from newsclean.training.serving import CleanerModel

    signature = infer_signature(example, model.predict_proba(example))
    paragraph_info = mlflow.sklearn.log_model(
        model,
        name="paragraph_model",
        signature=signature,
        input_example=example.head(5),
        pyfunc_predict_fn="predict_proba",
        serialization_format="cloudpickle",
        pip_requirements=PIP_REQUIREMENTS,
    )
    cleaned = CleanerModel()
    cleaned.model = model
    cleaner_signature = infer_signature(
        articles_example,
        cleaned.predict(None, articles_example),
        # The default threshold is the model's own: a float, so callers can pass one.
        params={"annotate": False, "threshold": float(model.threshold)},
    )
    cleaner_info = mlflow.pyfunc.log_model(
        name="cleaner",
        python_model=CleanerModel(),
        artifacts={"model_dir": str(export_dir)},
        signature=cleaner_signature,
        input_example=articles_example,
        pip_requirements=PIP_REQUIREMENTS,
    )
    return paragraph_info.model_uri, cleaner_info.model_uri


def register_with_alias(
    mlflow,
    model_uri: str,
    name: str,
    alias: str | None,
    *,
    challenger_score: float,
    holder_score: float | None,
    promote: bool,
    incomparable: str | None = None,
) -> tuple[str, str]:
    """Register ``model_uri`` under ``name``; move ``alias`` if it wins. Return (version, why).

    ``incomparable`` says why the holder could not be scored on this run's test split; the
    alias then stays unless ``promote``.
    """
    from mlflow import MlflowClient

    version = mlflow.register_model(model_uri, name).version
    if not alias:
        return version, "no alias requested"
    client = MlflowClient()
    if promote:
        why = f"alias {alias!r} moved to version {version}: --promote"
    elif incomparable:
        return version, f"alias {alias!r} kept: {incomparable}; pass --promote to move it"
    elif holder_score is None:
        why = f"alias {alias!r} had no holder: set to version {version}"
    elif challenger_score > holder_score:
        why = (
            f"alias {alias!r} moved to version {version}: test score {challenger_score:.4f} "
            f"beats the holder's {holder_score:.4f} on the same test split"
        )
    else:
        why = (
            f"alias {alias!r} kept: version {version} scored {challenger_score:.4f}, "
            f"not above the holder's {holder_score:.4f} on the same test split"
        )
        return version, why
    client.set_registered_model_alias(name, alias, version)
    return version, why


def alias_holder_uri(mlflow, name: str, alias: str) -> str | None:
    """``models:/name@alias`` when that alias exists, else None."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        MlflowClient().get_model_version_by_alias(name, alias)
    except MlflowException:
        return None
    return f"models:/{name}@{alias}"


def temporary_dir() -> tempfile.TemporaryDirectory:
    """A temporary folder for the export logged as the cleaner's artifact."""
    return tempfile.TemporaryDirectory(prefix="newsclean-")
