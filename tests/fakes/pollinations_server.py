"""A fake Pollinations image service: ``GET /prompt/{prompt}?width&height&seed&model&nologo``.

Answers a JPEG of ``width`` x ``height`` (default 1024 square) that depends on seed and prompt,
as the real service does. ``refuse_next()`` answers 400 with a JSON error that names the NSFW
filter. No key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes import media
from tests.fakes.base import FakeServer, Recorded, Response

NSFW_ERROR = "Prompt blocked by the NSFW safety filter"


class FakePollinations(FakeServer):
    name = "pollinations"

    @property
    def base_url(self) -> str:
        return self.url

    def env(self) -> dict[str, str]:
        return {"SOUNDMOSAIC_POLLINATIONS": "1", "POLLINATIONS_BASE_URL": self.base_url}

    def route(self, request: Recorded) -> Response:
        if request.method != "GET" or not request.path.startswith("/prompt/"):
            return self.error(404, f"Not found: {request.method} {request.path}")
        prompt = request.path.removeprefix("/prompt/")
        if self.take_refusal():
            return self.error(400, NSFW_ERROR)
        width = int(request.query.get("width", 1024))
        height = int(request.query.get("height", 1024))
        seed = int(request.query.get("seed", 42))
        return Response(200, media.image(width, height, seed, prompt, "jpg"), "image/jpeg")


@contextmanager
def pollinations_server(**options: Any) -> Iterator[FakePollinations]:
    """A running FakePollinations."""
    with FakePollinations(**options) as fake:
        yield fake
