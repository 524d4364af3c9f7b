"""A small threaded HTTP/1.1 server on localhost for local stand-ins of remote services.

The embedded runtime's sandbox distributor and the tests' fake vendor servers both answer real
HTTP on a free port; this is the server part they share. ``handle(request_handler)`` is called
in the server's thread for every request (any method) and writes the whole answer itself.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LocalHttpServer:
    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None], host: str = "127.0.0.1",
                 port: int = 0, name: str = "local-http") -> None:
        self.handle, self.host, self.port, self.name = handle, host, port, name
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        handle = self.handle

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

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() waits at most this long for the serving thread.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self.name, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        assert self._server is not None, f"start {self.name} first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"
