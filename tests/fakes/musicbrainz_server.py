"""A fake MusicBrainz web service (JSON): recording search and ISRC lookup.

- ``GET /ws/2/recording?query=<lucene>&fmt=json``: the recordings whose title or artist
  contains every word of the query (``AND`` and backslash escapes understood), score 100;
- ``GET /ws/2/isrc/<isrc>?fmt=json``: ``{"isrc", "recordings"}`` or 404 ``{"error": "Not Found"}``;
- ``GET /ws/2/recording/<mbid>?fmt=json``: the recording with its ISRCs, or 404.

Like the real service it refuses requests without a meaningful User-Agent (403) and answers
503 when a client sends more than one request per second (``strict_rate=True``). ``times`` holds
the monotonic time each request arrived.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.base import FakeServer, Recorded, Response

RATE_ERROR = "Your requests are exceeding the allowable rate limit."


@dataclass(frozen=True)
class MbRecording:
    mbid: str
    title: str
    artists: tuple[str, ...]
    isrcs: tuple[str, ...] = ()
    length_ms: int | None = None

    def json(self) -> dict[str, Any]:
        return {"id": self.mbid, "title": self.title, "length": self.length_ms, "score": 100,
                "isrcs": list(self.isrcs),
                "artist-credit": [{"name": a, "artist": {"id": f"artist-{a}", "name": a}}
                                  for a in self.artists]}


class FakeMusicBrainz(FakeServer):
    name = "musicbrainz"

    def __init__(self, recordings: list[MbRecording] | None = None, strict_rate: bool = True) -> None:
        super().__init__()
        self.recordings = list(recordings or [])
        self.strict_rate = strict_rate
        self.times: list[float] = []

    def env(self) -> dict[str, str]:
        return {"MUSICBRAINZ_BASE_URL": self.url}

    def route(self, request: Recorded) -> Response:
        now = time.monotonic()
        too_fast = bool(self.times) and now - self.times[-1] < 0.95
        self.times.append(now)
        agent = request.headers.get("user-agent", "")
        if not agent or agent.startswith(("python-httpx", "python-requests")):
            return self.error(403, "Please provide a meaningful User-Agent")
        if self.strict_rate and too_fast:
            return self.error(503, RATE_ERROR)
        if request.query.get("fmt") != "json":
            return self.error(400, "this fake only speaks fmt=json")
        if request.path == "/ws/2/recording":
            query = request.query.get("query", "").replace("\\", "")
            words = [w.lower() for w in re.split(r"\s+", query) if w and w != "AND"]
            found = [r.json() for r in self.recordings
                     if all(w in f"{r.title} {' '.join(r.artists)}".lower() for w in words)]
            return Response.of_json({"created": "2026-01-01T00:00:00.000Z", "count": len(found), "offset": 0,
                                     "recordings": found})
        if request.path.startswith("/ws/2/recording/"):
            mbid = request.path.removeprefix("/ws/2/recording/")
            hit = [r.json() for r in self.recordings if r.mbid == mbid]
            return Response.of_json(hit[0]) if hit else self.error(404, "Not Found")
        if request.path.startswith("/ws/2/isrc/"):
            code = request.path.removeprefix("/ws/2/isrc/")
            found = [r.json() for r in self.recordings if code in r.isrcs]
            if not found:
                return self.error(404, "Not Found")
            return Response.of_json({"isrc": code, "recordings": found})
        return self.error(404, f"Not found: {request.path}")
