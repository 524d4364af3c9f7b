"""The audio lab's routes: process a track, read what it made (stems, MIDI, lyrics, samples) and
export a selection. A Powertools ``Router`` included by ``api/app.py``.

Another artist's track is 404 like an unknown one; unknown stages and settings are 422 (typed in
``soundmosaic.audio.settings``). Processing and
exports return 202 with the job to follow at ``GET /jobs/{job_id}``. The audio lab's service
(and the pipeline it names stages with) is imported by the routes that use it, not at cold start.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field
from soundmosaic.audio.settings import STAGES, Stage, StageSettings
from soundmosaic.library import media
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import JobStore

from .caller import artist, request_id
from .models import Job, Number, Reply, Request

router = Router()


class ProcessRequest(Request):
    stages: list[Stage] | None = Field(default=None, max_length=len(STAGES), description="default: every "
                                       "stage; e.g. ['midi'] re-runs MIDI alone (the export follows)")
    settings: StageSettings | None = Field(default=None, description="typed and bounded per stage "
                                           "(soundmosaic.audio.settings): no paths, devices or workers")


class ExportRequest(Request):
    track_ids: list[str] = Field(min_length=1, max_length=500)


# -- replies: soundmosaic.audio.service.assets and the pipeline's sidecars ------------------------


class Analysis(Reply):
    """``analysis/analysis.json``: tempo, key and length."""

    bpm: Number | None
    key: str | None
    key_confidence: Number | None = None
    duration_s: Number
    made_at: str | None = None


class Stem(Reply):
    name: str
    url: str
    peaks_url: str = Field(description="audiowaveform JSON (version 2) of the stem")
    engine: str | None


class Note(Reply):
    start_s: Number
    end_s: Number
    pitch: int = Field(description="MIDI note number")
    velocity: int
    pitch_bends: list[int] | None = Field(default=None, description="-8192..8191 (±2 semitones), "
                                          "evenly spaced from start to end")


class Midi(Reply):
    stem: str
    url: str = Field(description="the .mid file")
    engine: str
    bpm: Number | None
    notes: list[Note]


class Word(Reply):
    text: str
    start_s: Number
    end_s: Number
    probability: Number | None = None


class Segment(Reply):
    text: str
    start_s: Number
    end_s: Number
    words: list[Word]
    source: str | None = Field(default=None, description='which signal the words were taken from: "stem" '
                               '(the vocals stem) or "mix" (the whole song, timed on the stem); empty '
                               "for lyrics made before the lyrics stage also heard the mix")


class LyricsFiles(Reply):
    lrc: str
    srt: str
    txt: str


class Lyrics(Reply):
    """``lyrics/lyrics.json`` (``soundmosaic.audio.lyrics.Lyrics``) and its files."""

    language: str
    language_probability: Number | None = None
    segments: list[Segment]
    engine: str | None = None
    model: str | None = None
    files: LyricsFiles


class Sample(Reply):
    key: str
    label: str
    confidence: Number
    start_s: Number
    end_s: Number
    peak_db: Number | None = None
    stem: str
    url: str


class Assets(Reply):
    """Everything the audio lab made for a track, with presigned URLs (they honour Range)."""

    track_id: str
    title: str
    analysis: Analysis | None
    peaks_url: str | None
    original_url: str
    stems: list[Stem]
    midi: list[Midi]
    lyrics: Lyrics | None
    samples: list[Sample]
    export_url: str | None


class ExportStatus(Reply):
    job: Job
    url: str | None = Field(description="the zip, once the export job succeeded")


# -- routes -----------------------------------------------------------------------------------------


@router.post("/tracks/<track_id>/process", status_code=202)
def process_track(track_id: str, body: ProcessRequest) -> Job:
    """Start the audio lab on a track (all stages, or the ones named, with their settings)."""
    from soundmosaic.audio import service

    settings = body.settings.as_event() if body.settings else {}
    job = service.start_processing(artist(), track_id, body.stages, settings, request_id())
    return Job.model_validate(job.__dict__)


@router.get("/tracks/<track_id>/assets")
def track_assets(track_id: str) -> Assets:
    from soundmosaic.audio import service

    return Assets.model_validate(service.assets(artist(), track_id))


@router.post("/exports", status_code=202)
def export_tracks(body: ExportRequest) -> Job:
    """One zip for a selection of tracks (a folder each); follow the job, then GET /exports/{job_id}."""
    from soundmosaic.audio import service

    job = service.start_collection_export(artist(), body.track_ids, request_id())
    return Job.model_validate(job.__dict__)


@router.get("/exports/<job_id>")
def get_export(job_id: str) -> ExportStatus:
    job = JobStore().get(artist(), job_id)
    url = None
    if job.kind == "export" and job.status == "succeeded":
        url = media.presigned_get(resource("MEDIA_BUCKET"), job.result["export_key"],
                                  filename=f"SoundMosaic export {job_id}.zip")
    return ExportStatus.model_validate({"job": job.__dict__, "url": url})
