"""What every fake vendor server shares: a threaded HTTP/1.1 server on 127.0.0.1 (port 0) with
faults to inject into the next requests (``soundmosaic_local.http_server.LocalService``), and a
record of the requests it got.

A fake is a context manager::

    with FakeOpenAI() as fake:
        fake.url               # http://127.0.0.1:PORT (the server root)
        fake.env()             # the variables that point a client at it (key, base URL)
        fake.fail_next(2, 500) # the next 2 requests answer 500 (vendor's error shape)
        fake.hang_next(1, 3)   # the next request waits 3 s before it is answered
        fake.refuse_next()     # the next generation is refused / flagged NSFW
        fake.requests          # [Recorded(method, path, query, headers, body)], oldest first

Faults are consumed in the order they were added, one per request; ``path=`` limits a fault
to requests whose path starts with it. Subclasses implement ``route`` and ``error``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from soundmosaic_local.http_server import LocalService, reply


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it (header names lower-cased, path percent-decoded)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(payload).encode(), "application/json", headers or {})


class FakeServer(LocalService):
    """Base of the fakes. ``route(request) -> Response`` answers one recorded request."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self._requests: list[Recorded] = []
        self._refusals = 0
        self._lock = threading.Lock()

    # --- what tests tell it and read from it --------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def refuse_next(self, n: int = 1) -> None:
        """Refuse (or flag as NSFW) the next ``n`` generations; what that looks like is the vendor's."""
        with self._lock:
            self._refusals += n

    def reset(self) -> None:
        self.clear_faults()
        with self._lock:
            self._requests.clear()
            self._refusals = 0

    # --- for subclasses ---------------------------------------------------------------------------

    def route(self, request: Recorded) -> Response:
        raise NotImplementedError

    def error(self, status: int, message: str) -> Response:
        return Response.of_json({"error": message}, status)

    def take_refusal(self) -> bool:
        with self._lock:
            if self._refusals:
                self._refusals -= 1
                return True
            return False

    # --- plumbing ---------------------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Recorded(handler.command, unquote(parts.path), dict(parse_qsl(parts.query)),
                           {k.lower(): v for k, v in handler.headers.items()}, body)
        with self._lock:
            self._requests.append(request)
        fault = self.take_fault(request.path)  # a hang is waited out here, then answered
        if fault:
            response = self.error(fault.status, fault.message or f"injected failure ({fault.status})")
            if fault.retry_after is not None:
                response.headers["Retry-After"] = f"{fault.retry_after:g}"
        else:
            try:
                response = self.route(request)
            except Exception as exc:  # a fake bug shows up as a 500 with its reason
                response = self.error(500, f"fake {self.name} crashed: {type(exc).__name__}: {exc}")
        reply(handler, response.status, response.body, response.content_type, response.headers)
