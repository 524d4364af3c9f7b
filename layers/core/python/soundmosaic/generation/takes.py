"""Takes: songs generated from a project's ten matched reference songs.

``start_take`` checks the project (``projects.refusal``), records a take and starts the
``song_generation`` workflow, whose steps are the ``*_step`` functions here (one per Task; each
safe to run again under Step Functions retries). ``view`` is a take as the API shows it.

Media bucket layout, under ``artists/<a>/generation/<project>/``::

    songs/<song_id>/notes.json         a reference song's notes, tempo and key (prepare)
    takes/<take_id>/raw.<ext>          what the music engine returned (generate)
    takes/<take_id>/take.mid           its MIDI, when the engine makes one
    takes/<take_id>/provenance.json    each work's influence (``Provenance.to_dict()``)
    takes/<take_id>/compose.json    engine, offline flag, seed, seconds
    takes/<take_id>/master.wav         loudness-normalised master (render)
    takes/<take_id>/preview.mp3        what the browser plays
    takes/<take_id>/peaks.json         ~800 waveform points in [0, 1]
    takes/<take_id>/influence.json     requested against measured influence per song (measure)
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import secrets
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from soundmosaic.generation import compose, projects
from soundmosaic.generation.compose import GenerationRefused
from soundmosaic.generation.projects import ProjectNotFound, ProjectStore, Take, project_prefix
from soundmosaic.library.media import presigned_get
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import Job, new_job_id, reason_from_error, start_workflow
from soundmosaic.platform.paging import new_id
from soundmosaic.platform.s3json import ObjectMissing, S3Json
from soundmosaic.providers.mosaic import ModelMosaic
from soundmosaic.royalties.provenance import Provenance
from soundmosaic.royalties.provenance_store import ProvenanceStore
from soundmosaic.royalties.tenancy import TenantProvenance, platform_actor

JOB_KIND = "song_generation"
URL_TTL_S = 3600
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 10.0, 120.0, 30.0
DEFAULT_INFLUENCE = "85/100"
MAX_SEED = 2**31 - 1
MAX_PROMPT = 500
MAX_WEIGHT = 1000
_FRACTION = re.compile(r"^\d+/\d+$")


# -- keys -------------------------------------------------------------------------------------


def notes_key(artist_id: str, project_id: str, song_id: str) -> str:
    return f"{project_prefix(artist_id, project_id)}songs/{song_id}/notes.json"


def take_prefix(artist_id: str, project_id: str, take_id: str) -> str:
    return f"{project_prefix(artist_id, project_id)}takes/{take_id}/"


def _media() -> S3Json:
    return S3Json(resource("MEDIA_BUCKET"))


# -- the API view -----------------------------------------------------------------------------

def _decimal(value: Fraction, places: int = 6) -> str:
    """A display string of an exact share (the exact value stays in the provenance record)."""
    quantum = Decimal(1).scaleb(-places)
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum))


def provenance_summary(take: Take) -> dict[str, Any] | None:
    """The take's recorded provenance, short: reference works with titles, holder weights."""
    if not take.provenance_track_id or not take.provenance_version:
        return None
    record = ProvenanceStore().get(take.provenance_track_id, int(take.provenance_version))
    if record is None:
        return None
    titles = {s.match["work_id"]: s.title
              for s in ProjectStore().songs(take.artist_id, take.project_id) if s.match}
    return {
        "track_id": record.track_id, "version": record.version, "isrc": record.isrc,
        "reference": [{"work_id": i.work.work_id, "title": titles.get(i.work.work_id),
                       "weight": _decimal(i.weight)} for i in record.reference],
        "training_works": len(record.training),
        # The royalty policy: the ten songs' holders' part and the training catalog's.
        "reference_share": f"{record.policy.reference.numerator}/{record.policy.reference.denominator}",
        "training_share": f"{record.policy.training.numerator}/{record.policy.training.denominator}",
        "holder_weights": {h: _decimal(w) for h, w in sorted(record.holder_weights().items())},
        "influence_check": _influence_check(record, titles),
    }


