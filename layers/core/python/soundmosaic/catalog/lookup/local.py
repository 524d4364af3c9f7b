"""The local catalog as a ``CatalogLookup``: the catalog table plus the offline fingerprint matcher.

The fingerprint index is read from the table once (``CatalogStore.fingerprint_index``) and kept;
``refresh()`` reads it again after the catalog changed. Candidates carry the full ``Recording``
with its work and rights holders' shares.
"""

from __future__ import annotations

from soundmosaic.catalog.fingerprint import Fingerprint, FingerprintIndex
from soundmosaic.catalog.lookup import Candidate, CatalogLookup
from soundmosaic.catalog.store import CatalogStore, Recording


def candidate(recording: Recording, **extra: object) -> Candidate:
    return Candidate("local", recording.recording_id, recording.title, recording.artists, recording.isrc,
                     recording.duration_ms, recording=recording, **extra)  # type: ignore[arg-type]


class LocalLookup(CatalogLookup):
    source = "local"

    def __init__(self, store: CatalogStore, index: FingerprintIndex | None = None) -> None:
        self.store = store
        self._index = index

    @property
    def index(self) -> FingerprintIndex:
        if self._index is None:
            self._index = self.store.fingerprint_index()
        return self._index

    def refresh(self) -> None:
        self._index = None

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        return [candidate(r) for r in self.store.search(text, limit)]

    def by_isrc(self, isrc: str) -> list[Candidate]:
        return [candidate(r) for r in self.store.by_isrc(isrc)]

    def by_fingerprint(self, fingerprint: Fingerprint, limit: int = 3) -> list[Candidate]:
        matches = self.index.match(fingerprint, limit)
        recordings = {r.recording_id: r for r in self.store.get_many([m.recording_id for m in matches])}
        return [candidate(recordings[m.recording_id], confidence=m.confidence, verdict=m.verdict)
                for m in matches if m.recording_id in recordings]
