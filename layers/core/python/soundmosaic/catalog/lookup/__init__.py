"""Identify songs against a catalog: one ``CatalogLookup`` interface, several catalogs behind it.

``search(text)``, ``by_isrc(isrc)`` and ``by_fingerprint(fingerprint)`` answer ``Candidate``s,
best first. Implementations:

- ``local.LocalLookup``: the catalog table and the offline matcher (rights holders and shares);
- ``musicbrainz.MusicBrainzLookup``: AcoustID (fingerprints) and MusicBrainz (text, ISRC);
- ``apple_music.AppleMusicLookup``: the Apple Music catalog API (text, ISRC; no audio lookup).

Vendor failures are ``LookupFailed`` (``LookupTimeout`` for no answer in time); an operation a
catalog does not offer is ``LookupUnsupported``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from soundmosaic.catalog.fingerprint import Fingerprint, Verdict
    from soundmosaic.catalog.store import Recording


class LookupFailed(RuntimeError):
    def __init__(self, source: str, message: str, status: int | None = None, retryable: bool = False,
                 retry_after: str | None = None) -> None:
        super().__init__(f"{source}: {message}")
        self.source, self.status, self.retryable, self.retry_after = source, status, retryable, retry_after


class LookupTimeout(LookupFailed):
    pass


class LookupUnsupported(LookupFailed):
    pass


@dataclass(frozen=True)
class Candidate:
    """A catalog entry a song may be. ``recording`` (with rights holders) only from the local catalog."""

    source: str
    ref: str  # the catalog's id: recording id, MusicBrainz recording MBID, Apple Music song id
    title: str
    artists: tuple[str, ...]
    isrc: str | None = None
    duration_ms: int | None = None
    confidence: float | None = None  # fingerprint lookups only
    verdict: Verdict | None = None
    url: str | None = None
    recording: Recording | None = None


class CatalogLookup(ABC):
    source: str = "catalog"

    @abstractmethod
    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        """Entries whose title or artists match ``text``."""

    @abstractmethod
    def by_isrc(self, isrc: str) -> list[Candidate]:
        """Entries with this ISRC (any hyphens or case)."""

    @abstractmethod
    def by_fingerprint(self, fingerprint: Fingerprint, limit: int = 3) -> list[Candidate]:
        """Entries whose audio matches, with a confidence and a verdict."""

    def close(self) -> None:
        return None
