"""Shared fixtures: a tiny model trained on hand-written articles, exported to a temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from newsclean.models import export_model

from newsclean.classifier import ParagraphClassifier
from tests.corpus import make_corpus

SHARED_DATA = Path(
    os.environ.get("NEWSCLEAN_DATA", Path(__file__).parents[1] / ".." / "shared" / "data")
).resolve()


def _fit_on_corpus(**params) -> ParagraphClassifier:
    corpus = make_corpus()
    model = ParagraphClassifier(n_features=2**12, cv=2, random_state=0, **params)
    model.fit(corpus[["article_id", "position", "text"]], corpus["label"], groups=corpus["domain"])
    return model


def _export(model: ParagraphClassifier, tmp_path_factory, name: str) -> Path:
    out = tmp_path_factory.mktemp(name)
    export_model(model, out, data_fingerprint="tests.corpus", metrics={})
    return out


@pytest.fixture(scope="session")
def tiny_model() -> ParagraphClassifier:
    """A small model that separates the hand-written corpus (not the shipped model)."""
    return _fit_on_corpus()


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory) -> Path:
    """The tiny model exported as a model folder (model.npz + model_card.json)."""
    return _export(tiny_model, tmp_path_factory, "tiny_model")


@pytest.fixture(scope="session")
def graded_model() -> ParagraphClassifier:
    """First pass only, on the hand-written corpus: graded scores for a threshold or floor to
    sit between (the context pass's trees give this tiny corpus near-constant scores)."""
    return _fit_on_corpus(context=False)


@pytest.fixture(scope="session")
def graded_model_dir(graded_model, tmp_path_factory) -> Path:
    """The graded model exported as a model folder."""
    return _export(graded_model, tmp_path_factory, "graded_model")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared labelled data folder, or skip when it is absent."""
    if not (SHARED_DATA / "extracted.parquet").exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def logged_models(tiny_model, tmp_path, monkeypatch):
    """The tiny model logged by ``tracking.log_models`` to a SQLite store under ``tmp_path``
    (the working directory moves there: the store puts run artifacts under ./mlruns).

    Returns ``(mlflow, paragraph_model_uri, cleaner_uri, env)``, ``env`` being the environment
    a served copy needs."""
    import pandas as pd
    from newsclean.training import tracking

    from tests.test_predict import STORY, article

    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "GIT_PYTHON_REFRESH": "quiet",
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    monkeypatch.setenv("MLFLOW_TRACKING_URI", env["MLFLOW_TRACKING_URI"])
    monkeypatch.chdir(tmp_path)
    mlflow = tracking.configure_mlflow()
    mlflow.set_experiment("logged")
    export_dir = tmp_path / "model"
    export_model(tiny_model, export_dir)
    paragraphs = make_corpus(2)[["article_id", "position", "text"]]
    articles = pd.DataFrame({"text": [article(STORY)]})
    with mlflow.start_run():
        uris = tracking.log_models(mlflow, tiny_model, export_dir, paragraphs, articles)
    return (mlflow, *uris, env)
