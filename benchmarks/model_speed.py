"""Speed of two or more model folders in the same run (issue 22: new features vs today's model).

    python -m benchmarks.model_speed --models default /tmp/model-with-vectors [--articles 2000]

Each model is measured by :func:`benchmarks.speed.run_speed` with newsclean's own methods only
(``clean_texts`` in batches, ``clean`` per article, and the 1,000-word latency), one model
after the other, on the same test articles of the extracted view as ``benchmarks/run_all.py``
uses. Results go to ``benchmarks/results/model_speed.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.speed import run_speed

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
#: Articles timed per method (run_all.py's default speed sample).
ARTICLES_DEFAULT = 2000


def test_articles(data: Path) -> list[str]:
    """The test articles of the extracted view, as texts, in article order."""
    from benchmarks.accuracy import load_split_table

    table = load_split_table(data, "extracted")
    test = table[table["split"] == "test"]
    return ["\n".join(part["text"]) for _, part in test.groupby("article_id", sort=True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", required=True, help="'default' or model folders")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--articles", type=int, default=ARTICLES_DEFAULT)
    parser.add_argument("--out", type=Path, default=RESULTS / "model_speed.json")
    args = parser.parse_args(argv)
    texts = test_articles(args.data)
    report = {}
    for model in args.models:
        result = run_speed(
            texts[: args.articles],
            None if model == "default" else model,
            methods=("newsclean_batch", "newsclean_clean"),
            latency_texts=texts,
        )
        report[model] = result
        batch = result["methods"]["newsclean_batch"]
        latency = result["predict_latency"]
        print(
            f"{model}: batch {batch.get('articles_per_s', float('nan')):.0f} articles/s, "
            f"clean median {latency['median_ms_per_article']:.2f} ms per 1,000-word article",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
