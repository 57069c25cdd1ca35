"""The reviewed yardstick: joining reviews to the data, withheld publishers, metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from newsclean.training import yardstick
from newsclean.training.blocks import PLACEMENTS, implant_blocks, implant_metrics
from newsclean.training.data import load_shared
from newsclean.training.yardstick import (
    REVIEW_COLUMNS,
    ReviewError,
    choose_operating_threshold,
    reserved_publishers,
    reviewed_table,
    text_sha,
    withheld_publishers,
    yardstick_articles,
    yardstick_metrics,
)

STORY = [
    "Harbour council backs plan for a new ferry pier",
    "The council voted on Monday to fund a second pier for the island ferry.",
    "Get our weekly harbour newsletter in your inbox",
    "Work is due to start in the spring, the harbour master said.",
]
LABELS = ["editorial", "editorial", "boilerplate", "editorial"]


def _shared(tmp_path, domain="harbour-news.test"):
    """A one-article shared-data folder (extracted view and docs)."""
    rows = pd.DataFrame(
        {
            "dataset": "l3s-gn1",
            "doc_id": "l3s-gn1:a",
            "url": "https://harbour-news.test/ferry-pier",
            "domain": domain,
            "position": range(len(STORY)),
            "text": STORY,
            "label": ["boilerplate", "editorial", "editorial", "editorial"],
            "gold_suspect": False,
        }
    )
    rows.to_parquet(tmp_path / "extracted.parquet")
    pd.DataFrame({"doc_id": ["l3s-gn1:a"], "page_type": [None]}).to_parquet(
        tmp_path / "docs.parquet"
    )
    articles = pd.DataFrame(
        {"split": ["test"], "doc_id": ["l3s-gn1:a"], "dataset": ["l3s-gn1"], "domain": [domain]}
    )
    return rows, articles


def _review(rows: pd.DataFrame, labels=LABELS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": rows["doc_id"],
            "position": rows["position"],
            "text_sha": rows["text"].map(text_sha),
            "source_label": rows["label"],
            "label": labels,
            "kind": ["newsletter" if label == "boilerplate" else "" for label in labels],
            "changed": [int(a != b) for a, b in zip(labels, rows["label"])],
            "reviewer": "test",
            "note": "",
        }
    )[REVIEW_COLUMNS]


def test_reviewed_table_joins_reviews_by_position_and_hash(tmp_path):
    rows, articles = _shared(tmp_path)
    (tmp_path / "review").mkdir()
    _review(rows).to_csv(tmp_path / "review" / "test.csv", index=False)
    table = reviewed_table(tmp_path, tmp_path / "review", articles)
    assert table["label"].tolist() == LABELS
    assert table["kind"].tolist() == ["", "", "newsletter", ""]


def test_a_review_of_other_text_is_an_error(tmp_path):
    rows, articles = _shared(tmp_path)
    review = _review(rows)
    review.loc[1, "text_sha"] = text_sha("a line that was edited since the review")
    (tmp_path / "review").mkdir()
    review.to_csv(tmp_path / "review" / "test.csv", index=False)
    with pytest.raises(ReviewError, match="other text"):
        reviewed_table(tmp_path, tmp_path / "review", articles)


def test_a_partly_reviewed_article_is_left_out(tmp_path):
    rows, articles = _shared(tmp_path)
    (tmp_path / "review").mkdir()
    _review(rows).iloc[:3].to_csv(tmp_path / "review" / "test.csv", index=False)
    assert reviewed_table(tmp_path, tmp_path / "review", articles).empty


@pytest.mark.parametrize(
    ("column", "value", "message"), [("label", "story", "unknown label"), ("kind", "", "kind")]
)
def test_review_vocabulary_is_checked(tmp_path, column, value, message):
    rows, articles = _shared(tmp_path)
    review = _review(rows)
    review.loc[2, column] = value
    (tmp_path / "review").mkdir()
    review.to_csv(tmp_path / "review" / "test.csv", index=False)
    with pytest.raises(ReviewError, match=message):
        reviewed_table(tmp_path, tmp_path / "review", articles)


def test_withheld_publishers_never_reach_training(tmp_path):
    withheld = withheld_publishers()
    assert reserved_publishers() <= withheld
    assert set(yardstick_articles()["domain"]) <= withheld
    assert "theguardian.com" in withheld  # an English publisher of fundus
    _shared(tmp_path, domain=sorted(reserved_publishers())[0])
    assert load_shared(tmp_path).empty
    _shared(tmp_path, domain="harbour-news.test")
    assert len(load_shared(tmp_path)) == len(STORY)


def test_metrics_leave_either_out_and_count_kinds():
    table = pd.DataFrame(
        {
            "doc_id": ["a"] * 4,
            "domain": ["x.test"] * 4,
            "text": STORY,
            "label": ["editorial", "either", "boilerplate", "editorial"],
            "kind": ["", "", "newsletter", ""],
        }
    )
    scores = np.array([0.1, 0.99, 0.8, 0.2])
    m = yardstick_metrics(table, scores, threshold=0.5)
    assert m["overall"]["n"] == 3  # the `either` line is context, not scored
    assert m["overall"]["editorial_recall"] == 1.0
    assert m["by_kind"] == {"newsletter": {"n": 1, "removed": 1.0}}
    assert m["overall"]["articles_fully_clean"] == 1.0


def test_operating_threshold_is_chosen_on_reviewed_story_lines():
    validation = pd.DataFrame({"label": ["editorial"] * 4 + ["either", "boilerplate"]})
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.95, 0.9])
    # `either` scores high but does not count: all four story lines must stay.
    threshold = choose_operating_threshold(validation, scores, editorial_recall=1.0)
    assert 0.4 < threshold <= 0.9


def _hosts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": "host",
            "domain": "harbour-news.test",
            "position": range(len(STORY) + 2),
            "text": [*STORY, "The pier will have space for two boats.", "Share this story"],
            "label": [
                "editorial",
                "editorial",
                "boilerplate",
                "editorial",
                "editorial",
                "boilerplate",
            ],
            "kind": ["", "", "newsletter", "", "", "app_follow_share"],
        }
    )


def _blocks() -> pd.DataFrame:
    lines = [
        "Support independent local news",
        "Our reporters cover the council so you do not have to sit through it.",
        "Give monthly",
        "Give once",
        "Maybe later",
    ]
    own = ["Harbour News newsletter: sign up here", "Sign up"]
    return pd.DataFrame(
        {
            "block_id": ["appeal"] * len(lines) + ["own"] * len(own),
            "line_in_block": [*range(len(lines)), *range(len(own))],
            "text": lines + own,
            "kind": "donation",
            "domain": ["other-paper.test"] * len(lines) + ["harbour-news.test"] * len(own),
        }
    )


def test_implanted_blocks_sit_where_publishers_put_them():
    variants = implant_blocks(_hosts(), _blocks(), seed=3)
    assert sorted(variants["placement"].unique()) == sorted(PLACEMENTS)
    for placement, variant in variants.groupby("placement"):
        implanted = variant["implanted"].to_numpy()
        story = (variant["label"] == "editorial").to_numpy() & ~implanted
        rows = np.flatnonzero(implanted)
        # one contiguous run, in the block's own order, never from the host's publisher
        assert (np.diff(rows) == 1).all()
        block = _blocks().set_index("text").loc[variant["text"][implanted]]
        assert (block["domain"] == "other-paper.test").all()
        assert (np.diff(block["line_in_block"]) == 1).all()
        first_story, last_story = np.flatnonzero(story)[[0, -1]]
        if placement == "top_banner":
            assert rows[0] == 0 and 1 <= len(rows) <= 3
        elif placement == "end_block":
            assert rows[0] == last_story + 1 and len(rows) == 5
        else:
            assert first_story < rows[0] and rows[-1] < last_story
            assert len(rows) == 1 if placement == "single_mid" else 2 <= len(rows) <= 4
        # the host's own lines are all there, in order
        assert variant["text"][~implanted].tolist() == _hosts()["text"].tolist()


def test_implant_metrics_count_placements_and_story_losses():
    variants = implant_blocks(_hosts(), _blocks(), seed=0)
    implanted = variants["implanted"].to_numpy()
    scores = np.where(implanted, 0.9, 0.1)
    scores[(variants["placement"] == "end_block").to_numpy() & implanted] = 0.2
    m = implant_metrics(variants, scores, threshold=0.5)
    assert m["by_placement"]["end_block"]["removed"] == 0.0
    assert m["by_placement"]["single_mid"]["removed"] == 1.0
    assert m["story_kept"] == 1.0
    assert m["blocks_fully_removed"] == 0.75


def test_pages_found_not_news_are_left_out_of_the_headline(tmp_path, monkeypatch):
    rows, articles = _shared(tmp_path)
    (tmp_path / "review").mkdir()
    _review(rows).to_csv(tmp_path / "review" / "test.csv", index=False)
    flagged = tmp_path / "not_news.csv"
    flagged.write_text(
        "doc_id,domain,reason,flagged_by\nl3s-gn1:a,harbour-news.test,a guide,test\n"
    )
    monkeypatch.setattr(yardstick, "NOT_NEWS_FILE", flagged)
    assert reviewed_table(tmp_path, tmp_path / "review", articles).empty
    everything = reviewed_table(tmp_path, tmp_path / "review", articles, news_only=False)
    assert len(everything) == len(STORY)


def test_raising_a_target_only_appends_articles():
    from benchmarks.yardstick.select_articles import choose

    pages = pd.DataFrame(
        {
            "doc_id": [f"page-{i}" for i in range(12)],
            "domain": [f"publisher-{i % 5}.test" for i in range(12)],
        }
    )
    fewer, more = choose(pages, 6), choose(pages, 9)
    assert more["doc_id"].head(6).tolist() == fewer["doc_id"].tolist()
    # every publisher gets its first article before any gets a second
    assert more["domain"].head(5).nunique() == 5


def test_validation_has_150_reviewed_news_articles():
    """Issue 21: thresholds are chosen on at least 150 reviewed validation news articles."""
    articles = yardstick_articles()
    validation = set(articles.loc[articles["split"] == "validation", "doc_id"])
    reviewed = set(yardstick.read_reviews()["doc_id"])
    assert len((validation & reviewed) - yardstick.not_news()) >= 150
