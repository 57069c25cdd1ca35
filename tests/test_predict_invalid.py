"""The ``invalid=`` policy of clean_texts / clean_frame: one bad value need not fail a batch."""

import math

import pandas as pd
import pytest

from newsclean import PublisherMemory, clean_frame, clean_texts
from tests.test_predict import NEWSLETTER_BOX, STORY, article

BAD_VALUES = [None, float("nan"), b"bytes, not text", 42]


def test_default_raises_naming_the_position_and_the_way_out(tiny_model):
    expected = r"texts\[1\] must be str, got NoneType \(pass invalid='keep'"
    with pytest.raises(TypeError, match=expected):
        clean_texts([article(STORY), None], model=tiny_model)


@pytest.mark.parametrize("policy", ["ignore", "drop", None, "KEEP"])
def test_unknown_policy_is_refused(tiny_model, policy):
    with pytest.raises(ValueError, match="invalid must be one of"):
        clean_texts([article(STORY)], model=tiny_model, invalid=policy)
    with pytest.raises(ValueError, match="invalid must be one of"):
        clean_frame(pd.DataFrame({"text": ["x"]}), model=tiny_model, invalid=policy)


def test_keep_passes_bad_values_through_and_cleans_the_rest_as_alone(tiny_model):
    good = [article(STORY, NEWSLETTER_BOX), "", article(NEWSLETTER_BOX, STORY)]
    # bad values between and around the good ones: the scores must stay with their own rows
    mixed = [BAD_VALUES[0], good[0], BAD_VALUES[1], good[1], BAD_VALUES[2], good[2], BAD_VALUES[3]]
    alone = clean_texts(good, model=tiny_model, annotate=True)
    results = clean_texts(mixed, model=tiny_model, annotate=True, invalid="keep")
    assert [r.valid for r in results] == [False, True, False, True, False, True, False]
    for value, result in zip(mixed[::2], results[::2]):
        assert result.text is value
        assert (result.n_paragraphs, result.n_removed, result.chars_removed) == (0, 0, 0)
        assert result.paragraphs == []
    assert results[1::2] == alone
    assert alone[0].n_removed > 0  # the tiny model does remove something here


def test_keep_with_a_publisher_memory(tiny_model):
    memory = PublisherMemory(min_support=2, floor=0.0)
    memory.update([article(STORY, NEWSLETTER_BOX)] * 3, ["valley.example"] * 3)
    texts = [None, article(STORY, NEWSLETTER_BOX)]
    domains = [None, "valley.example"]
    results = clean_texts(texts, model=tiny_model, memory=memory, domains=domains, invalid="keep")
    expected = clean_texts(texts[1:], model=tiny_model, memory=memory, domains=domains[1:])[0]
    assert results[0].text is None and not results[0].valid
    assert results[1] == expected


def test_clean_frame_default_names_the_row_and_the_way_out(tiny_model):
    df = pd.DataFrame({"text": [article(STORY), None]}, index=["a", "b"])
    with pytest.raises(TypeError, match=r"text\['b'\] is missing .* pass invalid='keep'"):
        clean_frame(df, model=tiny_model)


def test_clean_frame_keep_leaves_bad_rows_unchanged(tiny_model):
    texts = [article(STORY, NEWSLETTER_BOX), None, float("nan"), 7, ""]
    df = pd.DataFrame({"id": [10, 11, 12, 13, 14], "text": pd.Series(texts, dtype=object)})
    out = clean_frame(df, model=tiny_model, annotate=True, invalid="keep")
    assert out["id"].tolist() == [10, 11, 12, 13, 14]
    assert out.loc[0, "text"] == clean_texts([texts[0]], model=tiny_model)[0].text
    assert out.loc[1, "text"] is None
    assert math.isnan(out.loc[2, "text"])
    assert out.loc[3, "text"] == 7
    assert out.loc[4, "text"] == ""
    notes = out["text_paragraphs"].tolist()
    assert notes[1] is None and notes[2] is None and notes[3] is None
    assert notes[4] == [] and len(notes[0]) == len(STORY) + len(NEWSLETTER_BOX)
    assert out["text"].map(lambda v: isinstance(v, str)).sum() == 2  # the documented count
