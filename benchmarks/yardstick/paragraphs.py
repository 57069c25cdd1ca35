"""The paragraphs of the yardstick's articles, joined from the shared data, and a reading dump.

``article_paragraphs`` is what every yardstick tool reads: the extracted view's paragraphs of the
chosen articles, in order, each with a short SHA-256 of its text so a review row can prove it still
describes the same line. ``dump`` writes one plain file per article for people (or a model-assisted
reviewer) to read whole:

    python -m benchmarks.yardstick.paragraphs --split test --out /tmp/yardstick
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd

from benchmarks.yardstick.select_articles import ARTICLES, REPO

COLUMNS = ["doc_id", "domain", "dataset", "position", "text", "label"]


def text_sha(text: str) -> str:
    """First 16 hex digits of the SHA-256 of the paragraph's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def article_paragraphs(data: Path, articles: Path = ARTICLES) -> pd.DataFrame:
    """Every extracted-view paragraph of the chosen articles, with ``split`` and ``text_sha``."""
    chosen = pd.read_csv(articles)
    table = pd.read_parquet(
        data / "extracted.parquet",
        columns=COLUMNS,
        filters=[("doc_id", "in", chosen["doc_id"].tolist())],
    )
    table = table.merge(chosen[["doc_id", "split"]], on="doc_id", validate="many_to_one")
    table = table.rename(columns={"label": "source_label"})
    table["text_sha"] = table["text"].map(text_sha)
    order = {doc_id: i for i, doc_id in enumerate(chosen["doc_id"])}
    table["article"] = table["doc_id"].map(order)
    return table.sort_values(["article", "position"]).reset_index(drop=True)


def dump(table: pd.DataFrame, out: Path) -> None:
    """One file per article: a header, then ``position<TAB>source_label<TAB>text`` lines."""
    out.mkdir(parents=True, exist_ok=True)
    for (article, doc_id), rows in table.groupby(["article", "doc_id"], sort=True):
        name = f"{article:03d}_" + "".join(c if c.isalnum() else "-" for c in doc_id) + ".txt"
        head = f"# {doc_id}  {rows['domain'].iloc[0]}  ({rows['dataset'].iloc[0]})\n"
        body = "".join(
            f"{r.position}\t{r.source_label}\t{r.text}\n" for r in rows.itertuples(index=False)
        )
        (out / name).write_text(head + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--split", choices=["test", "validation"], required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    table = article_paragraphs(args.data)
    dump(table[table["split"] == args.split], args.out / args.split)


if __name__ == "__main__":
    main()
