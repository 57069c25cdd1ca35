import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from newsclean.features import (
    CharNgrams,
    HashedText,
    PlaceFeatures,
    ShapeFeatures,
    VoiceFeatures,
    paragraph_table,
    scan_table,
)
from newsclean.features import scan as scan_module
from newsclean.features.scan import bounds_from_lengths, scan_texts
from newsclean.features.signals import shift_within_articles
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


def test_voice_knows_registration_app_and_follow_us_words():
    lines = ["Register with your email address", "Follow us on Facebook", "Download our iPhone app"]
    f = named(VoiceFeatures(), paragraph_table(["\n".join(lines)]))
    assert f["voice__imperative_start"].tolist() == [1, 1, 1]
    # "register" and "email"; "follow" and "facebook"; "iphone" and "app"
    assert f["voice__publisher_words"].tolist() == pytest.approx([2 / 5, 2 / 4, 2 / 4])


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
        (HashedText(bigrams="yes"), "bigrams"),
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


@pytest.mark.parametrize(
    "cls", [HashedText, CharNgrams, ShapeFeatures, VoiceFeatures, PlaceFeatures]
)
def test_output_width_matches_names(cls):
    X = paragraph_table([ARTICLE, "Another article.\nWith two lines."])
    hashed = cls in (HashedText, CharNgrams)
    t = cls(n_features=32).fit(X) if hashed else cls().fit(X)
    assert t.transform(X).shape == (7, len(t.get_feature_names_out()))


def test_empty_table():
    X = paragraph_table([""])
    for t in (ShapeFeatures(), VoiceFeatures(), PlaceFeatures()):
        assert t.fit_transform(X).shape == (0, len(t.get_feature_names_out()))


# -- the vectorised scan against plain Python on the same strings -------------------------------
paragraph_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(st.lists(paragraph_text, min_size=1, max_size=6))
def test_scan_counts_match_python(texts):
    scan = scan_texts(texts, max_chars=40)
    prefixes = [t[:40] for t in texts]
    assert scan.chars.tolist() == [len(t) for t in texts]
    assert scan.letters.tolist() == [sum(c.isalpha() for c in t) for t in prefixes]
    assert scan.upper.tolist() == [sum(c.isupper() for c in t) for t in prefixes]
    assert scan.digits.tolist() == [sum(c.isdecimal() for c in t) for t in prefixes]
    assert scan.words.tolist() == [len(t.split()) for t in prefixes]
    assert scan.token_row.tolist() == [
        i for i, t in enumerate(prefixes) for _ in re.finditer(r"\w+", t)
    ]
    assert scan.starts_upper.tolist() == [t.lstrip()[:1].isupper() for t in prefixes]
    assert scan.last_char.tolist() == [ord(t.rstrip()[-1]) if t.strip() else 0 for t in prefixes]


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


# Punctuation-heavy paragraphs, so that marks, e-mail addresses, handles and word edges are common.
marked_text = st.text(alphabet="ab Z9_.@#!?$€|/•\t\u00a0é", max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(marked_text, min_size=1, max_size=6))
def test_scan_marks_and_words_match_python(texts):
    scan = scan_texts(texts, max_chars=30)
    prefixes = [t[:30] for t in texts]

    def at_sign(t: str, i: int, before_word: bool) -> bool:
        before = t[i - 1] if i else " "  # the paragraph before ends in a line break
        after = t[i + 1] if i + 1 < len(t) else " "
        return (_is_word(before) if before_word else before.isspace()) and _is_word(after)

    expected = {
        "sentence_breaks": [t.count(". ") for t in prefixes],
        "exclamations": [t.count("!") for t in prefixes],
        "questions": [t.count("?") for t in prefixes],
        "money_symbols": [sum(c in "$€£¥" for c in t) for t in prefixes],
        "separators": [sum(c in "|•·»›/" for c in t) for t in prefixes],
        "emails": [
            sum(c == "@" and at_sign(t, i, before_word=True) for i, c in enumerate(t))
            for t in prefixes
        ],
        "handles": [
            sum(c in "@#" and at_sign(t, i, before_word=False) for i, c in enumerate(t))
            for t in prefixes
        ],
    }
    for name, counts in expected.items():
        assert getattr(scan, name).tolist() == counts, name
    words = [m for t in prefixes for m in re.finditer(r"\w+", t)]
    assert scan.token_len.tolist() == [len(m.group()) for m in words]
    after_dot = [m.string[m.start() - 1 : m.start()] == "." for m in words]
    assert scan.token_after_dot.tolist() == after_dot
    assert scan.title_words.tolist() == [sum(w[0].isupper() for w in t.split()) for t in prefixes]


