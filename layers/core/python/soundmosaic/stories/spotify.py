"""The Spotify Web API adapter for the listener collage: OAuth 2.0 with PKCE, the listener's top
five tracks, their audio features and cover art (docs/stories.md).

Authorization Code with PKCE (no client secret): ``pkce`` makes a verifier and its S256
challenge; ``authorize_url`` is where the listener says yes (scope ``user-top-read``); Spotify
sends them back to the redirect URI with a code, which ``Spotify.exchange`` turns into an access
token with the verifier. ``top_tracks`` reads ``GET /v1/me/top/tracks``, ``audio_features``
``GET /v1/audio-features`` (valence, energy): Spotify answers 403 to apps registered after
2024-11-27, and the songs then go on without features (their mood falls back to calm). Covers
are the album's largest image, at most ``MAX_COVER_BYTES``.

Environment variables
---------------------
SPOTIFY_CLIENT_ID
    The app's client id (without it the Spotify routes answer 400 "not configured").
SPOTIFY_ACCOUNTS_URL, SPOTIFY_API_URL
    Base URLs (default https://accounts.spotify.com and https://api.spotify.com; tests point
    them at the fake server).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from soundmosaic.providers.types import ProviderError

SCOPE = "user-top-read"
MAX_COVER_BYTES = 5 * 1024 * 1024
TIMEOUT_S = 20
FEATURES = ("valence", "energy")


class SpotifyNotConfigured(ValueError):
    """No SPOTIFY_CLIENT_ID: the listener types the songs in instead (a 400 that says so)."""


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge) as RFC 7636 wants them (base64url, no padding)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Spotify:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.client_id = env.get("SPOTIFY_CLIENT_ID") or ""
        if not self.client_id:
            raise SpotifyNotConfigured("Spotify is not configured here (SPOTIFY_CLIENT_ID); type the five "
                                       "songs in or pick them from the library")
        self.accounts = (env.get("SPOTIFY_ACCOUNTS_URL") or "https://accounts.spotify.com").rstrip("/")
        self.api = (env.get("SPOTIFY_API_URL") or "https://api.spotify.com").rstrip("/")
        self.http = httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def authorize_url(self, redirect_uri: str, state: str, challenge: str) -> str:
        query = {"client_id": self.client_id, "response_type": "code", "redirect_uri": redirect_uri,
                 "code_challenge_method": "S256", "code_challenge": challenge, "state": state, "scope": SCOPE}
        return f"{self.accounts}/authorize?{urlencode(query)}"

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> str:
        """The access token for an authorization code."""
        reply = self._send("POST", f"{self.accounts}/api/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": self.client_id, "code_verifier": verifier})
        token = reply.json().get("access_token")
        if not isinstance(token, str) or not token:
            raise ProviderError("spotify", "listener", "the token answer has no access_token")
        return token

    def top_tracks(self, token: str, limit: int = 5) -> list[dict[str, Any]]:
        reply = self._send("GET", f"{self.api}/v1/me/top/tracks", token,
                           params={"limit": limit, "time_range": "medium_term"})
        tracks = []
        for item in reply.json().get("items", [])[:limit]:
            images = sorted(item.get("album", {}).get("images") or [], key=lambda i: -(i.get("width") or 0))
            tracks.append({"id": str(item.get("id", "")), "title": str(item.get("name", ""))[:120],
                           "artist": ", ".join(a.get("name", "") for a in item.get("artists", []))[:120],
                           "cover_url": images[0]["url"] if images else None})
        return tracks

    def audio_features(self, token: str, ids: list[str]) -> dict[str, dict[str, float]]:
        """{track id: {valence, energy}}; empty when Spotify refuses (403 for newer apps)."""
        try:
            reply = self._send("GET", f"{self.api}/v1/audio-features", token, params={"ids": ",".join(ids)})
        except ProviderError as err:
            if err.status == 403:
                return {}
            raise
        found = {}
        for item in reply.json().get("audio_features") or []:
            if isinstance(item, dict) and all(isinstance(item.get(k), int | float) for k in FEATURES):
                found[str(item.get("id"))] = {k: float(item[k]) for k in FEATURES}
        return found

    def cover(self, url: str) -> bytes | None:
        """The cover's bytes, or None when it cannot be had within the limit."""
        try:
            with self.http.stream("GET", url) as reply:
                if reply.status_code != 200:
                    return None
                data = b""
                for chunk in reply.iter_bytes():
                    data += chunk
                    if len(data) > MAX_COVER_BYTES:
                        return None
                return data
        except httpx.HTTPError:
            return None

    def _send(self, method: str, url: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            reply = self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as err:
            reason = f"{type(err).__name__}: {err}"
            raise ProviderError("spotify", "listener", reason, retryable=True) from err
        if reply.status_code >= 400:
            raise ProviderError("spotify", "listener", f"HTTP {reply.status_code}: {_message(reply)}",
                                retryable=reply.status_code in (429, 500, 502, 503), status=reply.status_code)
        return reply


def _message(reply: httpx.Response) -> str:
    """Spotify's error text: the accounts service's ``error_description``, the API's ``error.message``."""
    try:
        body = reply.json()
    except ValueError:
        return reply.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message", ""))[:200]
    return str(body.get("error_description") or error or "")[:200] if isinstance(body, dict) else ""