def _influence_check(record: Provenance, titles: dict[str, str]) -> dict[str, Any] | None:
    """Requested against measured influence per song, the verdict and whether an admin reviewed it."""
    check = record.influence_check
    if not check:
        return None
    latest = ProvenanceStore().latest(record.track_id)
    reviewed = latest is not None and latest.version > record.version and \
        (latest.recorded_by or "").startswith("admin:")
    return {
        "songs": [{"work_id": w, "title": titles.get(w), "requested": check["requested"][w],
                   "measured": check["measured"].get(w)} for w in check["requested"]],
        "distance": check["distance"], "tolerance": check["tolerance"], "verdict": check["verdict"],
        "reason": check.get("reason"),
        "split_uses": check["split_uses"], "method": check.get("method", ""),
        "reviewed_version": latest.version if reviewed and latest else None,
    }


def view(take: Take) -> dict[str, Any]:
    """A take as the API returns it: presigned GET URLs for its media, peaks, provenance."""
    media = _media()

    def url(key: str | None, filename: str | None = None) -> str | None:
        return presigned_get(media.bucket, key, expires_s=URL_TTL_S, filename=filename) if key else None

    peaks: list[float] = []
    if take.peaks_key and take.status == projects.READY:
        try:
            peaks = list(media.get_json(take.peaks_key))
        except ObjectMissing:
            peaks = []  # the take says ready but its peaks are gone: show it without a waveform
    return {
        "take_id": take.take_id, "project_id": take.project_id, "seed": take.seed,
        "seconds": take.seconds, "influence": take.influence, "weights": take.weights,
        "prompt": take.prompt,
        "status": take.status, "error": take.error, "job_id": take.job_id,
        "engine": take.engine, "offline": take.offline, "duration_s": take.duration_s,
        "kept": take.kept,
        "audio_url": url(take.audio_key), "preview_url": url(take.preview_key),
        "midi_url": url(take.midi_key, f"take-{take.take_id}.mid"),
        "peaks": peaks,
        "provenance": provenance_summary(take) if take.status == projects.READY else None,
        "publication": take.publication, "created_at": take.created_at, "updated_at": take.updated_at,
    }


# -- starting and keeping takes ---------------------------------------------------------------

class TakeInputError(ValueError):
    """A take request the service cannot accept (400); the message says why."""


class TakeNotReady(ValueError):
    """The take is not in a state that allows this (409)."""


def parse_influence(text: str | None) -> tuple[str, Fraction]:
    """The songs' share of the model's influence: an exact fraction strictly between 1/2 and 1."""
    raw = (text or DEFAULT_INFLUENCE).strip()
    try:
        value = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise TakeInputError(f"influence {raw[:40]!r} is not an exact fraction such as \"85/100\"") from None
    if not Fraction(1, 2) < value < 1:
        raise TakeInputError(f"influence {raw} must be more than 1/2 and less than 1: the ten songs "
                             "carry most of the influence and the training catalog the rest")
    return (raw if _FRACTION.match(raw) else str(value)), value


def parse_weights(weights: dict[str, str] | None, song_ids: list[str]) -> dict[str, str] | None:
    """Each song's relative weight (exact, not negative; a song not named weighs 1), or None."""
    if not weights:
        return None
    unknown = sorted(set(weights) - set(song_ids))
    if unknown:
        raise TakeInputError(f"weights name songs that are not in the project: {', '.join(unknown)[:200]}")
    exact: dict[str, str] = {}
    for song_id in song_ids:
        raw = str(weights.get(song_id, "1")).strip()
        try:
            value = Fraction(raw)
        except (ValueError, ZeroDivisionError):
            raise TakeInputError(f"weight {raw[:20]!r} of song {song_id} is not an exact number such as "
                                 "\"3\" or \"1/2\"") from None
        if value < 0 or value > MAX_WEIGHT:
            raise TakeInputError(f"weight {raw} of song {song_id} must be from 0 to {MAX_WEIGHT}")
        exact[song_id] = str(value)
    if not any(Fraction(v) for v in exact.values()):
        raise TakeInputError("the songs' weights sum to zero")
    return exact