def test_word_list_counts_agree_with_each_list():
    lists = scan_module.WordLists({"we": ["we", "our"], "money": ["euro"], "our": ["our"]})
    scan = scan_texts(["Our euro, our euros", "", "we WE we", "nothing here"], max_chars=100)
    counts = lists.counts(scan)
    assert counts.tolist() == [[2, 1, 2], [0, 0, 0], [3, 0, 0], [0, 0, 0]]
    for column, name in enumerate(lists.names):
        assert counts[:, column].tolist() == scan.count_tokens(lists.has(scan, name)).tolist()


def test_a_scan_in_chunks_equals_a_scan_in_one_piece(monkeypatch):
    texts = [f"Paragraph {i}: we ask you, #{i}, to read e@mail.org. " * (i % 4) for i in range(40)]
    whole = scan_texts(texts, max_chars=60)
    monkeypatch.setattr(scan_module, "CHUNK_CHARS", 100)  # about two paragraphs a chunk
    chunked = scan_texts(texts, max_chars=60)
    for field in dataclasses.fields(whole):
        if field.name != "memo":
            assert np.array_equal(getattr(chunked, field.name), getattr(whole, field.name))


def test_word_hash_ignores_case_digits_and_place():
    scan = scan_texts(["Newsletter 2024", "our NEWSLETTER 1999", "newsletters"], max_chars=100)
    h = scan.token_hash.tolist()
    assert h[0] == h[3]  # Newsletter == NEWSLETTER, in another paragraph at another offset
    assert h[1] == h[4]  # 2024 and 1999 both fold to 0000
    assert h[5] != h[0]
    assert len(set(h)) == 4


def test_scan_survives_any_code_point():
    texts = ["caf\u00e9 \U0001f600 \udcff end", "\u0130stanbul \u00df"]
    scan = scan_texts(texts, max_chars=100)
    assert scan.token_row.tolist() == [0, 0, 1, 1]


def test_word_pairs_depend_on_order():
    X = paragraph_table(["give now\nnow give"])
    pairs = HashedText(n_features=2**20).fit_transform(X).toarray()
    words_only = HashedText(bigrams=False, n_features=2**20).fit_transform(X).toarray()
    assert np.allclose(words_only[0], words_only[1])
    assert not np.allclose(pairs[0], pairs[1])


def test_hashed_rows_weigh_each_occurrence_by_its_paragraph_length():
    X = paragraph_table(["give now\ngive give give"])
    m = HashedText(n_features=2**20).fit_transform(X)
    # row 0: 2 words + 1 pair; row 1: 3 words + 2 pairs (the same pair twice)
    assert np.allclose(m.sum(axis=1).A1, [3 / np.sqrt(3), 5 / np.sqrt(5)])
    assert np.allclose(sorted(m.toarray()[1][m.toarray()[1] > 0]), [2 / np.sqrt(5), 3 / np.sqrt(5)])


def test_links_and_mail_are_found():
    X = paragraph_table(["Visit example.com today\nWrite to desk@example.org\nThe end. Really."])
    f = named(ShapeFeatures(window=0), X)
    assert f["shape__has_url"].tolist() == [1, 1, 0]
    assert f["shape__has_email"].tolist() == [0, 1, 0]
    assert f["shape__sentences"].tolist() == [0, 0, 2]


def test_a_scan_must_match_the_featurisers_prefix():
    X = paragraph_table([ARTICLE])
    with pytest.raises(ValueError, match="max_chars"):
        VoiceFeatures(max_chars=10).transform_scan(scan_table(X, 1000))


def test_neighbours_match_a_plain_loop():
    rng = np.random.default_rng(0)
    lengths = [3, 1, 0, 5]
    values = rng.normal(size=(9, 2))
    bounds = bounds_from_lengths(np.array(lengths))
    got = shift_within_articles(values, bounds, window=2)
    expected = []
    for row in range(9):
        start, end = bounds[0][row], bounds[1][row]
        line = []
        for offset in (-2, -1, 1, 2):
            other = row + offset
            inside = start <= other < end
            line.extend([*(values[other] if inside else [0.0, 0.0]), float(inside)])
        expected.append(line)
    assert np.array_equal(got, np.array(expected))
