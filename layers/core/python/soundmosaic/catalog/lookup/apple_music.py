"""The Apple Music catalog API as a ``CatalogLookup``: search and lookup by ISRC.

- ``GET {base}/v1/catalog/{storefront}/search?term=...&types=songs&limit=N``
- ``GET {base}/v1/catalog/{storefront}/songs?filter[isrc]=<ISRC>``
- ``GET {base}/v1/catalog/{storefront}/songs/{id}`` (one song by its catalog id)

Every request carries ``Authorization: Bearer <developer token>``: an ES256 JWT with header
``kid`` (the MusicKit key id) and claims ``iss`` (team id), ``iat`` and ``exp`` (at most six
months later), signed with the ``.p8`` private key. The token is made once and renewed a minute
before it expires. Apple's catalog API has no audio lookup: ``by_fingerprint`` is unsupported.

Environment variables
---------------------
APPLE_MUSIC_KEY_ID, APPLE_MUSIC_TEAM_ID   the key id and team id of the MusicKit key
APPLE_MUSIC_PRIVATE_KEY                   the .p8 key (PEM text), or APPLE_MUSIC_PRIVATE_KEY_PATH
APPLE_MUSIC_STOREFRONT                    default ``us``
APPLE_MUSIC_BASE_URL                      default ``https://api.music.apple.com``
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt

from soundmosaic.catalog.lookup import Candidate, CatalogLookup, LookupFailed, LookupUnsupported
from soundmosaic.catalog.lookup.http import JsonHttp
from soundmosaic.royalties.provenance import isrc as normal_isrc

if TYPE_CHECKING:  # the matcher's numpy only where fingerprints are computed
    from soundmosaic.catalog.fingerprint import Fingerprint

BASE_URL = "https://api.music.apple.com"
TOKEN_SECONDS = 12 * 3600
MAX_TOKEN_SECONDS = 15_777_000  # Apple: six months at most


def developer_token(private_key_pem: str, key_id: str, team_id: str, now: float | None = None,
                    seconds: int = TOKEN_SECONDS) -> str:
    """An Apple Music developer token (ES256 JWT)."""
    if not 0 < seconds <= MAX_TOKEN_SECONDS:
        raise ValueError(f"token lifetime {seconds} s is outside (0, {MAX_TOKEN_SECONDS}]")
    issued = int(time.time() if now is None else now)
    return jwt.encode({"iss": team_id, "iat": issued, "exp": issued + seconds}, private_key_pem,
                      algorithm="ES256", headers={"kid": key_id})


def _song(data: Mapping[str, Any]) -> Candidate:
    attrs = data.get("attributes", {})
    return Candidate("apple-music", str(data["id"]), attrs.get("name", ""),
                     (attrs["artistName"],) if attrs.get("artistName") else (),
                     normal_isrc(attrs.get("isrc") or ""), attrs.get("durationInMillis"),
                     url=attrs.get("url"))


class AppleMusicLookup(CatalogLookup):
    source = "apple-music"

    def __init__(self, private_key_pem: str, key_id: str, team_id: str, *, storefront: str = "us",
                 base_url: str = BASE_URL, timeout: float = 10.0, attempts: int = 3,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if not (private_key_pem and key_id and team_id):
            raise LookupFailed("apple-music",
                               "a developer token needs the .p8 key, its key id and the team id")
        self._key, self.key_id, self.team_id, self.storefront = private_key_pem, key_id, team_id, storefront
        self._clock = clock
        self._token: tuple[str, float] | None = None
        self.http = JsonHttp("apple-music", base_url, {"Accept": "application/json"}, timeout=timeout,
                             attempts=attempts, sleep=time.sleep if sleep is None else sleep)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **options: Any) -> AppleMusicLookup:
        key = env.get("APPLE_MUSIC_PRIVATE_KEY") or ""
        if not key and env.get("APPLE_MUSIC_PRIVATE_KEY_PATH"):
            key = Path(env["APPLE_MUSIC_PRIVATE_KEY_PATH"]).read_text()
        return cls(key, env.get("APPLE_MUSIC_KEY_ID", ""), env.get("APPLE_MUSIC_TEAM_ID", ""),
                   storefront=env.get("APPLE_MUSIC_STOREFRONT") or "us",
                   base_url=env.get("APPLE_MUSIC_BASE_URL") or BASE_URL, **options)

    def token(self) -> str:
        now = self._clock()
        if self._token is None or self._token[1] - 60 < now:
            text = developer_token(self._key, self.key_id, self.team_id, now)
            self._token = (text, now + TOKEN_SECONDS)
        return self._token[0]

    def _get(self, path: str, params: Mapping[str, Any]) -> Any:
        return self.http.get(f"/v1/catalog/{self.storefront}{path}", params,
                             {"Authorization": f"Bearer {self.token()}"})

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        if not text.strip():
            return []
        data = self._get("/search", {"term": text.strip(), "types": "songs", "limit": min(limit, 25)})
        return [_song(s) for s in data.get("results", {}).get("songs", {}).get("data", [])][:limit]

    def by_isrc(self, isrc: str) -> list[Candidate]:
        code = normal_isrc(isrc)
        if not code:
            return []
        return [_song(s) for s in self._get("/songs", {"filter[isrc]": code}).get("data", [])]

    def song(self, song_id: str) -> Candidate | None:
        """One catalog song by its id; None if Apple has no such song."""
        if not song_id.isdigit() or len(song_id) > 20:
            return None  # Apple's catalog ids are numbers: anything else never reaches the API
        try:
            data = self._get(f"/songs/{song_id}", {})
        except LookupFailed as err:
            if err.status == 404:
                return None
            raise
        found = data.get("data", [])
        return _song(found[0]) if found else None

    def by_fingerprint(self, fingerprint: Fingerprint, limit: int = 3) -> list[Candidate]:
        raise LookupUnsupported("apple-music", "the catalog API has no audio lookup (ShazamKit runs in apps)")

    def close(self) -> None:
        self.http.close()
