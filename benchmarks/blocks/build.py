"""Build the appeal / newsletter block corpus and its reviewed set (issue 21, section 2).

One command rebuilds both from the snapshots under ``/work/.mirror``:

    python -m benchmarks.blocks.build

1. Every page of every source (``benchmarks/blocks/sources.py``) whose publisher is known and not
   reserved (``training/reviewed/reserved_publishers.txt``) is parsed; its candidate blocks
   (class/id rules, ad-blocker annoyance selectors, a per-site extractor's ``clean`` selectors)
   are split into lines, lines found in the page's gold main content are dropped, and the rest
   are written in block order to ``benchmarks/work/blocks.parquet``.
2. ``data/blocks/review.csv`` (hashes, labels and provenance; no text) is joined to those lines by
   source, path, block and line, checking ``text_sha``; the reviewed lines with their text go to
   ``benchmarks/work/blocks_reviewed.parquet``. A review row whose line is gone or changed is
   reported and left out, never matched to other text.

Pages that cannot be used are counted by reason in ``benchmarks/work/blocks_pages.csv``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
from pathlib import Path

import pandas as pd
from newsclean.training.split import domain_split
from newsclean.training.yardstick import APPEAL_KINDS, ARTICLES_FILE, reserved_publishers

from .rules import (
    Gold,
    block_lines,
    compile_selectors,
    load_annoyance_selectors,
    parse_html,
    selector_blocks,
    text_sha,
)
from .sources import Page, all_pages

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "benchmarks" / "work"
ANNOYANCE_LIST = WORK / "fanboy_annoyance_general_hide.txt"
REVIEW = REPO / "data" / "blocks" / "review.csv"
YARDSTICK_ARTICLES = ARTICLES_FILE
SPLIT_SEED = 0
#: Lines of at least this many words are "prose" and were each reviewed on their own.
PROSE_WORDS = 15
LINE_COLUMNS = [
    "text",
    "block_id",
    "line_in_block",
    "source_repo",
    "path",
    "commit",
    "licence",
    "domain",
    "selector_rule",
    "kind_guess",
    "gold_kind",
    "text_sha",
    "n_words",
    "split",
]
REVIEW_COLUMNS = [
    "source_repo",
    "path",
    "block_id",
    "line_in_block",
    "text_sha",
    "domain",
    "split",
    "label",
    "kind",
    "reviewer",
    "note",
]
LABELS = ("appeal", "not")
#: Why a line is not an appeal: the data/yardstick kinds that are not appeals, ``story`` (text of
#: the article itself or of a caption) and ``other``.
NOT_REASONS = ("navigation", "legal", "ad", "comment", "meta", "story", "other")

#: Name parts too short or too common to say which publisher a page is from.
MIN_HINT_CHARS = 4
GENERIC_NAMES = frozenset({"news", "blog", "test", "page", "home", "mail", "daily", "times"})

log = logging.getLogger("benchmarks.blocks")


def reserved_name_hint(path: str, reserved: set[str]) -> bool:
    """True when a test page's folder or file name looks like a reserved publisher's name.

    Belt and braces for pages whose URL is unknown or wrong: ``guardian-1`` is skipped because
    ``theguardian`` contains ``guardian``.

    Examples
    --------
    >>> reserved_name_hint("test/test-pages/guardian-1/source.html", {"theguardian.com"})
    True
    >>> reserved_name_hint("test/test-pages/medium-1/source.html", {"theguardian.com"})
    False
    >>> reserved_name_hint("fixtures/news.example.com.html", {"apnews.com", "dw.com"})
    False
    """
    parts = Path(path).parts
    name = parts[-2] if parts[-1] == "source.html" else Path(parts[-1]).stem
    stem = re.sub(r"[-_.]?\d+$", "", name.lower())
    stem = re.sub(r"^www\.", "", stem).split(".")[0]
    labels = {domain.split(".")[0] for domain in reserved}
    if stem in labels:
        return True
    if len(stem) < MIN_HINT_CHARS or stem in GENERIC_NAMES:
        return False
    return any(
        stem in label or (len(label) >= MIN_HINT_CHARS and label in stem) for label in labels
    )


def reserved_brand(domain: str, reserved: set[str]) -> bool:
    """True when a domain carries a reserved publisher's name under another suffix.

    ``guardian.co.uk`` is the Guardian's old domain, ``politico.com`` shares its brand with
    ``politico.eu``: the first label, without a leading "the", is compared.

    Examples
    --------
    >>> reserved_brand("guardian.co.uk", {"theguardian.com"})
    True
    >>> reserved_brand("guardianship.org", {"theguardian.com"})
    False
    """

    def brand(name: str) -> str:
        return name.split(".")[0].removeprefix("the")

    return brand(domain) in {brand(name) for name in reserved}


def page_block_lines(page: Page, annoyance: list) -> list[dict]:
    """The candidate lines of one (already publisher-checked) page, as rows."""
    root = parse_html(page.read_html())
    extra = selector_blocks(root, annoyance, "annoyance", "other")
    clean = selector_blocks(
        root, compile_selectors(page.clean_selectors), "postlight-clean", "other"
    )
    extra.update(clean)
    content = []
    for _, selector in compile_selectors(page.content_selectors):
        content = selector(root)
        if content:  # the extractor takes its first selector that matches
            break
    gold = Gold(page.read_gold()) if page.read_gold else None
    rows = []
    for line in block_lines(root, gold=gold, extra=extra, main_content=content[:1]):
        rows.append(
            {
                "text": line.text,
                "block_id": line.block_id,
                "line_in_block": line.line_in_block,
                "source_repo": page.source.repo,
                "path": page.path,
                "commit": page.commit,
                "licence": page.source.licence,
                "domain": page.domain,
                "selector_rule": line.rule.name,
                "kind_guess": line.rule.kind_guess,
                "gold_kind": page.gold_kind,
                "text_sha": text_sha(line.text),
                "n_words": len(line.text.split()),
            }
        )
    return rows


def build_lines(reserved: set[str], annoyance: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate lines of all usable pages, and one row per page with what became of it."""
    rows, pages, seen_html = [], [], set()
    for page in all_pages():
        status, found = "used", []
        if page.domain is None:
            status = "skipped_unknown_publisher"
        elif (
            page.domain in reserved
            or reserved_brand(page.domain, reserved)
            or reserved_name_hint(page.path, reserved)
        ):
            status = "skipped_reserved"
        if status == "used":
            data = page.read_html()
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen_html:  # the same test page in two projects
                status = "skipped_duplicate_page"
            else:
                seen_html.add(digest)
                try:
                    found = page_block_lines(page, annoyance)
                except Exception as error:
                    status = f"failed: {type(error).__name__}: {error}"[:200]
                rows.extend(found)
                if status == "used" and not found:
                    status = "used_no_blocks"
        pages.append(
            {
                "source_repo": page.source.repo,
                "path": page.path,
                "domain": page.domain,
                "gold_kind": page.gold_kind,
                "status": status,
                "n_lines": len(found),
            }
        )
    lines = pd.DataFrame(rows, columns=[c for c in LINE_COLUMNS if c != "split"])
    lines["split"] = domain_split(lines["domain"], seed=SPLIT_SEED) if len(lines) else []
    return lines[LINE_COLUMNS], pd.DataFrame(pages)


