"""What training logs to MLflow: pinned requirements, version tags, and no pickles."""

from importlib.metadata import version
from pathlib import Path

import numpy as np
import yaml
from newsclean.training import tracking

from tests.corpus import make_corpus


def _local(mlflow, uri: str) -> Path:
    return Path(mlflow.artifacts.download_artifacts(uri))


def test_logged_models_pin_their_requirements(logged_models):
    mlflow, paragraph_uri, cleaner_uri, _ = logged_models
    for uri, packages in [
        (cleaner_uri, ["newsclean", "mlflow", "scikit-learn", "scipy", "numpy", "pandas"]),
        (
            paragraph_uri,
            ["newsclean", "mlflow", "scikit-learn", "scipy", "numpy", "pandas", "skops"],
        ),
    ]:
        lines = (_local(mlflow, uri) / "requirements.txt").read_text().split()
        assert lines == [f"{name}=={version(name)}" for name in packages]


def test_logged_models_are_not_pickles(logged_models, tiny_model):
    mlflow, paragraph_uri, cleaner_uri, _ = logged_models
    paragraph_dir, cleaner_dir = _local(mlflow, paragraph_uri), _local(mlflow, cleaner_uri)
    files = [p.name for d in (paragraph_dir, cleaner_dir) for p in d.rglob("*") if p.is_file()]
    assert not [name for name in files if name.endswith((".pkl", ".pickle", ".cloudpickle"))]
    # the paragraph model is skops, and loads (its types trusted) as the same model
    flavors = yaml.safe_load((paragraph_dir / "MLmodel").read_text())["flavors"]
    assert flavors["sklearn"]["serialization_format"] == "skops"
    loaded = mlflow.sklearn.load_model(paragraph_uri)
    X = make_corpus(3)[["article_id", "position", "text"]]
    np.testing.assert_array_equal(loaded.predict_proba(X), tiny_model.predict_proba(X))
    # the cleaner is models-from-code around the integrity-checked model folder
    pyfunc = yaml.safe_load((cleaner_dir / "MLmodel").read_text())["flavors"]["python_function"]
    assert pyfunc["loader_module"] == "mlflow.pyfunc.loaders.code_model"
    assert "python_model" not in pyfunc
    assert {p.name for p in (cleaner_dir / "artifacts" / "model").iterdir()} == {
        "model.npz",
        "model_card.json",
    }


def test_run_models_and_registered_versions_carry_the_newsclean_version(logged_models):
    from mlflow import MlflowClient

    mlflow, paragraph_uri, cleaner_uri, _ = logged_models
    expected = version("newsclean")
    client = MlflowClient()
    for uri in (paragraph_uri, cleaner_uri):
        logged = mlflow.get_logged_model(uri.removeprefix("models:/"))
        assert logged.tags[tracking.VERSION_TAG] == expected
        assert client.get_run(logged.source_run_id).data.tags[tracking.VERSION_TAG] == expected
    number, _ = tracking.register_with_alias(
        mlflow, cleaner_uri, "tagged", None, challenger_score=0.0, holder_score=None, promote=False
    )
    assert client.get_model_version("tagged", number).tags[tracking.VERSION_TAG] == expected
