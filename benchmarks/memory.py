"""Peak memory of cleaning one very long article, in fresh processes.

Usage::

    python benchmarks/memory.py                 # a 50 MB article, shipped model
    python benchmarks/memory.py --mb 10 --model /tmp/model

The article is the texts of ``examples/articles.jsonl`` repeated, one paragraph a line, until
it holds ``--mb`` million characters (ASCII, so as many bytes). Each measurement runs in its own
subprocess, whose peak resident memory (``VmHWM``) is its own:

``baseline``
    import newsclean, load the model, build the article (what every other figure includes).
``clean``
    ``newsclean.clean(article)``: the article scanned in windows of
    :data:`newsclean.scorer.WINDOW_ROWS` paragraphs.
``clean_one_scan``
    the same with the window set larger than the article: one scan of all of it, as before
    windowing (the scoring arithmetic is today's either way).
``cli``
    ``newsclean clean`` on a JSONL file holding the article as its one record, measured as the
    CLI process's ``ru_maxrss``; ``cli_baseline`` is the same on a one-line article.

Writes ``benchmarks/results/memory.json``: each peak in MB, and the peak above its baseline
per MB of article. Not a timed test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.speed import _peak_rss_mb, machine  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "memory.json"
EXAMPLES = REPO / "examples" / "articles.jsonl"
ARTICLE_MB_DEFAULT = 50.0
IN_PROCESS = ("baseline", "clean", "clean_one_scan")


def example_texts(path: Path = EXAMPLES) -> list[str]:
    """The article texts of the examples file (its malformed and text-less records skipped)."""
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            text = json.loads(line).get("text")
        except ValueError:
            continue
        if isinstance(text, str) and text.strip():
            texts.append(text)
    return texts


def long_article(million_chars: float) -> str:
    """The example texts, one after another, until the article has ``million_chars`` * 1e6
    characters (then cut at a line end)."""
    unit = "".join(text.rstrip("\n") + "\n" for text in example_texts())
    target = int(million_chars * 1e6)
    text = unit * (target // len(unit) + 1)
    return text[: text.rfind("\n", 0, target) + 1]


def _worker(mode: str, million_chars: float, model: str | None) -> dict:
    from newsclean.features import split_paragraphs

    import newsclean
    from newsclean import scorer

    newsclean.clean("Warm up.\nSecond line.", model=model)
    text = long_article(million_chars)
    start = time.perf_counter()
    if mode == "clean_one_scan":
        scorer.WINDOW_ROWS = len(text)  # more rows than the article has paragraphs
    if mode != "baseline":
        cleaned = newsclean.clean(text, model=model)
        assert len(cleaned) <= len(text)
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "paragraphs": len(split_paragraphs(text)) if mode == "clean" else None,
    }


def _cli_peak_mb(text: str, model: str | None, folder: Path) -> float:
    """Peak resident memory of ``newsclean clean`` on one JSONL record holding ``text``."""
    source, target = folder / "in.jsonl", folder / "out.jsonl"
    source.write_text(json.dumps({"id": "long", "text": text}) + "\n", encoding="utf-8")
    target.unlink(missing_ok=True)
    command = [sys.executable, "-m", "newsclean.cli", "clean", str(source), "-o", str(target)]
    command += ["--max-chars", str(len(text) + 1), "-q"]
    if model:
        command += ["--model", model]
    # A fresh process per measurement: RUSAGE_CHILDREN is the largest child waited for.
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *command], check=True, capture_output=True, text=True
    )
    return int(out.stdout.split()[-1]) / 1024  # ru_maxrss is in KB on Linux


def run(million_chars: float, model: str | None) -> dict:
    """Every measurement, each in a fresh process; see the module docstring."""
    results = {}
    for mode in IN_PROCESS:
        command = [sys.executable, __file__, "--worker", mode, "--mb", str(million_chars)]
        if model:
            command += ["--model", model]
        proc = subprocess.run(command, check=True, capture_output=True, text=True)
        results[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    text = long_article(million_chars)
    with tempfile.TemporaryDirectory(prefix="newsclean-memory-") as folder:
        results["cli"] = {"peak_rss_mb": round(_cli_peak_mb(text, model, Path(folder)), 1)}
        results["cli_baseline"] = {
            "peak_rss_mb": round(_cli_peak_mb("One line.", model, Path(folder)), 1)
        }
    article_mb = len(text.encode("utf-8")) / 1e6
    base, cli_base = results["baseline"]["peak_rss_mb"], results["cli_baseline"]["peak_rss_mb"]
    above = {
        "clean": results["clean"]["peak_rss_mb"] - base,
        "clean_one_scan": results["clean_one_scan"]["peak_rss_mb"] - base,
        "cli": results["cli"]["peak_rss_mb"] - cli_base,
    }
    return {
        "machine": machine(),
        "article_mb": round(article_mb, 1),
        "paragraphs": results["clean"]["paragraphs"],
        "model": model or "shipped",
        "peaks": results,
        "peak_above_baseline_per_article_mb": {
            name: round(mb / article_mb, 2) for name, mb in above.items()
        },
        "note": "VmHWM of a fresh process per line (ru_maxrss for the CLI); the baseline holds "
        "the article already, so the figure above it is what cleaning adds",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=ARTICLE_MB_DEFAULT, help="article size")
    parser.add_argument("--model", default=None)
    parser.add_argument("--worker", choices=IN_PROCESS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args.worker, args.mb, args.model)))
        return 0
    report = run(args.mb, args.model)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report["peak_above_baseline_per_article_mb"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
