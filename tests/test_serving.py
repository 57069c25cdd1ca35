"""The cleaner as an MLflow REST service: `mlflow models serve` on loopback, two articles posted."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_predict import NEWSLETTER_BOX, STORY, article


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_mlflow_models_serve_cleans_articles(tiny_model, tmp_path, monkeypatch):
    from newsclean.models import export_model
    from newsclean.training import tracking

    db = tmp_path / "mlflow.db"
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{db}",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "GIT_PYTHON_REFRESH": "quiet",
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    monkeypatch.setenv("MLFLOW_TRACKING_URI", env["MLFLOW_TRACKING_URI"])
    monkeypatch.chdir(tmp_path)  # a SQLite store puts run artifacts under ./mlruns
    mlflow = tracking.configure_mlflow()
    mlflow.set_experiment("serve")
    export_dir = tmp_path / "model"
    export_model(tiny_model, export_dir)
    import pandas as pd

    from tests.corpus import make_corpus

    paragraphs = make_corpus(2)[["article_id", "position", "text"]]
    articles = pd.DataFrame({"text": [article(STORY)]})
    with mlflow.start_run():
        _, cleaner_uri = tracking.log_models(mlflow, tiny_model, export_dir, paragraphs, articles)
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
    mlflow_bin = Path(sys.executable).with_name("mlflow")
    cmd = [
        str(mlflow_bin) if mlflow_bin.exists() else "mlflow",
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
        body = json.dumps(
            {"dataframe_records": [{"text": t} for t in texts], "params": {"annotate": True}}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        rows = answer["predictions"]
        import newsclean

        assert [r["text"] for r in rows] == [newsclean.clean(t, model=tiny_model) for t in texts]
        labels = json.loads(rows[0]["paragraphs"])
        assert len(labels) == len(STORY) + len(NEWSLETTER_BOX)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
