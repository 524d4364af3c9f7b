"""Threaded HTTP/1.1 servers on localhost, for the local runtime and local stand-ins of services.

``LocalHttpServer`` serves on ``host:port`` (port 0: a free one) from a daemon thread; ``url``
says where and ``stop`` (or leaving ``with``) ends it. It answers either through
``handle(request_handler)``, called in the server's thread for every request (any method) and
writing the whole answer itself, or through a WSGI application (``app=``, werkzeug's threaded
server; the local API gateway and moto).

``StartStop`` gives ``with`` to anything with ``start``/``stop``. ``LocalService`` is the base
of local stand-ins of remote services (the sandbox distributor, the tests' fake vendor servers):
the server's life cycle and faults injected into the next requests; ``reply`` writes an answer.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from werkzeug.serving import WSGIRequestHandler

Handle = Callable[[BaseHTTPRequestHandler], None]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class StartStop:
    """``with`` for what has ``start() -> self`` and ``stop()`` (servers, the local stack)."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LocalHttpServer(StartStop):
    """One server in a daemon thread. Give it ``handle`` or ``app`` (a WSGI application)."""

    def __init__(self, handle: Handle | None = None, host: str = "127.0.0.1", port: int = 0,
                 name: str = "local-http", *, app: WsgiApp | None = None,
                 request_handler: type[WSGIRequestHandler] | None = None) -> None:
        assert (handle is None) != (app is None), "give handle or app"
        self.handle, self.app, self.request_handler = handle, app, request_handler
        self.host, self.port, self.name = host, port, name
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._server = self._make_server()
        # A short poll interval: stop() waits at most this long for the serving thread.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self.name,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        assert self._server is not None, f"start {self.name} first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _make_server(self) -> HTTPServer:
        if self.app is not None:
            from werkzeug.serving import make_server

            return make_server(self.host, self.port, self.app, threaded=True,
                               request_handler=self.request_handler)
        assert self.handle is not None
        handle: Handle = self.handle

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real services

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as two writes; without this, Nagle's algorithm and the
                # client's delayed ACK add ~40 ms to some answers.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                handle(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the owners keep their own record of requests

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        return server


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "application/json",
          headers: dict[str, str] | None = None) -> None:
    """Write a whole answer; a client that gave up (a timeout test) gets nothing, quietly."""
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass


@dataclass
class Fault:
    """One injected fault: ``fail`` answers ``status`` without doing the request; ``hang`` holds
    the request ``seconds`` (or until the service stops), then lets it through."""

    kind: str  # "fail" or "hang"
    status: int = 500
    seconds: float = 0.0
    message: str = ""  # "": the service's own wording
    retry_after: float | None = None
    path: str | None = None  # only requests whose path starts with it


class LocalService(StartStop):
    """A local stand-in of a remote HTTP service. Subclasses answer requests in ``handle``.

    ``start``/``stop`` (or ``with``) run it on ``host:port`` (port 0: a free one); ``url`` says
    where. Faults are consumed in the order they were added, one per request (``take_fault``);
    ``stop`` ends hanging requests at once.
    """

    name = "local-service"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._faults: deque[Fault] = deque()
        self._faults_lock = threading.Lock()
        self._closing = threading.Event()
        self._server: LocalHttpServer | None = None

    def start(self) -> Self:
        self._closing.clear()
        self._server = LocalHttpServer(self.handle, self.host, self.port, f"{self.name}-server").start()
        return self

    def stop(self) -> None:
        self._closing.set()  # ends hanging requests now
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, f"start the {self.name} server first (or use it with 'with')"
        return self._server.url

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    # --- faults ---------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, message: str = "", path: str | None = None, *,
                  retry_after: float | None = None) -> None:
        """Answer the next ``n`` requests (under ``path``) with ``status``, without doing them."""
        self._add_faults(n, Fault("fail", status, message=message, retry_after=retry_after, path=path))

    def hang_next(self, n: int = 1, seconds: float = 5.0, path: str | None = None) -> None:
        """Hold the next ``n`` requests (under ``path``) for ``seconds`` (or until ``stop``)."""
        self._add_faults(n, Fault("hang", seconds=seconds, path=path))

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        """The fault for a request to ``path``; a hang is waited out here (and then None)."""
        with self._faults_lock:
            fault = next((f for f in self._faults if f.path is None or path.startswith(f.path)), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is not None and fault.kind == "hang":
            self._closing.wait(fault.seconds)
            return None
        return fault

    def _add_faults(self, n: int, fault: Fault) -> None:
        with self._faults_lock:
            self._faults.extend(Fault(**vars(fault)) for _ in range(n))
