import json
import shutil

import numpy as np
import pytest
from newsclean.features import paragraph_table, scan_table
from newsclean.models import (
    SEAL_FIELD,
    ModelIntegrityError,
    load_artifact,
    seal_card,
    sha256_file,
)

from newsclean.classifier import ParagraphClassifier
from newsclean.predict import load_model
from newsclean.scorer import SIGNALS_VERSION


def test_export_round_trip(tiny_model_dir, tiny_model):
    scorer, card = load_artifact(tiny_model_dir)
    assert card["threshold"] == tiny_model.threshold
    assert card["libraries"]["scikit-learn"]
    X = paragraph_table(["Subscribe to our newsletter\nThe council met on Monday.", "Give now"])
    assert np.allclose(
        scorer.scores(scan_table(X, scorer.max_chars))[1], tiny_model.score_paragraphs(X)["score"]
    )
    loaded = load_model(tiny_model_dir)
    assert isinstance(loaded, ParagraphClassifier)
    assert loaded.get_params()["threshold"] == card["threshold"]
    assert np.allclose(loaded.predict_proba(X), tiny_model.predict_proba(X), atol=1e-6)


def test_tampered_artifact_is_refused_before_unpickling(tiny_model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model_card.json").write_text((tiny_model_dir / "model_card.json").read_text())
    # a pickle that would run code if anything unpickled it
    (bad / "model.npz").write_bytes(b"cos\nsystem\n(S'touch /tmp/pwned'\ntR.")
    with pytest.raises(ModelIntegrityError, match=r"refusing to load .*model\.npz"):
        load_artifact(bad)
    with pytest.raises(ModelIntegrityError):
        load_model(bad)


def test_models_of_other_signals_or_formats_are_refused(tiny_model_dir, tmp_path):
    old_format = tmp_path / "old_format"
    shutil.copytree(tiny_model_dir, old_format)
    card = json.loads((old_format / "model_card.json").read_text())
    card["format"] = 1
    (old_format / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ValueError, match=r"format 1.*retrain"):
        load_artifact(old_format)

    other_signals = tmp_path / "other_signals"
    shutil.copytree(tiny_model_dir, other_signals)
    with np.load(other_signals / "model.npz") as npz:
        arrays = dict(npz)
    arrays["signals_version"] = np.array(SIGNALS_VERSION - 1)
    np.savez(other_signals / "model.npz", **arrays)
    card = json.loads((other_signals / "model_card.json").read_text())
    card["sha256"] = sha256_file(other_signals / "model.npz")
    (other_signals / "model_card.json").write_text(json.dumps(card))
    seal_card(other_signals)  # a consistent card: only the signals differ
    with pytest.raises(ValueError, match="signals version"):
        load_artifact(other_signals)


def test_a_card_cannot_point_outside_its_folder(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    card = json.loads((folder / "model_card.json").read_text())
    card["artifact"] = "../elsewhere.npz"
    (folder / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ValueError, match=r"must name model\.npz"):
        load_artifact(folder)


@pytest.mark.parametrize(
    "card_text, match",
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"format": 2}', "has no threshold"),
        ('{"format": 2, "threshold": NaN}', "must be a number in"),
        ('{"format": 2, "threshold": 7}', "must be a number in"),
        ('{"format": 2, "threshold": 0.5, "params": [1]}', "params must be a JSON object"),
    ],
)
def test_a_broken_card_is_refused_naming_the_file(tmp_path, card_text, match):
    (tmp_path / "model_card.json").write_text(card_text)
    with pytest.raises(ValueError, match=match) as error:
        load_artifact(tmp_path)
    assert "model_card.json" in str(error.value)


def test_missing_card(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"model_card\.json"):
        load_artifact(tmp_path)


def test_shipped_model_loads_and_is_small():
    from newsclean.models import DEFAULT_MODEL_DIR

    model = load_model()
    card = json.loads((DEFAULT_MODEL_DIR / "model_card.json").read_text())
    assert model.threshold == card["threshold"]
    assert (DEFAULT_MODEL_DIR / "model.npz").stat().st_size < 20 * 2**20


