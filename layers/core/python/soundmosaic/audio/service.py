"""What the API asks of the audio lab: start processing or an export, list a track's assets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from soundmosaic.audio.pipeline import STAGES, StageRequest, TrackFiles
from soundmosaic.library.media import presigned_get
from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import Job, new_job_id, start_workflow


def start_processing(artist_id: str, track_id: str, stages: Sequence[str] | None,
                     settings: dict[str, dict[str, Any]] | None, correlation_id: str | None) -> Job:
    """Run the audio pipeline on a track: every stage, or only ``stages`` with ``settings``."""
    TrackStore().get(artist_id, track_id)  # TrackNotFound for unknown or foreign ids
    wanted = list(dict.fromkeys([*(stages or STAGES), "export"]))  # the zip always follows
    StageRequest.from_event({"artist_id": artist_id, "track_id": track_id, "job_id": "-",
                             "stages": wanted})  # unknown stage names fail here, before a job
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind="audio", correlation_id=correlation_id,
              subject={"track_id": track_id, "stages": wanted})
    return start_workflow(job, "AUDIO_STATE_MACHINE", {"track_id": track_id, "stages": wanted,
                                               "settings": settings or {}})


def start_collection_export(artist_id: str, track_ids: list[str], correlation_id: str | None) -> Job:
    store = TrackStore()
    for track_id in track_ids:
        store.get(artist_id, track_id)
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind="export", correlation_id=correlation_id,
              subject={"track_ids": track_ids})
    return start_workflow(job, "EXPORT_STATE_MACHINE", {"track_ids": track_ids})


def assets(artist_id: str, track_id: str) -> dict[str, Any]:
    """Everything the audio lab made for a track, with presigned URLs (they honour Range)."""
    track = TrackStore().get(artist_id, track_id)
    files = TrackFiles(artist_id, track_id)
    bucket = resource("MEDIA_BUCKET")
    present = set(files.list(""))

    def url(relative: str, download: str | None = None) -> str:
        return presigned_get(bucket, files.key(relative), filename=download)

    def sidecar(relative: str) -> Any:
        return files.get_json(relative, "-") if relative in present else None

    separation = sidecar("stems/separation.json") or {}
    stems = [{"name": stem, "url": url(f"stems/{stem}.wav"), "peaks_url": url(f"stems/{stem}.peaks.json"),
              "engine": separation.get("label") or separation.get("engine")}
             for stem in separation.get("stems", [])]
    midi = []
    for name in sorted(p for p in present if p.startswith("midi/") and p.endswith(".json")):
        info = sidecar(name)
        stem = info["stem"]
        midi.append({"stem": stem, "url": url(f"midi/{stem}.mid"), "engine": info["engine"],
                     "bpm": info.get("bpm"), "notes": info["notes"]})
    samples = []
    for name in sorted(p for p in present if p.startswith("samples/") and p.endswith(".json")):
        for sample in sidecar(name)["samples"]:
            samples.append({**sample, "url": url(sample["key"])})
    lyrics = sidecar("lyrics/lyrics.json")
    return {
        "track_id": track_id,
        "title": track.title,
        "analysis": sidecar("analysis/analysis.json"),
        "peaks_url": url("analysis/peaks.json") if "analysis/peaks.json" in present else None,
        "original_url": url(track.media_key[len(files.prefix):]),
        "stems": stems,
        "midi": midi,
        "lyrics": {**lyrics, "files": {ext: url(f"lyrics/lyrics.{ext}") for ext in ("lrc", "srt", "txt")}}
        if lyrics else None,
        "samples": samples,
        "export_url": url(track.export_key[len(files.prefix):], download=track.export_key.rsplit("/", 1)[-1])
        if track.export_key else None,
    }