def start_take(artist_id: str, project_id: str, *, seed: int | None = None, seconds: float | None = None,
               influence: str | None = None, prompt: str | None = None,
               weights: dict[str, str] | None = None,
               correlation_id: str | None = None) -> tuple[Take, Job]:
    """Record a take and start ``song_generation`` for it; ``GenerationRefused`` unless the
    project has ten songs matched to distinct works."""
    store = ProjectStore()
    store.get(artist_id, project_id)  # ProjectNotFound for another artist's project
    seconds = float(DEFAULT_SECONDS if seconds is None else seconds)
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise TakeInputError(f"seconds must be {MIN_SECONDS} to {MAX_SECONDS}, got {seconds:g}")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED + 1)
    elif isinstance(seed, bool) or not 0 <= int(seed) <= MAX_SEED:
        raise TakeInputError(f"seed must be a whole number from 0 to {MAX_SEED}")
    text, _value = parse_influence(influence)
    prompt = (prompt or "").strip()
    if len(prompt) > MAX_PROMPT:
        raise TakeInputError(f"the prompt is longer than {MAX_PROMPT} characters")
    songs = store.songs(artist_id, project_id)
    reason = projects.refusal(songs)
    if reason:
        raise GenerationRefused(reason)
    exact = parse_weights(weights, [s.song_id for s in songs])
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind=JOB_KIND, correlation_id=correlation_id)
    take = Take(artist_id, project_id, new_id(), seed=int(seed), seconds=seconds, influence=text,
                job_id=job.job_id, prompt=prompt, weights=exact)
    job.subject = {"project_id": project_id, "take_id": take.take_id}
    store.put_take(take)
    try:
        start_workflow(job, "SONG_GENERATION_STATE_MACHINE",
                       {"project_id": project_id, "take_id": take.take_id})
    except Exception as err:
        store.set_take(artist_id, project_id, take.take_id, status=projects.FAILED,
                       error=f"could not start the generation workflow: {err}")
        raise
    return take, job


def keep(artist_id: str, project_id: str, take_id: str) -> Take:
    """Keep a ready take (the one to publish); the previously kept take is kept no more."""
    store = ProjectStore()
    project = store.get(artist_id, project_id)
    take = store.take(artist_id, project_id, take_id)
    if take.status != projects.READY:
        raise TakeNotReady(f"only a ready take can be kept; this one is {take.status}")
    previous = project.kept_take_id
    if previous and previous != take_id:
        with contextlib.suppress(ProjectNotFound):  # the previous take may have been deleted
            store.set_take(artist_id, project_id, previous, kept=False)
    kept = store.set_take(artist_id, project_id, take_id, kept=True)
    store.set_project(artist_id, project_id, kept_take_id=take_id)
    return kept


# -- workflow steps (event: artist_id, job_id, project_id, take_id, song_id?, correlation_id) ---

def check_step(event: dict[str, Any]) -> dict[str, Any]:
    """Refuse (``GenerationRefused``, not retried) unless ten songs of distinct works are matched."""
    store = ProjectStore()
    store.take(event["artist_id"], event["project_id"], event["take_id"])
    songs = store.songs(event["artist_id"], event["project_id"])
    reason = projects.refusal(songs)
    if reason:
        raise GenerationRefused(reason)
    return {"song_ids": [s.song_id for s in songs]}


def prepare_step(event: dict[str, Any]) -> dict[str, Any]:
    """One song's notes, tempo and key in ``notes.json`` (once per song: later takes reuse it)."""
    from soundmosaic.generation import notes  # the audio lab's reader: the workflow's, not the API's

    artist_id, project_id = event["artist_id"], event["project_id"]
    store = ProjectStore()
    song = store.song(artist_id, project_id, event["song_id"])
    key = notes_key(artist_id, project_id, song.song_id)
    media = _media()
    if media.exists(key):  # made before (this song in an earlier take, or a retried step)
        if song.notes_key != key:
            store.set_song(artist_id, project_id, song.song_id, notes_key=key)
        return {"song_id": song.song_id, "notes_key": key, "reused": True}
    song_notes = notes.song_notes(artist_id, song.track_id, song.title)
    media.put_json(key, song_notes)
    store.set_song(artist_id, project_id, song.song_id, notes_key=key)
    return {"song_id": song.song_id, "notes_key": key, "reused": False, "source": song_notes["source"],
            "notes": sum(len(p) for p in song_notes["parts"])}


