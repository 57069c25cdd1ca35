"""Review the candidate block lines: dump them block by block, then turn decisions into review.csv.

    python -m benchmarks.blocks.review dump --split test      # benchmarks/work/review_test.txt
    python -m benchmarks.blocks.review apply                  # data/blocks/review.csv

Identical blocks of one publisher (the same lines in the same order, e.g. a sidebar on every test
page of a site) are shown once as a *group* with a stable id (``g`` + 8 hex digits of the SHA-256
of the publisher and the lines). A reviewer reads each group whole and writes one decision line
per group in ``benchmarks/work/decisions/*.txt``::

    g1a2b3c4d a:newsletter 0=n:navigation 4,5=n:legal  # optional comment, kept as the note

The first item is the label of every line of the group (``a:<kind>`` appeal, ``n:<reason>`` not,
``s:reserved`` left out because the text is credited to a reserved publisher); ``i=...`` items
override lines by their index in the group. ``apply`` expands each decision to every
occurrence of the group and writes ``data/blocks/review.csv`` (hashes, labels, provenance; no text).
Groups without a decision are not in the review.

The review grows: ``apply`` keeps every row already in ``data/blocks/review.csv`` as it is and
adds rows only for lines it lacks, so a review round needs only its own decision files, and
``dump --unreviewed`` writes only the blocks with a line the review lacks (e.g. a new source's).
"""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

import pandas as pd

from .build import (
    APPEAL_KINDS,
    NOT_REASONS,
    PROSE_WORDS,
    REVIEW,
    REVIEW_COLUMNS,
    WORK,
    read_review,
)

DECISIONS = WORK / "decisions"
REVIEWER = "model-assisted: Claude (Anthropic), read in its block"
_ITEM = re.compile(r"^(?:(?P<lines>\d+(?:,\d+)*)=)?(?P<label>[ans]):(?P<kind>\w+)$")
#: ``s:reserved`` leaves a line out of the review (and so out of every reviewed set): a line
#: whose text is credited to a reserved publisher, e.g. a teaser of a syndicated article.
SKIP_REASONS = ("reserved",)
KEYS = ["source_repo", "path", "block_id"]
LINE_KEYS = [*KEYS, "line_in_block"]


