"""A fake Apple Music catalog API: search and songs by ISRC, behind a developer token.

- ``GET /v1/catalog/{storefront}/search?term=&types=songs&limit=``: songs whose name or artist
  contains every word of the term, under ``results.songs.data``;
- ``GET /v1/catalog/{storefront}/songs?filter[isrc]=<ISRC>``: ``{"data": [...]}``;
- ``GET /v1/catalog/{storefront}/songs/{id}``: ``{"data": [song]}``, 404 for an unknown id.

Every request must carry ``Authorization: Bearer <jwt>``: the fake checks the ES256 signature
with the public key of the key pair it made (``private_key_pem`` for the client), the ``kid``
header, ``iss`` and an unexpired ``exp``; anything else is 401 in Apple's ``{"errors": [...]}``
shape.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.fakes.base import FakeServer, Recorded, Response


@dataclass(frozen=True)
class AppleSong:
    song_id: str
    name: str
    artist: str
    isrc: str
    duration_ms: int = 200_000

    def json(self, storefront: str) -> dict[str, Any]:
        return {"id": self.song_id, "type": "songs", "href": f"/v1/catalog/{storefront}/songs/{self.song_id}",
                "attributes": {"name": self.name, "artistName": self.artist, "isrc": self.isrc,
                               "durationInMillis": self.duration_ms, "albumName": f"{self.name} - Single",
                               "url": f"https://music.apple.com/{storefront}/song/{self.song_id}"}}


class FakeAppleMusic(FakeServer):
    name = "apple-music"

    def __init__(self, songs: list[AppleSong] | None = None, key_id: str = "ABC123DEFG",
                 team_id: str = "TEAM456XYZ") -> None:
        super().__init__()
        self.songs = list(songs or [])
        self.key_id, self.team_id = key_id, team_id
        key = ec.generate_private_key(ec.SECP256R1())
        self.private_key_pem = key.private_bytes(serialization.Encoding.PEM,
                                                 serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode()
        self.public_key = key.public_key()

    def env(self) -> dict[str, str]:
        return {"APPLE_MUSIC_BASE_URL": self.url, "APPLE_MUSIC_KEY_ID": self.key_id,
                "APPLE_MUSIC_TEAM_ID": self.team_id, "APPLE_MUSIC_PRIVATE_KEY": self.private_key_pem}

    def error(self, status: int, message: str) -> Response:
        return Response.of_json({"errors": [{"id": "fake", "status": str(status), "code": f"{status}00",
                                             "title": message, "detail": message}]}, status)

    def _unauthorized(self, request: Recorded) -> str | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return "missing developer token"
        token = auth.removeprefix("Bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, self.public_key, algorithms=["ES256"],
                                options={"require": ["exp", "iat", "iss"]})
        except jwt.PyJWTError as exc:
            return f"invalid developer token: {exc}"
        if header.get("kid") != self.key_id:
            return f"unknown key id {header.get('kid')!r}"
        if claims["iss"] != self.team_id:
            return f"unknown team {claims['iss']!r}"
        if claims["iat"] > time.time() + 60:
            return "token issued in the future"
        return None

    def route(self, request: Recorded) -> Response:
        reason = self._unauthorized(request)
        if reason:
            return self.error(401, f"Unauthorized: {reason}")
        parts = request.path.strip("/").split("/")
        if len(parts) == 5 and parts[:2] == ["v1", "catalog"] and parts[3] == "songs":
            hit = [s.json(parts[2]) for s in self.songs if s.song_id == parts[4]]
            return Response.of_json({"data": hit}) if hit else self.error(404, "Resource Not Found")
        if len(parts) != 4 or parts[:2] != ["v1", "catalog"]:
            return self.error(404, f"Not found: {request.path}")
        storefront, what = parts[2], parts[3]
        if what == "search":
            if request.query.get("types") != "songs" or not request.query.get("term"):
                return self.error(400, "term and types=songs are required here")
            words = request.query["term"].lower().split()
            limit = int(request.query.get("limit", 5))
            hits = [s.json(storefront) for s in self.songs
                    if all(w in f"{s.name} {s.artist}".lower() for w in words)][:limit]
            songs = {"songs": {"href": request.path, "data": hits}} if hits else {}
            return Response.of_json({"results": songs})
        if what == "songs":
            code = request.query.get("filter[isrc]", "")
            if not code:
                return self.error(400, "filter[isrc] or ids is required")
            wanted = code.split(",")
            return Response.of_json({"data": [s.json(storefront) for s in self.songs if s.isrc in wanted]})
        return self.error(404, f"Not found: {request.path}")
