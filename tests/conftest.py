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


@pytest.fixture(scope="session")
def tiny_model() -> ParagraphClassifier:
    """A small model that separates the hand-written corpus (not the shipped model)."""
    corpus = make_corpus()
    model = ParagraphClassifier(n_features=2**12, cv=2, random_state=0)
    model.fit(corpus[["article_id", "position", "text"]], corpus["label"], groups=corpus["domain"])
    return model


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory) -> Path:
    """The tiny model exported as a model folder (model.npz + model_card.json)."""
    out = tmp_path_factory.mktemp("tiny_model")
    export_model(tiny_model, out, data_fingerprint="tests.corpus", metrics={})
    return out


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared labelled data folder, or skip when it is absent."""
    if not (SHARED_DATA / "extracted.parquet").exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
