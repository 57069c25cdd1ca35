"""Operating points: ``mode=`` cuts at a threshold the model card records, sealed with it."""

from __future__ import annotations

import json

import pytest
from newsclean.models import ModelIntegrityError, export_model

import newsclean

STORY = "Harbour council backs a new ferry pier\nThe vote was unanimous.\nShare this article"


@pytest.fixture(scope="module")
def model_with_points(graded_model, tmp_path_factory):
    """The graded test model exported with three operating points far apart."""
    out = tmp_path_factory.mktemp("points")
    points = {"precise": 0.999, "balanced": 0.5, "aggressive": 0.0}
    export_model(graded_model, out, data_fingerprint="tests", metrics={}, operating_points=points)
    return out


def test_mode_cuts_at_the_cards_operating_point(model_with_points):
    def removed(**cut):
        return [p.label for p in newsclean.classify(STORY, model=model_with_points, **cut)]

    assert removed(mode="aggressive") == ["boilerplate"] * 3  # threshold 0 removes everything
    assert removed(mode="precise") == removed(threshold=0.999)
    assert removed(mode="balanced") == removed(threshold=0.5)
    assert newsclean.clean(STORY, model=model_with_points, mode="aggressive") == ""


def test_mode_and_threshold_together_are_refused(model_with_points):
    with pytest.raises(ValueError, match="not both"):
        newsclean.clean(STORY, model=model_with_points, mode="precise", threshold=0.5)


def test_unknown_or_unrecorded_modes_say_what_to_do(model_with_points, graded_model_dir):
    with pytest.raises(ValueError, match="mode must be one of"):
        newsclean.clean(STORY, model=model_with_points, mode="greedy")
    with pytest.raises(ValueError, match="records no 'precise' operating point"):
        newsclean.clean(STORY, model=graded_model_dir, mode="precise")


def test_an_estimator_has_no_operating_points(graded_model):
    with pytest.raises(ValueError, match="pass threshold= instead"):
        newsclean.clean(STORY, model=graded_model, mode="balanced")


def test_edited_operating_points_break_the_seal(model_with_points, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(model_with_points, copy)
    card_path = copy / "model_card.json"
    card = json.loads(card_path.read_text())
    card["operating_points"]["balanced"] = 0.01
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match="changed after export"):
        newsclean.load_model(copy)


def test_clean_command_mode_cuts_at_the_operating_point(model_with_points, tmp_path):
    from tests.test_batch import run

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": STORY}) + "\n")
    out = tmp_path / "out.jsonl"
    args = [str(src), "-o", str(out), "--model", str(model_with_points)]
    assert run([*args, "--mode", "aggressive", "-q"]) == 0
    assert json.loads(out.read_text())["text"] == ""
    with pytest.raises(SystemExit) as exited:
        run([str(src), "-o", str(tmp_path / "b.jsonl"), "--mode", "precise", "--threshold", "0.5"])
    assert exited.value.code == 2
