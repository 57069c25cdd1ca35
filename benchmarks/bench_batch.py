"""Benchmark ``newsclean clean``: articles/s and peak memory for each engine.

Generates a JSONL dump of synthetic news articles (about 7 KB and 36 paragraphs each, built from
sentence templates written for this benchmark), then runs, each in its own process:

* ``passthrough``: read and write the dump unchanged with the standard ``json`` module (the I/O
  floor);
* ``justext``: the same loop, cleaning each article with jusText (news setting 30/80, English
  stoplist) on one core -- the peer the batch issue compares against;
* ``jobs1`` / ``jobs2``: ``newsclean clean --jobs 1`` / ``--jobs 2``;
* ``dask``: ``newsclean clean --engine dask`` on a 2-worker ``LocalCluster``.

The batch issue's two ratios (one process's rate over pass-through's and over jusText's) are
also measured **paired**: pass-through, jusText and ``--jobs 1`` clean the same first articles
back to back, in a few rounds whose order alternates, and each round gives its own ratios. The
speed of this kind of shared machine drifts from minute to minute, so runs minutes apart (the
runs above) can move a ratio by a fifth; the paired rounds' median is the figure to quote.
Paired rates use each run's own time for the articles, so the interpreter's start does not
weigh on short runs: the loop for pass-through and jusText, and newsclean's reported time,
which also includes loading the model (against newsclean, not for it).

Peak memory is the largest sum of RSS over the process and all its children, polled every
50 ms. Results go to a JSON file with the machine's CPU count and platform.

Usage::

    python benchmarks/bench_batch.py --articles 200000 --out benchmarks/results/batch.json
    python benchmarks/bench_batch.py --articles 2000 --model /tmp/model --out /tmp/b.json
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

MODES = ("passthrough", "justext", "jobs1", "jobs2", "dask")
SHARDS_DEFAULT = 8
POLL_SECONDS = 0.05
PARAGRAPHS_PER_ARTICLE = 36
#: Share of an article's paragraphs that are boilerplate lines.
BOILERPLATE_SHARE = 0.25
_MB = 1024 * 1024
#: The paired comparison: its modes, rounds and the articles each run cleans.
PAIRED_MODES = ("passthrough", "justext", "jobs1")
PAIRED_ROUNDS_DEFAULT = 3
PAIRED_ARTICLES_DEFAULT = 8_000

# Sentence templates written for this benchmark (not taken from any publication).
_SUBJECTS = [
    "The city council",
    "The regional health board",
    "A group of local farmers",
    "The transport ministry",
    "Researchers at the state university",
    "The school district",
    "Residents of the harbour quarter",
    "The fire service",
    "A spokesperson for the utility company",
    "The new museum director",
]
_VERBS = [
    "announced on Monday that",
    "said in a statement that",
    "warned this week that",
    "confirmed late on Thursday that",
    "told reporters that",
    "argued at a public meeting that",
]
_CLAUSES = [
    "the budget for road repairs would rise by {n} percent next year",
    "a pilot scheme for electric buses would start in {month}",
    "water levels in the reservoir had fallen to their lowest point since {year}",
    "about {n} households were still without power after the storm",
    "the old library building would reopen as a community centre in {month}",
    "inspectors had found problems at {n} of the sites they visited",
    "volunteers had planted more than {n} trees along the river since {year}",
    "the bridge closure would add roughly {n} minutes to most commutes",
]
_TAILS = [
    "Critics said the plan did not go far enough.",
    "Officials expect a final decision before the end of {month}.",
    "The proposal will be debated again at the next council session.",
    "Several residents said they had not been consulted.",
    "The figures will be published in full on the agency's website.",
    "Opposition members asked for an independent review of the costs.",
]
_BOILERPLATE = [
    "Sign up for our daily briefing and never miss a story.",
    "Advertisement",
    "Share this article",
    "Read more:",
    "Related coverage",
    "Support local reporting: subscribe from just {n} a month.",
    "Follow us for breaking news alerts",
    "Comments are closed.",
    "All rights reserved.",
    "Click here to manage your cookie settings",
    "Download the app",
    "Most read this week",
]
_MONTHS = ["January", "March", "May", "July", "September", "November"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        n=rng.randint(2, 900), month=rng.choice(_MONTHS), year=rng.randint(1950, 2023)
    )


def make_article(rng: random.Random, index: int) -> dict:
    """One synthetic article record (about 7 KB of text, 36 paragraphs)."""
    paragraphs = []
    for _ in range(PARAGRAPHS_PER_ARTICLE):
        if rng.random() < BOILERPLATE_SHARE:
            paragraphs.append(_fill(rng.choice(_BOILERPLATE), rng))
        else:
            sentence = (
                f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {_fill(rng.choice(_CLAUSES), rng)}."
            )
            paragraphs.append(
                " ".join([sentence, _fill(rng.choice(_TAILS), rng), _fill(rng.choice(_TAILS), rng)])
            )
    return {
        "id": f"art-{index:07d}",
        "url": f"https://news.example/{index}",
        "published": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}",
        "section": rng.choice(["local", "politics", "science", "business"]),
        "text": "\n".join(paragraphs),
    }


def generate(directory: Path, articles: int, shards: int, seed: int = 0) -> dict:
    """Write ``articles`` records as ``shards`` JSONL files; return size statistics."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    chars = 0
    per_shard = -(-articles // shards)
    for s in range(shards):
        with open(directory / f"dump-{s:03d}.jsonl", "w", encoding="utf-8") as fh:
            for i in range(s * per_shard, min(articles, (s + 1) * per_shard)):
                record = make_article(rng, i)
                chars += len(record["text"])
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    size = sum(p.stat().st_size for p in directory.glob("*.jsonl"))
    return {
        "articles": articles,
        "shards": shards,
        "bytes": size,
        "mean_text_chars": round(chars / max(articles, 1)),
        "paragraphs_per_article": PARAGRAPHS_PER_ARTICLE,
    }


def passthrough(inputs: list[str], out: str, clean_with_justext: bool = False) -> None:
    """Read the dump and write it back with the json module (one output per input).

    With ``clean_with_justext`` each article's text is first cleaned by jusText.
    """
    clean = None
    if clean_with_justext:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from benchmarks.peers import JUSTEXT_NEWS, justext_labels

        def clean(text: str) -> str:
            lines = [line for line in text.split("\n") if line.strip()]
            labels = justext_labels(lines, language="en", **JUSTEXT_NEWS)
            return "\n".join(line for line, label in zip(lines, labels) if label == "editorial")

    Path(out).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for k, path in enumerate(inputs):
        with (
            open(path, encoding="utf-8") as src,
            open(Path(out) / f"part-{k:05d}.jsonl", "w", encoding="utf-8") as dst,
        ):
            for line in src:
                record = json.loads(line)
                if clean is not None:
                    record["text"] = clean(record["text"])
                dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"bench: work seconds {time.perf_counter() - started:.4f}", file=sys.stderr)