def generate_step(event: dict[str, Any]) -> dict[str, Any]:
    """Generate the take's audio with ModelMosaic ``music`` and write its provenance beside it."""
    from soundmosaic.generation import notes

    artist_id, project_id, take_id = event["artist_id"], event["project_id"], event["take_id"]
    store = ProjectStore()
    take = store.take(artist_id, project_id, take_id)
    prefix = take_prefix(artist_id, project_id, take_id)
    media = _media()
    if media.exists(prefix + "compose.json"):  # written last: a retry after success does nothing
        return {"take_id": take_id, "reused": True}
    songs = store.songs(artist_id, project_id)
    reason = projects.refusal(songs)
    if reason:
        raise GenerationRefused(reason)
    songs_value = Fraction(take.influence)
    mosaic = ModelMosaic.from_env()
    try:
        offline = mosaic.entry("music").offline
        weights = {s.song_id: Fraction((take.weights or {}).get(s.song_id, "1")) for s in songs}
        total = sum(weights.values(), Fraction(0))
        with tempfile.TemporaryDirectory(prefix="take-") as folder:
            # an audio model conditions on every song's opening, as long as its share of the clip
            references = []
            for song in songs:
                weight = weights[song.song_id]
                audio = None if offline or not weight else notes.excerpt(
                    artist_id, song.track_id, Path(folder) / f"{song.song_id}.wav",
                    float(compose.CONDITIONING_S * weight / total) + 1.0)
                references.append(notes.reference_song(song, _notes(song), audio, weight))
            made = compose.generate(
                mosaic, references, track_id=provenance_track_id(take_id),
                influence=compose.InfluencePolicy(songs_value, 1 - songs_value),
                seconds=float(take.seconds), seed=int(take.seed), fmt="wav", prompt=take.prompt)
    finally:
        mosaic.close()
    result = made.result
    raw_key = media.put_bytes(prefix + "raw.wav", made.audio, made.content_type)
    midi_key = media.put_bytes(prefix + "take.mid", made.midi, "audio/midi") if made.midi else None
    media.put_json(prefix + "provenance.json", made.provenance.to_dict())
    engine = f"{result.provider} {result.model}"
    media.put_json(prefix + "compose.json", {
        "engine": engine, "offline": result.offline, "seed": made.seed, "seconds": made.seconds,
        "sample_rate": result.sample_rate, "influence": {k: str(v) for k, v in made.influence.items()},
        "details": result.details, "raw_key": raw_key, "midi_key": midi_key})
    store.set_take(artist_id, project_id, take_id, engine=engine, offline=result.offline, midi_key=midi_key)
    return {"take_id": take_id, "reused": False, "engine": engine, "offline": result.offline}


def _notes(song: projects.Song) -> dict[str, Any]:
    key = song.notes_key or notes_key(song.artist_id, song.project_id, song.song_id)
    try:
        return dict(_media().get_json(key))
    except ObjectMissing:
        raise ValueError(f"the notes of {song.title!r} are not prepared: "
                         "run the prepare step first") from None


def render_step(event: dict[str, Any]) -> dict[str, Any]:
    """Master (loudness-normalised WAV), MP3 preview and waveform peaks from the raw audio."""
    from soundmosaic.generation import render  # numpy: the workflow's step, not the API's routes

    artist_id, project_id, take_id = event["artist_id"], event["project_id"], event["take_id"]
    prefix = take_prefix(artist_id, project_id, take_id)
    media = _media()
    with tempfile.TemporaryDirectory(prefix="render-") as name:
        folder = Path(name)
        try:
            raw = media.download(prefix + "raw.wav", folder / "raw.wav")
        except ObjectMissing as err:
            raise ValueError(f"take {take_id} has no generated audio to render: generate it first") from err
        out = render.render(raw, folder)
        for local, name, kind in ((out.master, "master.wav", "audio/wav"),
                                  (out.preview, "preview.mp3", "audio/mpeg")):
            media.upload(local, prefix + name, kind)
    media.put_json(prefix + "peaks.json", out.peaks)
    ProjectStore().set_take(artist_id, project_id, take_id, audio_key=prefix + "master.wav",
                            preview_key=prefix + "preview.mp3", peaks_key=prefix + "peaks.json",
                            duration_s=out.duration_s)
    return {"take_id": take_id, "duration_s": out.duration_s}


