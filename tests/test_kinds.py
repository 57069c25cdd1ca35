"""The kind head: why a removed paragraph went (model arrays, predict, annotate, training)."""

from __future__ import annotations

import copy
import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from newsclean.models import ModelIntegrityError, export_model, load_artifact
from newsclean.training.kinds import (
    HEAD_KINDS,
    fit_kind_head,
    kind_metrics,
    kind_training_lines,
)
from newsclean.training.train import TrainConfig, add_kind_head
from newsclean.training.yardstick import withheld_publishers

from newsclean import PublisherMemory, classify, clean_frame, clean_texts
from newsclean.kinds import REPEATED_KIND, KindHead
from tests.test_batch import read_lines, run, write_jsonl
from tests.test_memory import HOUSE_NOTE, _domain_a_and_b
from tests.test_predict import STORY, article

#: Hand-written boilerplate lines of five kinds, to fit a head on.
KIND_LINES = {
    "appeal": [
        "Support independent local journalism with a monthly gift",
        "Become a member today and keep our reporting free for all",
        "Subscribe now for unlimited digital access",
        "Log in or create a free account to keep reading",
        "Donate to the newsroom that covers your town",
    ],
    "newsletter": [
        "Sign up for our free morning newsletter",
        "Get the daily briefing delivered to your inbox",
        "Enter your email address to receive the weekly newsletter",
        "Newsletter sign-up: the week's best stories by email",
    ],
    "teaser": [
        "Read more: Council delays vote on harbour plan",
        "Related: Three schools close after storm damage",
        "ALSO READ: Mayor announces new bus routes",
        "More stories from the region",
    ],
    "legal": [
        "© 2024 Valley Media Group. All rights reserved.",
        "We use cookies to improve your experience. See our privacy policy.",
        "Terms of use | Privacy policy | Cookie settings",
        "Copyright Valley Courier. Reproduction without permission is prohibited.",
    ],
    "navigation": [
        "Home > News > Local",
        "World | Politics | Business | Sport",
        "Skip to main content",
        "Back to top",
    ],
}

#: Lines of a test article with the kind each should get (not among the training lines).
KIND_CASES = {
    "Sign up for the Valley newsletter in your inbox": "newsletter",
    "© 2025 Valley Media Group. All rights reserved.": "legal",
    "Read more: Footbridge vote delayed again": "teaser",
    "Support our journalism: become a member": "appeal",
    "Home > News > Politics": "navigation",
}


def kind_lines() -> pd.DataFrame:
    rows = [(text, kind) for kind, texts in KIND_LINES.items() for text in texts]
    return pd.DataFrame(rows, columns=["text", "kind"])


@pytest.fixture(scope="module")
def kind_head(graded_model) -> KindHead:
    head = fit_kind_head(graded_model.scorer_, kind_lines())
    assert head is not None
    return head


@pytest.fixture(scope="module")
def headed_model(graded_model, kind_head):
    """The graded model with the hand-fitted kind head (the same scores)."""
    model = copy.deepcopy(graded_model)
    model.scorer_ = dataclasses.replace(model.scorer_, kinds=kind_head)
    return model


