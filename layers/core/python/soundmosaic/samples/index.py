"""The samples index: one row per sample and per stem of an artist, built from the audio lab's
sidecars (``samples/<stem>.json`` + ``samples/<stem>.npy`` vectors, ``stems/separation.json``),
kept in a ``platform.search`` snapshot. The sidecars stay the truth: edits are written there
first, then the track's rows are made again (``index_track``).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from soundmosaic.audio.pipeline import TrackFiles
from soundmosaic.library.tracks import Track, TrackNotFound, TrackStore
from soundmosaic.platform.search import Schema, SearchIndex, words
from soundmosaic.platform.snapshot import Snapshot

VECTOR_DIM = 128  # soundmosaic.audio.samples.EMBEDDING_DIM (not imported: it loads the classifier)


def _words(row: dict[str, Any]) -> list[str]:
    tags = row.get("tags", [])
    return [
        *words(
            row.get("name"),
            row.get("track_title"),
            row.get("stem"),
            row.get("class"),
            row.get("class", "").replace("_", " "),
            *tags,
        ),
        *(f"tag={t.casefold()}" for t in tags),
    ]


SAMPLES_INDEX = Schema(
    "samples",
    "sample_id",
    _words,
    labels=("kind", "class", "track_id", "stem", "key"),
    numbers=("bpm", "duration_s", "loudness_db", "confidence", "starred"),
    vector_dim=VECTOR_DIM,
)


def sample_id(track_id: str, stem: str, number: int) -> str:
    return f"{track_id}-{stem}-{number:03d}"


def stem_id(track_id: str, stem: str) -> str:
    return f"{track_id}-{stem}"


def track_of(row_id: str) -> str:
    return row_id.split("-", 1)[0]


def track_rows(track: Track, files: TrackFiles) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The rows (and their vectors) of one track, from what the audio lab left under its prefix."""
    present = set(files.list(""))
    common = {"track_id": track.track_id, "track_title": track.title, "key": track.key, "bpm": track.bpm}
    rows: list[dict[str, Any]] = []
    vectors: list[np.ndarray] = []
    zero = np.zeros(VECTOR_DIM, np.float16)
    if "stems/separation.json" in present:
        separation = files.get_json("stems/separation.json", "separate")
        for stem in separation.get("stems", []):
            meta = separation.get("meta", {}).get(stem, {})
            rows.append(
                {
                    **common,
                    "sample_id": stem_id(track.track_id, stem),
                    "kind": "stem",
                    "stem": stem,
                    "class": stem,
                    "confidence": 1.0,
                    "duration_s": track.facts.get("duration_s"),
                    "name": meta.get("name") or stem.title(),
                    "tags": meta.get("tags", []),
                    "starred": bool(meta.get("starred")),
                    "file": f"stems/{stem}.wav",
                }
            )
            vectors.append(zero)
    for name in sorted(p for p in present if p.startswith("samples/") and p.endswith(".json")):
        sidecar = files.get_json(name, "samples")
        npy = name[:-5] + ".npy"
        matrix = None
        if npy in present:
            matrix = np.load(io.BytesIO(files.objects.get_bytes(files.key(npy))), allow_pickle=False)
        for n, s in enumerate(sidecar["samples"], start=1):
            number = int(s.get("number", n))
            row_n = int(s.get("row", n - 1))
            rows.append(
                {
                    **common,
                    "sample_id": s.get("sample_id") or sample_id(track.track_id, s["stem"], number),
                    "kind": "sample",
                    "stem": s["stem"],
                    "class": s["label"],
                    "auto_class": s.get("auto_label", s["label"]),
                    "confidence": s["confidence"],
                    "duration_s": s.get("duration_s", round(s["end_s"] - s["start_s"], 3)),
                    "loudness_db": s.get("peak_db"),
                    "start_s": s["start_s"],
                    "end_s": s["end_s"],
                    "name": s.get("name") or f"{s['stem'].title()} {number:03d}",
                    "tags": s.get("tags", []),
                    "starred": bool(s.get("starred")),
                    "file": s["key"],
                }
            )
            ok = matrix is not None and 0 <= row_n < len(matrix) and matrix.shape[1] == VECTOR_DIM
            vectors.append(matrix[row_n].astype(np.float16) if ok and matrix is not None else zero)
    return rows, np.stack(vectors) if vectors else np.zeros((0, VECTOR_DIM), np.float16)


def _without_track(snapshot: Snapshot, track_id: str) -> list[str]:
    prefix = track_id + "-"
    return [i for i in snapshot.ids if i.startswith(prefix)]


def index() -> SearchIndex:
    return SearchIndex(SAMPLES_INDEX)


def index_track(artist_id: str, track_id: str) -> int:
    """Make the track's rows again from its sidecars (after the samples stage or an edit)."""
    try:
        track = TrackStore().get(artist_id, track_id)
    except TrackNotFound:
        return remove_track(artist_id, track_id)
    rows, vectors = track_rows(track, TrackFiles(artist_id, track_id))
    index().update(
        artist_id, lambda s: s.apply(put=rows, delete=_without_track(s, track_id), vectors=vectors)
    )
    return len(rows)


def remove_track(artist_id: str, track_id: str) -> int:
    removed: list[str] = []

    def change(snapshot: Snapshot) -> Snapshot:
        removed[:] = _without_track(snapshot, track_id)
        return snapshot.apply(delete=removed)

    index().update(artist_id, change)
    return len(removed)
