"""A fake AcoustID web service: ``GET|POST /v2/lookup`` (``client``, ``duration``, ``fingerprint``).

Knows the recordings it was given (``add``), each under fpcalc's compressed fingerprint: a
lookup with the same fingerprint (duration within 7 s) answers that recording with the given
score, anything else an empty result list, as AcoustID does for unknown audio. A wrong
``client`` key is AcoustID's error 4 ("invalid API key") with HTTP 400; errors follow its
``{"status": "error", "error": {"code", "message"}}`` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.base import FakeServer, Recorded, Response


@dataclass(frozen=True)
class AcoustIdEntry:
    fingerprint: str
    duration: float
    mbid: str
    title: str
    artists: tuple[str, ...]
    score: float = 0.97


class FakeAcoustId(FakeServer):
    name = "acoustid"

    def __init__(self, api_key: str = "fake-acoustid-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.entries: list[AcoustIdEntry] = []

    def add(self, entry: AcoustIdEntry) -> None:
        self.entries.append(entry)

    def env(self) -> dict[str, str]:
        return {"ACOUSTID_API_KEY": self.api_key, "ACOUSTID_BASE_URL": self.url}

    def error(self, status: int, message: str) -> Response:
        return Response.of_json({"status": "error", "error": {"code": 5 if status >= 500 else 3,
                                                              "message": message}}, status)

    def route(self, request: Recorded) -> Response:
        if request.path != "/v2/lookup":
            return self.error(404, f"Not found: {request.path}")
        params = dict(request.query)
        if request.method == "POST":
            from urllib.parse import parse_qsl

            params.update(parse_qsl(request.body.decode()))
        if params.get("client") != self.api_key:
            return Response.of_json({"status": "error", "error": {"code": 4, "message": "invalid API key"}},
                                    400)
        missing = [p for p in ("duration", "fingerprint") if not params.get(p)]
        if missing:
            message = f'missing required parameter "{missing[0]}"'
            return Response.of_json({"status": "error", "error": {"code": 2, "message": message}}, 400)
        duration = float(params["duration"])
        results: list[dict[str, Any]] = []
        for i, entry in enumerate(self.entries):
            if entry.fingerprint == params["fingerprint"] and abs(entry.duration - duration) <= 7:
                recording = {"id": entry.mbid, "title": entry.title, "duration": round(entry.duration),
                             "artists": [{"id": f"artist-{n}", "name": n} for n in entry.artists]}
                results.append({"id": f"acoustid-{i:04d}", "score": entry.score, "recordings": [recording]})
        return Response.of_json({"status": "ok", "results": results})
