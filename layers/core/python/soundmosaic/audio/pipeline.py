"""The audio pipeline's stages over S3: the adapter between storage and the compute modules.

The ``audio`` state machine calls one stage per Task with the track's ids, the stages the
user asked for and their settings. A stage downloads its inputs from the track's prefix into a
temporary folder, runs the compute, uploads its outputs and a JSON sidecar describing them
(engine, settings, times). A stage that was not asked for is skipped, so any single stage can be
re-run with other settings without redoing the rest; a stage whose inputs are missing says
which stage to run first.

Track prefix ``artists/<artist>/tracks/<track>/``::

    original.<ext>                 as uploaded
    work/audio.wav                 decoded: PCM 24-bit WAV, source rate, at most 2 channels
    analysis/analysis.json         bpm, key, duration;  analysis/peaks.json (audiowaveform)
    stems/<stem>.wav, stems/<stem>.peaks.json, stems/separation.json
    midi/<stem>.mid, midi/<stem>.json
    lyrics/lyrics.json, lyrics/lyrics.lrc|srt|txt
    samples/<stem>/<class>/<n>.wav, samples/<stem>.json
    export/<Artist - Title>.zip
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soundmosaic.audio.settings import STAGES, StageSettings
from soundmosaic.library import keys
from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform import clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import JobStore
from soundmosaic.platform.s3json import ObjectMissing, S3Json

# Percent of the job at which each stage starts and ends, for progress inside a stage.
PROGRESS = {"decode": (2, 8), "analyse": (8, 10), "separate": (10, 55), "midi": (55, 88),
            "lyrics": (55, 88), "samples": (55, 88), "export": (88, 99)}
NOT_MELODIC = {"drums"}
SAMPLES_CHUNK_S = 60.0  # the samples stage reads a stem a minute at a time


class StageInputMissing(RuntimeError):
    """A stage needs the output of an earlier one that has not run."""


@dataclass
class StageRequest:
    artist_id: str
    track_id: str
    job_id: str
    stages: list[str] = field(default_factory=lambda: list(STAGES))
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    stem: str | None = None

    @staticmethod
    def from_event(event: dict[str, Any]) -> StageRequest:
        stages = list(event.get("stages") or STAGES)
        unknown = set(stages) - set(STAGES)
        if unknown:
            raise ValueError(f"unknown stages {sorted(unknown)}; choose from {list(STAGES)}")
        # Validated again here: a workflow's input may come from elsewhere than the API.
        settings = StageSettings.model_validate(event.get("settings") or {}).as_event()
        return StageRequest(event["artist_id"], event["track_id"], event["job_id"], stages, settings,
                            event.get("stem"))

    def wants(self, stage: str) -> bool:
        return stage in self.stages


class TrackFiles:
    """The track's prefix in the media bucket, mirrored into a local working folder."""

    def __init__(self, artist_id: str, track_id: str, workdir: Path | None = None) -> None:
        self.bucket = resource("MEDIA_BUCKET")
        self.prefix = keys.track_prefix(artist_id, track_id)
        self.workdir = workdir or Path("/nonexistent")  # set by stages that download
        self.objects = S3Json(self.bucket)

    def key(self, relative: str) -> str:
        return self.prefix + relative

    def exists(self, relative: str) -> bool:
        return self.objects.exists(self.key(relative))

    def fetch(self, relative: str, needed_from: str) -> Path:
        local = self.workdir / relative
        local.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self.objects.download(self.key(relative), local)
        except ObjectMissing as err:
            raise StageInputMissing(f"{relative} is missing: run the '{needed_from}' stage first") from err

    def put(self, relative: str, local: Path, content_type: str) -> str:
        return self.objects.upload(local, self.key(relative), content_type)

    def put_json(self, relative: str, data: Any) -> str:
        return self.objects.put_json(self.key(relative), data)

    def get_json(self, relative: str, needed_from: str) -> Any:
        try:
            return self.objects.get_json(self.key(relative))
        except ObjectMissing as err:
            raise StageInputMissing(f"{relative} is missing: run the '{needed_from}' stage first") from err

    def list(self, relative: str) -> list[str]:
        return [key[len(self.prefix):] for key in self.objects.keys(self.key(relative))]

    def sizes(self) -> dict[str, int]:
        """Every object under the track's prefix (relative key -> bytes), in one listing."""
        found: dict[str, int] = {}
        paginator = self.objects.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            found.update({o["Key"][len(self.prefix):]: int(o["Size"]) for o in page.get("Contents", [])})
        return found

    def source(self, relative: str, sizes: dict[str, int], needed_from: str) -> Any:
        """An ``export.S3Source`` for the zip writer to stream, without downloading it."""
        from soundmosaic.audio.export import S3Source

        if relative not in sizes:
            raise StageInputMissing(f"{relative} is missing: run the '{needed_from}' stage first")
        return S3Source(self.bucket, self.key(relative), sizes[relative])

    def delete(self, relative_prefix: str) -> None:
        from soundmosaic.library.media import delete_prefix

        delete_prefix(self.bucket, self.key(relative_prefix))


