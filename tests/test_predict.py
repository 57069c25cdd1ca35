"""The library call: API contract on the tiny model, behaviour on the shipped model."""

import shutil
import threading
import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from newsclean.features import split_paragraphs
from newsclean.models import seal_card

import newsclean
from newsclean import classify, clean, clean_frame, clean_texts

STORY = [
    "Valley council approves new river footbridge",
    "The Valley council voted 7-2 on Tuesday evening to build a footbridge across the river "
    "near the old mill, ending a debate that has run for almost a decade.",
    "The bridge will cost about $2.1 million and is due to open in the spring of next year, "
    "according to the council's planning office.",
    "Supporters said the crossing would link two neighbourhoods that are now a twenty-minute "
    "drive apart, while opponents questioned whether the town could afford the upkeep.",
    '"This is the most requested project we have had," said councillor Maria Hendricks, who '
    "chairs the transport committee.",
    "Construction is expected to begin in October once the final designs are approved by the "
    "regional water authority.",
]

NEWSLETTER_BOX = [
    "Get the Valley Morning briefing in your inbox",
    "Sign up for our free newsletter and start every weekday with the stories that matter to you.",
    "By signing up you agree to our terms of use and privacy policy.",
    "Sign up",
]

DONATION_APPEAL = [
    "A note to our readers",
    "Local reporting has never been harder to pay for. Stories like this one take weeks of "
    "work, and we rely on readers like you to keep them free for everyone.",
    "Every contribution, however small, keeps our newsroom going.",
    "One-time",
    "Monthly",
    "Yearly",
    "Give now",
    "Maybe later",
]


def article(*blocks):
    return "\n".join(line for block in blocks for line in block) + "\n"


def kept(text, cleaned):
    return [s.text for s in split_paragraphs(cleaned)]


# -- API contract (tiny model; fast) ------------------------------------------------------------
def test_clean_keeps_editorial_paragraphs_and_their_separators(tiny_model):
    text = "Sign up for our morning newsletter and get the day's top stories in your inbox.\r\n"
    text += "\r\n".join(STORY) + "\r\nShare this article\r\n"
    labels = classify(text, model=tiny_model)
    editorial = [p.text for p in labels if p.label == "editorial"]
    assert 0 < len(editorial) < len(labels)
    # the last kept paragraph keeps its own line end, whatever followed it
    expected = "\r\n".join(editorial) + "\r\n"
    assert clean(text, model=tiny_model) == expected


def test_empty_and_whitespace_text_unchanged(tiny_model):
    for text in ["", "   ", "\n\n \r\n"]:
        assert clean(text, model=tiny_model) == text
        assert classify(text, model=tiny_model) == []


def test_classify_fields(tiny_model):
    text = article(STORY)
    paragraphs = classify(text, model=tiny_model)
    assert [p.index for p in paragraphs] == list(range(len(STORY)))
    for p in paragraphs:
        assert text[p.start : p.end] == p.text
        assert 0.0 <= p.score <= 1.0 and 0.0 <= p.score_raw <= 1.0
        assert p.label in {"editorial", "boilerplate"}


def test_threshold_extremes(tiny_model):
    text = article(STORY, NEWSLETTER_BOX)
    assert clean(text, model=tiny_model, threshold=1.0) == text
    assert clean(text, model=tiny_model, threshold=0.0) == ""


@pytest.mark.parametrize(
    "value, error",
    [
        (float("nan"), ValueError),
        (-0.1, ValueError),
        (1.5, ValueError),
        (float("inf"), ValueError),
        ("0.5", TypeError),
        (True, TypeError),
        ([0.5], TypeError),
    ],
)
def test_threshold_outside_0_1_is_refused(tiny_model, value, error):
    # A NaN threshold used to remove every paragraph: nothing compares below NaN.
    with pytest.raises(error, match="threshold must be a number in"):
        clean(article(STORY), model=tiny_model, threshold=value)


@pytest.mark.parametrize(
    "value, match",
    [(b"bytes", "decode"), (None, "NoneType"), (3, "int")],
)
def test_non_str_raises_type_error_naming_the_type(tiny_model, value, match):
    with pytest.raises(TypeError, match=match):
        clean(value, model=tiny_model)


