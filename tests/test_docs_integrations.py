"""The Python snippets of docs/integrations.md run as written (Spark's is a recipe only)."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "integrations.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
SHARED, SNIPPETS = BLOCKS[0], BLOCKS[1:]  # the first block defines ARTICLE for the others
#: What each snippet prints that the text around it promises.
PROMISED = {"datasets": "[2, None]", "clean_texts": "[True, False] None"}
#: Optional tools a snippet may import.
OPTIONAL = ("datatrove", "datasets", "dask")


@pytest.mark.slow
@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.splitlines()[0] for s in SNIPPETS])
def test_snippet_runs(snippet, tmp_path):
    if "pyspark" in snippet:
        pytest.skip("the Spark recipe is documented, not run (Spark is not a dependency)")
    for module in OPTIONAL:
        if module in snippet and importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    script = tmp_path / "snippet.py"
    script.write_text(SHARED + "\n" + snippet, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    for marker, printed in PROMISED.items():
        if marker in snippet:
            assert printed in out.stdout
    if "datatrove" in snippet:  # the kept and the excluded article, each in its own folder
        assert list((tmp_path / "cleaned").glob("*.jsonl.gz"))
        assert list((tmp_path / "removed").glob("*.jsonl.gz"))
