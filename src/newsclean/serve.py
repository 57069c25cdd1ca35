"""``newsclean serve``: clean articles over HTTP with one loaded model (standard library only).

Endpoints
---------
``GET /health``
    ``{"status": "ok", "version": ..., "model": {"source", "sha256", "threshold"}}``.
``POST /clean``
    A JSON object with ``"texts"`` (a list of article texts) or ``"records"`` (a list of
    objects, each with its article in ``"text"``), and optionally ``"threshold"`` (a number in
    [0, 1]; default the model's) and ``"annotate"`` (true adds ``"text_paragraphs"``: the
    per-paragraph labels). The answer is ``{"results": [...], "stats": {...}}`` with one
    result per row, in order: ``{"text": cleaned}`` for a text, the record with its ``"text"``
    cleaned for a record, or ``{"error": {"reason": ..., "detail": ...}}`` for a row that
    could not be cleaned (the reason codes of ``newsclean clean``'s rejects file). A bad row
    never fails the others.

A malformed request gets a 4xx status and ``{"error": "..."}``; an unexpected failure a 500 and
a short message (the traceback goes to the server's log, never to the client). The server
binds 127.0.0.1 unless told otherwise; it has no authentication or TLS, so put a proxy in
front of it before exposing it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from newsclean import __version__
from newsclean.batch.config import BATCH_SIZE_DEFAULT, MAX_ARTICLE_CHARS_DEFAULT, BatchConfig
from newsclean.batch.records import Item, kind_of
from newsclean.batch.steps import CleanJob, Shard, batched, clean_batches, validate
from newsclean.models import check_threshold
from newsclean.predict import load_scorer

logger = logging.getLogger(__name__)

HOST_DEFAULT = "127.0.0.1"
PORT_DEFAULT = 8000
#: Largest request body accepted, in bytes; a larger one gets 413 without being read.
MAX_REQUEST_BYTES_DEFAULT = 16 * 1024 * 1024
#: Seconds a connection may sit idle mid-request before the server drops it.
SOCKET_TIMEOUT_SECONDS = 60
#: The field of a record holding its article, and the field ``annotate`` fills.
TEXT_FIELD = "text"
ANNOTATION_FIELD = f"{TEXT_FIELD}_paragraphs"
SERVE_EPILOG = (
    "exit codes: 0 stopped with Ctrl-C; 2 usage or configuration error (bad options, a model "
    "that cannot be loaded, an address that cannot be bound)"
)
_REQUEST_KEYS = ("texts", "records", "threshold", "annotate")
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class RequestError(ValueError):
    """A request the service refuses, with the HTTP status to answer."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