def read_review(path: Path) -> pd.DataFrame:
    """The review file, checked: known columns, labels and kinds; a clear error names the row."""
    review = pd.read_csv(path, dtype={"text_sha": str, "note": str, "kind": str}).fillna(
        {"kind": "", "note": ""}
    )
    missing = set(REVIEW_COLUMNS) - set(review.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    for row_number, row in enumerate(review.itertuples(index=False), start=2):
        if row.label not in LABELS:
            raise ValueError(f"{path} line {row_number}: label {row.label!r} not in {LABELS}")
        allowed = APPEAL_KINDS if row.label == "appeal" else NOT_REASONS
        if row.kind not in allowed:
            raise ValueError(f"{path} line {row_number}: kind {row.kind!r} not in {allowed}")
    return review


def join_review(lines: pd.DataFrame, review: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reviewed lines with their text, and the review rows that no longer match a line."""
    keys = ["source_repo", "path", "block_id", "line_in_block"]
    merged = review.merge(
        lines[[*keys, "text", "text_sha", "n_words", "selector_rule", "licence", "commit"]],
        on=keys,
        how="left",
        suffixes=("", "_built"),
    )
    matched = merged["text_sha"] == merged["text_sha_built"]
    reviewed = merged.loc[matched].drop(columns="text_sha_built")
    return reviewed.reset_index(drop=True), merged.loc[~matched, [*keys, "text_sha"]]


def summarise(reviewed: pd.DataFrame) -> dict[str, object]:
    """The counts the data README reports, over the reviewed appeal lines."""
    appeal = reviewed[reviewed["label"] == "appeal"]
    prose = appeal[appeal["n_words"] >= PROSE_WORDS]
    return {
        "reviewed lines": len(reviewed),
        "appeal lines": len(appeal),
        "distinct appeal lines": appeal["text"].nunique(),
        "appeal publishers": appeal["domain"].nunique(),
        f"distinct prose appeal lines (>= {PROSE_WORDS} words)": prose["text"].nunique(),
        "distinct appeal lines per kind": appeal.groupby("kind")["text"].nunique().to_dict(),
        f"distinct prose appeal lines per kind (>= {PROSE_WORDS} words)": prose.groupby("kind")[
            "text"
        ]
        .nunique()
        .to_dict(),
        f"distinct prose appeal lines per split (>= {PROSE_WORDS} words)": prose.groupby("split")[
            "text"
        ]
        .nunique()
        .to_dict(),
        "distinct appeal lines per split": appeal.groupby("split")["text"].nunique().to_dict(),
        "appeal publishers per split": appeal.groupby("split")["domain"].nunique().to_dict(),
        "distinct appeal lines per source": appeal.groupby("source_repo")["text"]
        .nunique()
        .to_dict(),
        "appeal publishers per source": appeal.groupby("source_repo")["domain"].nunique().to_dict(),
        "reviewed lines per label and split": {
            f"{label}/{split}": int(n)
            for (label, split), n in reviewed.groupby(["label", "split"]).size().items()
        },
        "not-appeal lines per reason": reviewed.loc[reviewed["label"] == "not", "kind"]
        .value_counts()
        .to_dict(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.blocks.build", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=WORK, help="output folder (gitignored)")
    parser.add_argument(
        "--annoyance-list",
        type=Path,
        default=ANNOYANCE_LIST,
        help="ad-blocker filter list whose generic '##' selectors also mark blocks "
        "(left out when the file is absent)",
    )
    parser.add_argument("--review", type=Path, default=REVIEW)
    parser.add_argument("-v", "--verbose", action="count", default=0)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    """Build the corpus and the reviewed set; 1 when review rows no longer match, else 0."""
    logging.basicConfig(level=logging.WARNING - 10 * args.verbose, stream=sys.stderr)
    annoyance = []
    if args.annoyance_list.exists():
        annoyance = load_annoyance_selectors(args.annoyance_list)
    else:
        log.warning("no annoyance list at %s: class/id rules only", args.annoyance_list)
    lines, pages = build_lines(reserved_publishers(), annoyance)
    args.out.mkdir(parents=True, exist_ok=True)
    lines.to_parquet(args.out / "blocks.parquet", index=False)
    pages.to_csv(args.out / "blocks_pages.csv", index=False)
    print(f"{len(lines)} candidate lines from {lines['domain'].nunique()} publishers")
    print(pages["status"].str.split(":").str[0].value_counts().to_string())
    if not args.review.exists():
        return 0
    reviewed, stale = join_review(lines, read_review(args.review))
    reviewed.to_parquet(args.out / "blocks_reviewed.parquet", index=False)
    summary = summarise(reviewed)
    (args.out / "blocks_summary.json").write_text(
        json.dumps(summary, indent=1, default=int), encoding="utf-8"
    )
    for name, value in summary.items():
        print(f"{name}: {value}")
    if len(stale):
        stale.to_csv(args.out / "review_stale.csv", index=False)
        print(f"{len(stale)} review rows match no built line: see review_stale.csv")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
