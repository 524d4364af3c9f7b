"""Reference songs of a generation project and their identification against the catalog.

Service functions for the routes (projects, songs, matching by hand, catalog search) and the
two ``song_identify`` workflow steps:

``identify_step``
    One song: a short excerpt of its library track (ffmpeg reads the first ``MAX_SECONDS``
    through a presigned GET, so a long file is never downloaded whole), its Chromaprint
    fingerprint, the best catalog candidates. The best candidate's verdict sets the status:
    ``matched`` (a match ``by: "fingerprint"`` with the work and its holders' exact shares),
    ``doubtful`` (candidates to confirm) or ``unmatched``. Audio that cannot be decoded or
    fingerprinted makes the song ``failed`` with the reason, as a result rather than an
    exception, so one bad file never fails the other songs. A network failure reading the
    file is raised (``SourceUnavailable``) for the workflow to retry.
``identify_failed_step``
    The Map's Catch: the song is ``failed`` with the error's cause.

A song removed while its identification runs is left alone (the step reports ``removed``).

Environment variables
---------------------
MEDIA_BUCKET
    Where library tracks (and the project's media, ``artists/<a>/generation/<p>/``) live.
SONG_IDENTIFY_STATE_MACHINE
    The ``song_identify`` workflow.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from soundmosaic.catalog.lookup import Candidate
from soundmosaic.catalog.store import CatalogStore, Recording
from soundmosaic.generation import projects
from soundmosaic.generation.external import catalog_entry
from soundmosaic.generation.projects import ProjectNotFound, ProjectStore, Song, project_prefix
from soundmosaic.library import media
from soundmosaic.library.tracks import TrackNotFound, TrackStore
from soundmosaic.platform import aws, untrusted_media
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import (
    Job,
    JobNotFound,
    JobStore,
    new_job_id,
    reason_from_error,
    start_workflow,
)
from soundmosaic.platform.paging import new_id

KIND = "song_identify"
MACHINE = "SONG_IDENTIFY_STATE_MACHINE"
CANDIDATES = 3
DECODE_TIMEOUT_S = 300
# ffmpeg's words for a source it could not reach (as opposed to one it could not decode).
_TRANSIENT = re.compile(r"Server returned 5\d\d|Connection (refused|reset|timed out)|timed out|"
                        r"Temporary failure|Network is unreachable|I/O error", re.IGNORECASE)


class SongConflict(ValueError):
    """The request contradicts the project's state (a track already in it, too many songs): 409."""


class CatalogEntryNotFound(LookupError):
    """No recording with that id in the catalog: 404."""


class SourceUnavailable(RuntimeError):
    """The track's audio could not be reached (not: could not be decoded); worth a retry."""


# -- views ----------------------------------------------------------------------------------------


def project_view(project: projects.Project) -> dict[str, Any]:
    view = asdict(project)
    view.pop("artist_id")
    return view


def song_view(song: Song) -> dict[str, Any]:
    return {"song_id": song.song_id, "project_id": song.project_id, "track_id": song.track_id,
            "title": song.title, "status": song.status, "error": song.error,
            "candidates": [{"confidence": None, "verdict": None, **c} for c in song.candidates],
            # Stored items leave None out; the contract always has every key.
            "match": {"isrc": None, "confidence": None, **song.match} if song.match else None,
            "external": song.external,
            "added_at": song.added_at, "updated_at": song.updated_at}


def job_view(job: Job) -> dict[str, Any]:
    return asdict(job)


def _match(recording: Recording, confidence: float | None, by: str) -> dict[str, Any]:
    entry = catalog_entry(recording)
    return {k: entry[k] for k in ("recording_id", "title", "artists", "isrc", "work_id", "holders",
                                  "holder_names")} | {"confidence": confidence, "by": by}


def _candidate(found: Candidate) -> dict[str, Any]:
    return {"recording_id": found.ref, "title": found.title, "artists": list(found.artists),
            "isrc": found.isrc, "confidence": found.confidence, "verdict": found.verdict}


# -- projects ---------------------------------------------------------------------------------------


def create_project(artist_id: str, name: str) -> dict[str, Any]:
    return project_view(ProjectStore().create(artist_id, name))


def list_projects(artist_id: str) -> dict[str, Any]:
    store = ProjectStore()
    items = []
    for project in store.projects(artist_id):
        songs = store.songs(artist_id, project.project_id)
        items.append({**project_view(project), "song_count": len(songs),
                      "matched_count": sum(s.status == projects.MATCHED and bool(s.match) for s in songs),
                      "take_count": len(store.takes(artist_id, project.project_id))})
    return {"items": items}