class Progress:
    """Maps a stage's own 0..1 progress onto the job's percent, at most every 2 seconds."""

    def __init__(self, request: StageRequest, stage: str) -> None:
        self.request, self.stage = request, stage
        self.low, self.high = PROGRESS[stage]
        self.last = 0.0
        self.label = f"{stage} {request.stem}" if request.stem else stage

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < 2.0 and fraction < 1.0:
            return
        self.last = now
        percent = int(self.low + (self.high - self.low) * max(0.0, min(fraction, 1.0)))
        JobStore().advance(self.request.artist_id, self.request.job_id, self.label, percent)


# -- stages -----------------------------------------------------------------------------------


def decode(request: StageRequest, files: TrackFiles) -> dict[str, Any]:
    """Original -> PCM 24-bit WAV at the source rate (at most stereo), streamed by ffmpeg."""
    from soundmosaic.audio.signal import to_wav24

    track = TrackStore().get(request.artist_id, request.track_id)
    original = files.fetch(track.media_key[len(files.prefix):], "ingest")
    target = files.workdir / "work" / "audio.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    channels = min(int(track.facts.get("channels") or 2), 2)
    to_wav24(original, target, channels)
    files.put("work/audio.wav", target, "audio/wav")
    return {"decoded": "work/audio.wav", "channels": channels}


def separate(request: StageRequest, files: TrackFiles) -> dict[str, Any]:
    from soundmosaic.audio import separate as separation
    from soundmosaic.audio.analysis import peaks

    if not request.wants("separate"):
        return {"stems": files.get_json("stems/separation.json", "separate")["stems"], "skipped": True}
    audio = files.fetch("work/audio.wav", "decode")
    options = dict(request.settings.get("separate") or {})
    engine = separation.get_engine(options.pop("engine", None), **options)
    files.delete("stems/")  # a new engine's stems replace the old ones, never mix with them
    outputs = separation.separate_file(audio, files.workdir / "stems", engine,
                                       progress=Progress(request, "separate"))
    for name, path in outputs.items():
        files.put(f"stems/{name}.wav", path, "audio/wav")
        files.put_json(f"stems/{name}.peaks.json", peaks(path))
    sidecar = {"engine": engine.name, "stems": sorted(outputs), "settings": options, "made_at": clock.iso(),
               "label": getattr(engine, "label", engine.name)}
    files.put_json("stems/separation.json", sidecar)
    return {"stems": sorted(outputs)}


def analyse(request: StageRequest, files: TrackFiles) -> dict[str, Any]:
    from soundmosaic.audio.analysis import analyse as run_analysis

    if not request.wants("analyse"):
        return files.get_json("analysis/analysis.json", "analyse")
    audio = files.fetch("work/audio.wav", "decode")
    result = run_analysis(audio)
    files.put_json("analysis/peaks.json", result.peaks)
    summary = {**result.summary(), "made_at": clock.iso()}
    files.put_json("analysis/analysis.json", summary)
    TrackStore().set_analysis(request.artist_id, request.track_id, result.bpm, result.key)
    return summary