class CleanService:
    """What the server does, without the HTTP: answer health checks and clean requests.

    Parameters
    ----------
    model : str, path or None
        A model folder or MLflow model URI; None for the shipped model. Loaded (and checked)
        when the service is made, then shared read-only by the request threads.
    threshold : float, optional
        Default cut for requests that give none; defaults to the model's.
    max_chars : int, default=MAX_ARTICLE_CHARS_DEFAULT
        Longest text cleaned; a longer row gets the error reason ``too_long``.
    batch_size : int, default=BATCH_SIZE_DEFAULT
        Rows per model call.
    """

    def __init__(
        self,
        *,
        model: str | os.PathLike | None = None,
        threshold: float | None = None,
        max_chars: int = MAX_ARTICLE_CHARS_DEFAULT,
        batch_size: int = BATCH_SIZE_DEFAULT,
    ) -> None:
        self.model = None if model is None else str(model)
        self.threshold = None if threshold is None else check_threshold(threshold)
        self.max_chars = max_chars
        self.batch_size = batch_size
        _, self.card = load_scorer(self.model)  # fail at startup, not at the first request

    def health(self) -> dict[str, Any]:
        """The service's state and model, as ``GET /health`` answers."""
        return {
            "status": "ok",
            "version": __version__,
            "model": {
                "source": "shipped" if self.model is None else self.model,
                "sha256": self.card["sha256"],
                "threshold": self.card["threshold"] if self.threshold is None else self.threshold,
            },
        }

    def clean(self, payload: object) -> dict[str, Any]:
        """Answer one ``POST /clean`` body (already parsed from JSON); see the module docstring.

        Raises
        ------
        RequestError
            If the request itself is malformed (not a row of it).
        """
        records, from_texts, threshold, annotate = self._parse(payload)
        shard = Shard(index=0, n_shards=1, source="request", pos_name="row")
        annotation_field = ANNOTATION_FIELD if annotate else None
        items = (
            Item(pos, record)
            if isinstance(record, dict)
            else Item(pos, None, "not_an_object", f"records[{pos - 1}] is {kind_of(record)}")
            for pos, record in enumerate(records, 1)
        )
        job = CleanJob(BatchConfig(model=self.model, threshold=threshold, annotate=annotate))
        results: list[Any] = [None] * len(records)
        valid = validate(
            items,
            shard,
            text_field=TEXT_FIELD,
            max_chars=self.max_chars,
            annotation_field=annotation_field,
        )
        for batch in clean_batches(
            batched(valid, self.batch_size),
            shard,
            job=job,
            text_field=TEXT_FIELD,
            annotation_field=annotation_field,
        ):
            for item in batch:
                results[item.pos - 1] = item.record
                shard.stats["written"] += 1
        for entry in shard.rejected:
            detail = entry["detail"]
            if from_texts:  # the client sent texts, not records: speak of texts
                detail = detail.replace(f"field {TEXT_FIELD!r}", "the text")
            results[entry["row"] - 1] = {"error": {"reason": entry["reason"], "detail": detail}}
        summary = shard.summary()
        stats = {k: summary.get(k, 0) for k in ("read", "written", "rejected")}
        stats.update(
            (k, summary.get(k, 0)) for k in ("paragraphs", "paragraphs_removed", "chars_removed")
        )
        return {"results": results, "stats": stats}

    def _parse(self, payload: object) -> tuple[list, bool, float | None, bool]:
        if not isinstance(payload, dict):
            raise RequestError(f"the body must be a JSON object, got {kind_of(payload)}")
        unknown = sorted(set(payload) - set(_REQUEST_KEYS))
        if unknown:
            raise RequestError(f"unknown keys {unknown}; a request may have {list(_REQUEST_KEYS)}")
        if ("texts" in payload) == ("records" in payload):
            raise RequestError('give exactly one of "texts" (a list of str) or "records"')
        key = "texts" if "texts" in payload else "records"
        rows = payload[key]
        if not isinstance(rows, list):
            raise RequestError(f'"{key}" must be an array, got {kind_of(rows)}')
        threshold = payload.get("threshold", self.threshold)
        if threshold is not None:
            try:
                threshold = check_threshold(threshold, '"threshold"')
            except (TypeError, ValueError) as exc:
                raise RequestError(str(exc)) from None
        annotate = payload.get("annotate", False)
        if not isinstance(annotate, bool):
            raise RequestError(f'"annotate" must be true or false, got {kind_of(annotate)}')
        records = [{TEXT_FIELD: text} for text in rows] if key == "texts" else rows
        return records, key == "texts", threshold, annotate


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the server's :class:`CleanService`; every answer is JSON."""

    server: CleanServer
    server_version = f"newsclean/{__version__}"
    timeout = SOCKET_TIMEOUT_SECONDS
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # the name http.server dispatches GET to
        path = urlsplit(self.path).path
        if path == "/health":
            self._answer(HTTPStatus.OK, self.server.service.health())
        elif path == "/clean":
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST /clean"}, allow="POST")
        else:
            self._answer(HTTPStatus.NOT_FOUND, {"error": f"no such path {path!r}"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path != "/clean":
            status = HTTPStatus.METHOD_NOT_ALLOWED if path == "/health" else HTTPStatus.NOT_FOUND
            self.close_connection = True  # the body is left unread
            self._answer(status, {"error": f"POST {path} is not served; use POST /clean"})
            return
        try:
            payload = self._read_json()
            body = self.server.service.clean(payload)
        except RequestError as exc:
            self._answer(exc.status, {"error": str(exc)})
        except Exception:
            logger.exception("POST /clean failed")
            self._answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error; see the log"})
        else:
            self._answer(HTTPStatus.OK, body)

    def _read_json(self) -> object:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            raise RequestError("a Content-Length header is required", HTTPStatus.LENGTH_REQUIRED)
        size = int(length)
        limit = self.server.max_request_bytes
        if size > limit:
            self.close_connection = True  # rather than read what we refuse
            raise RequestError(
                f"the body has {size} bytes, more than the limit of {limit}",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
        raw = self.rfile.read(size)
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RequestError(f"the body is not valid JSON: {exc}") from None

    def _answer(self, status: HTTPStatus, body: dict, allow: str | None = None) -> None:
        try:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate in a record's other fields: escape it
            data = json.dumps(body).encode("ascii")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if allow is not None:
            self.send_header("Allow", allow)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # the base class's signature
        logger.info("%s %s", self.address_string(), format % args)


class CleanServer(ThreadingHTTPServer):
    """A threading HTTP server around one :class:`CleanService` (one request per thread).

    Port 0 binds a free port; :attr:`server_address` tells which.
    """

    daemon_threads = True

    def __init__(
        self,
        service: CleanService,
        host: str = HOST_DEFAULT,
        port: int = PORT_DEFAULT,
        *,
        max_request_bytes: int = MAX_REQUEST_BYTES_DEFAULT,
    ) -> None:
        self.service = service
        self.max_request_bytes = max_request_bytes
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """The server's base URL, e.g. ``http://127.0.0.1:8000``."""
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"


# --------------------------------------------------------------------------------------------
# Command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` options to ``parser`` (a subcommand parser)."""
    parser.description = (
        "Serve POST /clean and GET /health over HTTP with one loaded model "
        "(see docs/integrations.md)."
    )
    parser.epilog = SERVE_EPILOG
    group = parser.add_argument_group("Server")
    group.add_argument(
        "--host",
        default=HOST_DEFAULT,
        help="address to bind (default: %(default)s; no authentication: keep it on loopback "
        "or behind a proxy)",
    )
    group.add_argument(
        "--port",
        type=int,
        default=PORT_DEFAULT,
        help="port, 0 for any free one (default: %(default)s)",
    )
    group.add_argument(
        "--max-request-bytes",
        type=int,
        default=MAX_REQUEST_BYTES_DEFAULT,
        help="largest request body accepted; larger ones get 413 (default: %(default)s)",
    )
    group.add_argument(
        "--max-chars",
        type=int,
        default=MAX_ARTICLE_CHARS_DEFAULT,
        help="longest text cleaned; longer rows get the error too_long (default: %(default)s)",
    )
    group = parser.add_argument_group("Model")
    group.add_argument(
        "--model",
        metavar="PATH_OR_URI",
        help="model folder or MLflow URI (default: the shipped model)",
    )
    group.add_argument(
        "--threshold",
        type=float,
        help="default boilerplate probability at which a paragraph is removed; a request's "
        '"threshold" overrides it (default: the model\'s)',
    )
    parser.set_defaults(handler=run_serve, validate=validate_args)


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Check the options argparse cannot; usage errors exit with status 2."""
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be in [0, 65535], got {args.port}")
    for option in ("max_request_bytes", "max_chars"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    if args.threshold is not None:
        try:
            check_threshold(args.threshold, "--threshold")
        except (TypeError, ValueError) as exc:
            parser.error(str(exc))


def run_serve(args: argparse.Namespace) -> int:
    """Run ``newsclean serve`` until interrupted; return the exit code (0 stopped, 2 model or
    address error)."""
    try:
        service = CleanService(model=args.model, threshold=args.threshold, max_chars=args.max_chars)
    except Exception as exc:  # reported as a configuration error
        print(f"newsclean serve: error: cannot load model: {exc}", file=sys.stderr)
        return 2
    try:
        server = CleanServer(
            service, args.host, args.port, max_request_bytes=args.max_request_bytes
        )
    except OSError as exc:
        print(
            f"newsclean serve: error: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 2
    if args.host not in _LOOPBACK:
        logger.warning("listening on %s: the server has no authentication or TLS", args.host)
    model = service.health()["model"]
    print(
        f"newsclean serve: listening on {server.url} (POST /clean, GET /health); model "
        f"{model['source']} sha256 {model['sha256'][:12]} threshold {model['threshold']:.4f}; "
        "Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("newsclean serve: stopped", file=sys.stderr)
    return 0


__all__ = [
    "HOST_DEFAULT",
    "MAX_REQUEST_BYTES_DEFAULT",
    "PORT_DEFAULT",
    "CleanServer",
    "CleanService",
    "RequestError",
    "add_arguments",
    "run_serve",
    "validate_args",
]