def project_detail(artist_id: str, project_id: str) -> dict[str, Any]:
    # Imported when needed: takes brings the render and notes code, which identification never uses.
    from soundmosaic.generation import takes

    store = ProjectStore()
    project = store.get(artist_id, project_id)
    songs = store.songs(artist_id, project_id)
    refusal = projects.refusal(songs)
    job = None
    if project.identify_job_id:
        try:
            job = job_view(JobStore().get(artist_id, project.identify_job_id))
        except JobNotFound:
            job = None
    return {"project": project_view(project), "songs": [song_view(s) for s in songs],
            "takes": [takes.view(t) for t in store.takes(artist_id, project_id)],
            "ready": refusal is None, "refusal": refusal, "identify_job": job}


def delete_project(artist_id: str, project_id: str) -> None:
    store = ProjectStore()
    store.get(artist_id, project_id)  # 404 for another artist's or an unknown project
    media.delete_prefix(resource("MEDIA_BUCKET"), project_prefix(artist_id, project_id))
    store.delete(artist_id, project_id)


# -- songs ------------------------------------------------------------------------------------------


def add_songs(artist_id: str, project_id: str, track_ids: list[str],
              correlation_id: str | None = None) -> dict[str, Any]:
    """Add library tracks as reference songs and start identifying them: ``{songs, job}``."""
    store = ProjectStore()
    store.get(artist_id, project_id)
    if not track_ids:
        raise ValueError("track_ids: name at least one library track")
    repeated = sorted({t for t in track_ids if track_ids.count(t) > 1})
    if repeated:
        raise ValueError(f"track_ids: {', '.join(repeated)} named more than once")
    tracks = TrackStore()
    found = [tracks.get(artist_id, t) for t in track_ids]  # TrackNotFound: not the artist's track
    existing = store.songs(artist_id, project_id)
    already = [t.title for t in found if any(s.track_id == t.track_id for s in existing)]
    if already:
        raise SongConflict(f"already in the project: {', '.join(already)}")
    if len(existing) + len(found) > projects.MAX_SONGS:
        raise SongConflict(f"a project holds at most {projects.MAX_SONGS} songs; it has {len(existing)}, "
                           f"{len(found)} more would make {len(existing) + len(found)}")
    base = new_id()  # one base, then the position: the songs list in the order they were asked for
    new = [Song(artist_id, project_id, f"{base}{i:02d}", t.track_id, t.title) for i, t in enumerate(found)]
    try:  # the checks above say why; this makes them hold against a request at the same time
        songs = store.add_songs(artist_id, project_id, new)
    except projects.SongsRefused as err:
        raise SongConflict(str(err)) from err
    job = _start(artist_id, project_id, songs, correlation_id)
    return {"songs": [song_view(s) for s in songs], "job": job_view(job)}


def _start(artist_id: str, project_id: str, songs: list[Song], correlation_id: str | None) -> Job:
    song_ids = [s.song_id for s in songs]
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind=KIND, correlation_id=correlation_id,
              subject={"project_id": project_id, "song_ids": song_ids})
    store = ProjectStore()
    store.set_project(artist_id, project_id, identify_job_id=job.job_id)
    try:
        return start_workflow(job, MACHINE, {"project_id": project_id, "song_ids": song_ids})
    except Exception as err:
        for song in songs:  # never leave a song "identifying" for a workflow that never ran
            _set_song(store, song, status=projects.FAILED, error=f"identification did not start: {err}")
        raise


def remove_song(artist_id: str, project_id: str, song_id: str) -> None:
    store = ProjectStore()
    song = store.song(artist_id, project_id, song_id)
    store.remove_song(song)
    if song.notes_key and song.notes_key.startswith(project_prefix(artist_id, project_id)):
        aws.client("s3").delete_object(Bucket=resource("MEDIA_BUCKET"), Key=song.notes_key)


def reidentify(artist_id: str, project_id: str, song_id: str,
               correlation_id: str | None = None) -> dict[str, Any]:
    """Identify one song again (e.g. after the catalog grew): ``{song, job}``."""
    store = ProjectStore()
    store.get(artist_id, project_id)
    store.song(artist_id, project_id, song_id)
    song = store.set_song(artist_id, project_id, song_id, status=projects.IDENTIFYING, error=None,
                          match=None, candidates=[], external=None)
    job = _start(artist_id, project_id, [song], correlation_id)
    return {"song": song_view(song), "job": job_view(job)}