def midi(request: StageRequest, files: TrackFiles) -> dict[str, Any]:
    from soundmosaic.audio import midi as transcription

    stem = _stem(request)
    if not request.wants("midi") or stem in NOT_MELODIC:
        return {"stem": stem, "skipped": True}
    settings = transcription.settings_for(stem)
    settings = _override(settings, request.settings.get("midi") or {})
    bpm = files.get_json("analysis/analysis.json", "analyse").get("bpm")
    # A file path: the model reads it span by span (22.05 kHz mono), in bounded memory.
    result = transcription.transcribe(files.fetch(f"stems/{stem}.wav", "separate"), settings, tempo_bpm=bpm,
                                      progress=Progress(request, "midi"))
    local = files.workdir / "midi" / f"{stem}.mid"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(result.midi)
    files.put(f"midi/{stem}.mid", local, "audio/midi")
    files.put_json(f"midi/{stem}.json", {"stem": stem, "engine": result.engine, "bpm": bpm,
                                         "settings": asdict(result.settings),
                                         "notes": [asdict(n) for n in result.notes]})
    return {"stem": stem, "notes": len(result.notes)}


def lyrics(request: StageRequest, files: TrackFiles) -> dict[str, Any]:
    from soundmosaic.audio import lyrics as words

    stem = _stem(request)
    if not request.wants("lyrics") or stem != "vocals":
        return {"stem": stem, "skipped": True}
    options = request.settings.get("lyrics") or {}
    # The mix too: per voiced passage the more confident of the two hypotheses is kept (fusion).
    result = words.transcribe(files.fetch("stems/vocals.wav", "separate"), language=options.get("language"),
                              model=options.get("model"), progress=Progress(request, "lyrics"),
                              mix=files.fetch("work/audio.wav", "decode"))
    track = TrackStore().get(request.artist_id, request.track_id)
    files.put_json("lyrics/lyrics.json", asdict(result))
    for ext, text in (("lrc", words.to_lrc(result, track.title, track.artist_name or "")),
                      ("srt", words.to_srt(result)), ("txt", words.to_txt(result))):
        local = files.workdir / "lyrics" / f"lyrics.{ext}"
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(text, encoding="utf-8")
        files.put(f"lyrics/lyrics.{ext}", local, "text/plain; charset=utf-8")
    return {"stem": stem, "language": result.language, "segments": len(result.segments)}


def samples(request: StageRequest, files: TrackFiles) -> dict[str, Any]:
    from soundmosaic.audio import samples as slicer

    stem = _stem(request)
    if not request.wants("samples"):
        return {"stem": stem, "skipped": True}
    settings = _override(slicer.SliceSettings(), request.settings.get("samples") or {})
    out_dir = files.workdir / "samples" / stem
    found = slicer.slice_file(files.fetch(f"stems/{stem}.wav", "separate"), stem, settings, out_dir,
                              chunk_s=SAMPLES_CHUNK_S)
    files.delete(f"samples/{stem}/")
    listing, vectors = [], []
    for row, sample in enumerate(found):
        path = sample.pop("path")
        vectors.append(sample.pop("embedding"))
        relative = f"samples/{stem}/{path.relative_to(out_dir).as_posix()}"
        files.put(relative, path, "audio/wav")
        number = int(path.stem)
        # The id and vector row stay with the sample when others are deleted or re-classed.
        listing.append({"key": relative, **sample, "stem": stem, "number": number, "row": row,
                        "sample_id": f"{request.track_id}-{stem}-{number:03d}"})
    empty = np.zeros((0, slicer.EMBEDDING_DIM), np.float16)
    matrix = np.stack(vectors).astype(np.float16) if vectors else empty
    np.save(files.workdir / "samples" / f"{stem}.npy", matrix)
    files.put(f"samples/{stem}.npy", files.workdir / "samples" / f"{stem}.npy", "application/octet-stream")
    files.put_json(f"samples/{stem}.json", {"stem": stem, "model": slicer.MODEL_VERSION,
                                            "settings": asdict(settings), "samples": listing})
    _index_samples(request)
    return {"stem": stem, "samples": len(listing)}


def _index_samples(request: StageRequest) -> None:
    """The samples room indexes what the lab made (its own rows for this track)."""
    from soundmosaic.samples.index import index_track

    index_track(request.artist_id, request.track_id)


def export(request: StageRequest, files: TrackFiles) -> dict[str, Any]:
    """The track's zip, streamed from its objects into S3 multipart: no /tmp, bounded memory."""
    from soundmosaic.audio.export import stream_zip_to_s3

    track = TrackStore().get(request.artist_id, request.track_id)
    bundle = collect(files, track)
    result = stream_zip_to_s3(files.bucket, files.key(f"export/{bundle.base}.zip"), [bundle])
    TrackStore().set_processed(request.artist_id, request.track_id, result["export_key"])
    _index_samples(request)  # the analysis' key and BPM, stems whose samples were not asked for
    return result


