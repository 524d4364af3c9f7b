"""A fake Spotify (accounts + Web API) that the stories room's adapter talks to.

- ``GET /authorize``: the consent page, answered as if the listener said yes: a 302 to
  ``redirect_uri?code=...&state=...``; the ``code_challenge`` (S256 only) is kept with the code.
- ``POST /api/token``: ``grant_type=authorization_code`` with ``code``, ``redirect_uri``,
  ``client_id`` and ``code_verifier``; the verifier must hash to the code's challenge and the
  redirect URI must be the authorize one, and a code works once (else 400 ``invalid_grant``).
- ``GET /v1/me/top/tracks``: the bearer token's top tracks (``tracks``; ``limit`` honoured).
- ``GET /v1/audio-features?ids=``: valence and energy; ``features_forbidden`` answers 403 as
  Spotify does for apps made after 2024-11-27.
- ``GET /img/<n>.png``: the covers (real PNGs made with Pillow; ``corrupt_cover`` n is junk).
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from PIL import Image

from tests.fakes.base import FakeServer, Recorded, Response

TRACKS = [("Harbour Lights", "Nova", (200, 60, 40), 0.2, 0.3),
          ("Neon Tide", "Vela", (30, 200, 220), 0.9, 0.8),
          ("Riot Bloom", "Kilo", (220, 30, 30), 0.3, 0.9), ("Slow Orbit", "Mira", (120, 90, 200), 0.7, 0.2),
          ("Paper Crown", "Nova", (240, 200, 60), 0.6, 0.6), ("Sixth", "Extra", (10, 10, 10), 0.5, 0.5)]


class FakeSpotify(FakeServer):
    name = "spotify"

    def __init__(self, client_id: str = "fake-client-id", *, features_forbidden: bool = False,
                 corrupt_cover: int | None = None) -> None:
        super().__init__()
        self.client_id = client_id
        self.features_forbidden = features_forbidden
        self.corrupt_cover = corrupt_cover
        self.codes: dict[str, dict[str, str]] = {}
        self.tokens: set[str] = set()

    def env(self) -> dict[str, str]:
        return {"SPOTIFY_CLIENT_ID": self.client_id, "SPOTIFY_ACCOUNTS_URL": self.url,
                "SPOTIFY_API_URL": self.url}

    def error(self, status: int, message: str) -> Response:
        return Response.of_json({"error": {"status": status, "message": message}}, status)

    def route(self, request: Recorded) -> Response:
        if request.method == "GET" and request.path == "/authorize":
            return self._authorize(request.query)
        if request.method == "POST" and request.path == "/api/token":
            return self._token(dict(parse_qsl(request.body.decode())))
        if request.method == "GET" and request.path.startswith("/img/"):
            n = int(request.path.removeprefix("/img/").removesuffix(".png"))
            return Response(200, b"not a png" if n == self.corrupt_cover else _png(TRACKS[n][2]), "image/png")
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return self.error(401, "The access token expired")
        if request.path == "/v1/me/top/tracks":
            limit = int(request.query.get("limit", 20))
            return Response.of_json({"items": [self._track(n) for n in range(min(limit, len(TRACKS)))]})
        if request.path == "/v1/audio-features":
            if self.features_forbidden:
                return self.error(403, "Forbidden")
            ids = request.query.get("ids", "").split(",")
            return Response.of_json({"audio_features": [
                {"id": i, "valence": TRACKS[int(i[1:])][3], "energy": TRACKS[int(i[1:])][4]} for i in ids]})
        return self.error(404, "Service not found")

    def _authorize(self, query: dict[str, str]) -> Response:
        if query.get("client_id") != self.client_id or query.get("code_challenge_method") != "S256":
            return Response(400, b"INVALID_CLIENT", "text/plain")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": query["code_challenge"], "redirect_uri": query["redirect_uri"],
                            "scope": query.get("scope", "")}
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return Response(302, b"", "text/plain", {"Location": location})

    def _token(self, form: dict[str, str]) -> Response:
        grant = self.codes.pop(form.get("code", ""), None)
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (grant is None or form.get("grant_type") != "authorization_code"
                or form.get("client_id") != self.client_id or grant["challenge"] != challenge
                or grant["redirect_uri"] != form.get("redirect_uri")):
            return Response.of_json({"error": "invalid_grant",
                                     "error_description": "Invalid authorization code"}, 400)
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return Response.of_json({"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                                 "scope": grant["scope"]})

    def _track(self, n: int) -> dict[str, Any]:
        title, artist, *_ = TRACKS[n]
        return {"id": f"t{n}", "name": title, "artists": [{"name": artist}],
                "album": {"images": [{"url": f"{self.url}/img/{n}.png", "width": 300, "height": 300},
                                     {"url": f"{self.url}/img/{n}.png", "width": 64, "height": 64}]}}


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (300, 300), colour)
    image.paste((250, 250, 250), (100, 100, 200, 200))
    image.save(out, "PNG")
    return out.getvalue()
