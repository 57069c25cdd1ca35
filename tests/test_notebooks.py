"""The notebooks run top to bottom on a small sample of the shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
DATA = Path(os.environ.get("NEWSCLEAN_DATA") or REPO.parent / "shared" / "data")
SAMPLE = os.environ.get("NEWSCLEAN_NOTEBOOK_SAMPLE", "100")
TIMEOUT_SECONDS = 300

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not (DATA / "extracted.parquet").exists(), reason=f"no shared data at {DATA}"
    ),
]


def _shipped_model_present() -> bool:
    return (REPO / "models" / "default" / "model_card.json").exists()


def _run(name: str, monkeypatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NEWSCLEAN_DATA", str(DATA))
    monkeypatch.setenv("NEWSCLEAN_NOTEBOOK_SAMPLE", SAMPLE)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        f"{name} is committed with outputs: strip them"
    )
    client = nbclient.NotebookClient(
        notebook,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()


def test_01_data_runs(monkeypatch):
    _run("01_data.ipynb", monkeypatch)


def test_02_errors_runs(monkeypatch):
    if not _shipped_model_present() and not os.environ.get("NEWSCLEAN_MODEL"):
        pytest.skip("no shipped model in models/default and NEWSCLEAN_MODEL unset")
    _run("02_errors.ipynb", monkeypatch)
