"""The wheel built from the checkout: the license, every module of the package tree, and a
minimal install (the runtime dependencies alone) that cleans JSONL and names the extras."""

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What the build reads; copied so the build's own files (build/, *.egg-info) stay out of the
#: checkout.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "src", "features", "training", "models")


def copy_build_inputs(source: Path) -> Path:
    """Copy what the build reads into ``source`` (created) and return it."""
    source.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    return source


@pytest.mark.slow
def test_wheel_has_license_and_every_module(tmp_path):
    source = copy_build_inputs(tmp_path / "source")
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source)]
    out = subprocess.run(
        [*command, "-w", str(tmp_path / "wheel")], capture_output=True, text=True, timeout=300
    )
    if out.returncode != 0 and "No matching distribution found for setuptools" in out.stderr:
        pytest.skip("the build backend cannot be installed here (no package index)")
    assert out.returncode == 0, out.stderr
    (wheel,) = (tmp_path / "wheel").glob("newsclean-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    license_text = zipfile.ZipFile(wheel).read(f"{dist_info}/licenses/LICENSE").decode()
    assert license_text == (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    metadata = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    modules = {
        "newsclean/" + str(p.relative_to(ROOT / "src" / "newsclean"))
        for p in (ROOT / "src" / "newsclean").rglob("*.py")
    }
    assert modules - names == set()  # e.g. a subpackage missing from [tool.setuptools] packages


#: Modules that belong to extras: the runtime dependencies must not bring them.
EXTRA_MODULES = ("sklearn", "scipy", "pandas", "pyarrow", "mlflow")
#: What pip says when the package index cannot be reached (the test is then skipped).
_NO_INDEX = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


@pytest.mark.slow
def test_the_minimal_install_cleans_jsonl_and_names_the_extras(tmp_path):
    from newsclean import clean
    from tests.test_batch import run

    venv_dir = tmp_path / "venv"
    try:  # its own site-packages only: nothing of this environment is visible there
        venv.create(venv_dir, with_pip=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a virtual environment here: {exc}")
    python, newsclean_cmd = venv_dir / "bin" / "python", venv_dir / "bin" / "newsclean"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # As the README's first command: `pip install .`, with the declared dependencies.
    source = copy_build_inputs(tmp_path / "source")
    out = subprocess.run(
        [python, "-m", "pip", "install", "-q", str(source)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    if out.returncode != 0 and any(s in out.stderr for s in _NO_INDEX):
        pytest.skip("the package index cannot be reached")
    assert out.returncode == 0, out.stderr

    def in_venv(*argv, **kwargs) -> subprocess.CompletedProcess:
        kwargs = {"capture_output": True, "text": True, "timeout": 300, "env": env, **kwargs}
        return subprocess.run(argv, cwd=tmp_path, check=False, **kwargs)

    article = json.loads((ROOT / "examples" / "articles.jsonl").read_text().splitlines()[0])
    probe = (
        "import importlib.util, json, sys, newsclean\n"
        "extras = json.loads(sys.argv[1])\n"
        "print(json.dumps({'clean': newsclean.clean(sys.stdin.read()),\n"
        "    'installed': [m for m in extras if importlib.util.find_spec(m)]}))"
    )
    got = in_venv(python, "-c", probe, json.dumps(EXTRA_MODULES), input=article["text"])
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == {"clean": clean(article["text"]), "installed": []}

    # The README's first command, against the same run in this (full) environment.
    example = str(ROOT / "examples" / "articles.jsonl")
    got = in_venv(newsclean_cmd, "clean", example, "-o", "minimal", "-q")
    assert got.returncode == 0, got.stderr
    assert run([example, "-o", str(tmp_path / "full"), "-q"]) == 0
    for name in ("part-00000.jsonl", ".newsclean/rejects.jsonl"):
        assert (tmp_path / "minimal" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()

    got = in_venv(newsclean_cmd, "clean", example, "-o", "out.parquet")
    assert got.returncode == 2
    assert "Parquet needs pyarrow: pip install 'newsclean[formats]'" in got.stderr
    got = in_venv(python, "-c", "import newsclean; newsclean.ParagraphClassifier")
    assert "ParagraphClassifier needs scikit-learn, scipy and pandas: pip install " in got.stderr
    got = in_venv(newsclean_cmd, "train", "--data", str(tmp_path))
    assert got.returncode == 2
    assert "training needs scikit-learn, scipy, pandas, pyarrow, mlflow and matplotlib" in (
        got.stderr
    )
