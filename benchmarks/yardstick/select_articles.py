"""Choose the articles of the reviewed yardstick (issue 21) from the shared data.

The yardstick is news only (l3s-gn1, scrapinghub, dragnet, trafilatura-eval and wcxb article pages),
English, from publishers of the seed-0 domain split's test and validation parts, never a reserved
publisher (training/reviewed/reserved_publishers.txt) and never a page whose gold stops early or
whose domain is only guessed from its links. Every publisher gets one article before any gets a
second, and a second before any gets a third (at most three), in a stable hash order, so the
choice does not depend on row order or on what else is in the data. Every publisher chosen here
is withheld from training, whatever the split seed.

    python -m benchmarks.yardstick.select_articles --data ../shared/data
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd
from newsclean.training.split import domain_split
from newsclean.training.yardstick import ARTICLES_FILE, reserved_publishers

REPO = Path(__file__).resolve().parents[2]
NEWS_DATASETS = ("l3s-gn1", "scrapinghub", "dragnet", "trafilatura-eval")
#: Articles wanted per split: issue 21 asks for 200 test and 150 validation news articles; the
#: review finds some chosen pages are not news (`training/reviewed/not_news.csv`), so the test
#: part has 30 more (all that the rules allow) and the validation part 20 more. `choose` is
#: prefix-stable: raising a target only appends articles, the ones already reviewed stay.
TARGETS = {"test": 230, "validation": 170}
MAX_PER_PUBLISHER = 3
#: Paragraphs of the extracted view: fewer is rarely a whole article, more is rarely one story.
MIN_PARAGRAPHS, MAX_PARAGRAPHS = 6, 100
SPLIT_SEED = 0


def _stable_rank(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def candidate_pages(docs: pd.DataFrame, reserved: set[str]) -> pd.DataFrame:
    """News pages that may enter the yardstick, with their split."""
    news = docs["dataset"].isin(NEWS_DATASETS) | (
        (docs["dataset"] == "wcxb") & (docs["page_type"] == "article")
    )
    keep = (
        news
        & (docs["language"] == "en")
        & ~docs["gold_suspect"].astype(bool)
        & docs["domain"].notna()
        & ~docs["domain"].isin(reserved)
        & (docs["domain_source"] != "links")
        & docs["n_paragraphs_extracted"].between(MIN_PARAGRAPHS, MAX_PARAGRAPHS)
    )
    pages = docs.loc[keep].copy()
    pages["split"] = domain_split(pages["domain"], seed=SPLIT_SEED)
    return pages


def choose(pages: pd.DataFrame, target: int) -> pd.DataFrame:
    """One article per publisher in hash order, then second articles, until ``target``."""
    pages = pages.assign(
        page_rank=pages["doc_id"].map(_stable_rank), domain_rank=pages["domain"].map(_stable_rank)
    ).sort_values(["domain_rank", "page_rank"])
    pages["nth"] = pages.groupby("domain").cumcount()
    pages = pages[pages["nth"] < MAX_PER_PUBLISHER].sort_values(["nth", "domain_rank"])
    return pages.head(target)


def select(data: Path) -> pd.DataFrame:
    """The chosen articles of every split, in review order."""
    docs = pd.read_parquet(data / "docs.parquet")
    pages = candidate_pages(docs, reserved_publishers())
    chosen = [choose(pages[pages["split"] == split], n) for split, n in TARGETS.items()]
    columns = ["split", "doc_id", "dataset", "domain", "n_paragraphs_extracted"]
    return pd.concat(chosen)[columns].reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ARTICLES_FILE)
    args = parser.parse_args(argv)
    articles = select(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    articles.to_csv(args.out, index=False)
    summary = articles.groupby("split").agg(
        articles=("doc_id", "size"), publishers=("domain", "nunique")
    )
    print(summary.to_string())


if __name__ == "__main__":
    main()
