"""Appeal implants: where blocks go, how implanted lines are marked, and the pool review."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from newsclean.training import augment
from newsclean.training.augment import (
    IMPLANT,
    IMPLANT_OTHER,
    REVIEW_CATEGORIES,
    implant_blocks,
    is_implanted,
    line_category,
    load_pools,
    pool_review,
)
from newsclean.training.train import _xy

APPEAL = "Our reporting is free because readers like you chip in every month."
OTHER = "Company news and annual figures"
BUTTON = "Give now"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@pytest.fixture
def review(monkeypatch):
    """A review that knows the test's own lines."""
    lines = {_key(APPEAL): "appeal", _key(OTHER): "other", _key(BUTTON): "appeal"}
    monkeypatch.setattr(augment, "pool_review", lambda: lines)


def _articles(n_articles: int, n_paragraphs: int) -> pd.DataFrame:
    rows = [
        {
            "article_id": f"a{a}",
            "position": p,
            "text": f"Story {a} paragraph {p} tells what the council decided.",
            "label": "editorial",
            "domain": f"site{a}.example",
            "dataset": "fundus",
            "relabel": "",
            "split": "train",
        }
        for a in range(n_articles)
        for p in range(n_paragraphs)
    ]
    return pd.DataFrame(rows)


def test_every_eligible_article_gets_one_block_of_pool_lines(review):
    table = _articles(4, 6)
    pool = {"appeal": [APPEAL, OTHER], "button": [BUTTON]}
    out = implant_blocks(table, pool, 1.0, np.random.default_rng(0), appeal_lines=(2, 2))
    for article_id, article in out.groupby("article_id"):
        implanted = article[is_implanted(article["dataset"])]
        assert set(implanted["text"]) >= {APPEAL, OTHER}
        assert set(implanted["text"]) <= {APPEAL, OTHER, BUTTON}
        assert (implanted["label"] == "boilerplate").all()
        # One contiguous block, positions renumbered, the story untouched and in order.
        where = np.flatnonzero(is_implanted(article["dataset"]))
        assert (np.diff(where) == 1).all()
        assert article["position"].tolist() == list(range(len(article)))
        story = article.loc[~is_implanted(article["dataset"]), "text"].tolist()
        assert story == table.loc[table["article_id"] == article_id, "text"].tolist()


def test_lines_reviewed_as_other_boilerplate_are_counted_apart(review):
    table = _articles(3, 5)
    pool = {"appeal": [APPEAL, OTHER], "button": []}
    out = implant_blocks(table, pool, 1.0, np.random.default_rng(1), appeal_lines=(2, 2))
    dataset = dict(zip(out["text"], out["dataset"]))
    assert dataset[APPEAL] == IMPLANT
    assert dataset[OTHER] == IMPLANT_OTHER


def test_short_articles_and_unlucky_draws_pass_unchanged(review):
    table = _articles(2, 2)  # fewer editorial paragraphs than a block needs
    pool = {"appeal": [APPEAL], "button": [BUTTON]}
    out = implant_blocks(table, pool, 1.0, np.random.default_rng(0))
    pd.testing.assert_frame_equal(out.reset_index(drop=True), table)
    none = implant_blocks(_articles(3, 6), pool, 0.0, np.random.default_rng(0))
    assert not is_implanted(none["dataset"]).any()


def test_both_kinds_of_implant_take_the_implant_weight():
    part = _articles(1, 3).assign(dataset=["fundus", IMPLANT, IMPLANT_OTHER])
    _, _, weight = _xy(part, implant_weight=3.0)
    assert weight.tolist() == [1.0, 3.0, 3.0]


def test_unreviewed_lines_count_as_appeals(review):
    assert line_category("A line nobody has reviewed") == "appeal"
    assert line_category(OTHER) == "other"


def test_the_committed_review_is_well_formed():
    review = pool_review()
    assert len(review) > 1000
    assert set(review.values()) <= set(REVIEW_CATEGORIES)
    assert all(re.fullmatch(r"[0-9a-f]{16}", key) for key in review)


def test_pools_hold_no_line_reviewed_as_story_and_every_line_is_reviewed(shared_data):
    pools = load_pools(shared_data, seed=0)
    review = pool_review()
    lines = [line for split in pools.values() for kind in split.values() for line in kind]
    assert lines
    categories = [review.get(_key(line)) for line in lines]
    assert None not in categories, "a pool line is missing from training/pool_review.csv"
    assert "story" not in categories