def test_html_input_warns(tiny_model):
    with pytest.warns(UserWarning, match="looks like HTML") as caught:
        clean("<html><body><p>Hello</p><div>World</div></body></html>", model=tiny_model)
    assert caught[0].filename == __file__  # points at the caller's line, not newsclean's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean("Prices rose 3% <5% forecast> said the bank.", model=tiny_model)


def test_clean_texts_wants_a_sequence_of_texts(tiny_model):
    with pytest.raises(TypeError, match="use clean"):
        clean_texts("Give now\nThe council met.", model=tiny_model)
    texts = [article(STORY), article(NEWSLETTER_BOX)]
    from_generator = clean_texts((t for t in texts), model=tiny_model)
    assert [r.text for r in from_generator] == [
        r.text for r in clean_texts(texts, model=tiny_model)
    ]


def test_clean_frame_names_missing_texts_and_duplicate_columns(tiny_model):
    df = pd.DataFrame({"text": [article(STORY), None]}, index=["a", "b"])
    with pytest.raises(TypeError, match=r"text\['b'\] is missing"):
        clean_frame(df, model=tiny_model)
    twice = pd.DataFrame([["x", "y"]], columns=["text", "text"])
    with pytest.raises(ValueError, match="2 columns named 'text'"):
        clean_frame(twice, model=tiny_model)


def test_huge_paragraph_finishes(tiny_model):
    text = "word " * 2_000_000 + "\nSecond line."  # a 10 MB paragraph
    out = clean(text, model=tiny_model, threshold=1.0)
    assert out == text


def test_clean_frame_vectorised_and_annotated(tiny_model):
    df = pd.DataFrame({"id": [1, 2, 3], "text": [article(STORY), "", article(NEWSLETTER_BOX)]})
    out = clean_frame(df, model=tiny_model, annotate=True)
    assert out["id"].tolist() == [1, 2, 3]
    assert list(out.columns) == ["id", "text", "text_paragraphs"]
    assert out.loc[1, "text_paragraphs"] == []
    assert [p["label"] for p in out.loc[0, "text_paragraphs"]] == [
        p.label for p in classify(article(STORY), model=tiny_model)
    ]
    assert df["text"].tolist()[0] == article(STORY)  # input untouched
    with pytest.raises(ValueError, match="already has a column text_paragraphs"):
        clean_frame(out, model=tiny_model, annotate=True)  # would overwrite the annotations
    assert clean_frame(out, model=tiny_model)["text_paragraphs"].equals(out["text_paragraphs"])


def test_clean_frame_names_the_bad_row(tiny_model):
    df = pd.DataFrame({"text": ["fine", 5]}, index=["a", "b"])
    with pytest.raises(TypeError, match=r"text\['b'\] must be str, got int"):
        clean_frame(df, model=tiny_model)


def test_clean_texts_counts(tiny_model):
    result = clean_texts([article(STORY)], model=tiny_model, threshold=0.0)[0]
    assert result.n_paragraphs == result.n_removed == len(STORY)
    assert result.chars_removed == sum(len(s) for s in STORY)


