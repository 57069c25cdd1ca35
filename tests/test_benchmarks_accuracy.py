"""The appeal evaluation's per-article view of the story paragraphs a method removes."""

from __future__ import annotations

import math

import numpy as np

from benchmarks.accuracy import story_losses


def test_story_losses_counts_articles_and_finds_the_worst():
    articles = np.array(["list-page"] * 6 + ["story-1"] * 3 + ["story-2"] * 2 + ["story-3"])
    removed = np.zeros(len(articles), dtype=bool)
    removed[[0, 1, 2, 3]] = True  # four lines of the list page
    removed[6] = True  # one paragraph of story-1
    losses = story_losses(articles, removed)
    assert losses["articles_all_story_kept"] == 0.5  # story-2 and story-3 of four articles
    assert losses["worst_article"] == "list-page"
    assert losses["worst_article_share"] == 0.8


def test_story_losses_when_nothing_or_no_story_is_removed():
    articles = np.array(["a", "a", "b"])
    assert story_losses(articles, np.zeros(3, dtype=bool)) == {
        "articles_all_story_kept": 1.0,
        "worst_article": None,
        "worst_article_share": 0.0,
    }
    empty = story_losses(np.array([], dtype=object), np.array([], dtype=bool))
    assert math.isnan(empty["articles_all_story_kept"]) and empty["worst_article"] is None
