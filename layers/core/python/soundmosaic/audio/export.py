"""DAW-ready export: one zip per track, or one zip for a collection with a folder per track.

Layout of a track's folder (``Artist - Title/``)::

    Artist - Title - Vocals.wav        stems, 24-bit WAV at the source sample rate
    MIDI/Artist - Title - Bass.mid     MIDI per melodic stem, carrying the detected tempo
    Samples/<class>/<stem> 001.wav     sliced samples, one folder per class
    Lyrics/Artist - Title.lrc|.srt|.txt
    manifest.json, manifest.csv        bpm, key, durations, engines, samples and their classes
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def clean(name: str) -> str:
    """A file-name part that every DAW and OS accepts."""
    return _UNSAFE.sub("_", name).strip(" .")[:120] or "Untitled"


@dataclass
class TrackExport:
    """Local files of one processed track, ready to be zipped."""

    artist: str
    title: str
    stems: dict[str, Path] = field(default_factory=dict)
    midi: dict[str, Path] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)  # {"path", "label", "stem", ...}
    lyrics: dict[str, str] = field(default_factory=dict)  # extension -> text
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"{clean(self.artist)} - {clean(self.title)}"


def _rows(track: TrackExport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for kind, files in (("stem", track.stems), ("midi", track.midi)):
        for name in files:
            rows.append({"type": kind, "name": name, "class": "", "start_s": "", "end_s": ""})
    for sample in track.samples:
        rows.append({"type": "sample", "name": Path(sample["path"]).name, "class": sample["label"],
                     "start_s": sample.get("start_s", ""), "end_s": sample.get("end_s", "")})
    return rows


def add_track(archive: zipfile.ZipFile, track: TrackExport, folder: str = "") -> None:
    prefix = f"{folder}/" if folder else ""
    base = track.base
    for stem, path in sorted(track.stems.items()):
        # PCM barely deflates: storing it as is keeps a long track's export fast.
        archive.write(path, f"{prefix}{base} - {stem.title()}.wav", compress_type=zipfile.ZIP_STORED)
    for stem, path in sorted(track.midi.items()):
        archive.write(path, f"{prefix}MIDI/{base} - {stem.title()}.mid")
    counters: dict[tuple[str, str], int] = {}
    for sample in track.samples:
        key = (sample["label"], sample.get("stem", "sample"))
        counters[key] = counters.get(key, 0) + 1
        name = f"{clean(key[1]).title()} {counters[key]:03d}.wav"
        archive.write(sample["path"], f"{prefix}Samples/{clean(key[0])}/{name}",
                      compress_type=zipfile.ZIP_STORED)
    for ext, text in sorted(track.lyrics.items()):
        archive.writestr(f"{prefix}Lyrics/{base}.{ext}", text)
    manifest = {**track.manifest, "artist": track.artist, "title": track.title,
                "files": _rows(track)}
    archive.writestr(f"{prefix}manifest.json", json.dumps(manifest, indent=2, default=str))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["type", "name", "class", "start_s", "end_s"])
    writer.writeheader()
    writer.writerows(_rows(track))
    header = (f"# bpm={track.manifest.get('bpm')} key={track.manifest.get('key')} "
              f"duration_s={track.manifest.get('duration_s')}\n")
    archive.writestr(f"{prefix}manifest.csv", header + buffer.getvalue())


def write_zip(path: Path, tracks: list[TrackExport]) -> Path:
    """One track: files at the top. Several: one folder per track (names made unique)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        if len(tracks) == 1:
            add_track(archive, tracks[0])
        else:
            used: dict[str, int] = {}
            for track in tracks:
                used[track.base] = used.get(track.base, 0) + 1
                folder = track.base if used[track.base] == 1 else f"{track.base} ({used[track.base]})"
                add_track(archive, track, folder)
    tmp.replace(path)
    return path
