"""A tiny training run on a user table, tracked in a temporary MLflow store."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from newsclean.training.evaluate import (
    choose_threshold,
    evaluate,
    selection_score,
    thin_threshold_warning,
)

from tests.corpus import make_corpus


@pytest.fixture(scope="module")
def user_table(tmp_path_factory):
    """A labelled table in the documented user format, with enough domains for three splits."""
    corpus = make_corpus(240, seed=2)
    corpus["domain"] = corpus["article_id"].str[1:].astype(int).mod(40).map("pub{}.example".format)
    path = tmp_path_factory.mktemp("data") / "labelled.jsonl"
    corpus.to_json(path, orient="records", lines=True)
    return path


@pytest.fixture(scope="module")
def mlflow_env(tmp_path_factory):
    """A temporary tracking store; the working directory moves there too, because a SQLite
    store puts run artifacts under ./mlruns."""
    root = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
        patch.chdir(root)
        yield root


def test_threshold_keeps_target_editorial_recall():
    is_bp = [False] * 200 + [True] * 20
    score = [i / 400 for i in range(200)] + [0.9] * 20
    t = choose_threshold(pd.Series(is_bp).to_numpy(), pd.Series(score).to_numpy(), 0.995)
    m = evaluate(pd.Series(is_bp).to_numpy(), pd.Series(score).to_numpy(), t)
    assert m["editorial_recall"] >= 0.995
    assert m["boilerplate_recall"] == 1.0


def test_selection_score_never_prefers_a_model_that_deletes_story_text():
    good = {"editorial_recall": 0.995, "boilerplate_f1": 0.3}
    greedy = {"editorial_recall": 0.95, "boilerplate_f1": 0.9}
    assert selection_score(good) > selection_score(greedy)
    assert selection_score(good, appeal_recall=0.5) == pytest.approx(0.4)
    assert selection_score(greedy, appeal_recall=1.0) < 0


def test_thin_validation_warns_about_the_threshold(caplog):
    from newsclean.training.train import TrainConfig, fit_and_evaluate

    for n, weak in ((199, True), (200, False)):  # 0.5 % of 199 is less than one paragraph
        scores = np.linspace(0.0, 0.9, n)
        threshold = choose_threshold(np.zeros(n, dtype=bool), scores)
        assert (thin_threshold_warning(scores, threshold) is not None) is weak
    assert "label more articles" in thin_threshold_warning(scores[:199], 1.0)
    tied = np.r_[np.linspace(0.0, 0.5, 397), [0.9, 0.9, 0.9]]  # the top three tie
    warning = thin_threshold_warning(tied, choose_threshold(np.zeros(400, bool), tied))
    assert "the 3 highest editorial scores tie" in warning and "label more" not in warning
    assert "no editorial paragraph" in thin_threshold_warning(np.zeros(0), 0.5)
    corpus = make_corpus(30, seed=3).assign(domain=lambda t: t["article_id"], dataset="user")
    articles = corpus["article_id"].drop_duplicates().tolist()
    split = dict.fromkeys(articles[:20], "train") | dict.fromkeys(articles[20:25], "validation")
    corpus["split"] = corpus["article_id"].map(split).fillna("test")
    validation = corpus[corpus["split"] == "validation"]
    n_editorial = int((validation["label"] == "editorial").sum())
    assert n_editorial < 200
    config = TrainConfig(data=Path("unused"), model_params={"n_features": 2**10, "cv": 2})
    with caplog.at_level("WARNING", logger="newsclean.training.train"):
        fit_and_evaluate(corpus, config)
    assert f"removes none of the {n_editorial} editorial paragraphs" in caplog.text


def test_a_reviewed_yardstick_sets_the_operating_points():
    """With reviewed articles the thresholds come from their validation part, and the run is
    measured on their test part; the noisy validation split no longer sets the threshold."""
    from newsclean.training.train import TrainConfig, fit_and_evaluate
    from newsclean.training.yardstick import OPERATING_POINTS, choose_operating_threshold

    corpus = make_corpus(60, seed=4).assign(domain=lambda t: t["article_id"], dataset="user")
    articles = corpus["article_id"].drop_duplicates().tolist()
    split = dict.fromkeys(articles[:40], "train") | dict.fromkeys(articles[40:48], "validation")
    corpus["split"] = corpus["article_id"].map(split).fillna("test")
    reviewed = corpus[corpus["split"] != "train"].rename(columns={"article_id": "doc_id"})
    reviewed = reviewed.assign(
        article=reviewed["doc_id"].str[1:].astype(int),
        kind=np.where(reviewed["label"] == "boilerplate", "newsletter", ""),
    ).reset_index(drop=True)
    config = TrainConfig(data=Path("unused"), model_params={"n_features": 2**10, "cv": 2})
    result = fit_and_evaluate(corpus, config, yardstick=reviewed)
    assert set(result.operating_points) == set(OPERATING_POINTS)
    on_validation = result.yardstick_scores[result.yardstick_scores["split"] == "validation"]
    assert result.threshold == choose_operating_threshold(
        on_validation, on_validation["score"], OPERATING_POINTS["balanced"]
    )
    assert result.model.threshold == result.threshold
    assert result.yardstick["n_articles"] == len(articles) - 48
    assert result.yardstick["overall"]["editorial_recall"] >= 0.9


@pytest.mark.slow
def test_train_registers_alias_and_exports(user_table, mlflow_env, tmp_path, capsys):
    from mlflow import MlflowClient
    from newsclean.models import load_artifact

    from newsclean.cli import parse_args, run
    from newsclean.predict import clean_frame, load_model

    out = tmp_path / "OUT"
    argv = [
        "train",
        "--data",
        str(user_table),
        "--experiment",
        "t",
        "--register",
        "t-model",
        "--alias",
        "champion",
        "--export",
        str(out),
        "--seed",
        "1",
    ]
    assert run(parse_args(argv)) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["test"]["editorial_recall"] > 0.9

    client = MlflowClient()
    version = client.get_model_version_by_alias("t-model", "champion")
    assert str(version.version) == "1"
    run_data = client.get_run(version.run_id).data
    assert "test_boilerplate_f1" in run_data.metrics
    assert run_data.params["model__threshold"]
    artifacts = {a.path for a in client.list_artifacts(version.run_id, "plots")}
    assert artifacts == {
        "plots/pr_curve.png",
        "plots/confusion_matrix.png",
        "plots/calibration.png",
    }
    _, card = load_artifact(out)
    assert card["mlflow_run_id"] == version.run_id
    assert card["threshold"] == pytest.approx(summary["threshold"])

    # the registered cleaner loads through the library, integrity-checked
    registered = load_model("models:/t-model@champion")
    assert registered.threshold == pytest.approx(card["threshold"])

    # and as a pyfunc, whose threshold param is a float (a REST call sends numbers)
    import mlflow.pyfunc

    cleaner = mlflow.pyfunc.load_model("models:/t-model@champion")
    articles = pd.DataFrame({"text": ["A council story.\nSign up for our newsletter today."]})
    removed_all = cleaner.predict(articles, params={"threshold": 0.0})
    assert removed_all["text"].tolist() == [""]
    assert (
        cleaner.predict(articles)["text"].tolist()
        == clean_frame(articles, model=registered)["text"].tolist()
    )

    # same data and seed: same metrics; the alias stays (not better than the holder)
    assert run(parse_args([*argv[:-4], "--seed", "1"])) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["test"] == summary["test"]
    assert str(client.get_model_version_by_alias("t-model", "champion").version) == "1"
    latest = client.get_run(client.get_model_version("t-model", "2").run_id)
    assert "kept" in latest.data.tags["promotion"]

    # --promote moves it anyway
    assert run(parse_args([*argv[:-2], "--promote"])) == 0
    capsys.readouterr()
    assert str(client.get_model_version_by_alias("t-model", "champion").version) == "3"

    # another split seed: the holder may have trained on this run's test publishers, so the
    # alias stays whatever the scores
    assert run(parse_args([*argv[:-4], "--seed", "2"])) == 0
    capsys.readouterr()
    assert str(client.get_model_version_by_alias("t-model", "champion").version) == "3"
    latest = client.get_run(client.get_model_version("t-model", "4").run_id)
    assert "split seed 0, this run with 2" in latest.data.tags["promotion"]


def test_param_and_note_reach_the_run(user_table, mlflow_env, tmp_path, capsys):
    from mlflow import MlflowClient

    from newsclean.cli import parse_args, run

    argv = [
        "train",
        "--data",
        str(user_table),
        "--experiment",
        "params",
        "--param",
        "window=1",
        "--param",
        "context=False",
        "--note",
        "one neighbour, no context",
    ]
    assert run(parse_args(argv)) == 0
    capsys.readouterr()
    client = MlflowClient()
    experiment = client.get_experiment_by_name("params")
    [run_info] = client.search_runs([experiment.experiment_id])
    assert run_info.data.params["model__window"] == "1"
    assert run_info.data.params["model__context"] == "False"
    assert run_info.data.tags["mlflow.note.content"] == "one neighbour, no context"


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--param", "speed=11"], "KEY one of"),
        (["--param", "random_state=5"], "--seed"),  # the run seeds the model itself
        (["--param", "threshold=0.3"], "chooses the threshold"),
        (["--param", "alpha=-1"], "'alpha' must be in"),  # found before any MLflow run
        (["--param", "cv=1"], "'cv' must be in"),
        (["--param", "context='no'"], "'context' must be"),
        (["--export", "FILE"], "is a file"),  # found before training and registering
    ],
)
def test_bad_train_options_are_usage_errors(tmp_path, capsys, extra, message):
    from newsclean.cli import parse_args

    data = tmp_path / "t.csv"
    data.write_text("article_id,position,text,label\n1,0,x,editorial\n")
    (tmp_path / "FILE").write_text("")
    extra = [str(tmp_path / a) if a == "FILE" else a for a in extra]
    with pytest.raises(SystemExit) as exc:
        parse_args(["train", "--data", str(data), *extra])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_a_data_folder_without_data_is_a_data_error(tmp_path, capsys, monkeypatch):
    from newsclean.cli import parse_args, run

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # the default: ./mlflow.db
    (tmp_path / "notes.txt").write_text("no tables here")
    assert run(parse_args(["train", "--data", str(tmp_path)])) == 2
    assert "no labelled data at" in capsys.readouterr().err
    assert not (tmp_path / "mlflow.db").exists()  # refused before any tracking store is made


def test_train_usage_errors(tmp_path):
    from newsclean.cli import parse_args

    with pytest.raises(SystemExit) as exc:
        parse_args(["train", "--data", str(tmp_path / "nope")])
    assert exc.value.code == 2


def test_bad_data_exits_2_before_any_run(mlflow_env, tmp_path, capsys):
    from mlflow import MlflowClient

    from newsclean.cli import parse_args, run

    data = tmp_path / "few.csv"
    data.write_text(
        "article_id,position,text,label,domain\n"
        "1,0,The council met.,editorial,one.example\n"
        "1,1,Subscribe now,boilerplate,one.example\n"
    )
    argv = ["train", "--data", str(data), "--experiment", "bad-data"]
    assert run(parse_args(argv)) == 2
    assert "too few to split by domain" in capsys.readouterr().err
    client = MlflowClient()
    experiment = client.get_experiment_by_name("bad-data")
    assert experiment is None or not client.search_runs([experiment.experiment_id])  # no run


def test_train_without_the_train_extra_says_what_to_install(tmp_path, capsys, monkeypatch):
    import importlib.util

    from newsclean.cli import parse_args, run

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "mlflow" else real_find_spec(name, *a),
    )
    assert run(parse_args(["train", "--data", str(tmp_path)])) == 2
    assert "pip install 'newsclean[train]'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.shared_data
def test_training_on_the_shared_data_is_judged_on_the_reviewed_yardstick(
    shared_data, mlflow_env, tmp_path
):
    from newsclean.training.yardstick import OPERATING_POINTS, withheld_publishers

    from newsclean.cli import main

    out = tmp_path / "model"
    args = ["train", "--data", str(shared_data), "--sample", "30000", "--export", str(out)]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--param", "n_features=4096"])
    assert exited.value.code == 0
    card = json.loads((out / "model_card.json").read_text())
    assert set(card["operating_points"]) == set(OPERATING_POINTS)
    assert card["threshold"] == card["operating_points"]["precise"]
    assert card["yardstick"]["n_articles"] >= 200
    assert 0 < card["yardstick"]["overall"]["editorial_recall"] <= 1
    import mlflow

    run = mlflow.get_run(card["mlflow_run_id"])
    assert "yardstick_test_editorial_recall" in run.data.metrics
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "plots")}
    assert {"plots/yardstick_pr_curve.png", "plots/yardstick_confusion_matrix.png"} <= artifacts
    # nothing a run can train on comes from a withheld publisher
    from newsclean.training.data import load_shared

    assert not set(load_shared(shared_data)["domain"]) & withheld_publishers()
