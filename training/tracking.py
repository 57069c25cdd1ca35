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
#: What loading the logged cleaner imports: pinned by :func:`pinned_requirements` to the
#: versions installed when it was logged, so a served copy runs what was tested.
CLEANER_PACKAGES = ("newsclean", "mlflow", "scikit-learn", "scipy", "numpy", "pandas")
#: The same for the paragraph model (scikit-learn flavour), which loads through skops.
PARAGRAPH_MODEL_PACKAGES = (*CLEANER_PACKAGES, "skops")
#: The types in a fitted ParagraphClassifier that skops does not trust by default: newsclean's
#: own and the trees of scikit-learn's gradient boosting.
SKOPS_TRUSTED_TYPES = [
    "newsclean.classifier.ParagraphClassifier",
    "newsclean.kinds.KindHead",
    "newsclean.scorer.BoostedTrees",
    "newsclean.scorer.Scorer",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]
#: Tag with the newsclean version on the run, the logged models and registered versions.
VERSION_TAG = "newsclean_version"
#: The models-from-code file of the cleaner pyfunc (see training/cleaner_model.py).
CLEANER_CODE = Path(__file__).with_name("cleaner_model.py")


def pinned_requirements(packages: tuple[str, ...]) -> list[str]:
    """``name==version`` of each installed package of ``packages``, in order."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in packages]


def newsclean_version() -> str:
    """The installed newsclean's version, as its distribution metadata gives it."""
    from importlib.metadata import version

    return version("newsclean")


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
    """Log the paragraph model (sklearn flavour) and the cleaner (pyfunc); return their URIs.

    Neither is a pickle: the paragraph model is saved with skops (trusting
    :data:`SKOPS_TRUSTED_TYPES`), and the cleaner is models-from-code (:data:`CLEANER_CODE`)
    around the exported model folder ``export_dir``. Both pin their requirements
    (:func:`pinned_requirements`) and carry the :data:`VERSION_TAG` tag, as does the run.
    """
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from newsclean.training.serving import CleanerModel

    tags = {VERSION_TAG: newsclean_version()}
    mlflow.set_tags(tags)
    signature = infer_signature(example, model.predict_proba(example))
    paragraph_info = mlflow.sklearn.log_model(
        model,
        name="paragraph_model",
        signature=signature,
        input_example=example.head(5),
        pyfunc_predict_fn="predict_proba",
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
        skops_trusted_types=SKOPS_TRUSTED_TYPES,
        pip_requirements=pinned_requirements(PARAGRAPH_MODEL_PACKAGES),
        tags=tags,
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
        python_model=str(CLEANER_CODE),
        artifacts={"model_dir": str(export_dir)},
        signature=cleaner_signature,
        input_example=articles_example,
        pip_requirements=pinned_requirements(CLEANER_PACKAGES),
        tags=tags,
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

    The new version is tagged with the newsclean version (:data:`VERSION_TAG`).

    ``incomparable`` says why the holder could not be scored on this run's test split; the
    alias then stays unless ``promote``.
    """
    from mlflow import MlflowClient

    version = mlflow.register_model(
        model_uri, name, tags={VERSION_TAG: newsclean_version()}
    ).version
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