def group_blocks(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per block occurrence with its group id and the group's lines."""
    blocks = (
        lines.sort_values([*KEYS, "line_in_block"])
        .groupby(KEYS, sort=False)
        .agg(domain=("domain", "first"), split=("split", "first"), texts=("text", tuple))
        .reset_index()
    )
    blocks["group"] = [
        "g" + hashlib.sha256("\n".join((d, *t)).encode()).hexdigest()[:8]
        for d, t in zip(blocks["domain"], blocks["texts"])
    ]
    return blocks


def dump(lines: pd.DataFrame, split: str, out: Path, skip: frozenset[str] = frozenset()) -> int:
    """Write the groups of one split for reading, except those in ``skip``; returns their number."""
    blocks = group_blocks(lines[lines["split"] == split])
    blocks = blocks[~blocks["group"].isin(skip)]
    rules = lines.drop_duplicates(KEYS).set_index(KEYS)[["selector_rule", "kind_guess"]]
    blocks = blocks.join(rules, on=KEYS)
    seen = blocks.drop_duplicates("group").sort_values(["domain", "path", "block_id"])
    counts = blocks["group"].value_counts()
    with out.open("w", encoding="utf-8") as handle:
        for row in seen.itertuples(index=False):
            handle.write(
                f"## {row.group} {row.domain} | {row.selector_rule} | {row.kind_guess} "
                f"| x{counts[row.group]}\n"
            )
            for index, text in enumerate(row.texts):
                star = "*" if len(text.split()) >= PROSE_WORDS else " "
                handle.write(f"{index:3d}{star} {text}\n")
    return len(seen)


def read_decisions(paths: list[Path]) -> dict[str, tuple[dict, str]]:
    """group -> (decided lines, note) from decision files; a group decided twice is an error."""
    decisions: dict[str, tuple[dict, str]] = {}
    for path in paths:
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#"):
                group, decided, note = parse_decision(raw)
                if group in decisions:
                    raise ValueError(f"{path}: a second decision for {group}")
                decisions[group] = (decided, note)
    return decisions


def parse_decision(line: str) -> tuple[str, dict[int | None, tuple[str, str]], str]:
    """``group``, {line index or None for the default: (label, kind)}, note of one decision line.

    Examples
    --------
    >>> parse_decision("g0000abcd a:teaser 2,3=n:navigation # menu at the end")
    ('g0000abcd', {None: ('appeal', 'teaser'), 2: ('not', 'navigation'), 3: ('not', 'navigation')}, 'menu at the end')
    """  # noqa: E501
    body, _, note = line.partition("#")
    group, *items = body.split()
    decided: dict[int | None, tuple[str, str]] = {}
    for item in items:
        match = _ITEM.match(item)
        if not match:
            raise ValueError(f"decision for {group}: cannot read {item!r}")
        label = {"a": "appeal", "n": "not", "s": "skip"}[match["label"]]
        kind = match["kind"]
        allowed = {"appeal": APPEAL_KINDS, "not": NOT_REASONS, "skip": SKIP_REASONS}[label]
        if kind not in allowed:
            raise ValueError(f"decision for {group}: {label} kind {kind!r} not in {allowed}")
        for index in match["lines"].split(",") if match["lines"] else [None]:
            decided[None if index is None else int(index)] = (label, kind)
    return group, decided, note.strip()


def apply(
    lines: pd.DataFrame, decision_files: list[Path], existing: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The review: the ``existing`` rows unchanged, then the rows of every decided group
    occurrence the existing review lacks, in corpus order.

    Parameters
    ----------
    lines : DataFrame
        The candidate lines (``blocks.parquet``).
    decision_files : list of Path
        Decision files (see the module docstring).
    existing : DataFrame, optional
        The review so far (``review.csv``); a line it already has keeps its row even when a
        decision of this round covers it (an earlier reviewed occurrence of the same group).
    """
    decisions = read_decisions(decision_files)
    grouped = group_blocks(lines)
    sizes = grouped.drop_duplicates("group").set_index("group")["texts"].map(len)
    for group, (decided, _) in decisions.items():
        beyond = [i for i in decided if i is not None and i >= sizes.get(group, 0)]
        if beyond:
            raise ValueError(f"decision for {group} names lines {beyond} it does not have")
    blocks = grouped.set_index(KEYS)["group"]
    merged = lines.join(blocks, on=KEYS)
    rows = []
    unknown = set(decisions) - set(blocks)
    if unknown:
        raise ValueError(f"decisions for groups not in the corpus: {sorted(unknown)[:5]}")
    for row in merged.itertuples(index=False):
        if row.group not in decisions:
            continue
        decided, note = decisions[row.group]
        label, kind = decided.get(row.line_in_block) or decided.get(None, (None, None))
        if label is None:
            raise ValueError(f"decision for {row.group} gives no label to line {row.line_in_block}")
        if label == "skip":
            continue
        rows.append(
            {
                "source_repo": row.source_repo,
                "path": row.path,
                "block_id": row.block_id,
                "line_in_block": row.line_in_block,
                "text_sha": row.text_sha,
                "domain": row.domain,
                "split": row.split,
                "label": label,
                "kind": kind,
                "reviewer": REVIEWER,
                "note": note,
            }
        )
    added = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    if existing is None or existing.empty:
        return added
    added = added[~_line_keys(added).isin(set(_line_keys(existing)))]
    return pd.concat([existing[REVIEW_COLUMNS], added], ignore_index=True)


def _line_keys(frame: pd.DataFrame) -> pd.Series:
    """One hashable key per line: source, path, block and line in block."""
    return pd.Series(list(zip(*(frame[key] for key in LINE_KEYS))), index=frame.index, dtype=object)


def unreviewed_blocks(lines: pd.DataFrame, review: pd.DataFrame) -> pd.DataFrame:
    """The lines of every block that has at least one line the review lacks."""
    missing = lines[~_line_keys(lines).isin(set(_line_keys(review)))]
    blocks = set(zip(*(missing[key] for key in KEYS)))
    return lines[[key in blocks for key in zip(*(lines[key] for key in KEYS))]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.blocks.review")
    commands = parser.add_subparsers(dest="command", required=True)
    dump_parser = commands.add_parser("dump", help="write one split's groups for reading")
    dump_parser.add_argument("--split", choices=("train", "validation", "test"), required=True)
    dump_parser.add_argument(
        "--undecided", action="store_true", help="only groups without a decision yet"
    )
    dump_parser.add_argument(
        "--unreviewed",
        action="store_true",
        help="only blocks with a line data/blocks/review.csv lacks",
    )
    commands.add_parser("apply", help="write data/blocks/review.csv from the decisions")
    args = parser.parse_args(argv)
    lines = pd.read_parquet(WORK / "blocks.parquet")
    existing = read_review(REVIEW) if REVIEW.exists() else None
    if args.command == "dump":
        out = WORK / f"review_{args.split}.txt"
        if args.unreviewed and existing is not None:
            lines = unreviewed_blocks(lines, existing)
        skip = (
            frozenset(read_decisions(sorted(DECISIONS.glob("*.txt"))))
            if args.undecided
            else frozenset()
        )
        print(f"{dump(lines, args.split, out, skip)} groups written to {out}")
        return 0
    review = apply(lines, sorted(DECISIONS.glob("*.txt")), existing)
    REVIEW.parent.mkdir(parents=True, exist_ok=True)
    review.to_csv(REVIEW, index=False)
    print(f"{len(review)} review rows written to {REVIEW}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
