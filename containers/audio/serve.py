"""The SageMaker container contract for the audio worker: an HTTP server on port 8080.

``GET /ping``
    200 ``{"status": "ok", ...}`` once the worker imports and every configured model directory
    is readable; 503 with the reason otherwise. Answered while a job runs.
``POST /invocations``
    The body is the JSON event the ``audio`` Lambda function takes (``{"action": "separate",
    "artist_id": ..., "track_id": ..., "job_id": ..., ...}``); the reply is the handler's JSON
    result. For an asynchronous endpoint SageMaker reads the body from the request's S3 input
    location and writes the reply (or the error) to the endpoint's output (failure) path, so
    the same server serves real-time and asynchronous endpoints alike.

Errors have the shape Lambda reports, ``{"errorType": ..., "errorMessage": ...}``: 400 for a
request the worker cannot take (bad JSON, unknown action, missing or invalid fields: the
handler's ``KeyError``/``ValueError``/``TypeError``), 404 when the track or job does not exist,
409 when a stage's inputs are missing (run the earlier stage first), 503 when a model is
unavailable, 500 for anything else.

The work is done by ``functions.audio.app.handler``, the Lambda handler itself, called with a
small Lambda-like context: one code path on Lambda, SageMaker and a laptop. A body with a
``task_token`` (the GPU path of the audio state machine, ``soundmosaic.audio.remote``) is also
answered to Step Functions: ``SendTaskSuccess`` with the result or ``SendTaskFailure`` with the
error's type, heartbeats meanwhile.

Environment variables
---------------------
SAGEMAKER_BIND_TO_PORT
    Port to listen on (default 8080, SageMaker's).
SOUNDMOSAIC_SERVE_CONCURRENCY
    Invocations run at once (default 1: a job takes the whole GPU; the endpoint config sends one
    request per instance at a time anyway).
SOUNDMOSAIC_DEMUCS_MODELS, SOUNDMOSAIC_WHISPER_MODEL
    The baked model directories; ``/ping`` checks each one that is set and is a path.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8080
MAX_BODY_BYTES = 16 * 1024 * 1024  # events carry ids and S3 keys, never media
# SageMaker asynchronous inference lets one request run for up to an hour.
INVOCATION_BUDGET_S = 3600
MODEL_DIR_VARIABLES = ("SOUNDMOSAIC_DEMUCS_MODELS", "SOUNDMOSAIC_WHISPER_MODEL")
HANDLER = "functions.audio.app:handler"

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class InvocationContext:
    """What the Lambda handler (and Powertools) read from a Lambda context object."""

    aws_request_id: str
    deadline: float
    function_name: str = "soundmosaic-audio-sagemaker"
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    memory_limit_in_mb: int = 0
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def status_for(error: BaseException) -> int:
    """HTTP status for an exception raised by the handler (see the module docstring)."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if names & {"TrackNotFound", "JobNotFound"}:
        return 404
    if "StageInputMissing" in names:
        return 409
    if names & {"ModelUnavailable", "ModelsMissing"}:
        return 503
    if isinstance(error, KeyError | ValueError | TypeError):
        return 400
    return 500


def error_body(error: BaseException) -> dict[str, str]:
    message = f"missing field {error.args[0]!r}" if type(error) is KeyError and error.args \
        else str(error)
    return {"errorType": type(error).__name__, "errorMessage": message}


def _memory_mb() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20)
    except (ValueError, OSError, AttributeError):
        return 0


