"""Instructions per ``clean`` call, counted with valgrind's callgrind.

The latency target of issue 3 is in wall time, which on a shared virtual machine moves by a
third between fast and slow spells (see ``speed.py``). The number of instructions a call
executes hardly moves, so this is the measure to compare two versions of the code with: it says
whether a change does less work, whatever the machine was doing meanwhile. It is not a time.

Usage::

    python benchmarks/instructions.py                 # the latency articles of speed.py
    python benchmarks/instructions.py --articles texts.json --out /tmp/instructions.json

A child process loads the model and cleans every article once (warm-up), then ``--passes``
more times; the same child runs with zero passes, and the difference divided by the calls made
is the cost of a call. Both ``clean`` (one article a call) and ``clean_texts`` (batches of
``speed.BATCH_SIZE``) are counted. Needs ``valgrind`` on ``PATH`` (a system tool, not a Python
dependency); under it a process runs about 50 times slower, so this takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.speed import BATCH_SIZE, articles_of_words, machine  # noqa: E402

OUT_DEFAULT = REPO / "benchmarks" / "results" / "instructions.json"
PASSES_DEFAULT = 2
MODES = ("clean", "clean_texts")
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def _child(articles_path: str, mode: str, passes: int, model: str | None) -> None:
    """Warm up on every article, then clean them all ``passes`` more times (runs in valgrind)."""
    import warnings

    warnings.simplefilter("ignore")  # a test article looks like HTML; its warning is not work
    import newsclean

    articles = json.loads(Path(articles_path).read_text())
    clf = newsclean.load_model(model)

    def one_pass() -> None:
        if mode == "clean":
            for text in articles:
                newsclean.clean(text, model=clf)
        else:
            for i in range(0, len(articles), BATCH_SIZE):
                newsclean.clean_texts(articles[i : i + BATCH_SIZE], model=clf)

    for _ in range(1 + passes):
        one_pass()


def _instructions(args: list[str]) -> int:
    """Instructions of one child process under callgrind."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        *args,
    ]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    match = _COLLECTED.search(run.stderr)
    if run.returncode != 0 or match is None:
        raise RuntimeError(f"callgrind failed ({run.returncode}): {run.stderr[-2000:]}")
    return int(match.group(1))


def count(articles: list[str], model: str | None, passes: int = PASSES_DEFAULT) -> dict:
    """Instructions per call of each of :data:`MODES` over ``articles``."""
    result: dict = {"articles": len(articles), "passes": passes}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.json"
        path.write_text(json.dumps(articles))
        model_args = ["--model", model] if model else []
        for mode in MODES:
            child = ["--child", str(path), "--mode", mode, *model_args]
            base = _instructions([*child, "--passes", "0"])
            more = _instructions([*child, "--passes", str(passes)])
            per_article = (more - base) / (passes * len(articles))
            result[f"{mode}_instructions_per_article"] = round(per_article)
    return result


def _latency_articles(data: Path) -> list[str]:
    """The test articles that ``speed.py`` times for the latency target."""
    from benchmarks.accuracy import load_split_table

    table = load_split_table(data, "extracted")
    test = table[table["split"] == "test"]
    texts = ["\n".join(part["text"]) for _, part in test.groupby("article_id", sort=True)]
    return articles_of_words(texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", help="JSON list of article texts (default: speed.py's)")
    parser.add_argument(
        "--data",
        default=os.environ.get("NEWSCLEAN_DATA", str(REPO.parent / "shared" / "data")),
        help="shared data folder, for the default articles",
    )
    parser.add_argument("--model", default=None, help="model folder (default: the shipped one)")
    parser.add_argument("--passes", type=int, default=PASSES_DEFAULT)
    parser.add_argument("--out", default=str(OUT_DEFAULT))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.mode, args.passes, args.model)
        return 0
    if shutil.which("valgrind") is None:
        print("instructions.py: valgrind is not on PATH; nothing measured", file=sys.stderr)
        return 2
    if args.articles:
        articles = json.loads(Path(args.articles).read_text())
    else:
        articles = _latency_articles(Path(args.data))
    result = {
        "generated": time.strftime("%Y-%m-%d"),
        "model": args.model or "shipped default (models/default)",
        **count(articles, args.model, args.passes),
        "machine": machine(),
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