def test_loaded_model_is_cached_and_thread_safe(tiny_model_dir):
    models = []
    threads = [
        threading.Thread(target=lambda: models.append(newsclean.load_model(tiny_model_dir)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m.scorer_) for m in models}) == 1  # the weights are loaded once
    texts = [article(STORY, NEWSLETTER_BOX)] * 4
    expected = clean(texts[0], model=models[0])
    results = []
    workers = [
        threading.Thread(target=lambda t=t: results.append(clean(t, model=models[0])))
        for t in texts
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert results == [expected] * 4


def test_loaded_models_do_not_share_their_settings(tiny_model_dir):
    first, second = newsclean.load_model(tiny_model_dir), newsclean.load_model(tiny_model_dir)
    first.set_params(threshold=0.0)
    assert second.threshold == newsclean.load_model(tiny_model_dir).threshold > 0.0
    with pytest.raises(ValueError, match="read-only"):
        first.scorer_.word_coef[0] = 1.0


def test_model_cache_follows_the_folder_not_the_path_string(tiny_model_dir, tmp_path, monkeypatch):
    for name in ("a", "b"):
        shutil.copytree(tiny_model_dir, tmp_path / name / "model")
    card = tmp_path / "b" / "model" / "model_card.json"
    card.write_text(card.read_text().replace('"threshold": ', '"threshold": 0.123, "x": '))
    seal_card(card.parent)  # the other threshold is chosen on purpose
    monkeypatch.chdir(tmp_path / "a")
    threshold_a = newsclean.load_model("model").threshold
    monkeypatch.chdir(tmp_path / "b")
    assert newsclean.load_model("model").threshold == 0.123 != threshold_a


def test_import_is_light():
    import subprocess
    import sys

    code = (
        "import sys, newsclean; "
        "print(sorted(m for m in ('mlflow', 'matplotlib', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_package_is_one_tree_and_the_checkout_root_cannot_shadow_it():
    """The core lives in src/newsclean, so Python run from the repo root imports the installed
    package; its mapped subpackages are found through the install, not a path hack, and the
    checkout's tests/ and benchmarks/ are not part of the package."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert not (root / "newsclean").exists()
    assert len(newsclean.__path__) == 1
    for name in ("newsclean.tests", "newsclean.benchmarks"):
        assert importlib.util.find_spec(name) is None
    for name, folder in (("features", "features"), ("training", "training"), ("models", "models")):
        spec = importlib.util.find_spec(f"newsclean.{name}")
        assert spec is not None and Path(spec.origin).parent == root / folder


paragraph_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(paragraph_text, max_size=10),
    st.sampled_from(["\n", "\r\n", "\n\n", "\r", "\u2028", "\x85\f"]),
    st.floats(0, 1),
)
def test_property_clean_is_a_subsequence_and_classify_covers_all(tiny_model, parts, sep, cut):
    text = sep.join(parts)
    paragraphs = classify(text, model=tiny_model)
    spans = split_paragraphs(text)
    assert [(p.start, p.end, p.text) for p in paragraphs] == [tuple(s) for s in spans]
    cleaned = clean(text, model=tiny_model, threshold=cut)
    kept_texts = [s.text for s in split_paragraphs(cleaned)]
    expected = [p.text for p in paragraphs if p.score < cut]
    assert kept_texts == expected
    # kept paragraphs appear in the output in order, byte for byte
    pos = 0
    for t in kept_texts:
        pos = cleaned.index(t, pos) + len(t)


# -- behaviour with the shipped model ---------------------------------------------------------
# Each case: the story, the boxes put into it, and where. The shipped model keeps every story
# paragraph and removes every line of each box but at most one: the title of a box right after
# story paragraphs, or a short button ("One-time"), can score just under its threshold
# (test_every_box_line_goes records that miss).
BOXED_STORIES = {
    "newsletter_then_donation_after": (STORY, [NEWSLETTER_BOX, DONATION_APPEAL], len(STORY)),
    "newsletter_in_the_middle": (STORY, [NEWSLETTER_BOX], 3),
    "donation_after": (STORY, [DONATION_APPEAL], len(STORY)),
}


def boxed_article(name):
    story, boxes, at = BOXED_STORIES[name]
    return article(story[:at], *boxes, story[at:]), story, boxes


@pytest.mark.parametrize("name", BOXED_STORIES)
def test_story_survives_a_box_and_the_box_goes_but_for_one_line_at_most(name):
    text, story, boxes = boxed_article(name)
    kept_lines = kept(text, clean(text))
    assert [line for line in kept_lines if line in story] == story
    for box in boxes:
        assert len(set(box) & set(kept_lines)) <= 1


@pytest.mark.xfail(
    strict=True,
    reason="known miss since the issue 21/22 retrain (MLflow run 26b647ec): a box's title right "
    "after story paragraphs (0.50-0.72) or a button (0.71) scores under the precise threshold "
    "0.726. On reviewed real blocks that model removes the first line of a box more often than "
    "the model before it (docs/experiments.md). Strict, so a model that removes them fails this "
    "test as a reminder to make it a plain test again.",
)
@pytest.mark.parametrize("name", BOXED_STORIES)
def test_every_box_line_goes(name):
    text, story, _ = boxed_article(name)
    assert kept(text, clean(text)) == story


@pytest.mark.parametrize("separator", ["\r", "\u2028"], ids=["lone_cr", "line_separator"])
def test_story_separated_by_other_line_boundaries_is_split_and_kept(separator):
    # Read as one paragraph, such an article was kept or removed whole, story included.
    paragraphs = STORY[:3] + NEWSLETTER_BOX + STORY[3:]
    text = separator.join(paragraphs) + separator
    assert [p.text for p in classify(text)] == paragraphs
    # the same paragraphs go as in the newline-separated article
    expected = [s.text for s in split_paragraphs(clean("\n".join(paragraphs) + "\n"))]
    assert clean(text) == separator.join(expected) + separator
    assert set(STORY) <= set(expected)


FOLLOW_AND_APP_BOX = [
    "Find us on Facebook, Instagram and LinkedIn",
    "Download the Valley Courier app for iPhone and Android",
    "Enter your email address to get breaking news alerts",
]


def test_follow_and_app_prompts_in_the_middle_go():
    text = article(STORY[:4], FOLLOW_AND_APP_BOX, STORY[4:])
    assert kept(text, clean(text)) == STORY


# Stories whose subject is what boilerplate talks about (donations, newsletters, apps) or that
# share no words from one paragraph to the next: none of their paragraphs is boilerplate.
STORIES_THAT_STAY_WHOLE = [
    pytest.param(
        [
            "Food bank's winter donation drive beats its target",
            "The Riverside Food Bank said on Monday that its winter donation drive raised "
            "$310,000, beating its goal by a third.",
            "More than 4,000 people gave, most of them one-time donors who gave less than $50, "
            "said director Tom Alvarez.",
            '"People gave what they could, and it added up," Alvarez said, adding that monthly '
            "donors now make up a fifth of the charity's income.",
            "The money will pay for fresh produce at the charity's three pantries until April.",
            "Donations can still be made at the food bank's warehouse on Mill Road, the charity "
            "said.",
        ],
        id="donation_drive",
    ),
    pytest.param(
        [
            "Local reporter launches paid newsletter on school boards",
            "Former Courier education reporter Ana Silva has launched a subscription newsletter "
            "covering the region's twelve school boards.",
            "Silva said about 900 readers signed up in the first week, and that subscribers pay "
            "$6 a month for two issues a week.",
            "Newsletters written by individual journalists have grown quickly in the past five "
            "years, according to a study by the state university's media school.",
            "Silva said she would publish board meeting minutes in full for paying subscribers.",
        ],
        id="newsletter_launch",
    ),
    # The follow-us and app words of the publisher word list, in a story about them.
    pytest.param(
        [
            "Town hall moves its notices from Facebook to a new app",
            "Valley town hall will stop posting road closures and bin collection changes on "
            "Facebook and Twitter next month and publish them in its own app instead, the mayor "
            "said.",
            "The app, free on iPhone and Android, sends alerts to residents who register with an "
            "email address; about 2,300 had signed up by Friday.",
            "Some residents said they would miss the Facebook page, where neighbours often shared "
            "photos of flooding within minutes.",
            '"Older people will not all download an app," said pensioner Joan Ellis, 78.',
            "The council said printed notices would stay in the library and at the post office.",
        ],
        id="social_media_app",
    ),
    # Items on unrelated subjects share no words with each other, as an appeal shares none with
    # the story around it: a cue the model must not lean on alone (see docs/experiments.md).
    pytest.param(
        [
            "News in brief",
            "Library hours: The central library will open at 8am on weekdays from March, an hour "
            "earlier than now, after a pilot drew more morning visitors than expected.",
            "Road works: Harbour Street will be closed to traffic between the roundabout and the "
            "ferry terminal for two weeks from Monday while gas pipes are replaced.",
            "Swimming pool: The outdoor pool reopens on Saturday after repairs to its heating "
            "system cost the leisure trust about $40,000.",
            "Farmers market: Stallholders have voted to move the Sunday market from the car park "
            "to the square by the cathedral, starting in April.",
            "Lost dog: Police thanked residents who helped find a retriever that had wandered onto "
            "the ring road on Thursday night.",
        ],
        id="news_in_brief",
    ),
]


@pytest.mark.parametrize("story", STORIES_THAT_STAY_WHOLE)
def test_story_keeps_every_paragraph(story):
    text = article(story)
    assert kept(text, clean(text)) == story
