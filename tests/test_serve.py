"""``newsclean serve``: the stdlib HTTP server, on a free loopback port."""

import http.client
import json
import subprocess
import sys
import threading
import time

import pytest

from newsclean import clean_texts
from newsclean.cli import parse_args, run
from newsclean.serve import CleanServer, CleanService
from tests.test_predict import NEWSLETTER_BOX, STORY, article

MIXED = article(STORY, NEWSLETTER_BOX)
REQUEST_TIMEOUT = 20  # seconds: a hung server fails the test instead of hanging it


@pytest.fixture(scope="module")
def server(tiny_model_dir):
    """A server on a free loopback port, serving the tiny model in a thread."""
    service = CleanService(model=tiny_model_dir)
    srv = CleanServer(service, "127.0.0.1", 0, max_request_bytes=50_000)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(REQUEST_TIMEOUT)


def call(srv, method, path, body=None, headers=None):
    """One request; returns (status, parsed JSON body)."""
    host, port = srv.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    try:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_health_names_the_model(server, tiny_model_dir):
    status, body = call(server, "GET", "/health")
    assert status == 200
    card = json.loads((tiny_model_dir / "model_card.json").read_text())
    assert body["status"] == "ok"
    assert body["model"] == {
        "source": str(tiny_model_dir),
        "sha256": card["sha256"],
        "threshold": card["threshold"],
    }


def test_clean_texts_per_row_with_errors_for_bad_rows(server, tiny_model_dir):
    expected = clean_texts([MIXED, ""], model=tiny_model_dir)
    assert expected[0].n_removed > 0
    status, body = call(server, "POST", "/clean", {"texts": [MIXED, None, 5, "", "x" * 30_000]})
    assert status == 200
    assert body["results"] == [
        {"text": expected[0].text},
        {"error": {"reason": "missing_text", "detail": "the text is null"}},
        {"error": {"reason": "text_not_string", "detail": "the text is a number, not a string"}},
        {"text": ""},
        {"text": "x" * 30_000},
    ]
    assert body["stats"]["read"] == 5
    assert body["stats"]["written"] == 3 and body["stats"]["rejected"] == 2
    assert body["stats"]["paragraphs_removed"] == expected[0].n_removed


def test_clean_records_keeps_their_fields_and_annotates(server, tiny_model_dir):
    expected = clean_texts([MIXED], model=tiny_model_dir, annotate=True, threshold=0.5)[0]
    records = [{"id": "a", "text": MIXED, "url": "u"}, {"id": "b"}, ["not", "an", "object"]]
    status, body = call(
        server, "POST", "/clean", {"records": records, "annotate": True, "threshold": 0.5}
    )
    assert status == 200
    first, second, third = body["results"]
    assert first == {
        "id": "a",
        "text": expected.text,
        "url": "u",
        "text_paragraphs": [p.annotation() for p in expected.paragraphs],
    }
    assert second == {"error": {"reason": "missing_text", "detail": "field 'text' is absent"}}
    assert third["error"]["reason"] == "not_an_object"


def test_lone_surrogates_are_a_row_error_or_escaped(server):
    # JSON can carry a lone surrogate (escaped), which no UTF-8 encoder will write back
    records = [{"id": "\ud800", "text": article(STORY)}, {"text": "bad \udc00"}]
    status, got = call(server, "POST", "/clean", {"records": records})
    assert status == 200
    assert got["results"][0] == {"id": "\ud800", "text": article(STORY)}  # kept whole
    assert got["results"][1]["error"]["reason"] == "undecodable"


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "must be a JSON object"),
        ({"text": ["a"]}, 400, "unknown keys ['text']"),
        ({"texts": ["a"], "records": []}, 400, "exactly one of"),
        ({"texts": "one article"}, 400, '"texts" must be an array'),
        ({"texts": ["a"], "threshold": 2}, 400, "threshold"),
        ({"texts": ["a"], "annotate": "yes"}, 400, '"annotate" must be true or false'),
        ({"texts": ["x" * 60_000]}, 413, "more than the limit of 50000"),
    ],
)
def test_bad_requests_get_a_clear_json_error(server, body, status, message):
    got_status, got = call(server, "POST", "/clean", body)
    assert got_status == status
    assert message in got["error"]
    assert set(got) == {"error"}  # a message, never a traceback


def test_missing_content_length_and_unknown_routes(server):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    connection.putrequest("POST", "/clean")
    connection.endheaders()  # no Content-Length, no body
    response = connection.getresponse()
    assert response.status == 411
    connection.close()
    assert call(server, "GET", "/nowhere")[0] == 404
    assert call(server, "GET", "/clean")[0] == 405
    assert call(server, "POST", "/health", {"texts": []})[0] == 405


def test_internal_error_hides_the_traceback(server, monkeypatch):
    def broken(payload):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(server.service, "clean", broken)
    status, body = call(server, "POST", "/clean", {"texts": ["a"]})
    assert status == 500
    assert body == {"error": "internal error; see the log"}


def test_serve_with_a_missing_model_exits_2(tmp_path, capsys):
    assert run(parse_args(["serve", "--model", str(tmp_path / "none"), "--port", "0"])) == 2
    assert "cannot load model" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["--port", "70000"], ["--threshold", "1.5"], ["--max-request-bytes", "0"]]
)
def test_serve_usage_errors(argv):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["serve", *argv])
    assert exit_info.value.code == 2


def test_import_stays_light():
    code = (
        "import sys, newsclean, newsclean.integrations; "
        "print(sorted(m for m in ('http.server', 'newsclean.serve', 'datatrove', 'datasets') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_python_m_newsclean_serve_starts_and_answers(tiny_model_dir):
    command = [sys.executable, "-m", "newsclean", "serve", "--port", "0"]
    command += ["--model", str(tiny_model_dir)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        line = _read_startup_line(process, deadline=time.monotonic() + 60)
        assert line.startswith("newsclean serve: listening on http://127.0.0.1:"), line
        port = int(line.split("http://127.0.0.1:")[1].split(" ")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        connection.request("POST", "/clean", body=json.dumps({"texts": [MIXED]}))
        body = json.loads(connection.getresponse().read())
        connection.close()
        assert body["results"] == [{"text": clean_texts([MIXED], model=tiny_model_dir)[0].text}]
    finally:
        process.terminate()
        process.wait(REQUEST_TIMEOUT)
        process.stderr.close()


def _read_startup_line(process, deadline):
    """The server's stderr line that announces it (earlier lines, e.g. warnings, are skipped),
    within the deadline."""
    found = []

    def read():
        for line in process.stderr:
            if line.startswith("newsclean serve:"):
                found.append(line)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.monotonic()))
    if not found:
        raise AssertionError("the server printed no startup line in time")
    return found[0]
