"""The distributor's REST API over httpx: create a release, upload its files, submit it.

Endpoints (JSON unless said otherwise)::

    POST /v1/releases                   the release's metadata and rights splits -> {"id", "status"}
    PUT  /v1/releases/{id}/audio        the audio bytes (Content-Type audio/*, X-Content-SHA256)
    PUT  /v1/releases/{id}/artwork      the artwork bytes (image/png or image/jpeg)
    POST /v1/releases/{id}/submit       hand the release to the stores -> {"status": "submitted"}
    GET  /v1/releases/{id}              its status

Every write carries ``Idempotency-Key: <release id>:<content hash>:<step>``: a retry after a
timeout is the same request, and the distributor answers it again instead of doing it twice.
Errors are ``DistributorError`` with ``retryable`` set for 5xx, 429, timeouts and connection
failures, and clear for other 4xx, whose message is the distributor's own.

Environment variables
---------------------
SOUNDMOSAIC_DISTRIBUTOR_URL
    Root of the distributor's API (the local sandbox's URL by default in the embedded runtime).
SOUNDMOSAIC_DISTRIBUTOR_TOKEN
    Sent as ``Authorization: Bearer <token>``, or in the header named by
    SOUNDMOSAIC_DISTRIBUTOR_AUTH_HEADER (e.g. ``X-Api-Key``) when that is set.
SOUNDMOSAIC_DISTRIBUTOR_TIMEOUT_S
    Seconds to wait for an answer (default 30).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from soundmosaic.publishing.release import AUDIO_FORMATS, IMAGE_FORMATS, Release

if TYPE_CHECKING:  # httpx (and the rich it pulls in) only once a request is sent: see ``_http``
    import httpx


class DistributorError(Exception):
    """A call that failed: ``retryable`` (try again later) or permanent (fix the release)."""

    def __init__(self, step: str, message: str, *, retryable: bool, status: int | None = None) -> None:
        where = f"{step}: HTTP {status}" if status else step
        super().__init__(f"{where}: {message}")
        self.step, self.message, self.retryable, self.status = step, message, retryable, status


@dataclass(frozen=True)
class DistributorConfig:
    base_url: str
    token: str = ""
    auth_header: str = "Authorization"  # "Authorization" sends "Bearer <token>"; any other the token
    timeout_s: float = 30.0

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> DistributorConfig:
        env = os.environ if env is None else env
        url = env.get("SOUNDMOSAIC_DISTRIBUTOR_URL")
        if not url:
            raise RuntimeError("SOUNDMOSAIC_DISTRIBUTOR_URL is not set: point it at the distributor's API "
                               "(locally, the sandbox distributor's URL)")
        return DistributorConfig(url, env.get("SOUNDMOSAIC_DISTRIBUTOR_TOKEN", ""),
                                 env.get("SOUNDMOSAIC_DISTRIBUTOR_AUTH_HEADER") or "Authorization",
                                 float(env.get("SOUNDMOSAIC_DISTRIBUTOR_TIMEOUT_S") or 30))

    def headers(self) -> dict[str, str]:
        if not self.token:
            return {}
        if self.auth_header.lower() == "authorization":
            return {"Authorization": f"Bearer {self.token}"}
        return {self.auth_header: self.token}


def idempotency_key(release: Release, step: str) -> str:
    return f"{release.release_id}:{release.content_hash()}:{step}"


class DistributorClient:
    """One distributor. ``close()`` (or ``with``) releases its connections.

    The HTTP client is made on the first request: the API's outbox only requests and reads
    publications and never calls the distributor, so it never imports httpx.
    """

    def __init__(self, config: DistributorConfig) -> None:
        self.config = config
        self._client: httpx.Client | None = None

    @property
    def _http(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(base_url=self.config.base_url.rstrip("/"),
                                        headers=self.config.headers(), timeout=self.config.timeout_s)
        return self._client

    def create(self, release: Release) -> dict[str, Any]:
        payload = {**release.to_dict(), "content_hash": release.content_hash()}
        return self._call("create", "POST", "/v1/releases", release, json=payload)

    def upload_audio(self, release: Release, data: bytes) -> dict[str, Any]:
        return self._upload("audio", release, data, AUDIO_FORMATS[release.audio.format])

    def upload_artwork(self, release: Release, data: bytes) -> dict[str, Any]:
        return self._upload("artwork", release, data, IMAGE_FORMATS[release.artwork.format])

    def submit(self, release: Release) -> dict[str, Any]:
        return self._call("submit", "POST", f"/v1/releases/{release.release_id}/submit", release, json={})

    def status(self, release_id: str) -> dict[str, Any]:
        return self._call("status", "GET", f"/v1/releases/{release_id}", None)

    def _upload(self, what: str, release: Release, data: bytes, content_type: str) -> dict[str, Any]:
        headers = {"Content-Type": content_type, "X-Content-SHA256": hashlib.sha256(data).hexdigest()}
        return self._call(what, "PUT", f"/v1/releases/{release.release_id}/{what}", release,
                          content=data, headers=headers)

    def _call(self, step: str, method: str, path: str, release: Release | None, *,
              headers: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
        import httpx

        headers = dict(headers or {})
        if release is not None:
            headers["Idempotency-Key"] = idempotency_key(release, step)
        try:
            reply = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise DistributorError(step, f"no answer within {self.config.timeout_s:g} s (timed out)",
                                   retryable=True) from exc
        except httpx.TransportError as exc:
            raise DistributorError(step, f"connection failed: {exc}", retryable=True) from exc
        if reply.status_code >= 400:
            retryable = reply.status_code >= 500 or reply.status_code in (408, 429)
            raise DistributorError(step, _message(reply), retryable=retryable, status=reply.status_code)
        try:
            body = reply.json()
        except ValueError as exc:
            raise DistributorError(step, f"answer is not JSON: {reply.text[:200]!r}", retryable=True) from exc
        return body if isinstance(body, dict) else {"body": body}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> DistributorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _message(reply: httpx.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return reply.text[:500] or reply.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:500]
    return str(body)[:500]
