"""Rebuild everything the reviewed yardstick is made of, and check it, in one command.

    python -m benchmarks.yardstick.rebuild [--data ../shared/data]

1. chooses the yardstick's articles again and checks the choice equals the committed
   ``training/reviewed/articles.csv`` (the selection is deterministic);
2. joins every review row to the shared data (``reviewed_table``: each line's SHA-256 must
   match) and prints the reviewed counts per split and label;
3. rebuilds the appeal-block corpus from the fetched snapshots and joins its review
   (``python -m benchmarks.blocks.build``; exits 1 if a review row no longer matches its line).

Exits non-zero on the first mismatch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from newsclean.training.yardstick import ARTICLES_FILE, reviewed_table

from benchmarks.blocks import build as blocks_build
from benchmarks.yardstick.select_articles import REPO, select


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    chosen = select(args.data)
    committed = pd.read_csv(ARTICLES_FILE, dtype={"doc_id": str})
    if chosen["doc_id"].tolist() != committed["doc_id"].tolist():
        print(f"the selection differs from {ARTICLES_FILE}: is the shared data another version?")
        return 1
    table = reviewed_table(args.data)
    print(table.groupby(["split", "label"]).size().unstack(fill_value=0).to_string())
    return blocks_build.main([]) or 0


if __name__ == "__main__":
    sys.exit(main())