def measure(cmd: list[str]) -> dict:
    """Run ``cmd``; return wall time, peak RSS of its process tree and its exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            rss = 0
            for p in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            peak = max(peak, rss)
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak / _MB, 1),
        "exit_code": proc.returncode,
        "summary": [line for line in err.splitlines() if line.startswith(("newsclean", "bench:"))],
    }


def work_seconds(result: dict) -> float:
    """Seconds a run spent on the articles, from its own report: the loop of pass-through and
    jusText (after their imports); newsclean's "time:" line, which includes loading the model."""
    for line in result["summary"]:
        found = re.search(r"(?:bench: work seconds|newsclean clean: time:) ([\d.]+)", line)
        if found:
            return float(found.group(1))
    raise RuntimeError(f"the run reported no time: {result['summary']}")


def command(mode: str, inputs: list[str], out: str, model: str | None) -> list[str]:
    if mode in ("passthrough", "justext"):
        return [sys.executable, __file__, f"--{mode}", out, *inputs]
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", *inputs, "-o", out, "-q", "--overwrite"]
    if model:
        cmd += ["--model", model]
    if mode == "jobs2":
        cmd += ["--jobs", "2"]
    if mode == "dask":
        cmd += ["--engine", "dask", "--jobs", "2"]
    return cmd


