import numpy as np
import pytest
from newsclean.features import (
    HashedText,
    PlaceFeatures,
    ShapeFeatures,
    VoiceFeatures,
    paragraph_table,
)
from sklearn.base import clone

ARTICLE = "\n".join(
    [
        "Support our journalism",
        "The harbour authority said on Friday that the new pier would open in June.",
        "It cost $3 million.",
        "Follow us on social media at @valleycourier",
        "Share",
    ]
)


def named(transformer, X):
    transformer.fit(X)
    return dict(zip(transformer.get_feature_names_out(), transformer.transform(X).T))


def test_shape_on_hand_written_paragraphs():
    X = paragraph_table([ARTICLE])
    f = named(ShapeFeatures(window=1), X)
    assert f["shape__ends_terminal"].tolist() == [0, 1, 1, 0, 0]
    assert f["shape__money"].tolist() == [0, 0, 1, 0, 0]
    assert f["shape__has_handle"].tolist() == [0, 0, 0, 1, 0]
    assert f["shape__is_short"].tolist() == [1, 0, 1, 0, 1]
    # neighbours: the first paragraph has no previous one
    assert f["shape__prev1_present"].tolist() == [0, 1, 1, 1, 1]
    assert f["shape__next1_is_short"].tolist() == [0, 1, 0, 1, 0]


def test_neighbours_do_not_cross_articles():
    X = paragraph_table(["One line only.", "Another article.\nSecond line."])
    f = named(ShapeFeatures(window=1), X)
    assert f["shape__next1_present"].tolist() == [0, 1, 0]
    assert f["shape__prev1_present"].tolist() == [0, 0, 1]


def test_voice_on_hand_written_paragraphs():
    X = paragraph_table([ARTICLE])
    f = named(VoiceFeatures(), X)
    assert f["voice__imperative_start"].tolist() == [1, 0, 0, 1, 1]
    assert f["voice__first_plural"][0] == pytest.approx(1 / 3)
    assert f["voice__first_plural"][1] == 0
    assert f["voice__second_person"].tolist() == [0, 0, 0, 0, 0]


def test_place_marks_story_span_and_short_runs():
    X = paragraph_table([ARTICLE])
    f = named(PlaceFeatures(long_paragraph_words=10), X)
    assert f["place__is_first"].tolist() == [1, 0, 0, 0, 0]
    assert f["place__before_first_long"].tolist() == [1, 0, 0, 0, 0]
    assert f["place__after_last_long"].tolist() == [0, 0, 1, 1, 1]
    assert np.allclose(f["place__log_short_run"], np.log1p([1, 0, 1, 0, 1]))


def test_changing_one_threshold_changes_short_runs():
    X = paragraph_table([ARTICLE])
    wide = named(PlaceFeatures(short_line_words=8), X)["place__log_short_run"]
    assert np.allclose(wide, np.log1p([1, 0, 3, 3, 3]))


def test_hashed_text_reads_a_bounded_prefix():
    X = paragraph_table(["word " * 100_000])
    full = HashedText(n_features=64, max_chars=50).fit_transform(X)
    short = HashedText(n_features=64, max_chars=50).fit_transform(paragraph_table(["word " * 10]))
    assert np.allclose(full.toarray(), short.toarray())


def test_digits_are_folded():
    X = paragraph_table(["© 2019 Valley Courier\n© 2024 Valley Courier"])
    m = HashedText(n_features=256).fit_transform(X).toarray()
    assert np.allclose(m[0], m[1])


@pytest.mark.parametrize(
    "transformer, bad",
    [
        (ShapeFeatures(window=-1), "window"),
        (HashedText(analyzer="bytes"), "analyzer"),
        (PlaceFeatures(short_line_words=0), "short_line_words"),
        (VoiceFeatures(max_chars=0), "max_chars"),
    ],
)
def test_invalid_parameters_fail_in_fit_naming_the_parameter(transformer, bad):
    X = paragraph_table([ARTICLE])
    clone(transformer)  # construction and cloning never validate
    with pytest.raises(ValueError, match=bad):
        transformer.fit(X)


def test_feature_names_are_pinned():
    assert ShapeFeatures(window=0).get_feature_names_out().tolist() == [
        "shape__log_chars", "shape__log_words", "shape__upper_share", "shape__digit_share",
        "shape__letter_share", "shape__starts_upper", "shape__ends_terminal",
        "shape__ends_colon", "shape__has_url", "shape__has_email", "shape__has_handle",
        "shape__money", "shape__separators", "shape__title_case_share", "shape__all_caps",
        "shape__sentences", "shape__is_short", "shape__is_long",
    ]  # fmt: skip
    assert VoiceFeatures().get_feature_names_out().tolist() == [
        "voice__first_plural", "voice__second_person", "voice__imperative_start",
        "voice__publisher_words", "voice__frequency_words", "voice__exclamation",
        "voice__question",
    ]  # fmt: skip
    assert PlaceFeatures().get_feature_names_out().tolist() == [
        "place__log_position", "place__log_from_end", "place__relative_position",
        "place__log_n_paragraphs", "place__is_first", "place__is_last", "place__log_short_run",
        "place__chars_before_share", "place__chars_after_share", "place__after_last_long",
        "place__before_first_long", "place__no_long_in_article",
    ]  # fmt: skip
    assert len(ShapeFeatures(window=2).get_feature_names_out()) == 18 + 4 * 19


@pytest.mark.parametrize("cls", [HashedText, ShapeFeatures, VoiceFeatures, PlaceFeatures])
def test_output_width_matches_names(cls):
    X = paragraph_table([ARTICLE, "Another article.\nWith two lines."])
    t = cls().fit(X) if cls is not HashedText else cls(n_features=32).fit(X)
    assert t.transform(X).shape == (7, len(t.get_feature_names_out()))


def test_empty_table():
    X = paragraph_table([""])
    for t in (ShapeFeatures(), VoiceFeatures(), PlaceFeatures()):
        assert t.fit_transform(X).shape == (0, len(t.get_feature_names_out()))
