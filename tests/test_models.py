import json
import warnings

import pytest
from newsclean.models import ModelIntegrityError, load_artifact

from newsclean.predict import load_model


def test_export_round_trip(tiny_model_dir, tiny_model):
    model, card = load_artifact(tiny_model_dir)
    assert card["threshold"] == tiny_model.threshold
    assert card["libraries"]["scikit-learn"]
    assert type(model) is type(tiny_model)


def test_tampered_artifact_is_refused_before_unpickling(tiny_model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model_card.json").write_text((tiny_model_dir / "model_card.json").read_text())
    # a pickle that would run code if it were loaded
    (bad / "model.joblib").write_bytes(b"cos\nsystem\n(S'touch /tmp/pwned'\ntR.")
    with pytest.raises(ModelIntegrityError, match=r"refusing to load .*model.joblib"):
        load_artifact(bad)
    with pytest.raises(ModelIntegrityError):
        load_model(bad)


def test_version_mismatch_warns(tiny_model_dir, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(tiny_model_dir, other)
    card = json.loads((other / "model_card.json").read_text())
    card["libraries"]["scikit-learn"] = "0.0.1"
    (other / "model_card.json").write_text(json.dumps(card))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_artifact(other)
    assert any("scikit-learn 0.0.1" in str(w.message) for w in caught)


def test_missing_card(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"model_card\.json"):
        load_artifact(tmp_path)


def test_shipped_model_loads_and_is_small():
    from newsclean.models import DEFAULT_MODEL_DIR

    model = load_model()
    card = json.loads((DEFAULT_MODEL_DIR / "model_card.json").read_text())
    assert model.threshold == card["threshold"]
    assert (DEFAULT_MODEL_DIR / "model.joblib").stat().st_size < 20 * 2**20
