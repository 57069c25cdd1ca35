"""The reviewed yardstick: news articles from publishers no model trains on, every line reviewed.

The files live beside this module in ``reviewed/`` (see its README): the publishers reserved for
independent evaluation, the chosen articles, and one review row per paragraph. The text itself is
not shipped: it is joined from the shared data by ``doc_id`` and ``position``, and every review row
carries a SHA-256 of the line it was made for, so a changed source cannot silently shift labels.

Every publisher of the yardstick, and every reserved one, is withheld from training whatever the
split seed (:func:`withheld_publishers`); a model's operating threshold is chosen on the reviewed
validation articles (:func:`choose_operating_threshold`), never on the noisy source labels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.evaluate import TARGET_EDITORIAL_RECALL, choose_threshold, evaluate

REVIEWED = Path(__file__).resolve().parent / "reviewed"
RESERVED_FILE = REVIEWED / "reserved_publishers.txt"
ARTICLES_FILE = REVIEWED / "articles.csv"
REVIEW_DIR = REVIEWED / "review"
NOT_NEWS_FILE = REVIEWED / "not_news.csv"

#: Editorial-recall target of each operating point, met on the reviewed validation articles.
OPERATING_POINTS = {"precise": 0.999, "balanced": 0.995, "aggressive": 0.98}
#: The reviewed labels; ``either`` is left out of scoring, as LABELS.md says.
REVIEW_LABELS = ("editorial", "boilerplate", "either")
#: The kinds of boilerplate that are appeals and teasers (the appeal-block corpus's kinds).
APPEAL_KINDS = (
    "donation",
    "subscription",
    "newsletter",
    "registration",
    "app_follow_share",
    "teaser",
)
#: The kinds of boilerplate a reviewer assigns (README in ``reviewed/``).
KINDS = (
    *APPEAL_KINDS,
    "navigation",
    "legal",
    "ad",
    "comment",
    "meta",
    "other",
)
REVIEW_COLUMNS = [
    "doc_id",
    "position",
    "text_sha",
    "source_label",
    "label",
    "kind",
    "changed",
    "reviewer",
    "note",
]


class ReviewError(ValueError):
    """A review file that does not describe the shared data it is joined to."""


def text_sha(text: str) -> str:
    """First 16 hex digits of the SHA-256 of a paragraph's UTF-8 bytes.

    Examples
    --------
    >>> text_sha("Read more")
    '83b794145c0cc3f5'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _domain_lines(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def reserved_publishers(path: Path = RESERVED_FILE) -> set[str]:
    """The registered domains reserved for independent evaluation: no text may come from them."""
    return _domain_lines(path)


def yardstick_articles(path: Path = ARTICLES_FILE) -> pd.DataFrame:
    """The chosen articles: ``split``, ``doc_id``, ``dataset``, ``domain`` and
    ``n_paragraphs_extracted``."""
    return pd.read_csv(path, dtype={"doc_id": str, "domain": str, "split": str})


def not_news() -> set[str]:
    """``doc_id`` of chosen pages the review found are not news articles (``not_news.csv``)."""
    return set(pd.read_csv(NOT_NEWS_FILE, dtype=str)["doc_id"])


def withheld_publishers() -> set[str]:
    """Publishers no training may read: the reserved ones and the yardstick's."""
    return reserved_publishers() | set(yardstick_articles()["domain"])


def article_paragraphs(data: Path, articles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every extracted-view paragraph of the chosen articles, in order.

    Columns: ``split``, ``article`` (the article's number in ``articles.csv``), ``doc_id``,
    ``domain``, ``dataset``, ``position``, ``text``, ``source_label``, ``text_sha``.
    """
    chosen = yardstick_articles() if articles is None else articles
    table = pd.read_parquet(
        Path(data) / "extracted.parquet",
        columns=["doc_id", "domain", "dataset", "position", "text", "label"],
        filters=[("doc_id", "in", chosen["doc_id"].tolist())],
    )
    table = table.merge(chosen[["doc_id", "split"]], on="doc_id", validate="many_to_one")
    table = table.rename(columns={"label": "source_label"})
    table["text_sha"] = table["text"].map(text_sha)
    order = {doc_id: i for i, doc_id in enumerate(chosen["doc_id"])}
    table["article"] = table["doc_id"].map(order)
    return table.sort_values(["article", "position"]).reset_index(drop=True)


def has_reviews(review_dir: Path = REVIEW_DIR) -> bool:
    """Whether review files are there (an installed package ships them)."""
    return any(Path(review_dir).glob("*.csv"))


def read_review_file(path: Path, columns: tuple[str, ...] = REVIEW_COLUMNS) -> pd.DataFrame:
    """One review CSV, with its ``columns`` checked and a ``file`` column naming it."""
    rows = pd.read_csv(path, dtype={"doc_id": str, "kind": str, "note": str}, keep_default_na=False)
    missing = [c for c in columns if c not in rows.columns]
    if missing:
        raise ReviewError(f"{path.name}: missing columns {missing}")
    return rows.assign(file=path.name)


def check_review_rows(reviews: pd.DataFrame) -> pd.DataFrame:
    """Refuse review rows (with a ``file`` column) with an unknown label or kind, or two rows for
    one paragraph, naming the file and the first such row; return the rows."""
    bad_label = ~reviews["label"].isin(REVIEW_LABELS)
    bad_kind = (reviews["label"] == "boilerplate") & ~reviews["kind"].isin(KINDS)
    for mask, what in ((bad_label, "label"), (bad_kind, "kind")):
        if mask.any():
            row = reviews[mask].iloc[0]
            raise ReviewError(
                f"{row['file']}: {int(mask.sum())} rows with an unknown {what}, first "
                f"{row['doc_id']} position {row['position']}: {row[what]!r}"
            )
    duplicated = reviews.duplicated(["doc_id", "position"])
    if duplicated.any():
        row = reviews[duplicated].iloc[0]
        raise ReviewError(
            f"{row['file']}: {row['doc_id']} position {row['position']} reviewed twice"
        )
    return reviews


def read_reviews(review_dir: Path = REVIEW_DIR) -> pd.DataFrame:
    """All review rows, checked for their vocabulary and for one row per paragraph."""
    files = sorted(Path(review_dir).glob("*.csv"))
    if not files:
        raise ReviewError(f"no review files in {review_dir}")
    reviews = pd.concat([read_review_file(path) for path in files], ignore_index=True)
    return check_review_rows(reviews)


def reviewed_table(
    data: Path,
    review_dir: Path = REVIEW_DIR,
    articles: pd.DataFrame | None = None,
    *,
    news_only: bool = True,
) -> pd.DataFrame:
    """The yardstick's paragraphs with their reviewed ``label`` and ``kind``.

    Only articles whose every paragraph is reviewed are kept (a partly reviewed article would
    score as if its unreviewed lines did not exist); a review row whose ``text_sha`` does not
    match the shared data's line is an error, never a silent mislabel. With ``news_only`` the
    pages the review found are not news articles (:func:`not_news`) are left out.
    """
    paragraphs = article_paragraphs(Path(data), articles)
    reviews = read_reviews(review_dir)
    table = paragraphs.merge(
        reviews[["doc_id", "position", "text_sha", "label", "kind"]],
        on=["doc_id", "position"],
        how="left",
        suffixes=("", "_review"),
        validate="one_to_one",
    )
    reviewed = table["label"].notna()
    stale = reviewed & (table["text_sha"] != table["text_sha_review"])
    if stale.any():
        row = table[stale].iloc[0]
        raise ReviewError(
            f"{int(stale.sum())} review rows describe other text than the shared data, first "
            f"{row['doc_id']} position {row['position']}"
        )
    orphans = reviews.merge(paragraphs[["doc_id", "position"]], how="left", indicator=True)
    if (orphans["_merge"] == "left_only").any():
        row = orphans[orphans["_merge"] == "left_only"].iloc[0]
        raise ReviewError(f"review row for a paragraph not in the yardstick: {row['doc_id']}")
    complete = reviewed.groupby(table["doc_id"]).transform("all")
    keep = complete & ~(table["doc_id"].isin(not_news()) if news_only else False)
    table = table[keep].drop(columns=["text_sha_review"]).reset_index(drop=True)
    table["kind"] = table["kind"].fillna("")
    return table


def score_table(table: pd.DataFrame, model=None) -> np.ndarray:
    """The model's boilerplate score of every paragraph, through the public ``clean_texts``.

    Each article is the newline-joined text of its paragraphs, exactly what a user would pass,
    so the score is the one the product acts on.
    """
    from newsclean import clean_texts

    groups = [part for _, part in table.groupby("article", sort=True)]
    texts = ["\n".join(part["text"]) for part in groups]
    results = clean_texts(texts, model=model, annotate=True)
    scores = np.empty(len(table), dtype=np.float64)
    for part, result in zip(groups, results):
        if result.n_paragraphs != len(part):
            raise ReviewError(
                f"{part['doc_id'].iloc[0]}: {len(part)} reviewed paragraphs split into "
                f"{result.n_paragraphs} by the segmenter"
            )
        scores[part.index.to_numpy()] = [p.score for p in result.paragraphs]
    return scores


def choose_operating_threshold(
    validation: pd.DataFrame, scores: np.ndarray, editorial_recall: float = TARGET_EDITORIAL_RECALL
) -> float:
    """The lowest threshold keeping ``editorial_recall`` of the reviewed validation story lines."""
    scored = (validation["label"] != "either").to_numpy()
    is_boilerplate = (validation["label"] == "boilerplate").to_numpy()[scored]
    return choose_threshold(is_boilerplate, np.asarray(scores)[scored], editorial_recall)


def yardstick_metrics(table: pd.DataFrame, scores: np.ndarray, threshold: float) -> dict:
    """Metrics of one operating point on reviewed articles (``either`` lines left out).

    ``overall`` holds :func:`~newsclean.training.evaluate.evaluate`'s metrics (editorial recall by
    paragraphs and characters, boilerplate precision / recall / F1, articles fully clean);
    ``by_kind`` the share of each kind's boilerplate lines removed, with its count.
    """
    scored = (table["label"] != "either").to_numpy()
    part = table[scored]
    score = np.asarray(scores)[scored]
    is_boilerplate = (part["label"] == "boilerplate").to_numpy()
    overall = evaluate(
        is_boilerplate,
        score,
        threshold,
        chars=part["text"].str.len().to_numpy(),
        articles=part["doc_id"].to_numpy(),
    )
    removed = score >= threshold
    by_kind = {
        kind: {"n": int(mask.sum()), "removed": float(removed[mask].mean())}
        for kind in KINDS
        if (mask := is_boilerplate & (part["kind"] == kind).to_numpy()).any()
    }
    return {
        "threshold": float(threshold),
        "n_articles": int(part["doc_id"].nunique()),
        "n_publishers": int(part["domain"].nunique()),
        "overall": overall,
        "by_kind": by_kind,
    }


__all__ = [
    "APPEAL_KINDS",
    "KINDS",
    "OPERATING_POINTS",
    "REVIEW_LABELS",
    "ReviewError",
    "article_paragraphs",
    "check_review_rows",
    "choose_operating_threshold",
    "has_reviews",
    "not_news",
    "read_review_file",
    "read_reviews",
    "reserved_publishers",
    "reviewed_table",
    "score_table",
    "text_sha",
    "withheld_publishers",
    "yardstick_articles",
    "yardstick_metrics",
]
