"""DAW-ready export: one zip per track, or one zip for a collection with a folder per track.

Layout of a track's folder (``Artist - Title/``)::

    Artist - Title - Vocals.wav        stems, 24-bit WAV at the source sample rate
    MIDI/Artist - Title - Bass.mid     MIDI per melodic stem, carrying the detected tempo
    Samples/<class>/<stem> 001.wav     sliced samples, one folder per class
    Lyrics/Artist - Title.lrc|.srt|.txt
    manifest.json, manifest.csv        bpm, key, durations, engines, samples and their classes

A member's source is a local file or an object in S3 (``S3Source``). ``stream_zip_to_s3`` copies
S3 sources straight from their GET bodies into an S3 multipart upload (``platform.s3stream``):
no local disk and one part of memory, whatever the size; ZIP64 where a member or the archive
passes 4 GiB.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soundmosaic.platform import aws
from soundmosaic.platform.s3stream import MultipartWriter

CHUNK_BYTES = 1024**2  # read size when copying an S3 body into the archive

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class S3Source:
    """An object to copy into the archive without downloading it to a file."""

    bucket: str
    key: str
    size: int

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


Source = Path | S3Source


def clean(name: str) -> str:
    """A file-name part that every DAW and OS accepts."""
    return _UNSAFE.sub("_", name).strip(" .")[:120] or "Untitled"


@dataclass
class TrackExport:
    """Local files of one processed track, ready to be zipped."""

    artist: str
    title: str
    stems: dict[str, Source] = field(default_factory=dict)
    midi: dict[str, Source] = field(default_factory=dict)
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
        source = sample["path"]
        rows.append({"type": "sample", "name": source.name, "class": sample["label"],
                     "start_s": sample.get("start_s", ""), "end_s": sample.get("end_s", "")})
    return rows


def _write(archive: zipfile.ZipFile, source: Source, name: str, compress_type: int) -> None:
    if isinstance(source, Path):
        archive.write(source, name, compress_type=compress_type)
        return
    info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
    info.compress_type = compress_type
    info.file_size = source.size  # sizes known up front: zipfile picks ZIP64 for > 4 GiB members
    body = aws.client("s3").get_object(Bucket=source.bucket, Key=source.key)["Body"]
    try:
        with archive.open(info, "w") as member:
            for chunk in iter(lambda: body.read(CHUNK_BYTES), b""):
                member.write(chunk)
    finally:
        body.close()


def add_track(archive: zipfile.ZipFile, track: TrackExport, folder: str = "") -> None:
    prefix = f"{folder}/" if folder else ""
    base = track.base
    for stem, path in sorted(track.stems.items()):
        # PCM barely deflates: storing it as is keeps a long track's export fast.
        _write(archive, path, f"{prefix}{base} - {stem.title()}.wav", zipfile.ZIP_STORED)
    for stem, path in sorted(track.midi.items()):
        _write(archive, path, f"{prefix}MIDI/{base} - {stem.title()}.mid", zipfile.ZIP_DEFLATED)
    counters: dict[tuple[str, str], int] = {}
    for sample in track.samples:
        key = (sample["label"], sample.get("stem", "sample"))
        counters[key] = counters.get(key, 0) + 1
        name = f"{clean(key[1]).title()} {counters[key]:03d}.wav"
        _write(archive, sample["path"], f"{prefix}Samples/{clean(key[0])}/{name}", zipfile.ZIP_STORED)
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


def _add_tracks(archive: zipfile.ZipFile, tracks: list[TrackExport]) -> None:
    """One track: files at the top. Several: one folder per track (names made unique)."""
    if len(tracks) == 1:
        add_track(archive, tracks[0])
        return
    used: dict[str, int] = {}
    for track in tracks:
        used[track.base] = used.get(track.base, 0) + 1
        folder = track.base if used[track.base] == 1 else f"{track.base} ({used[track.base]})"
        add_track(archive, track, folder)


def write_zip(path: Path, tracks: list[TrackExport]) -> Path:
    """The zip as a local file (the bench and the CLI); the pipeline streams instead."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _add_tracks(archive, tracks)
    tmp.replace(path)
    return path


def stream_zip_to_s3(bucket: str, key: str, tracks: list[TrackExport],
                     part_bytes: int | None = None) -> dict[str, Any]:
    """Write the zip into ``s3://bucket/key`` as it is made; on any error nothing appears there."""
    out = MultipartWriter(bucket, key, "application/zip", part_bytes)
    with out:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            _add_tracks(archive, tracks)
        size = out.tell()
    return {"export_key": key, "zip_bytes": size, "parts": len(out.parts),
            "peak_buffer_bytes": out.peak_buffer, "streamed": True}