@pytest.fixture(scope="module")
def headed_model_dir(headed_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("headed_model")
    export_model(headed_model, out, data_fingerprint="tests.kinds", metrics={})
    return out


def test_head_names_the_kind_of_each_removed_paragraph(headed_model):
    text = article(STORY[:2], list(KIND_CASES))
    # Threshold 0 removes every paragraph, so every line of the article gets a kind.
    paragraphs = classify(text, model=headed_model, threshold=0.0)
    kinds = {p.text: p.kind for p in paragraphs}
    assert {line: kinds[line] for line in KIND_CASES} == KIND_CASES
    assert all(p.label == "boilerplate" for p in paragraphs)


def test_kept_paragraphs_have_no_kind(headed_model):
    paragraphs = classify(article(STORY, list(KIND_CASES)), model=headed_model)
    removed = [p for p in paragraphs if p.label == "boilerplate"]
    assert removed, "the graded model removes some of these lines"
    assert all(p.kind is None for p in paragraphs if p.label == "editorial")
    assert all(p.kind in KIND_LINES for p in removed)


def test_a_model_without_a_head_gives_no_kind(graded_model, tiny_model_dir):
    for model in (graded_model, tiny_model_dir):
        paragraphs = classify(article(STORY, list(KIND_CASES)), model=model, threshold=0.0)
        assert [p.kind for p in paragraphs] == [None] * len(paragraphs)


def test_the_head_changes_no_score_or_label(graded_model, headed_model):
    texts = [article(STORY, list(KIND_CASES)), article(list(KIND_CASES), STORY[1:3])]
    plain = clean_texts(texts, model=graded_model, annotate=True)
    headed = clean_texts(texts, model=headed_model, annotate=True)
    for a, b in zip(plain, headed):
        assert a.text == b.text
        assert [(p.score, p.score_raw, p.label) for p in a.paragraphs] == [
            (p.score, p.score_raw, p.label) for p in b.paragraphs
        ]


def test_kind_head_survives_export_and_the_sealed_load(headed_model, headed_model_dir, kind_head):
    scorer, _ = load_artifact(headed_model_dir)
    assert scorer.kinds.names == kind_head.names
    np.testing.assert_array_equal(scorer.kinds.coef, kind_head.coef.astype(np.float32))
    text = article(STORY[:2], list(KIND_CASES))
    loaded = [p.kind for p in classify(text, model=headed_model_dir, threshold=0.0)]
    assert loaded == [p.kind for p in classify(text, model=headed_model, threshold=0.0)]


def test_a_tampered_kind_array_is_refused(headed_model_dir, tmp_path):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(headed_model_dir, folder)
    with np.load(folder / "model.npz") as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["kind_intercept"] = arrays["kind_intercept"] + 1.0
    np.savez_compressed(folder / "model.npz", **arrays)
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_artifact(folder)


def test_kind_arrays_that_do_not_fit_are_refused(kind_head):
    arrays = kind_head.to_arrays()
    arrays["kind_names"] = arrays["kind_names"][:-1]
    with pytest.raises(ValueError, match="kind coef has shape"):
        KindHead.from_arrays(arrays)


def test_clean_frame_annotation_carries_the_kind(headed_model):
    frame = pd.DataFrame({"text": [article(STORY, list(KIND_CASES))]})
    notes = clean_frame(frame, model=headed_model, annotate=True)["text_paragraphs"][0]
    assert all("kind" in note for note in notes)
    assert {n["kind"] is None for n in notes if n["label"] == "editorial"} == {True}
    assert all(n["kind"] in KIND_LINES for n in notes if n["label"] == "boilerplate")


@pytest.mark.parametrize("out_format", ["jsonl", "parquet"])
def test_cli_annotate_writes_the_kind(headed_model_dir, tmp_path, out_format):
    records = [{"id": 1, "text": article(STORY, list(KIND_CASES))}]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    argv = [str(src), "-o", str(out), "--model", str(headed_model_dir), "-q", "--annotate"]
    assert run([*argv, "--threshold", "0", "--format", out_format]) == 0
    if out_format == "jsonl":
        notes = read_lines(out / "part-00000.jsonl")[0]["text_paragraphs"]
    else:
        notes = pd.read_parquet(out / "part-00000.parquet")["text_paragraphs"][0].tolist()
    kinds = {line: n["kind"] for line, n in zip([*STORY, *KIND_CASES], notes)}
    assert {line: kinds[line] for line in KIND_CASES} == KIND_CASES


def test_a_paragraph_removed_by_repetition_alone_is_repeated(headed_model):
    texts, domains = _domain_a_and_b()
    memory = PublisherMemory(min_support=3, floor=0.0)
    memory.update(texts, domains)
    results = clean_texts(texts, model=headed_model, memory=memory, domains=domains, annotate=True)
    cut = headed_model.threshold
    by_memory = [
        p for r in results for p in r.paragraphs if p.label == "boilerplate" and p.score < cut
    ]
    assert {p.text for p in by_memory} == {HOUSE_NOTE}
    assert {p.kind for p in by_memory} == {REPEATED_KIND}


# -- training ------------------------------------------------------------------------------------
def _blocks_and_yardstick() -> tuple[pd.DataFrame, pd.DataFrame]:
    withheld = sorted(withheld_publishers())[0]
    blocks = pd.DataFrame(
        {
            "text": ["Share on X", "Donate today", "Story text line", "Read next", "Menu"],
            "kind": ["app_follow_share", "donation", "story", "teaser", "navigation"],
            "domain": ["a.example", "b.example", "a.example", "c.example", withheld],
            "split": ["train", "train", "train", "validation", "train"],
        }
    )
    yardstick = pd.DataFrame(
        {
            "text": ["Cookie settings", "A story line", "Most read", "Subscribe now"],
            "label": ["boilerplate", "editorial", "boilerplate", "boilerplate"],
            "kind": ["legal", "", "teaser", "subscription"],
            "domain": ["d.example", "d.example", "e.example", "f.example"],
            "split": ["validation", "validation", "test", "validation"],
        }
    )
    return blocks, yardstick


def test_training_lines_are_train_blocks_and_validation_yardstick_only():
    blocks, yardstick = _blocks_and_yardstick()
    lines = kind_training_lines(blocks, yardstick)
    assert sorted(zip(lines["text"], lines["kind"])) == [
        ("Cookie settings", "legal"),
        ("Donate today", "appeal"),
        ("Share on X", "share_follow"),
        ("Subscribe now", "appeal"),
    ]


def test_head_kinds_merge_the_asks_for_money_or_an_account():
    assert {k for k, v in HEAD_KINDS.items() if v == "appeal"} == {
        "donation",
        "subscription",
        "registration",
    }


def test_kind_metrics_report_accuracy_recall_and_the_majority_baseline(kind_head, graded_model):
    test = pd.DataFrame({"text": list(KIND_CASES), "kind": list(KIND_CASES.values())})
    max_chars = graded_model.scorer_.max_chars
    metrics = kind_metrics(kind_head, test, max_chars, train_kinds=kind_lines()["kind"])
    assert metrics["accuracy"] == 1.0
    assert metrics["majority_kind"] == "appeal"  # 5 training lines, the most of any kind
    assert metrics["majority_accuracy"] == pytest.approx(1 / 5)
    assert metrics["by_kind"]["legal"] == {"n": 1, "recall": 1.0}
    counts = np.array(metrics["confusion"]["counts"])
    assert counts.trace() == 5 and counts.sum() == 5


def test_add_kind_head_puts_a_head_in_the_model_and_measures_it(graded_model, tmp_path):
    blocks, yardstick = _blocks_and_yardstick()
    path = tmp_path / "blocks.parquet"
    blocks.to_parquet(path)
    model = copy.deepcopy(graded_model)
    metrics = add_kind_head(model, TrainConfig(data=tmp_path, blocks=path), yardstick)
    assert set(model.scorer_.kinds.names) == {"appeal", "legal", "share_follow"}
    assert metrics["n"] == 1 and metrics["n_train"] == 4
    assert json.dumps(metrics)  # the card stores it as JSON
