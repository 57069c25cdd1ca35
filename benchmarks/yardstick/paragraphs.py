"""Write the yardstick's articles as one plain file each, for people (or a model-assisted
reviewer) to read whole: a header, then ``position<TAB>source_label<TAB>text`` lines.

    python -m benchmarks.yardstick.paragraphs --split test --out /tmp/yardstick
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from newsclean.training.yardstick import article_paragraphs, text_sha

from benchmarks.yardstick.select_articles import REPO

__all__ = ["article_paragraphs", "dump", "text_sha"]


def dump(table: pd.DataFrame, out: Path) -> None:
    """One file per article, named by its number within its split and its ``doc_id``."""
    out.mkdir(parents=True, exist_ok=True)
    groups = table.groupby(["article", "doc_id"], sort=True)
    for number, ((_, doc_id), rows) in enumerate(groups):
        name = f"{number:03d}_" + "".join(c if c.isalnum() else "-" for c in doc_id) + ".txt"
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
