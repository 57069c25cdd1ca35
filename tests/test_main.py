"""``python -m newsclean`` runs the command line, where the console script is not on PATH."""

import subprocess
import sys


def test_python_m_newsclean_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "newsclean", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.startswith("newsclean ")


def test_python_m_newsclean_exits_2_on_usage_errors():
    out = subprocess.run(
        [sys.executable, "-m", "newsclean", "no-such-command"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "usage: newsclean" in out.stderr
