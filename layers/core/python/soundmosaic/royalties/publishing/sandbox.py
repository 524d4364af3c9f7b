"""A local sandbox distributor: a real HTTP server speaking the distributor API of ``distributor``.

It is the embedded runtime's default distributor and the tests' server. It checks the token,
validates the release (ISRC, splits summing to exactly 100 %), keeps releases in memory (and in
``data_dir/state.json`` when given, so it survives a restart), and honours ``Idempotency-Key``:
the same key with the same request replays the first successful answer (header
``Idempotent-Replayed: true``) and does nothing again; the same key with another request is 409.
Errors are ``{"message": ...}``; only successful answers are remembered under their key.

Usage::

    with SandboxDistributor(token="local-token") as sandbox:   # 127.0.0.1, a free port
        os.environ.update(sandbox.env())   # SOUNDMOSAIC_DISTRIBUTOR_URL / _TOKEN
        sandbox.fail_next(2, 500)          # the next 2 requests answer 500 (not processed)
        sandbox.hang_next(1, 3.0)          # the next request is answered after 3 s (processed)
        sandbox.releases                   # {release id: its record}

``start()`` / ``stop()`` do the same without ``with``; ``stop`` ends hanging requests at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import deque
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self

from soundmosaic.platform import clock
from soundmosaic.platform.local_http import LocalHttpServer

_RELEASE = re.compile(r"^/v1/releases/([A-Za-z0-9._-]+)(?:/(audio|artwork|submit))?$")
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")


@dataclass
class _Fault:
    kind: str  # "fail" or "hang"
    status: int = 500
    seconds: float = 0.0
    message: str = ""
    path: str | None = None


class _Reply(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, {"message": message})


class SandboxDistributor:
    """The sandbox server. ``port=0`` picks a free port; ``url`` says which."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str = "sandbox-token",  # noqa: S107 - a local sandbox
                 auth_header: str = "Authorization", data_dir: Path | None = None) -> None:
        self.host, self.port, self.token, self.auth_header = host, port, token, auth_header
        self.data_dir = data_dir
        self._releases: dict[str, dict[str, Any]] = {}
        self._replies: dict[str, dict[str, Any]] = {}
        self._faults: deque[_Fault] = deque()
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._server: LocalHttpServer | None = None
        self._load()

    # --- life cycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        self._closing.clear()
        self._server = LocalHttpServer(self._handle, self.host, self.port, "sandbox-distributor").start()
        return self

    def stop(self) -> None:
        self._closing.set()  # ends hanging requests now
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the sandbox first"
        return self._server.url

    def env(self) -> dict[str, str]:
        env = {"SOUNDMOSAIC_DISTRIBUTOR_URL": self.url, "SOUNDMOSAIC_DISTRIBUTOR_TOKEN": self.token}
        if self.auth_header.lower() != "authorization":
            env["SOUNDMOSAIC_DISTRIBUTOR_AUTH_HEADER"] = self.auth_header
        return env

    # --- test switches and views ------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, message: str = "", path: str | None = None) -> None:
        """Answer the next ``n`` requests (under ``path``) with ``status``, without doing them."""
        with self._lock:
            self._faults.extend(_Fault("fail", status, message=message or f"sandbox failure ({status})",
                                       path=path) for _ in range(n))

    def hang_next(self, n: int = 1, seconds: float = 5.0, path: str | None = None) -> None:
        """Hold the next ``n`` requests for ``seconds`` (or until ``stop``), then do them."""
        with self._lock:
            self._faults.extend(_Fault("hang", seconds=seconds, path=path) for _ in range(n))

    @property
    def releases(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return json.loads(json.dumps(self._releases))

    # --- plumbing ---------------------------------------------------------------------------------

    def _fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or path.startswith(fault.path):
                    self._faults.remove(fault)
                    return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        method, path = handler.command, handler.path.split("?", 1)[0]
        with self._lock:
            self.requests.append((method, path))
        fault = self._fault(path)
        if fault and fault.kind == "hang":
            self._closing.wait(fault.seconds)
        status, reply, replayed = 500, {"message": "sandbox error"}, False
        try:
            if fault and fault.kind == "fail":
                raise _error(fault.status, fault.message)
            self._authorize(handler)
            status, reply, replayed = self._idempotent(handler, method, path, body)
        except _Reply as answer:
            status, reply = answer.status, answer.body
        except Exception as exc:  # a sandbox bug is a 500 with its reason
            status, reply = 500, {"message": f"sandbox crashed: {type(exc).__name__}: {exc}"}
        data = json.dumps(reply, sort_keys=True).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            if replayed:
                handler.send_header("Idempotent-Replayed", "true")
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out)

    def _authorize(self, handler: BaseHTTPRequestHandler) -> None:
        if not self.token:
            return
        expected = f"Bearer {self.token}" if self.auth_header.lower() == "authorization" else self.token
        if handler.headers.get(self.auth_header) != expected:
            raise _error(401, f"missing or invalid credentials in {self.auth_header}")

    def _idempotent(self, handler: BaseHTTPRequestHandler, method: str, path: str,
                    body: bytes) -> tuple[int, dict[str, Any], bool]:
        key = handler.headers.get("Idempotency-Key")
        fingerprint = hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()
        with self._lock:  # one request at a time: the sandbox favours simple over fast
            if key and method != "GET":
                seen = self._replies.get(key)
                if seen and seen["fingerprint"] != fingerprint:
                    raise _error(409, f"Idempotency-Key {key!r} was used for a different request")
                if seen:
                    return seen["status"], seen["body"], True
            status, reply = self._route(handler, method, path, body)
            if key and method != "GET":
                self._replies[key] = {"fingerprint": fingerprint, "status": status, "body": reply}
            self._save()
            return status, reply, False

    def _route(self, handler: BaseHTTPRequestHandler, method: str, path: str,
               body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/v1/releases":
            return self._create(_json(body))
        match = _RELEASE.match(path)
        if not match:
            raise _error(404, f"no route {method} {path}")
        release_id, action = match.groups()
        record = self._releases.get(release_id)
        if record is None:
            raise _error(404, f"release {release_id} not found")
        if method == "GET" and action is None:
            return 200, _view(record)
        if method == "PUT" and action in ("audio", "artwork"):
            return self._upload(record, action, body, handler.headers.get("X-Content-SHA256"),
                                handler.headers.get("Content-Type", ""))
        if method == "POST" and action == "submit":
            return self._submit(record)
        raise _error(405, f"{method} is not allowed on {path}")

    def _create(self, meta: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problems = _problems(meta)
        if problems:
            raise _error(422, "; ".join(problems))
        record = self._releases.get(meta["release_id"])
        if record and record["content_hash"] == meta["content_hash"]:
            return 200, _view(record)
        if record and record["status"] == "submitted":
            raise _error(409, f"release {meta['release_id']} is already submitted with other content")
        self._releases[meta["release_id"]] = {
            "id": meta["release_id"], "content_hash": meta["content_hash"], "metadata": meta,
            "status": "draft", "files": {}, "created_at": clock.iso(), "submissions": 0}
        return (200 if record else 201), _view(self._releases[meta["release_id"]])

    def _upload(self, record: dict[str, Any], what: str, body: bytes, claimed: str | None,
                content_type: str) -> tuple[int, dict[str, Any]]:
        digest = hashlib.sha256(body).hexdigest()
        if claimed and claimed != digest:
            raise _error(400, f"{what} body has sha256 {digest}, X-Content-SHA256 says {claimed}")
        expected = record["metadata"][what]["sha256"]
        if digest != expected:
            raise _error(422, f"{what} sha256 {digest} does not match the release's {expected}")
        if not content_type.startswith("audio/" if what == "audio" else "image/"):
            raise _error(415, f"{what} must not be {content_type or 'untyped'}")
        record["files"][what] = {"sha256": digest, "size": len(body), "content_type": content_type}
        if self.data_dir:
            folder = self.data_dir / "files" / record["id"]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / what).write_bytes(body)
        return 200, _view(record)

    def _submit(self, record: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        missing = [what for what in ("audio", "artwork") if what not in record["files"]]
        if missing:
            raise _error(409, f"release {record['id']} has no {' and no '.join(missing)} yet")
        if record["status"] != "submitted":
            record.update(status="submitted", submitted_at=clock.iso(), submissions=record["submissions"] + 1)
        return 200, _view(record)

    def _load(self) -> None:
        state = self.data_dir / "state.json" if self.data_dir else None
        if state and state.is_file():
            saved = json.loads(state.read_text())
            self._releases, self._replies = saved["releases"], saved["replies"]

    def _save(self) -> None:
        if not self.data_dir:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        temp = self.data_dir / "state.json.tmp"
        temp.write_text(json.dumps({"releases": self._releases, "replies": self._replies}, sort_keys=True))
        os.replace(temp, self.data_dir / "state.json")


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body, parse_float=Decimal)
    except ValueError as err:
        raise _error(400, f"body is not JSON: {err}") from err
    if not isinstance(value, dict):
        raise _error(400, "body must be a JSON object")
    return value


def _view(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "status": record["status"], "content_hash": record["content_hash"],
            "files": sorted(record["files"]), "submissions": record["submissions"],
            "submitted_at": record.get("submitted_at")}


def _problems(meta: dict[str, Any]) -> list[str]:
    problems = [f"{name} is required" for name in ("release_id", "title", "artist", "isrc", "content_hash",
                                                   "audio", "artwork", "splits") if not meta.get(name)]
    if problems:
        return problems
    if not _RELEASE.match(f"/v1/releases/{meta['release_id']}"):
        problems.append(f"release_id {meta['release_id']!r} is not valid")
    if not _ISRC.fullmatch(str(meta["isrc"])):
        problems.append(f"isrc {meta['isrc']!r} is not an ISRC")
    try:
        shares = [Decimal(str(s["share_percent"])) for s in meta["splits"]]
    except (KeyError, TypeError, InvalidOperation):
        return [*problems, "splits must be [{holder_id, share_percent}] with decimal shares"]
    if any(s <= 0 for s in shares) or sum(shares, Decimal(0)) != 100:
        problems.append(f"splits must be positive and sum to 100, they sum to {sum(shares, Decimal(0))}")
    return problems
