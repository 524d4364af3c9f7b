"""AcoustID (fingerprints) and MusicBrainz (text search, ISRC) as one ``CatalogLookup``.

- fingerprint: ``GET {ACOUSTID}/v2/lookup?client=KEY&duration=S&fingerprint=F&meta=recordings``
  with fpcalc's compressed fingerprint (``fingerprint_file(..., compressed=True)``); the result
  score is the confidence, with the matcher's thresholds for the verdict;
- text: ``GET {MUSICBRAINZ}/ws/2/recording?query=...&fmt=json`` (a Lucene query of the words);
- ISRC: ``GET {MUSICBRAINZ}/ws/2/isrc/<isrc>?fmt=json&inc=artist-credits``;
- one recording: ``GET {MUSICBRAINZ}/ws/2/recording/<mbid>?fmt=json&inc=isrcs+artist-credits``
  (what an AcoustID match is: its ISRCs lead to the rights holders).

MusicBrainz asks for a meaningful User-Agent and at most one request per second; both are kept
(``min_interval``). Neither service knows rights holders' shares: those come from the local
catalog or from the user.

Environment variables
---------------------
ACOUSTID_API_KEY         AcoustID application key (required for fingerprints)
ACOUSTID_BASE_URL        default ``https://api.acoustid.org``
MUSICBRAINZ_BASE_URL     default ``https://musicbrainz.org``
MUSICBRAINZ_USER_AGENT   default ``SoundMosaic/0.1 ( https://github.com/soundmosaic )``
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from soundmosaic.catalog.lookup import Candidate, CatalogLookup, LookupFailed
from soundmosaic.catalog.lookup.http import JsonHttp
from soundmosaic.royalties.provenance import isrc as normal_isrc

if TYPE_CHECKING:  # the matcher's numpy only where fingerprints are looked up (the identify step)
    from soundmosaic.catalog.fingerprint import Fingerprint

ACOUSTID_URL = "https://api.acoustid.org"
MUSICBRAINZ_URL = "https://musicbrainz.org"
USER_AGENT = "SoundMosaic/0.1 ( https://github.com/soundmosaic )"
_MBID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LUCENE = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def _artists(credits: list[dict[str, Any]] | None) -> tuple[str, ...]:
    return tuple(c.get("name") or c.get("artist", {}).get("name", "") for c in credits or [])


def _recording(data: Mapping[str, Any], **extra: Any) -> Candidate:
    codes = [c for c in (normal_isrc(i) for i in data.get("isrcs", [])) if c]
    return Candidate("musicbrainz", data["id"], data.get("title", ""), _artists(data.get("artist-credit")),
                     extra.pop("isrc", None) or (codes[0] if codes else None), data.get("length"),
                     url=f"https://musicbrainz.org/recording/{data['id']}", **extra)


class MusicBrainzLookup(CatalogLookup):
    source = "musicbrainz"

    def __init__(self, acoustid_key: str | None = None, *, acoustid_url: str = ACOUSTID_URL,
                 musicbrainz_url: str = MUSICBRAINZ_URL, user_agent: str = USER_AGENT, timeout: float = 10.0,
                 attempts: int = 3, sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        timing: dict[str, Any] = {k: v for k, v in (("sleep", sleep), ("clock", clock)) if v is not None}
        self.acoustid_key = acoustid_key
        self.musicbrainz = JsonHttp("musicbrainz", musicbrainz_url,
                                    {"User-Agent": user_agent, "Accept": "application/json"},
                                    timeout=timeout, attempts=attempts, min_interval=1.0, **timing)
        self.acoustid = JsonHttp("acoustid", acoustid_url, {"User-Agent": user_agent}, timeout=timeout,
                                 attempts=attempts, min_interval=1 / 3, **timing)  # AcoustID: 3 req/s

    @classmethod
    def from_env(cls, env: Mapping[str, str], **options: Any) -> MusicBrainzLookup:
        return cls(env.get("ACOUSTID_API_KEY"), acoustid_url=env.get("ACOUSTID_BASE_URL") or ACOUSTID_URL,
                   musicbrainz_url=env.get("MUSICBRAINZ_BASE_URL") or MUSICBRAINZ_URL,
                   user_agent=env.get("MUSICBRAINZ_USER_AGENT") or USER_AGENT, **options)

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        words = [_LUCENE.sub(r"\\\1", w) for w in text.split()]
        if not words:
            return []
        data = self.musicbrainz.get("/ws/2/recording", {"query": " AND ".join(words), "fmt": "json",
                                                          "limit": limit})
        return [_recording(r) for r in data.get("recordings", [])][:limit]

    def by_isrc(self, isrc: str) -> list[Candidate]:
        code = normal_isrc(isrc)
        if not code:
            return []
        try:
            data = self.musicbrainz.get(f"/ws/2/isrc/{code}", {"fmt": "json", "inc": "artist-credits"})
        except LookupFailed as err:
            if err.status == 404:  # MusicBrainz: no recording has this ISRC
                return []
            raise
        return [_recording(r, isrc=code) for r in data.get("recordings", [])]

    def recording(self, mbid: str) -> Candidate | None:
        """One MusicBrainz recording with its ISRCs; None if there is none with this id."""
        if not _MBID.fullmatch(mbid):
            return None
        try:
            data = self.musicbrainz.get(f"/ws/2/recording/{mbid}",
                                        {"fmt": "json", "inc": "isrcs artist-credits"})
        except LookupFailed as err:
            if err.status in (400, 404):
                return None
            raise
        return _recording(data)

    def by_fingerprint(self, fingerprint: Fingerprint, limit: int = 3) -> list[Candidate]:
        from soundmosaic.catalog.fingerprint import verdict

        if not self.acoustid_key:
            raise LookupFailed("acoustid", "no ACOUSTID_API_KEY configured")
        if not fingerprint.compressed:
            raise LookupFailed("acoustid", "AcoustID needs the compressed fingerprint: "
                                           "fingerprint_file(path, compressed=True)")
        data = self.acoustid.get("/v2/lookup", {"client": self.acoustid_key, "meta": "recordings",
                                                "duration": round(fingerprint.duration),
                                                "fingerprint": fingerprint.compressed})
        if data.get("status") != "ok":
            raise LookupFailed("acoustid", str(data.get("error", {}).get("message", data)))
        found: list[Candidate] = []
        for result in sorted(data.get("results", []), key=lambda r: -float(r.get("score", 0))):
            score = round(float(result.get("score", 0)), 4)
            for rec in result.get("recordings", []):
                duration = rec.get("duration")
                found.append(Candidate("acoustid", rec["id"], rec.get("title", ""),
                                       _artists(rec.get("artists")), None,
                                       None if duration is None else round(float(duration) * 1000),
                                       score, verdict(score, 10**6),
                                       f"https://musicbrainz.org/recording/{rec['id']}"))
        return found[:limit]

    def close(self) -> None:
        self.musicbrainz.close()
        self.acoustid.close()
