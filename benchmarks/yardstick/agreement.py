"""How far a blind second review of part of the yardstick agrees with the first review.

    python -m benchmarks.yardstick.agreement

The second pass (``training/reviewed/second_pass.csv``) covers a random sample of news articles
(:func:`second_pass_sample`: seed 21, 40 test and 20 validation articles, pages in
``not_news.csv`` left out), reviewed line by line without looking at the first review. This joins
it to the first review by ``doc_id``, ``position`` and ``text_sha`` (a row whose text does not
match is refused, never compared) and writes, per split, raw agreement, Cohen's kappa (with
``either`` as its own class, and with ``either`` rows dropped), a confusion table, agreement on
``kind`` where both call a line boilerplate, and every disagreement, to
``benchmarks/results/yardstick_agreement.md`` and ``.json``.

Disagreements where the first review was clearly wrong were corrected in ``review/*.csv``: such a
row's ``reviewer`` ends with :data:`CORRECTED_SUFFIX` and its ``note`` starts with
``second pass: was <label>[/<kind>];``. The agreement is measured against the first review as it
was (:func:`first_review_as_made` undoes the corrections) and again after the corrections.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.yardstick import (
    REVIEW_DIR,
    REVIEW_LABELS,
    REVIEWED,
    ReviewError,
    article_paragraphs,
    check_review_rows,
    not_news,
    read_review_file,
    read_reviews,
    yardstick_articles,
)
from sklearn.metrics import cohen_kappa_score

from benchmarks.yardstick.select_articles import REPO

SECOND_PASS_FILE = REVIEWED / "second_pass.csv"
RESULTS = REPO / "benchmarks" / "results" / "yardstick_agreement"
#: Seed and size per split of the articles the second pass reviews.
SAMPLE_SEED = 21
SAMPLE_SIZES = {"test": 40, "validation": 20}
#: How many articles each split had when the sample was drawn. The article choice is
#: prefix-stable, so articles added later (numbered from here on) stay out of the pool and the
#: draw does not change.
SAMPLED_FROM = {"test": 230, "validation": 150}
REVIEWER = (
    "model-assisted: Claude (Anthropic), blind second pass, whole article read against LABELS.md"
)
#: Appended to the ``reviewer`` of a first-review row the second pass corrected.
CORRECTED_SUFFIX = "; corrected in second pass"
_WAS = re.compile(r"^second pass: was (?P<label>[a-z]+)(?:/(?P<kind>[a-z_]+))?;")
SECOND_PASS_COLUMNS = ("doc_id", "position", "text_sha", "label", "kind", "reviewer", "note")


def second_pass_sample(
    articles: pd.DataFrame | None = None,
    excluded: set[str] | None = None,
    seed: int = SAMPLE_SEED,
    sizes: dict[str, int] | None = None,
) -> pd.DataFrame:
    """The articles the second pass reviews: a seeded random sample per split.

    Within each split the news articles among the first :data:`SAMPLED_FROM` (``excluded``
    pages, by default ``not_news.csv``, left out) are sorted by ``doc_id`` and drawn without
    replacement by one ``numpy.random.default_rng(seed)``, test first, so the sample does not
    depend on the order of ``articles.csv``.

    Returns
    -------
    pandas.DataFrame
        ``split``, ``number`` (the article's number within its split, as in the paragraph
        dump's file names) and ``doc_id``, in split then ``doc_id`` order.
    """
    chosen = yardstick_articles() if articles is None else articles
    skip = not_news() if excluded is None else excluded
    chosen = chosen.assign(number=chosen.groupby("split").cumcount())
    rng = np.random.default_rng(seed)
    parts = []
    for split, size in (sizes or SAMPLE_SIZES).items():
        pool = chosen[
            (chosen["split"] == split)
            & (chosen["number"] < SAMPLED_FROM[split])
            & ~chosen["doc_id"].isin(skip)
        ]
        pool = pool.sort_values("doc_id").reset_index(drop=True)
        drawn = rng.choice(len(pool), size=size, replace=False)
        parts.append(pool.iloc[np.sort(drawn)])
    return pd.concat(parts, ignore_index=True)[["split", "number", "doc_id"]]


def read_second_pass(path: Path = SECOND_PASS_FILE) -> pd.DataFrame:
    """The second pass's rows, checked for their columns, vocabulary and duplicates."""
    rows = check_review_rows(read_review_file(path, SECOND_PASS_COLUMNS))
    return rows.drop(columns="file")


def first_review_as_made(first: pd.DataFrame) -> pd.DataFrame:
    """The first review with the second pass's corrections undone (label and kind from the
    ``second pass: was <label>[/<kind>];`` note of every corrected row)."""
    first = first.copy()
    corrected = first["reviewer"].str.endswith(CORRECTED_SUFFIX)
    for index in first.index[corrected]:
        found = _WAS.match(first.at[index, "note"])
        if found is None:
            row = first.loc[index]
            raise ReviewError(
                f"{row['doc_id']} position {row['position']}: corrected in the second pass but "
                "its note does not start with 'second pass: was <label>[/<kind>];'"
            )
        first.at[index, "label"] = found["label"]
        first.at[index, "kind"] = found["kind"] or ""
    return first


def join_reviews(second: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """Pair every second-pass row with the first review's row for the same line.

    Raises
    ------
    ReviewError
        If a second-pass row has no first-review row, or the two rows' ``text_sha`` differ
        (they would describe different text).
    """
    joined = second.merge(
        first[["doc_id", "position", "text_sha", "label", "kind"]],
        on=["doc_id", "position"],
        how="left",
        suffixes=("_second", "_first"),
        validate="one_to_one",
    )
    orphan = joined["label_first"].isna()
    if orphan.any():
        row = joined[orphan].iloc[0]
        raise ReviewError(
            f"{int(orphan.sum())} second-pass rows have no first-review row, first "
            f"{row['doc_id']} position {row['position']}"
        )
    stale = joined["text_sha_second"] != joined["text_sha_first"]
    if stale.any():
        row = joined[stale].iloc[0]
        raise ReviewError(
            f"{int(stale.sum())} second-pass rows describe other text than the first review, "
            f"first {row['doc_id']} position {row['position']} (text_sha "
            f"{row['text_sha_second']} vs {row['text_sha_first']})"
        )
    return joined.rename(columns={"text_sha_second": "text_sha"}).drop(columns="text_sha_first")


def agreement(joined: pd.DataFrame) -> dict:
    """Agreement between the two reviews of the joined lines (:func:`join_reviews`).

    Returns
    -------
    dict
        ``lines``, ``raw_agreement``, ``kappa`` (three classes), ``lines_without_either`` and
        ``kappa_without_either`` (lines either review calls ``either`` dropped), ``confusion``
        (first review's label → second pass's label → lines), ``both_boilerplate`` and
        ``kind_agreement`` among them, ``disagreements`` on the label and
        ``kind_disagreements`` among lines both call boilerplate (one dict per line).
    """
    first, second = joined["label_first"], joined["label_second"]
    decided = (first != "either") & (second != "either")
    both = (first == "boilerplate") & (second == "boilerplate")
    confusion = pd.crosstab(first, second).reindex(
        index=list(REVIEW_LABELS), columns=list(REVIEW_LABELS), fill_value=0
    )
    differ = joined[first != second]
    kind_differ = joined[both & (joined["kind_first"] != joined["kind_second"])]
    return {
        "lines": len(joined),
        "raw_agreement": float((first == second).mean()),
        "kappa": _kappa(first, second),
        "lines_without_either": int(decided.sum()),
        "kappa_without_either": _kappa(first[decided], second[decided]),
        "confusion": {
            a: {b: int(confusion.at[a, b]) for b in REVIEW_LABELS} for a in confusion.index
        },
        "both_boilerplate": int(both.sum()),
        "kind_agreement": (
            float((joined.loc[both, "kind_first"] == joined.loc[both, "kind_second"]).mean())
            if both.any()
            else None
        ),
        "disagreements": _listed(differ),
        "kind_disagreements": _listed(kind_differ),
    }


def _listed(rows: pd.DataFrame) -> list[dict]:
    """One dict per line: ``doc_id``, ``position``, both labels and the text's first 80 chars."""
    return [
        {
            "doc_id": r.doc_id,
            "position": int(r.position),
            "first": _label_kind(r.label_first, r.kind_first),
            "second": _label_kind(r.label_second, r.kind_second),
            "text": r.text[:80] if "text" in rows.columns else "",
        }
        for r in rows.itertuples(index=False)
    ]


def _kappa(first: pd.Series, second: pd.Series) -> float | None:
    """Cohen's kappa, or ``None`` where it is undefined (no lines, or one class only)."""
    if len(first) == 0 or len(set(first) | set(second)) < 2:
        return None
    return float(cohen_kappa_score(first, second))


def _label_kind(label: str, kind: str) -> str:
    return f"{label}/{kind}" if kind else label


def corrections(first: pd.DataFrame, as_made: pd.DataFrame) -> pd.DataFrame:
    """The rows the second pass corrected: ``doc_id``, ``position``, ``was``, ``now``."""
    changed = first["reviewer"].str.endswith(CORRECTED_SUFFIX)
    return pd.DataFrame(
        {
            "doc_id": first.loc[changed, "doc_id"],
            "position": first.loc[changed, "position"],
            "was": [_label_kind(r.label, r.kind) for r in as_made[changed].itertuples()],
            "now": [_label_kind(r.label, r.kind) for r in first[changed].itertuples()],
        }
    ).reset_index(drop=True)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def report_markdown(results: dict) -> str:
    """The agreement report as Markdown (one section per split)."""
    lines = [
        "# Blind second review of the reviewed yardstick (issue 21)",
        "",
        f"`python -m benchmarks.yardstick.agreement`. Sample: {results['sample']}. Second pass: "
        f"{results['reviewer']}. Kappa is scikit-learn's `cohen_kappa_score`.",
        "",
        "| split | compared against | lines | raw agreement | kappa | lines without either | "
        "kappa without either | both boilerplate | kind agreement |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for split, stages in results["splits"].items():
        for stage, name in (("as_made", "first review as made"), ("after", "after corrections")):
            r = stages[stage]
            lines.append(
                f"| {split} | {name} | {r['lines']} | {_fmt(r['raw_agreement'])} | "
                f"{_fmt(r['kappa'])} | {r['lines_without_either']} | "
                f"{_fmt(r['kappa_without_either'])} | {r['both_boilerplate']} | "
                f"{_fmt(r['kind_agreement'])} |"
            )
    for split, stages in results["splits"].items():
        r = stages["as_made"]
        lines += [
            "",
            f"## {split}",
            "",
            "Confusion (rows: first review as made; columns: second pass):",
            "",
        ]
        lines += ["| first \\ second | " + " | ".join(REVIEW_LABELS) + " |", "|---|---:|---:|---:|"]
        for label, row in r["confusion"].items():
            lines.append(f"| {label} | " + " | ".join(str(row[b]) for b in REVIEW_LABELS) + " |")
        fixes = stages["corrections"]
        lines += ["", f"Corrected in the first review: {len(fixes)} lines.", ""]
        if fixes:
            lines += ["| doc_id | position | was | now |", "|---|---:|---|---|"]
            lines += [
                f"| {f['doc_id']} | {f['position']} | {f['was']} | {f['now']} |" for f in fixes
            ]
            lines.append("")
        for key, what in (("disagreements", "label"), ("kind_disagreements", "kind")):
            lines += [
                f"Disagreements on the {what} with the first review as made ({len(r[key])}):",
                "",
            ]
            lines += [*_disagreement_table(r[key]), ""]
    return "\n".join(lines) + "\n"


def _disagreement_table(rows: list[dict]) -> list[str]:
    table = [
        "| doc_id | position | first | second | text (first 80 chars) |",
        "|---|---:|---|---|---|",
    ]
    for d in rows:
        text = d["text"].replace("|", "\\|")
        table.append(f"| {d['doc_id']} | {d['position']} | {d['first']} | {d['second']} | {text} |")
    return table


def compare(
    data: Path,
    second_path: Path = SECOND_PASS_FILE,
    review_dir: Path | None = None,
    sample: pd.DataFrame | None = None,
) -> dict:
    """Everything the report shows, per split: agreement with the first review as made and
    after the second pass's corrections, and the corrections."""
    second = read_second_pass(second_path)
    chosen = second_pass_sample() if sample is None else sample
    if set(second["doc_id"]) != set(chosen["doc_id"]):
        raise ReviewError(
            f"{Path(second_path).name} does not cover exactly the sampled articles: "
            f"{sorted(set(second['doc_id']) ^ set(chosen['doc_id']))[:3]}"
        )
    first = read_reviews(REVIEW_DIR if review_dir is None else review_dir)
    first = first[first["doc_id"].isin(chosen["doc_id"])].reset_index(drop=True)
    as_made = first_review_as_made(first)
    text = article_paragraphs(Path(data))[["doc_id", "position", "text"]]
    split_of = dict(zip(chosen["doc_id"], chosen["split"], strict=True))
    splits = {}
    for split in SAMPLE_SIZES:
        ours = second[second["doc_id"].map(split_of) == split]
        ours = ours.merge(text, on=["doc_id", "position"], how="left")
        fixes = corrections(first, as_made)
        splits[split] = {
            "as_made": agreement(join_reviews(ours, as_made)),
            "after": agreement(join_reviews(ours, first)),
            "corrections": fixes[fixes["doc_id"].map(split_of) == split].to_dict("records"),
        }
    return {
        "sample": f"seed {SAMPLE_SEED}, "
        + ", ".join(f"{n} {s}" for s, n in SAMPLE_SIZES.items())
        + " news articles",
        "reviewer": REVIEWER,
        "splits": splits,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = compare(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    report = report_markdown(results)
    args.out.with_suffix(".md").write_text(report, encoding="utf-8")
    print(report.split("\n## ")[0])


if __name__ == "__main__":
    main()