def collect(files: TrackFiles, track: Any) -> Any:
    """What the track has so far as an ``export.TrackExport`` of S3 sources (nothing downloaded)."""
    from soundmosaic.audio.export import TrackExport

    bundle = TrackExport(artist=track.artist_name or track.artist_id, title=track.title)
    manifest: dict[str, Any] = {"track_id": track.track_id, "source": track.facts}
    sizes = files.sizes()
    present = set(sizes)
    if "analysis/analysis.json" in present:
        manifest.update(files.get_json("analysis/analysis.json", "analyse"))
    if "stems/separation.json" in present:
        separation = files.get_json("stems/separation.json", "separate")
        manifest["separation"] = {k: separation[k] for k in ("engine", "label") if k in separation}
        for stem in separation["stems"]:
            bundle.stems[stem] = files.source(f"stems/{stem}.wav", sizes, "separate")
    for name in sorted(present):
        if name.startswith("midi/") and name.endswith(".mid"):
            bundle.midi[Path(name).stem] = files.source(name, sizes, "midi")
        elif name.startswith("samples/") and name.endswith(".json"):
            for sample in files.get_json(name, "samples")["samples"]:
                bundle.samples.append({**sample, "path": files.source(sample["key"], sizes, "samples")})
        elif name.startswith("lyrics/lyrics.") and not name.endswith(".json"):
            text = files.objects.get_bytes(files.key(name), limit=16 * 1024**2).decode("utf-8")
            bundle.lyrics[name.rsplit(".", 1)[1]] = text
    manifest["samples"] = [{k: v for k, v in s.items() if k != "path"} for s in bundle.samples]
    bundle.manifest = manifest
    return bundle


def export_collection(artist_id: str, job_id: str, track_ids: list[str]) -> dict[str, Any]:
    """One zip with a folder per track, from what each track has so far, streamed into S3."""
    from soundmosaic.audio.export import stream_zip_to_s3

    if not track_ids:
        raise ValueError("choose at least one track to export")
    store, bundles = TrackStore(), []
    for track_id in dict.fromkeys(track_ids):
        track = store.get(artist_id, track_id)  # TrackNotFound for another artist's id
        bundles.append(collect(TrackFiles(artist_id, track_id), track))
    result = stream_zip_to_s3(resource("MEDIA_BUCKET"), f"artists/{artist_id}/exports/{job_id}.zip", bundles)
    return {**result, "tracks": len(bundles)}


def route(event: dict[str, Any]) -> dict[str, Any]:
    """Where each stage of this job runs (``routing.plan``), from the track's probed facts."""
    from soundmosaic.audio import routing

    if event.get("track_ids") is not None:  # a collection export
        store = TrackStore()
        tracks = [store.get(event["artist_id"], t) for t in dict.fromkeys(event["track_ids"])]
        return routing.plan_collection([routing.Facts.of_track(t.facts, t.size_bytes) for t in tracks])
    track = TrackStore().get(event["artist_id"], event["track_id"])
    return routing.plan(routing.Facts.of_track(track.facts, track.size_bytes))


ACTIONS: dict[str, Callable[[StageRequest, TrackFiles], dict[str, Any]]] = {
    "decode": decode, "separate": separate, "analyse": analyse, "midi": midi, "lyrics": lyrics,
    "samples": samples, "export": export,
}


def run(action: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run one stage for the track named in ``event``; returns a small JSON-able summary."""
    request = StageRequest.from_event(event)
    if action == "decode" and not request.wants("decode") and TrackFiles(
            request.artist_id, request.track_id).exists("work/audio.wav"):
        return {"decoded": "work/audio.wav", "skipped": True}
    with tempfile.TemporaryDirectory(prefix="soundmosaic-") as tmp:
        files = TrackFiles(request.artist_id, request.track_id, Path(tmp))
        return ACTIONS[action](request, files)


def _stem(request: StageRequest) -> str:
    if not request.stem:
        raise ValueError("this stage runs per stem: the event needs 'stem'")
    return request.stem


def _override(settings: Any, values: dict[str, Any]) -> Any:
    """A copy of a settings dataclass with the user's values; unknown names are an error."""
    known = set(settings.__dataclass_fields__)
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
    return type(settings)(**{**asdict(settings), **values})