def match_by_hand(artist_id: str, project_id: str, song_id: str, recording_id: str) -> dict[str, Any]:
    """Match a song to a catalog recording the artist chose (from search or the candidates); a
    named catalog's recording (``apple-music:<id>``, ``musicbrainz:<mbid>``) through ``external``."""
    from soundmosaic.generation import external

    store = ProjectStore()
    song = store.song(artist_id, project_id, song_id)
    if external.is_external(recording_id):
        score = next((c.get("confidence") for c in song.candidates
                      if c.get("recording_id") == recording_id), None)
        return song_view(store.set_song(artist_id, project_id, song_id,
                                        **_external_match(external.resolve(recording_id), score, "hand")))
    recording = CatalogStore().get(recording_id)
    if recording is None:
        raise CatalogEntryNotFound(f"no catalog recording {recording_id}")
    # Confirming a candidate keeps what the fingerprint said of it; a search result has no score.
    score = next((c.get("confidence") for c in song.candidates
                  if c.get("recording_id") == recording_id), None)
    song = store.set_song(artist_id, project_id, song_id, status=projects.MATCHED, error=None,
                          match=_match(recording, score, "hand"), external=None)
    return song_view(song)


def _external_match(found: Candidate, confidence: float | None, by: str) -> dict[str, Any]:
    """A song's values for a named catalog's recording: matched when the platform's catalog holds
    its rights, else ``needs_rights`` (and the recording goes on the royalty admins' list)."""
    from soundmosaic.generation import external

    view = external.external_view(found)
    local = external.rights_for(view["recording_id"], found.isrc)
    if local is not None:
        return {"status": projects.MATCHED, "error": None, "external": view,
                "match": _match(local, confidence, by)}
    external.request_rights(found)
    return {"status": projects.NEEDS_RIGHTS, "match": None, "external": view,
            "error": f"{found.title!r} ({view['source']}) has no rights holders in the platform's catalog: "
                     "a royalty admin must add them before the project can continue"}


def search_catalog(query: str, limit: int = 20) -> dict[str, Any]:
    if not query.strip():
        raise ValueError("q: say what to look for (title, artist or ISRC)")
    return {"items": [catalog_entry(r) for r in CatalogStore().search(query, limit)]}


# -- workflow steps -----------------------------------------------------------------------------------


def identify_step(event: dict[str, Any]) -> dict[str, Any]:
    """Identify one song of the workflow; ``{song_id, status}``."""
    return _update_song(event, _identified)


def identify_failed_step(event: dict[str, Any]) -> dict[str, Any]:
    """The Map's Catch: the song is ``failed`` with the error's cause."""
    reason = reason_from_error(event.get("error") or {})
    return _update_song(event, lambda _song: {"status": projects.FAILED,
                                              "error": f"identification failed: {reason}"})


def _identified(song: Song) -> dict[str, Any]:
    try:
        track = TrackStore().get(song.artist_id, song.track_id)
    except TrackNotFound:
        return {"status": projects.FAILED, "candidates": [], "match": None,
                "error": "its library track was deleted; remove the song"}
    return _identify(track.media_key, track.filename)


def _update_song(event: dict[str, Any], values_for: Callable[[Song], dict[str, Any]]) -> dict[str, Any]:
    """Set the step's song to ``values_for(song)`` and move the job on; a removed song stays removed."""
    store = ProjectStore()
    try:
        song = store.song(event["artist_id"], event["project_id"], event["song_id"])
    except ProjectNotFound:
        return {"song_id": event["song_id"], "status": "removed"}
    status = _set_song(store, song, **values_for(song))
    _progress(event)
    return {"song_id": song.song_id, "status": status}


def _set_song(store: ProjectStore, song: Song, **values: Any) -> str:
    try:
        return store.set_song(song.artist_id, song.project_id, song.song_id, **values).status
    except ProjectNotFound:  # removed while it was being identified
        return "removed"


