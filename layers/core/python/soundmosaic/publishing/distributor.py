"""The distributor's REST API over the standard library: create a release, upload its files, submit it.

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

HTTP goes through ``urllib.request``: the ``publishing`` zip function gets only the Powertools and
core layers, so a third-party client (httpx) would not be there, and four requests per release
need no connection pool. Redirects are not followed (a 3xx is an answer, as it was with httpx),
and JSON bodies are encoded as httpx encoded them, so a retry of a request sent before is the
same bytes under the same ``Idempotency-Key``.

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
import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from soundmosaic.publishing.release import AUDIO_FORMATS, IMAGE_FORMATS, Release

USER_AGENT = "soundmosaic-publishing"


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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is the distributor's answer, not somewhere else to send the release."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class DistributorClient:
    """One distributor. ``close()`` (or ``with``) ends its use; every request has its own connection."""

    def __init__(self, config: DistributorConfig) -> None:
        self.config = config
        self._base_url = config.base_url.rstrip("/")
        if not self._base_url.lower().startswith(("https://", "http://")):
            raise ValueError(f"the distributor URL must be http(s)://..., not {config.base_url!r}")
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **config.headers()}
        self._opener = urllib.request.build_opener(_NoRedirects)

    def create(self, release: Release) -> dict[str, Any]:
        payload = {**release.to_dict(), "content_hash": release.content_hash()}
        return self._call("create", "POST", "/v1/releases", release, json_body=payload)

    def upload_audio(self, release: Release, data: bytes) -> dict[str, Any]:
        return self._upload("audio", release, data, AUDIO_FORMATS[release.audio.format])

    def upload_artwork(self, release: Release, data: bytes) -> dict[str, Any]:
        return self._upload("artwork", release, data, IMAGE_FORMATS[release.artwork.format])

    def submit(self, release: Release) -> dict[str, Any]:
        return self._call("submit", "POST", f"/v1/releases/{release.release_id}/submit", release,
                          json_body={})

    def status(self, release_id: str) -> dict[str, Any]:
        return self._call("status", "GET", f"/v1/releases/{release_id}", None)

    def _upload(self, what: str, release: Release, data: bytes, content_type: str) -> dict[str, Any]:
        headers = {"Content-Type": content_type, "X-Content-SHA256": hashlib.sha256(data).hexdigest()}
        return self._call(what, "PUT", f"/v1/releases/{release.release_id}/{what}", release,
                          content=data, headers=headers)

    def _call(self, step: str, method: str, path: str, release: Release | None, *,
              headers: dict[str, str] | None = None, content: bytes | None = None,
              json_body: Any = None) -> dict[str, Any]:
        headers = {**self._headers, **(headers or {})}
        if json_body is not None:
            content = _encode_json(json_body)
            headers["Content-Type"] = "application/json"
        if release is not None:
            headers["Idempotency-Key"] = idempotency_key(release, step)
        # http(s) only: checked in __init__.
        request = urllib.request.Request(self._base_url + path, data=content, headers=headers,  # noqa: S310
                                         method=method)
        try:
            try:
                with self._opener.open(request, timeout=self.config.timeout_s) as reply:
                    status, reason, body = reply.status, reply.reason, reply.read()
            except urllib.error.HTTPError as answer:  # 4xx, 5xx and unfollowed 3xx: an answer
                with answer:
                    status, reason, body = answer.code, str(answer.reason), answer.read()
        except TimeoutError as exc:
            raise self._timed_out(step) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timed_out(step) from exc
            raise DistributorError(step, f"connection failed: {exc.reason}", retryable=True) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise DistributorError(step, f"connection failed: {exc!r}", retryable=True) from exc
        if status >= 400:
            retryable = status >= 500 or status in (408, 429)
            raise DistributorError(step, _message(body, reason), retryable=retryable, status=status)
        try:
            answer_body = json.loads(body)
        except ValueError as exc:
            text = body.decode("utf-8", "replace")
            raise DistributorError(step, f"answer is not JSON: {text[:200]!r}", retryable=True) from exc
        return answer_body if isinstance(answer_body, dict) else {"body": answer_body}

    def _timed_out(self, step: str) -> DistributorError:
        return DistributorError(step, f"no answer within {self.config.timeout_s:g} s (timed out)",
                                retryable=True)

    def close(self) -> None:
        """Nothing stays open between requests; kept so callers may treat it as a resource."""

    def __enter__(self) -> DistributorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _encode_json(value: Any) -> bytes:
    """JSON as httpx sent it (compact, UTF-8): the same request is the same bytes after a retry."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _message(body: bytes, reason: str) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:500] or reason
    if isinstance(parsed, dict):
        return str(parsed.get("message") or parsed.get("error") or parsed)[:500]
    return str(parsed)[:500]