def paired(first_shard: str, work: Path, articles: int, rounds: int, model: str | None) -> dict:
    """Pass-through, jusText and ``--jobs 1`` on the same ``articles``, back to back, ``rounds``
    times (the order reverses every other round); ratios per round and their medians."""
    sample = work / "paired" / "sample.jsonl"
    sample.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(first_shard, encoding="utf-8") as src, open(sample, "w", encoding="utf-8") as dst:
        for line in itertools.islice(src, articles):
            dst.write(line)
            n += 1
    per_round = []
    for r in range(rounds):
        order = PAIRED_MODES if r % 2 == 0 else PAIRED_MODES[::-1]
        rates = {}
        for mode in order:
            result = measure(command(mode, [str(sample)], str(work / f"paired-{mode}"), model))
            shutil.rmtree(work / f"paired-{mode}", ignore_errors=True)
            if result["exit_code"] != 0:
                raise RuntimeError(f"paired {mode} run failed: {result['summary']}")
            rates[mode] = round(n / work_seconds(result), 1)
        per_round.append(
            {
                "order": list(order),
                "articles_per_s": rates,
                "share_of_passthrough": round(rates["jobs1"] / rates["passthrough"], 4),
                "times_justext": round(rates["jobs1"] / rates["justext"], 2),
            }
        )
        print(f"paired round {r + 1}: {per_round[-1]}", file=sys.stderr)
    return {
        "articles": n,
        "rounds": per_round,
        "median_share_of_passthrough": statistics.median(
            r["share_of_passthrough"] for r in per_round
        ),
        "median_times_justext": statistics.median(r["times_justext"] for r in per_round),
    }


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "platform": platform.platform(),
        "processor": platform.processor(),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument(
        "--shards",
        type=int,
        default=SHARDS_DEFAULT,
        help="input files the dump is split into (default: %(default)s)",
    )
    parser.add_argument("--model", help="model folder or MLflow URI (default: shipped model)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--out", default="benchmarks/results/batch.json")
    parser.add_argument(
        "--workdir", help="where the dump and outputs go (default: a temp dir, removed afterwards)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--passthrough", nargs="+", metavar=("OUT", "INPUT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--justext", nargs="+", metavar=("OUT", "INPUT"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--justext-articles",
        type=int,
        default=20_000,
        help="jusText runs on the first N articles only (it is slow); default %(default)s",
    )
    parser.add_argument(
        "--paired-rounds",
        type=int,
        default=PAIRED_ROUNDS_DEFAULT,
        help="rounds of the paired ratio measurement (0: skip); default %(default)s",
    )
    parser.add_argument(
        "--paired-articles",
        type=int,
        default=PAIRED_ARTICLES_DEFAULT,
        help="articles each paired run cleans (from the first shard); default %(default)s",
    )
    args = parser.parse_args(argv)
    if args.passthrough:
        passthrough(args.passthrough[1:], args.passthrough[0])
        return 0
    if args.justext:
        passthrough(args.justext[1:], args.justext[0], clean_with_justext=True)
        return 0

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        t0 = time.perf_counter()
        dump = generate(work / "dump", args.articles, args.shards, args.seed)
        dump["generate_seconds"] = round(time.perf_counter() - t0, 2)
        inputs = sorted(str(p) for p in (work / "dump").glob("*.jsonl"))
        print(f"dump: {dump}", file=sys.stderr)
        runs = {}
        per_shard = -(-args.articles // args.shards)
        for mode in args.modes:
            mode_inputs, n_articles = inputs, args.articles
            if mode == "justext":  # the first shards only: same articles, a feasible run time
                k = max(1, -(-args.justext_articles // per_shard))
                mode_inputs, n_articles = inputs[:k], min(args.articles, k * per_shard)
            result = measure(command(mode, mode_inputs, str(work / f"out-{mode}"), args.model))
            result["articles"] = n_articles
            result["articles_per_s"] = round(n_articles / result["seconds"], 1)
            runs[mode] = result
            print(
                f"{mode}: {result['articles_per_s']} articles/s, "
                f"peak {result['peak_rss_mb']} MB, exit {result['exit_code']}",
                file=sys.stderr,
            )
            shutil.rmtree(work / f"out-{mode}", ignore_errors=True)
        pairs = None
        if args.paired_rounds > 0:
            pairs = paired(inputs[0], work, args.paired_articles, args.paired_rounds, args.model)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    from newsclean import __version__

    results = {
        "benchmark": "batch",
        "newsclean": __version__,
        "model": args.model or "shipped default",
        "machine": machine(),
        "dump": dump,
        "runs": runs,
        "paired": pairs,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0 if all(r["exit_code"] == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