def _progress(event: dict[str, Any]) -> None:
    """Move the job's percent to the share of its songs no longer identifying (5..95)."""
    song_ids = event.get("song_ids") or []
    job_id = event.get("job_id")
    if not song_ids or not job_id:
        return
    songs = {s.song_id: s for s in ProjectStore().songs(event["artist_id"], event["project_id"])}
    done = sum(1 for s in song_ids if s not in songs or songs[s].status != projects.IDENTIFYING)
    JobStore().advance(event["artist_id"], job_id, f"identified {done} of {len(song_ids)}",
                       5 + 90 * done // len(song_ids))


def _identify(media_key: str, filename: str) -> dict[str, Any]:
    """The song's new status, candidates, match and error, from its audio."""
    # Imported here: the matcher brings numpy, which the API's routes of this module never need.
    from soundmosaic.catalog.fingerprint import FingerprintError, fingerprint_file
    from soundmosaic.catalog.lookup.local import LocalLookup
    from soundmosaic.generation import external

    named = external.MUSICBRAINZ in external.sources()  # AcoustID: its lookup needs fpcalc's compressed form
    with tempfile.TemporaryDirectory(prefix="identify-") as tmp:
        excerpt = Path(tmp) / "excerpt.wav"
        try:
            decode_excerpt(source_url(resource("MEDIA_BUCKET"), media_key), excerpt, filename)
            fingerprint = fingerprint_file(excerpt, compressed=named)
        except FingerprintError as err:
            return {"status": projects.FAILED, "candidates": [], "match": None, "error": str(err)}
    found = LocalLookup(CatalogStore()).by_fingerprint(fingerprint, CANDIDATES)
    best = found[0] if found else None
    kept = [_candidate(c) for c in found if c.verdict != "unmatched"]
    if best is not None and best.verdict == "matched" and best.recording is not None:
        return {"status": projects.MATCHED, "candidates": kept, "error": None, "external": None,
                "match": _match(best.recording, best.confidence, "fingerprint")}
    if named:
        return _identify_acoustid(fingerprint, kept)
    status = projects.DOUBTFUL if best is not None and best.verdict == "doubtful" else projects.UNMATCHED
    return {"status": status, "candidates": kept, "match": None, "error": None, "external": None}


def _identify_acoustid(fingerprint: Any, kept: list[dict[str, Any]]) -> dict[str, Any]:
    """AcoustID, when the local catalog found no match: its best match is read back from
    MusicBrainz (ISRCs) and matched when the platform's catalog holds its rights."""
    from soundmosaic.generation import external

    client = external.lookup(external.MUSICBRAINZ)
    try:
        found = client.by_fingerprint(fingerprint, CANDIDATES)
        named = [{**_candidate(c), "recording_id": f"{external.MUSICBRAINZ}:{c.ref}"}
                 for c in found if c.verdict != "unmatched"]
        best = found[0] if found else None
        if best is not None and best.verdict == "matched":
            full = client.recording(best.ref)  # type: ignore[attr-defined]
            if full is not None:
                return {"candidates": named + kept, **_external_match(full, best.confidence, "acoustid")}
    finally:
        client.close()
    doubtful = named or any(c["verdict"] == "doubtful" for c in kept)
    status = projects.DOUBTFUL if doubtful else projects.UNMATCHED
    return {"status": status, "candidates": named + kept, "match": None, "error": None, "external": None}


def source_url(bucket: str, key: str) -> str:
    """Where ffmpeg reads the track: a short-lived presigned GET (ranged reads, no full copy)."""
    return media.presigned_get(bucket, key, expires_s=900)


def decode_excerpt(source: str, dest: Path, filename: str, seconds: int | None = None) -> Path:
    """The first ``seconds`` (default: the fingerprint's ``MAX_SECONDS``) of ``source`` (path or
    URL) as 11025 Hz mono WAV: what fpcalc uses.

    ``FingerprintError`` when ffmpeg cannot decode it, ``SourceUnavailable`` when it could not
    reach it. Messages name the file, never the (signed) URL.
    """
    from soundmosaic.catalog.fingerprint import MAX_SECONDS, FingerprintError

    seconds = MAX_SECONDS if seconds is None else seconds
    try:
        run = untrusted_media.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-t", str(seconds),
             *untrusted_media.input_args(source), "-vn", "-ac", "1", "-ar", "11025", "-c:a", "pcm_s16le",
             str(dest)],
            capture_output=True, text=True, timeout=DECODE_TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        raise SourceUnavailable(f"{filename}: reading it took longer than {DECODE_TIMEOUT_S} s") from err
    lines = [line.replace(source, filename) for line in run.stderr.strip().splitlines()]
    if run.returncode != 0 or not dest.is_file() or dest.stat().st_size <= 44:
        reason = lines[-1] if lines else f"ffmpeg exit {run.returncode}"
        if _TRANSIENT.search(run.stderr):
            raise SourceUnavailable(f"{filename}: could not read it from storage ({reason})")
        if "Server returned 4" in run.stderr:  # gone or refused: asking again will not help
            raise FingerprintError(f"{filename}: storage refused to serve it ({reason})")
        raise FingerprintError(f"{filename}: not readable audio ({reason})")
    return dest