@dataclass
class Worker:
    """Imports the handler once, runs invocations one (or ``concurrency``) at a time."""

    handler_path: str = HANDLER
    model_dirs: Mapping[str, str] | None = None  # default: the MODEL_DIR_VARIABLES that are set
    concurrency: int = 1
    _handler: Handler | None = field(default=None, init=False, repr=False)
    _load_error: str | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _slots: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(max(1, self.concurrency))

    def load(self) -> Handler | None:
        with self._lock:
            if self._handler is None and self._load_error is None:
                module, attribute = self.handler_path.split(":")
                try:
                    imported = __import__(module, fromlist=[attribute])
                    self._handler = getattr(imported, attribute)
                except Exception as err:  # the worker cannot run: /ping says why
                    self._load_error = f"cannot import {self.handler_path}: {type(err).__name__}: {err}"
            return self._handler

    def configured_model_dirs(self) -> dict[str, str]:
        if self.model_dirs is not None:
            return dict(self.model_dirs)
        return {name: os.environ[name] for name in MODEL_DIR_VARIABLES if os.environ.get(name)}

    def health(self) -> tuple[bool, dict[str, Any]]:
        problems: list[str] = []
        if self.load() is None:
            problems.append(self._load_error or "handler not loaded")
        models = {}
        for name, raw in self.configured_model_dirs().items():
            path = Path(raw)
            # A bare model name (not a path) is resolved by the library; only paths are checked.
            if not path.is_absolute():
                continue
            readable = path.is_dir() and os.access(path, os.R_OK | os.X_OK) and any(path.iterdir())
            models[name] = str(path)
            if not readable:
                problems.append(f"{name}={path} is not a readable, non-empty directory")
        body: dict[str, Any] = {"status": "ok" if not problems else "unhealthy", "models": models}
        if problems:
            body["problems"] = problems
        return not problems, body

    def invoke(self, event: dict[str, Any]) -> Any:
        handler = self.load()
        if handler is None:
            raise RuntimeError(self._load_error or "handler not loaded")
        context = InvocationContext(
            aws_request_id=str(uuid.uuid4()),
            deadline=time.monotonic() + INVOCATION_BUDGET_S,
            memory_limit_in_mb=_memory_mb(),
        )
        with self._slots:
            return handler(event, context)


class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "soundmosaic-audio"
    protocol_version = "HTTP/1.1"
    worker: Worker  # set on the subclass made by make_server

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/ping":
            self._reply(404, {"errorType": "NotFound", "errorMessage": f"no route GET {self.path}"})
            return
        healthy, body = self.worker.health()
        self._reply(200 if healthy else 503, body)

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != "/invocations":
            self._reply(404, {"errorType": "NotFound", "errorMessage": f"no route POST {self.path}"})
            return
        try:
            event = self._event()
        except ValueError as err:
            self._reply(413 if "too large" in str(err) else 400,
                        {"errorType": "InvalidRequest", "errorMessage": str(err)})
            return
        token = event.pop("task_token", None)
        try:
            if isinstance(token, str):
                # The GPU path of a state machine (soundmosaic.audio.remote): answer its task
                # token here, with heartbeats while the stage runs; Step Functions waits.
                from soundmosaic.platform import tasktoken

                result = tasktoken.answer(token, lambda: self.worker.invoke(event))
            else:
                result = self.worker.invoke(event)
        except Exception as err:
            status = status_for(err)
            if status >= 500:
                traceback.print_exc(file=sys.stderr)
            self._reply(status, error_body(err))
            return
        self._reply(200, result)

    def _event(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError(f"request body too large ({length} bytes; at most {MAX_BODY_BYTES})")
        raw = self.rfile.read(length) if length else b""
        try:
            event = json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"the body is not JSON: {err}") from None
        if not isinstance(event, dict):
            raise ValueError('the body must be a JSON object, e.g. {"action": "separate", ...}')
        if not isinstance(event.get("action"), str):
            raise ValueError("the event needs an 'action' (a string)")
        return event

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        if not self.path.startswith("/ping"):  # SageMaker pings every few seconds
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(worker: Worker | None = None, host: str = "0.0.0.0", port: int | None = None,  # noqa: S104
                ) -> ThreadingHTTPServer:
    """A threaded server (``/ping`` answers while a job runs); ``port=0`` picks a free one."""
    handler_class = type("RequestHandler", (_RequestHandler,), {"worker": worker or Worker()})
    if port is None:
        port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT") or DEFAULT_PORT)
    server = ThreadingHTTPServer((host, port), handler_class)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SageMaker /ping + /invocations for the audio worker")
    parser.add_argument("--port", type=int)
    parser.add_argument("--check", action="store_true",
                        help="print the health report and exit non-zero when unhealthy")
    args = parser.parse_args(argv)
    # No X-Ray daemon beside a SageMaker container (Powertools only traces inside Lambda).
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    worker = Worker(concurrency=int(os.environ.get("SOUNDMOSAIC_SERVE_CONCURRENCY") or 1))
    healthy, report = worker.health()  # import the worker before the first ping
    if args.check:
        print(json.dumps(report, indent=2))
        sys.exit(0 if healthy else 1)
    server = make_server(worker, port=args.port)

    def stop(signum: int, frame: Any) -> None:  # SageMaker stops containers with SIGTERM
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"serving on port {server.server_address[1]}: {json.dumps(report)}", file=sys.stderr,
          flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
