"""Pollinations images over plain HTTP (httpx): ``GET /prompt/{prompt}?width&height&seed&model``.

Pollinations needs no key but needs the network, so it is opt-in (``SOUNDMOSAIC_POLLINATIONS=1``).
It answers with a JPEG; results are PNGs of the requested size. A 4xx whose body speaks of
NSFW or a safety filter is ``ProviderRefused``.

Environment variables
---------------------
POLLINATIONS_BASE_URL
    Service root (default ``https://image.pollinations.ai``); tests point it at a local fake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from soundmosaic.providers.adapters import Adapter, as_png, status_error
from soundmosaic.providers.types import (
    ImageRequest,
    ProviderError,
    ProviderRefused,
    ProviderTimeout,
    Reply,
    Usage,
)

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

DEFAULT_BASE_URL = "https://image.pollinations.ai"
_FLAGGED = re.compile(r"nsfw|safety|content policy", re.I)


class PollinationsAdapter(Adapter):
    provider = "pollinations"

    def __init__(self, env: Mapping[str, str]) -> None:
        self._base_url = (env.get("POLLINATIONS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self._http = httpx.Client(follow_redirects=True)

    def image(self, entry: Entry, request: ImageRequest) -> Reply[bytes]:
        url = f"{self._base_url}/prompt/{quote(request.prompt, safe='')}"
        params = {**entry.params, "width": request.width, "height": request.height, "seed": request.seed,
                  "model": entry.model, "nologo": "true"}
        try:
            reply = self._http.get(url, params=params, timeout=entry.timeout_s)
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(self.provider, entry.capability,
                                  f"no answer within {entry.timeout_s:g} s") from exc
        except httpx.TransportError as exc:
            raise ProviderError(self.provider, entry.capability, f"connection failed: {exc}", True) from exc
        if 400 <= reply.status_code < 500 and _FLAGGED.search(reply.text):
            raise ProviderRefused(self.provider, entry.capability, reply.text[:200])
        if reply.status_code != 200:
            raise status_error(self.provider, entry.capability, reply.status_code, reply.text[:200],
                               reply.headers.get("retry-after"))
        if not reply.headers.get("content-type", "").startswith("image/"):
            raise ProviderError(self.provider, entry.capability,
                                f"expected an image, got {reply.headers.get('content-type')!r}", True)
        try:
            png = as_png(reply.content, request.width, request.height)
        except OSError as exc:
            raise ProviderError(self.provider, entry.capability,
                                f"the answer is not an image: {exc}") from exc
        return Reply(png, Usage())

    def close(self) -> None:
        self._http.close()
