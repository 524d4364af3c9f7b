"""What every fake vendor server shares: a threaded HTTP/1.1 server on 127.0.0.1 (port 0,
``soundmosaic_local.http_server``),
a record of the requests it got, and faults to inject into the next requests.

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
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from soundmosaic_local.http_server import LocalHttpServer


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


@dataclass
class _Fault:
    kind: str  # "fail" or "hang"
    status: int = 500
    seconds: float = 0.0
    retry_after: float | None = None
    path: str | None = None


class FakeServer:
    """Base of the fakes. ``route(request) -> Response`` answers one recorded request."""

    name = "fake"

    def __init__(self) -> None:
        self._requests: list[Recorded] = []
        self._faults: deque[_Fault] = deque()
        self._refusals = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: LocalHttpServer | None = None

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = LocalHttpServer(self._handle, name=f"{self.name}-server").start()
        return self

    def close(self) -> None:
        self._closing.set()  # ends hangs now
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first (use it as a context manager)"
        return self._server.url

    # --- what tests tell it and read from it --------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def fail_next(self, n: int = 1, status: int = 500, *, retry_after: float | None = None,
                  path: str | None = None) -> None:
        """Answer the next ``n`` requests with ``status`` in the vendor's error shape."""
        with self._lock:
            self._faults.extend(_Fault("fail", status=status, retry_after=retry_after, path=path)
                                for _ in range(n))

    def hang_next(self, n: int = 1, seconds: float = 5.0, *, path: str | None = None) -> None:
        """Hold the next ``n`` requests for ``seconds`` before answering them (as a slow server)."""
        with self._lock:
            self._faults.extend(_Fault("hang", seconds=seconds, path=path) for _ in range(n))

    def refuse_next(self, n: int = 1) -> None:
        """Refuse (or flag as NSFW) the next ``n`` generations; what that looks like is the vendor's."""
        with self._lock:
            self._refusals += n

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._faults.clear()
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

    def _fault_for(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or path.startswith(fault.path):
                    self._faults.remove(fault)
                    return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Recorded(handler.command, unquote(parts.path), dict(parse_qsl(parts.query)),
                           {k.lower(): v for k, v in handler.headers.items()}, body)
        with self._lock:
            self._requests.append(request)
        fault = self._fault_for(request.path)
        if fault and fault.kind == "hang":
            self._closing.wait(fault.seconds)
            fault = None
        if fault:
            response = self.error(fault.status, f"injected failure ({fault.status})")
            if fault.retry_after is not None:
                response.headers["Retry-After"] = f"{fault.retry_after:g}"
        else:
            try:
                response = self.route(request)
            except Exception as exc:  # a fake bug shows up as a 500 with its reason
                response = self.error(500, f"fake {self.name} crashed: {type(exc).__name__}: {exc}")
        try:
            handler.send_response(response.status)
            handler.send_header("Content-Type", response.content_type)
            handler.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
