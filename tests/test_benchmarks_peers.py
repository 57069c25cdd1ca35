"""The peer wrappers of the benchmarks: exact C4 drops and reasons, one jusText label each."""

from __future__ import annotations

import os

import pytest

from benchmarks.peers import (
    BOILERPLATE,
    EDITORIAL,
    C4Rules,
    c4_document_reason,
    c4_line_reason,
    datatrove_available,
    justext_labels,
    keep_all_labels,
    paragraphs_html,
)

# Hand-written for these tests.
STORY = [
    "The harbour authority approved a new ferry timetable on Wednesday evening.",
    "Boats will leave every forty minutes from May, the board said. Fares stay the same.",
    "Local traders welcomed the change. Some worried about parking near the pier.",
    "A final decision on the winter schedule is expected in the autumn!",
]
LINES_AND_REASONS = [
    ("Share this article", "no_terminal_punc"),
    ("Read the full report...", "no_terminal_punc"),
    ("Subscribe now.", "too_few_words"),
    ("Please enable JavaScript to view the comments.", "javascript"),
    ("By continuing you agree to our privacy policy.", "policy"),
    ("This site uses cookies to improve your visit.", "policy"),
    ("word " + "x" * 1001 + " end.", "too_long_word"),
    ("The mayor said the plan was sound.[12]", None),
    ('"We are ready," she said.', None),
    ("Is the bridge safe?", None),
]


@pytest.mark.parametrize(("line", "reason"), LINES_AND_REASONS)
def test_c4_line_reason_exact(line, reason):
    assert c4_line_reason(line) == reason


def test_c4_rules_drop_exactly_the_expected_lines():
    article = [
        STORY[0],
        "Share this article",
        STORY[1],
        "Subscribe now.",
        STORY[2],
        "This site uses cookies to improve your visit.",
        STORY[3],
    ]
    expected = [EDITORIAL, BOILERPLATE, EDITORIAL, BOILERPLATE, EDITORIAL, BOILERPLATE, EDITORIAL]
    assert C4Rules(engine="rules").labels(article) == expected
    assert C4Rules(engine="rules", document_rules=False).labels(article) == expected


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (["One short line here.", "Another short one."], "too_few_sentences"),
        ([*STORY, "The code was if (x) { y } else.", "Done and dusted now."], "curly_bracket"),
        ([*STORY, "Lorem ipsum dolor sit amet is filler."], "lorem_ipsum"),
        (STORY, None),
    ],
)
def test_c4_document_reason(lines, reason):
    assert c4_document_reason(lines) == reason


def test_c4_document_drop_removes_every_paragraph():
    short = ["A brief note on the weather today.", "Sign up"]
    assert C4Rules(engine="rules").labels(short) == [BOILERPLATE, BOILERPLATE]
    assert C4Rules(engine="rules", document_rules=False).labels(short) == [EDITORIAL, BOILERPLATE]


def test_c4_rules_reject_unknown_engine():
    with pytest.raises(ValueError, match="engine"):
        C4Rules(engine="fast")


# CI installs the bench extra, so there a missing datatrove is a broken install, not a skip.
@pytest.mark.skipif(
    not datatrove_available() and not os.environ.get("CI"), reason="datatrove/spaCy not installed"
)
@pytest.mark.parametrize("document_rules", [True, False])
def test_reimplementation_agrees_with_datatrove(document_rules):
    article = [STORY[0], *(line for line, _ in LINES_AND_REASONS), *STORY[1:]]
    ours = C4Rules(engine="rules", document_rules=document_rules).labels(article)
    theirs = C4Rules(engine="datatrove", document_rules=document_rules).labels(article)
    assert ours == theirs
    short = ["A brief note on the weather today.", "Sign up"]
    assert C4Rules(engine="datatrove").labels(short) == [BOILERPLATE, BOILERPLATE]


def test_paragraphs_html_escapes():
    assert "<p>1 &lt; 2 &amp; 3</p>" in paragraphs_html(["1 < 2 & 3"])


@pytest.mark.parametrize("settings", [{}, {"length_low": 30, "length_high": 80}])
@pytest.mark.parametrize("language", ["en", "de", "ja", None])
def test_justext_one_label_per_paragraph(settings, language):
    paragraphs = [
        "Menu",
        *STORY,
        "<b>not a tag</b> & more",
        "Follow us",
        "   ",
        "\x00",
        "Copyright © 2031 Example Harbour News",
    ]
    labels = justext_labels(paragraphs, language=language, **settings)
    assert len(labels) == len(paragraphs)
    assert set(labels) <= {EDITORIAL, BOILERPLATE}


def test_justext_keeps_story_and_drops_menu():
    labels = justext_labels(
        ["Home", *STORY, "Sign up"], language="en", length_low=30, length_high=60
    )
    assert labels[0] == BOILERPLATE and labels[-1] == BOILERPLATE
    assert labels[1:-1].count(EDITORIAL) >= 3


def test_justext_empty_article():
    assert justext_labels([]) == []


def test_keep_all():
    assert keep_all_labels(["a", "b"]) == [EDITORIAL, EDITORIAL]