def measure_step(event: dict[str, Any]) -> dict[str, Any]:
    """Measure each song's influence on the take (``influence``) and check it against the
    requested weights: ``influence.json`` beside the take, read by ``store_step``."""
    from soundmosaic.generation import influence

    artist_id, project_id, take_id = event["artist_id"], event["project_id"], event["take_id"]
    prefix = take_prefix(artist_id, project_id, take_id)
    media = _media()
    if media.exists(prefix + "influence.json"):
        return {"take_id": take_id, "reused": True}
    try:
        composed = dict(media.get_json(prefix + "compose.json"))
        requested = Provenance.from_dict(media.get_json(prefix + "provenance.json"))
    except ObjectMissing as err:
        raise ValueError(f"take {take_id} has not been generated: generate it first") from err
    details = composed.get("details") or {}
    with tempfile.TemporaryDirectory(prefix="measure-") as name:
        parts, tempo, source = _take_notes(media, prefix, composed, Path(name))
    songs = []
    for song in ProjectStore().songs(artist_id, project_id):
        if song.match:
            known = _notes(song)
            songs.append(influence.Song(song.match["work_id"], known["parts"], float(known["tempo_bpm"]),
                                        known.get("key")))
    weights = {i.work.work_id: i.weight for i in requested.reference}
    try:
        found = influence.measure(parts, tempo, details.get("key"), songs)
    except ValueError as err:  # e.g. a take with too few notes: it is kept, flagged unmeasured
        check = {**influence.unmeasured(weights, str(err)), "take_notes": source}
    else:
        check = {**influence.review(weights, found["measured"]), "method": found["method"],
                 "features": found["features"], "evidence": found["evidence"], "take_notes": source}
    media.put_json(prefix + "influence.json", check)
    return {"take_id": take_id, "reused": False, "verdict": check["verdict"], "distance": check["distance"]}


def _take_notes(media: S3Json, prefix: str, composed: dict[str, Any],
                folder: Path) -> tuple[list[list[tuple[float, float, int, int]]], float, str]:
    """The take's notes: its MIDI when the engine made one, else Basic Pitch on its audio."""
    tempo = float((composed.get("details") or {}).get("tempo_bpm") or 0)
    if composed.get("midi_key"):
        import pretty_midi

        midi = pretty_midi.PrettyMIDI(str(media.download(composed["midi_key"], folder / "take.mid")))
        parts = [[(n.start, n.end, n.pitch, n.velocity) for n in i.notes]
                 for i in midi.instruments if not i.is_drum and i.notes]
        return parts, tempo or 120.0, "the engine's MIDI"
    from soundmosaic.audio import analysis
    from soundmosaic.audio import midi as transcriber

    raw = media.download(prefix + "raw.wav", folder / "raw.wav")
    tempo = tempo or float(analysis.analyse(raw).bpm or 120.0)
    notes = transcriber.transcribe(raw, tempo_bpm=tempo).notes
    return [[(n.start_s, n.end_s, n.pitch, n.velocity) for n in notes]], tempo, "Basic Pitch on the take"


def store_step(event: dict[str, Any]) -> dict[str, Any]:
    """Record the provenance (owned by the artist) and make the take ready."""
    artist_id, project_id, take_id = event["artist_id"], event["project_id"], event["take_id"]
    store = ProjectStore()
    take = store.take(artist_id, project_id, take_id)
    if take.status == projects.READY:
        return {"take_id": take_id, "track_id": take.provenance_track_id, "version": take.provenance_version}
    if not take.audio_key or not take.preview_key:
        raise ValueError(f"take {take_id} has not been rendered")
    prefix = take_prefix(artist_id, project_id, take_id)
    made = Provenance.from_dict(_media().get_json(prefix + "provenance.json"))
    with contextlib.suppress(ObjectMissing):  # a take measured by ``measure_step`` (all but very old ones)
        made = dataclasses.replace(made, influence_check=_media().get_json(prefix + "influence.json"))
    tenant = TenantProvenance(artist_id)
    latest = tenant.latest(made.track_id)
    # A retry after the record was written but before the take was updated: reuse that version.
    if latest and latest.reference == made.reference and latest.training == made.training:
        recorded = latest
    else:
        recorded = tenant.record_owned(made, actor=platform_actor("generation", artist_id))
    store.set_take(artist_id, project_id, take_id, status=projects.READY, error=None,
                   provenance_track_id=recorded.track_id, provenance_version=recorded.version)
    return {"take_id": take_id, "track_id": recorded.track_id, "version": recorded.version}


def take_failed_step(event: dict[str, Any]) -> dict[str, Any]:
    """The take failed: keep the reason (Step Functions' Catch ``error``) on the take."""
    artist_id, project_id, take_id = event["artist_id"], event["project_id"], event["take_id"]
    reason = reason_from_error(event.get("error") or {})
    store = ProjectStore()
    if store.take(artist_id, project_id, take_id).status == projects.READY:
        return {"take_id": take_id, "status": projects.READY}  # a late failure never undoes a ready take
    store.set_take(artist_id, project_id, take_id, status=projects.FAILED, error=reason)
    return {"take_id": take_id, "status": projects.FAILED, "reason": reason}


def provenance_track_id(take_id: str) -> str:
    """The id the take's royalties are split under (statements may also name its ISRC)."""
    return f"gen-{take_id}"