def test_a_card_from_before_the_extremes_loads_without_them(tiny_model_dir, tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(tiny_model_dir, folder)
    card_path = folder / "model_card.json"
    card = json.loads(card_path.read_text())
    assert card["params"].pop("context_extremes") is True
    card_path.write_text(json.dumps(card))
    assert load_model(folder).get_params()["context_extremes"] is False
    assert load_model(tiny_model_dir).get_params()["context_extremes"] is True


def test_a_card_from_before_the_hard_weight_loads_with_weight_1(tiny_model_dir, tmp_path):
    # refitting a clone of an old model must train it as it was trained, not with the new default
    folder = tmp_path / "old"
    shutil.copytree(tiny_model_dir, folder)
    card_path = folder / "model_card.json"
    card = json.loads(card_path.read_text())
    assert card["params"].pop("context_hard_weight") == 3.0
    card_path.write_text(json.dumps(card))
    assert load_model(folder).get_params()["context_hard_weight"] == 1.0
    assert load_model(tiny_model_dir).get_params()["context_hard_weight"] == 3.0


def test_a_loaded_model_without_the_cache_is_built_as_load_model_builds_it(
    tiny_model_dir, tmp_path
):
    # training scores the alias holder this way (load_model's cache would keep an old version)
    folder = tmp_path / "old"
    shutil.copytree(tiny_model_dir, folder)
    card_path = folder / "model_card.json"
    card = json.loads(card_path.read_text())
    del card["params"]["context_hard_weight"]
    card["threshold"] = 0.25
    card_path.write_text(json.dumps(card))
    seal_card(folder)  # a threshold chosen on purpose
    uncached = ParagraphClassifier.from_card(*load_artifact(folder))
    assert uncached.get_params() == load_model(folder).get_params()
    assert uncached.get_params()["context_hard_weight"] == 1.0
    assert uncached.threshold == 0.25


def test_the_card_is_strict_json(tiny_model, tmp_path):
    from newsclean.models import export_model

    metrics = {
        "test": {"pr_auc": float("nan"), "n": 3.0},
        "curve": [float("inf"), 0.5],
        "numpy": [np.float32("nan"), np.array([np.nan, 1.0])],
    }
    card_path = export_model(tiny_model, tmp_path / "m", metrics=metrics)

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    card = json.loads(card_path.read_text(), parse_constant=refuse)
    assert card["metrics"] == {
        "test": {"pr_auc": None, "n": 3.0},
        "curve": [None, 0.5],
        "numpy": [None, [None, 1.0]],
    }


def _edit_card(folder, **fields):
    card_path = folder / "model_card.json"
    card = json.loads(card_path.read_text())
    card.update(fields)
    card_path.write_text(json.dumps(card))
    return card


def test_a_threshold_edited_after_export_is_refused_naming_the_file_and_field(
    tiny_model_dir, tmp_path
):
    folder = tmp_path / "edited"
    shutil.copytree(tiny_model_dir, folder)
    _edit_card(folder, threshold=0.05)
    with pytest.raises(ModelIntegrityError, match="threshold") as error:
        load_artifact(folder)
    assert str(folder / "model_card.json") in str(error.value)
    with pytest.raises(ModelIntegrityError):
        load_model(folder)


def test_the_shipped_card_is_sealed_and_loads_without_a_warning(recwarn):
    from newsclean.models import DEFAULT_MODEL_DIR

    card = json.loads((DEFAULT_MODEL_DIR / "model_card.json").read_text())
    assert SEAL_FIELD in card
    load_artifact(DEFAULT_MODEL_DIR)
    assert not [w for w in recwarn if SEAL_FIELD in str(w.message)]


def test_a_card_from_before_the_seal_loads_with_a_warning(tiny_model_dir, tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(tiny_model_dir, folder)
    card = json.loads((folder / "model_card.json").read_text())
    del card[SEAL_FIELD]
    (folder / "model_card.json").write_text(json.dumps(card))
    with pytest.warns(UserWarning, match=SEAL_FIELD):
        _, loaded = load_artifact(folder)
    assert loaded["threshold"] == card["threshold"]


def test_a_threshold_changed_on_purpose_loads_once_resealed(tiny_model_dir, tmp_path):
    folder = tmp_path / "chosen"
    shutil.copytree(tiny_model_dir, folder)
    npz = (folder / "model.npz").read_bytes()
    _edit_card(folder, threshold=0.8)
    seal_card(folder)
    assert load_artifact(folder)[1]["threshold"] == 0.8
    assert (folder / "model.npz").read_bytes() == npz


def test_sealing_refuses_a_changed_artifact(tiny_model_dir, tmp_path):
    folder = tmp_path / "changed"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "model.npz").write_bytes(b"not the exported arrays")
    with pytest.raises(ModelIntegrityError, match="refusing to seal"):
        seal_card(folder)
