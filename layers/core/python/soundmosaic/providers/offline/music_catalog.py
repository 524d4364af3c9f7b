"""The offline music engine's training catalog: Bach chorales from the corpus in the music21 wheel.

Each chorale is parsed once into the engine's plain form (one note list per part, in seconds at
60 bpm so one beat is one second, and its key) and cached as JSON under
``$SOUNDMOSAIC_CACHE_DIR/music/catalog-<VERSION>-<count>.json``; a new ``VERSION`` re-parses.
Every work gets an id like ``music21:bach/bwv66.6`` so its influence can be recorded.

Environment variables
---------------------
SOUNDMOSAIC_CACHE_DIR
    Where the parsed catalog is kept (default ``~/.cache/soundmosaic``).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

VERSION = "1"
DEFAULT_COUNT = 24
CATALOG_TEMPO = 60.0  # beats per minute of the cached note times: one beat per second


@dataclass(frozen=True)
class CatalogWork:
    work_id: str
    parts: tuple[tuple[tuple[float, float, int, int], ...], ...]
    key: str


def cache_dir() -> Path:
    return Path(os.environ.get("SOUNDMOSAIC_CACHE_DIR") or Path.home() / ".cache" / "soundmosaic")


def load(count: int = DEFAULT_COUNT) -> list[CatalogWork]:
    """The first ``count`` Bach chorales of the music21 corpus (sorted by path), cached on disk."""
    path = cache_dir() / "music" / f"catalog-{VERSION}-{count}.json"
    if path.exists():
        raw = json.loads(path.read_text())
    else:
        raw = _parse(count)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
            json.dump(raw, tmp)
        os.replace(tmp.name, path)  # atomic: a concurrent reader sees all or nothing
    return [CatalogWork(w["work_id"], tuple(tuple(tuple(n) for n in p) for p in w["parts"]), w["key"])
            for w in raw]


def _parse(count: int) -> list[dict[str, object]]:
    from music21 import corpus

    works: list[dict[str, object]] = []
    for source in sorted(corpus.getComposer("bach"), key=str):
        if len(works) == count:
            break
        score = corpus.parse(source)
        parts = []
        for part in score.parts:
            notes = [[float(n.offset), float(n.offset + n.quarterLength), int(p.midi), 80]
                     for n in part.flatten().notes if n.quarterLength > 0 for p in n.pitches]
            if notes:
                parts.append(notes)
        if len(parts) < 2:
            continue
        key = score.analyze("key")
        works.append({"work_id": f"music21:bach/{Path(str(source)).stem}", "parts": parts,
                      "key": f"{key.tonic.name.replace('-', 'b')} {key.mode}"})
    assert len(works) == count, f"the music21 corpus has only {len(works)} usable Bach chorales"
    return works
