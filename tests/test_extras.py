"""Optional dependencies: a feature whose extra is not installed says what to install."""

from __future__ import annotations

import re
import sys

import pytest

import newsclean
from newsclean.extras import installed, missing_extra
from tests.test_batch import good_records, parse_clean, write_jsonl


def hide(monkeypatch, *modules: str) -> None:
    """Make ``modules`` look uninstalled (None in sys.modules fails their import)."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_a_hidden_module_is_not_installed(monkeypatch):
    assert installed("json")
    hide(monkeypatch, "json")
    assert not installed("json")
    assert not installed("json.tool")  # a submodule of a missing package


def test_the_message_names_distributions_and_the_extra(monkeypatch):
    hide(monkeypatch, "sklearn", "pandas", "mlflow")
    message = missing_extra("X", "train", ["sklearn", "json", "pandas", "mlflow"])
    assert message == "X needs scikit-learn, pandas and mlflow: pip install 'newsclean[train]'"


@pytest.mark.parametrize("parquet_side", ["input", "output"])
def test_parquet_without_pyarrow_is_a_usage_error_naming_the_extra(
    tmp_path, tiny_model_dir, monkeypatch, capsys, parquet_side
):
    src = tmp_path / "in.jsonl"
    if parquet_side == "input":
        src = tmp_path / "in.parquet"
        src.write_bytes(b"PAR1")  # never read: the check comes first
    else:
        write_jsonl(src, good_records(1))
    out = tmp_path / ("out.parquet" if parquet_side == "output" else "out")
    hide(monkeypatch, "pyarrow")
    with pytest.raises(SystemExit) as exc:
        parse_clean([str(src), "-o", str(out), "--model", str(tiny_model_dir)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Parquet needs pyarrow: pip install 'newsclean[formats]'" in err
    assert not out.exists()


def test_jsonl_and_csv_need_no_extra(tmp_path, tiny_model_dir, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", good_records(1))
    hide(monkeypatch, "pyarrow", "pandas", "sklearn")
    for out in ("out.jsonl", "out.csv", "out/"):
        parse_clean([str(src), "-o", str(tmp_path / out), "--model", str(tiny_model_dir)])


def test_the_estimator_without_scikit_learn_names_the_extra(monkeypatch):
    hide(monkeypatch, "sklearn")
    expected = re.escape("needs scikit-learn: pip install 'newsclean[train]'")
    with pytest.raises(ImportError, match=expected):
        newsclean.ParagraphClassifier  # noqa: B018 - the attribute access is the test
    with pytest.raises(ImportError, match=expected):
        newsclean.load_model()
    assert newsclean.clean("One story line.\n") == "One story line.\n"
