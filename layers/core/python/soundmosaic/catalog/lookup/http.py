"""JSON over HTTP for the catalog adapters (httpx): retries, Retry-After, politeness interval.

429, 408 and 5xx answers and timeouts are tried again up to ``attempts`` times, waiting
``Retry-After`` when the vendor sends it (capped at ``max_wait``), else 1, 2, 4 ... s. With
``min_interval`` the client never sends a request closer than that to the previous one or its
answer (MusicBrainz asks 1/s).
``sleep`` and ``clock`` are injectable so tests can see the waits without spending them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from soundmosaic.catalog.lookup import LookupFailed, LookupTimeout

RETRYABLE = {408, 429}


class JsonHttp:
    def __init__(self, source: str, base_url: str, headers: Mapping[str, str] | None = None, *,
                 timeout: float = 10.0, attempts: int = 3, min_interval: float = 0.0, max_wait: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source, self.base_url = source, base_url.rstrip("/")
        self._http = httpx.Client(headers=dict(headers or {}), timeout=timeout)
        self.timeout, self.attempts = timeout, attempts
        self.min_interval, self.max_wait = min_interval, max_wait
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None
        self._lock = threading.Lock()

    def _polite(self) -> None:
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last < self.min_interval:
                self._sleep(self.min_interval - (now - self._last))
                now = self._clock()
            self._last = now

    def _answered(self) -> None:
        """The interval counts from the previous answer too: that request surely arrived by then
        (stamped only at sending, a request slowed on its way lands closer to the next one)."""
        with self._lock:
            self._last = self._clock()

    def get(self, path: str, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> Any:
        error: LookupFailed | None = None
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(min(self.max_wait, _wait(error, attempt)))
            self._polite()
            try:
                reply = self._http.get(self.base_url + path, params=dict(params or {}),
                                       headers=dict(headers or {}))
            except httpx.TimeoutException:
                error = LookupTimeout(self.source, f"no answer within {self.timeout:g} s", None, True)
                continue
            except httpx.TransportError as exc:
                error = LookupFailed(self.source, f"connection failed: {exc}", None, True)
                continue
            finally:
                self._answered()
            if reply.status_code == 200:
                try:
                    return reply.json()
                except ValueError as exc:
                    raise LookupFailed(self.source, f"answer is not JSON: {reply.text[:100]!r}") from exc
            retryable = reply.status_code in RETRYABLE or reply.status_code >= 500
            error = LookupFailed(self.source, f"HTTP {reply.status_code}: {reply.text[:200]}",
                                 reply.status_code, retryable, reply.headers.get("retry-after"))
            if not retryable:
                raise error
        assert error is not None
        raise error

    def close(self) -> None:
        self._http.close()


def _wait(error: LookupFailed | None, attempt: int) -> float:
    text = error.retry_after if error else None
    if text and text.strip().replace(".", "", 1).isdigit():
        return float(text)
    return float(2 ** (attempt - 1))
