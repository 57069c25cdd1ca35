"""The cleaner as an MLflow pyfunc: per-row errors through ``predict``, and as a REST service
(`mlflow models serve` on loopback)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.test_predict import NEWSLETTER_BOX, STORY, article


def test_bad_rows_get_their_own_error_and_the_others_are_cleaned(logged_models, tiny_model):
    import pandas as pd

    import newsclean

    mlflow, _, cleaner_uri, _ = logged_models
    cleaner = mlflow.pyfunc.load_model(cleaner_uri)  # with the logged signature's enforcement
    good = article(STORY, NEWSLETTER_BOX)
    frame = pd.DataFrame({"text": [good, None, 5, float("nan"), b"bytes", good]})
    out = cleaner.predict(frame, params={"annotate": True})
    assert out["error"].tolist() == [
        None,
        "row 1: field 'text' is missing (null)",
        "row 2: field 'text' must be a string, got int",
        "row 3: field 'text' is missing (null)",
        "row 4: field 'text' must be a string, got bytes",
        None,
    ]
    expected = newsclean.clean(good, model=tiny_model)
    assert out["text"].tolist() == [expected, None, None, None, None, expected]
    assert [p is None for p in out["paragraphs"]] == [False, True, True, True, True, False]
    assert len(json.loads(out["paragraphs"][0])) == len(STORY) + len(NEWSLETTER_BOX)


def test_a_row_that_fails_in_cleaning_fails_alone(tiny_model, monkeypatch):
    import pandas as pd
    from newsclean.training.serving import CleanerModel

    import newsclean

    real_clean_texts = newsclean.clean_texts

    def clean_texts(texts, **kwargs):
        if any("explode" in t for t in texts):
            raise RuntimeError("the scorer broke")
        return real_clean_texts(texts, **kwargs)

    monkeypatch.setattr(newsclean, "clean_texts", clean_texts)
    cleaner = CleanerModel()
    cleaner.model = tiny_model
    out = cleaner.predict(None, pd.DataFrame({"text": [article(STORY), "explode\n"]}))
    assert out["error"].tolist() == [
        None,
        "row 1: field 'text' could not be cleaned: the scorer broke",
    ]
    assert out["text"][0] == real_clean_texts([article(STORY)], model=tiny_model)[0].text


def test_bad_threshold_is_an_invalid_parameter(tiny_model):
    import pandas as pd
    from mlflow.exceptions import MlflowException
    from newsclean.training.serving import CleanerModel

    cleaner = CleanerModel()
    cleaner.model = tiny_model
    frame = pd.DataFrame({"text": [article(STORY)]})
    for value in (1.5, "high"):
        with pytest.raises(MlflowException, match="param 'threshold' must be a number in"):
            cleaner.predict(None, frame, params={"threshold": value})
    assert cleaner.predict(None, frame, params={"threshold": ""})["error"].tolist() == [None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/invocations",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_mlflow_models_serve_cleans_articles(logged_models, tiny_model, tmp_path):
    from newsclean.training import tracking

    mlflow, _, cleaner_uri, env = logged_models
    tracking.register_with_alias(
        mlflow,
        cleaner_uri,
        "serve-model",
        "champion",
        challenger_score=0.0,
        holder_score=None,
        promote=False,
    )

    port = free_port()
    # This interpreter's MLflow; and as MLflow starts the scoring server as "uvicorn" from
    # PATH, which may be another environment's, with another newsclean (as on a machine whose
    # system Python has one installed), a "uvicorn" first on PATH that runs this interpreter.
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "uvicorn").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m uvicorn "$@"\n')
    (shims / "uvicorn").chmod(0o755)
    env = {**env, "PATH": f"{shims}{os.pathsep}{env.get('PATH', '')}"}
    cmd = [
        sys.executable,
        "-m",
        "mlflow",
        "models",
        "serve",
        "-m",
        "models:/serve-model@champion",
        "--env-manager",
        "local",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "server did not start: " + (tmp_path / "serve.log").read_text()[-2000:]
                    )
                time.sleep(0.5)
        texts = [article(STORY, NEWSLETTER_BOX), article(STORY)]
        # two good rows around a null, a number and a record without the field
        records = [{"text": texts[0]}, {"text": None}, {"text": 5}, {}, {"text": texts[1]}]
        status, answer = _post(port, {"dataframe_records": records, "params": {"annotate": True}})
        assert status == 200, answer.get("stack_trace", answer)
        rows = answer["predictions"]
        import newsclean

        assert [r["text"] for r in rows] == [
            newsclean.clean(texts[0], model=tiny_model),
            None,
            None,
            None,
            newsclean.clean(texts[1], model=tiny_model),
        ]
        assert [r["error"] for r in rows] == [
            None,
            "row 1: field 'text' is missing (null)",
            "row 2: field 'text' must be a string, got int",
            "row 3: field 'text' is missing (null)",
            None,
        ]
        labels = json.loads(rows[0]["paragraphs"])
        assert len(labels) == len(STORY) + len(NEWSLETTER_BOX)
        # a bad parameter fails the request with a message, not a server stack trace
        status, answer = _post(port, {"dataframe_records": records, "params": {"threshold": 2.0}})
        assert status == 400 and "stack_trace" not in answer
        assert "param 'threshold' must be a number in [0, 1], got 2.0" in answer["message"]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
