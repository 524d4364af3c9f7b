"""Album projects and the ``album`` workflow's steps.

A project is planned when it is created: the offline director in the request, an LLM director
in the ``album_plan`` workflow (its reply can outlast an API request; the project is
``planning`` until then). It can be re-planned with edited templates, and its plan can be
edited (validated again) until the user generates it. ``start`` records a job and starts
``album.asl.json``:

    plan (freeze the plan for this run) -> Map over tracks (image || music) -> cover -> site
    -> database

Each run works on the plan as it was when it started (``runs/<job_id>.json``), so an edit made
during a run changes the next run only. A track whose image or music fails is recorded
(``failed.json``) while the others go on; the site is built from what exists, and the job
succeeds when at least one track has music (the result lists the failed ones). ``start`` with
``only=[n]`` regenerates track ``n`` alone: its image and music are made again, the cover is
kept (unless its prompt, the title or the style changed), the site and the database are rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Any

from soundmosaic.platform import clock
from soundmosaic.platform.jobs import Job, JobStore, new_job_id, reason_from_error, start_workflow
from soundmosaic.platform.paging import new_id
from soundmosaic.providers import ModelMosaic
from soundmosaic.stories.albums import db, director, music, site, store, templates, visuals
from soundmosaic.stories.albums.plan import Constraints, clean_concept, validate
from soundmosaic.stories.albums.store import AlbumBusy, AlbumNotFound, Media

KIND = "album"
MACHINE_ENV = "ALBUM_STATE_MACHINE"
PLAN_MACHINE_ENV = "ALBUM_PLAN_STATE_MACHINE"
MAX_SEED = 2**31 - 1


UPSERT_ALBUM = """
INSERT INTO albums (album_id, artist_id, title, concept, description, genre, director_engine, status,
                    site_key, created_at, updated_at)
VALUES (:id, :a, :t, :c, :d, :g, :e, :s, :k, :ca, :ua)
ON CONFLICT (album_id) DO UPDATE SET title = excluded.title, description = excluded.description,
  genre = excluded.genre, director_engine = excluded.director_engine, status = excluded.status,
  site_key = excluded.site_key, updated_at = excluded.updated_at
"""
UPSERT_TRACK = """
INSERT INTO tracks (album_id, number, artist_id, title, description, tempo_bpm, musical_key, mood,
                    instrumentation, seconds, status)
VALUES (:id, :n, :a, :t, :d, :bpm, :k, :m, :i, :s, :st)
ON CONFLICT (album_id, number) DO UPDATE SET title = excluded.title, description = excluded.description,
  tempo_bpm = excluded.tempo_bpm, musical_key = excluded.musical_key, mood = excluded.mood,
  instrumentation = excluded.instrumentation, seconds = excluded.seconds, status = excluded.status
"""


class NothingMade(RuntimeError):
    """No track of the album has music: there is no album to build a site for."""


# --- projects ----------------------------------------------------------------------------------


def create(
    mosaic: ModelMosaic,
    artist_id: str,
    concept: Any,
    constraints: Constraints,
    prompt_templates: Any = None,
    seed: int | None = None,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """A new project. The offline director plans it at once; an LLM director plans it in the
    ``album_plan`` workflow (status ``planning`` until then: a reply can outlast a request)."""
    text = clean_concept(concept)
    chosen = templates.validate(prompt_templates)
    seed = secrets.randbelow(MAX_SEED) if seed is None else seed
    now = clock.iso()
    project: dict[str, Any] = {
        "album_id": new_id(),
        "artist_id": artist_id,
        "concept": text,
        "constraints": constraints.as_dict(),
        "templates": chosen,
        "plan": None,
        "director_engine": director.OFFLINE_ENGINE,
        "offline": True,
        "seed": seed,
        "status": "planning",
        "job_id": None,
        "site_key": None,
        "created_at": now,
        "updated_at": now,
    }
    return _plan_or_start(mosaic, project, correlation_id)


def _plan_or_start(
    mosaic: ModelMosaic, project: dict[str, Any], correlation_id: str | None
) -> dict[str, Any]:
    if mosaic.entry("text").offline:
        _direct(mosaic, project)
        _save(project)
        return project
    entry = mosaic.entry("text")
    job = Job(
        artist_id=project["artist_id"],
        job_id=new_job_id(),
        kind="album_plan",
        correlation_id=correlation_id,
        subject={"album_id": project["album_id"]},
    )
    project.update(
        status="planning", job_id=job.job_id, director_engine=f"{entry.provider}:{entry.model}", offline=False
    )
    _save(project)
    start_workflow(job, PLAN_MACHINE_ENV, {"album_id": project["album_id"]})
    return project


def _direct(mosaic: ModelMosaic, project: dict[str, Any]) -> None:
    project["plan"], project["director_engine"] = director.plan(
        mosaic,
        project["concept"],
        Constraints.from_dict(project["constraints"]),
        project["templates"],
        int(project["seed"]),
    )
    project["offline"] = project["director_engine"] == director.OFFLINE_ENGINE
    project["status"] = "planned"


def step_direct(mosaic: ModelMosaic, artist_id: str, job_id: str, album_id: str) -> dict[str, Any]:
    """The ``album_plan`` workflow's step: the director's plan, saved (a ``PlanError`` fails it)."""
    project = load(artist_id, album_id)
    _direct(mosaic, project)
    _save(project)
    return {"album_id": album_id, "title": project["plan"]["title"], "director": project["director_engine"]}


def load(artist_id: str, album_id: str) -> dict[str, Any]:
    project: dict[str, Any] = Media().get_json(store.project_key(artist_id, album_id), f"no album {album_id}")
    return project


def _save(project: dict[str, Any]) -> None:
    project["updated_at"] = clock.iso()
    Media().put_json(store.project_key(project["artist_id"], project["album_id"]), project)


def page(artist_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The artist's projects, newest first (ids are time-ordered)."""
    media = Media()
    folders = media.keys(store.albums_prefix(artist_id), "/")
    ids = sorted((f.rstrip("/").rsplit("/", 1)[-1] for f in folders), reverse=True)[:limit]
    out = []
    for album_id in ids:
        project = media.json_or_none(store.project_key(artist_id, album_id))
        if project:
            out.append(
                {
                    k: project[k]
                    for k in ("album_id", "concept", "status", "director_engine", "created_at", "updated_at")
                }
                | {"title": project["plan"]["title"], "tracks": len(project["plan"]["tracks"])}
            )
    return out


def _not_running(project: dict[str, Any]) -> None:
    if project.get("status") in ("generating", "planning") and project.get("job_id"):
        job = JobStore().get(project["artist_id"], project["job_id"])
        if job.status not in ("succeeded", "failed"):
            raise AlbumBusy(
                f"album {project['album_id']} is being generated (job {job.job_id}); "
                "edit it when the run has finished"
            )


def update_plan(artist_id: str, album_id: str, plan: Any) -> dict[str, Any]:
    """Replace the plan with the user's edit (validated: every problem named by field)."""
    project = load(artist_id, album_id)
    _not_running(project)
    project["plan"] = validate(plan)
    project["status"] = "edited"
    _save(project)
    return project


def update_templates(artist_id: str, album_id: str, prompt_templates: Any) -> dict[str, Any]:
    project = load(artist_id, album_id)
    project["templates"] = templates.validate(prompt_templates)
    _save(project)
    return project


def replan(
    mosaic: ModelMosaic, artist_id: str, album_id: str, correlation_id: str | None = None
) -> dict[str, Any]:
    """A new plan from the project's concept, constraints and (edited) templates."""
    project = load(artist_id, album_id)
    _not_running(project)
    project["seed"] = (int(project["seed"]) + 1) % MAX_SEED
    return _plan_or_start(mosaic, project, correlation_id)


def details(artist_id: str, album_id: str) -> dict[str, Any]:
    """The project with each track's state and links (presigned) to what exists."""
    project = load(artist_id, album_id)
    media = Media()
    tracks = []
    for number, track in enumerate((project["plan"] or {}).get("tracks", []), start=1):
        image = media.json_or_none(store.track_key(artist_id, album_id, number, "image.json"))
        sound = media.json_or_none(store.track_key(artist_id, album_id, number, "music.json"))
        failed = media.json_or_none(store.track_key(artist_id, album_id, number, "failed.json"))
        state = (
            "failed" if failed else "done" if image and sound else "partial" if image or sound else "pending"
        )
        tracks.append(
            {
                "number": number,
                "title": track["title"],
                "status": state,
                "error": failed["error"] if failed else None,
                "image_url": media.url(store.track_key(artist_id, album_id, number, "image.png"))
                if image
                else None,
                "audio_url": media.url(store.track_key(artist_id, album_id, number, "music.wav"))
                if sound
                else None,
                "image_engine": image["engine"] if image else None,
                "music_engine": sound["engine"] if sound else None,
            }
        )
    cover = media.json_or_none(store.cover_key(artist_id, album_id, "json"))
    return {
        **project,
        "tracks": tracks,
        "cover_url": media.url(store.cover_key(artist_id, album_id, "png")) if cover else None,
        "site_url": media.url(project["site_key"], f"album-{album_id}-site.zip")
        if project.get("site_key")
        else None,
    }


def start(
    artist_id: str, album_id: str, only: list[int] | None = None, correlation_id: str | None = None
) -> Job:
    """Generate the album (or only the listed tracks) through the ``album`` workflow."""
    project = load(artist_id, album_id)
    _not_running(project)
    if not project["plan"]:
        raise ValueError(f"album {album_id} has no plan yet (the director failed: plan it again)")
    count = len(project["plan"]["tracks"])
    if only is not None:
        bad = [n for n in only if not 1 <= n <= count]
        if bad or not only:
            raise AlbumNotFound(f"album {album_id} has tracks 1 to {count}, not {bad or only}")
    job = Job(
        artist_id=artist_id,
        job_id=new_job_id(),
        kind=KIND,
        correlation_id=correlation_id,
        subject={"album_id": album_id, "tracks": sorted(set(only)) if only else None},
    )
    project.update(status="generating", job_id=job.job_id)
    _save(project)
    return start_workflow(job, MACHINE_ENV, {"album_id": album_id})


# --- workflow steps ----------------------------------------------------------------------------


def step_plan(artist_id: str, job_id: str, album_id: str) -> dict[str, Any]:
    """Freeze the plan for this run; the Map's items are the tracks to make."""
    project = load(artist_id, album_id)
    job = JobStore().get(artist_id, job_id)
    plan = validate(project["plan"])
    numbers = job.subject.get("tracks") or list(range(1, len(plan["tracks"]) + 1))
    media = Media()
    for number in numbers:  # a new run of a track starts clean
        for name in ("failed.json", "image.json", "music.json"):
            media.delete(store.track_key(artist_id, album_id, number, name))
    run = {
        "job_id": job_id,
        "plan": plan,
        "tracks": numbers,
        "full": not job.subject.get("tracks"),
        "seed": project["seed"] if not job.subject.get("tracks") else int(job_id[-6:], 16),
        "started_at": clock.iso(),
    }
    media.put_json(store.run_key(artist_id, album_id, job_id), run)
    return {"items": [{"number": n} for n in numbers], "total": len(numbers)}


def _run(artist_id: str, album_id: str, job_id: str) -> dict[str, Any]:
    run: dict[str, Any] = Media().get_json(
        store.run_key(artist_id, album_id, job_id), f"run {job_id} of album {album_id} is gone"
    )
    return run


def _style(project: dict[str, Any]) -> dict[str, Any]:
    artist = project["constraints"].get("artist_id")
    if not artist:
        return {}
    from soundmosaic.studio.artwork import style_of

    return style_of(artist)


def step_image(
    mosaic: ModelMosaic, artist_id: str, job_id: str, album_id: str, number: int
) -> dict[str, Any]:
    project, run = load(artist_id, album_id), _run(artist_id, album_id, job_id)
    track = run["plan"]["tracks"][number - 1]
    started = time.perf_counter()
    picture = visuals.render(
        mosaic,
        track["image_prompt"],
        run["plan"],
        _style(project),
        track["title"],
        project["constraints"].get("artist_name", ""),
        track["soundscape"]["mood"],
        (run["seed"] + number * 1009) % MAX_SEED,
        visuals.TRACK_SIDE,
    )
    media = Media()
    media.put_bytes(store.track_key(artist_id, album_id, number, "image.png"), picture.png, "image/png")
    facts = {
        "job_id": job_id,
        "number": number,
        "prompt": picture.prompt,
        "seed": picture.seed,
        "engine": picture.engine,
        "offline": picture.offline,
        "cost_usd": picture.cost_usd,
        "seconds": round(time.perf_counter() - started, 3),
        "bytes": len(picture.png),
        "created_at": clock.iso(),
    }
    media.put_json(store.track_key(artist_id, album_id, number, "image.json"), facts)
    _progress(artist_id, job_id, album_id, run)
    return {"number": number, "engine": picture.engine}


def step_music(
    mosaic: ModelMosaic, artist_id: str, job_id: str, album_id: str, number: int
) -> dict[str, Any]:
    run = _run(artist_id, album_id, job_id)
    track = run["plan"]["tracks"][number - 1]
    started = time.perf_counter()
    made = music.make(
        mosaic,
        track["soundscape"],
        track["music_prompt"],
        int(track["seconds"]),
        (run["seed"] + number * 7919) % MAX_SEED,
        f"album:{album_id}:{number:02d}",
    )
    media = Media()
    media.put_bytes(store.track_key(artist_id, album_id, number, "music.wav"), made.wav, "audio/wav")
    facts = {
        "job_id": job_id,
        "number": number,
        "prompt": track["music_prompt"],
        "engine": made.engine,
        "offline": made.provider == "offline",
        "provider": made.provider,
        "model": made.model,
        "cost_usd": made.cost_usd,
        "details": made.details,
        "seconds": round(time.perf_counter() - started, 3),
        "bytes": len(made.wav),
        "created_at": clock.iso(),
    }
    media.put_json(store.track_key(artist_id, album_id, number, "music.json"), facts)
    _progress(artist_id, job_id, album_id, run)
    return {"number": number, "engine": made.engine}


def step_track_failed(
    artist_id: str, job_id: str, album_id: str, number: int, error: dict[str, Any]
) -> dict[str, Any]:
    reason = reason_from_error(error)
    Media().put_json(
        store.track_key(artist_id, album_id, number, "failed.json"),
        {"job_id": job_id, "number": number, "error": reason, "created_at": clock.iso()},
    )
    return {"number": number, "status": "failed"}


def _progress(artist_id: str, job_id: str, album_id: str, run: dict[str, Any]) -> None:
    media = Media()
    done = sum(
        1
        for n in run["tracks"]
        for name in ("image.json", "music.json")
        if (media.json_or_none(store.track_key(artist_id, album_id, n, name)) or {}).get("job_id") == job_id
    )
    JobStore().advance(
        artist_id,
        job_id,
        f"tracks: {done} of {2 * len(run['tracks'])} parts made",
        5 + 80 * done // (2 * len(run["tracks"])),
    )


def step_cover(mosaic: ModelMosaic, artist_id: str, job_id: str, album_id: str) -> dict[str, Any]:
    project, run = load(artist_id, album_id), _run(artist_id, album_id, job_id)
    media = Media()
    plan = run["plan"]
    existing = media.json_or_none(store.cover_key(artist_id, album_id, "json"))
    wanted = hashlib.sha256(
        json.dumps([plan["cover"], plan["title"], plan["visual_style"]]).encode()
    ).hexdigest()
    if existing and existing.get("plan_hash") == wanted and not run["full"]:
        return {"cover": "kept"}
    started = time.perf_counter()
    picture = visuals.render(
        mosaic,
        plan["cover"]["image_prompt"],
        plan,
        _style(project),
        plan["title"],
        project["constraints"].get("artist_name", ""),
        (plan.get("mood_arc") or ["dreamy"])[0],
        run["seed"],
        visuals.COVER_SIDE,
    )
    media.put_bytes(store.cover_key(artist_id, album_id, "png"), picture.png, "image/png")
    media.put_json(
        store.cover_key(artist_id, album_id, "json"),
        {
            "job_id": job_id,
            "prompt": picture.prompt,
            "seed": picture.seed,
            "engine": picture.engine,
            "offline": picture.offline,
            "cost_usd": picture.cost_usd,
            "plan_hash": wanted,
            "bytes": len(picture.png),
            "seconds": round(time.perf_counter() - started, 3),
            "created_at": clock.iso(),
        },
    )
    return {"cover": "made", "engine": picture.engine}


def album_data(project: dict[str, Any], plan: dict[str, Any], engines: dict[str, Any]) -> dict[str, Any]:
    return {
        "album_id": project["album_id"],
        "artist_name": project["constraints"].get("artist_name", ""),
        "concept": project["concept"],
        "plan": plan,
        "engines": engines,
    }


def step_site(artist_id: str, job_id: str, album_id: str) -> dict[str, Any]:
    project, run = load(artist_id, album_id), _run(artist_id, album_id, job_id)
    media = Media()
    plan = run["plan"]
    assets = site.Assets(cover_png=media.bytes_or_none(store.cover_key(artist_id, album_id, "png")))
    engines: dict[str, Any] = {"director": project["director_engine"], "images": [], "music": []}
    for number in range(1, len(plan["tracks"]) + 1):
        image = media.json_or_none(store.track_key(artist_id, album_id, number, "image.json"))
        sound = media.json_or_none(store.track_key(artist_id, album_id, number, "music.json"))
        assets.tracks[number] = site.TrackAssets(
            media.bytes_or_none(store.track_key(artist_id, album_id, number, "image.png")) if image else None,
            media.bytes_or_none(store.track_key(artist_id, album_id, number, "music.wav")) if sound else None,
        )
        engines["images"].append(image["engine"] if image else None)
        engines["music"].append(sound["engine"] if sound else None)
    if not any(t.audio_wav for t in assets.tracks.values()):
        raise NothingMade("no track of the album has music: see each track's reason")
    zipped = site.build(album_data(project, plan, engines), assets)
    key = store.site_key(artist_id, album_id)
    media.put_bytes(key, zipped, "application/zip")
    JobStore().advance(artist_id, job_id, "site built", 92)
    return {"site_key": key, "bytes": len(zipped)}


def step_database(artist_id: str, job_id: str, album_id: str) -> dict[str, Any]:
    """Write the album, its tracks, prompts, assets and this run's steps to SQL; finish the project."""
    project, run = load(artist_id, album_id), _run(artist_id, album_id, job_id)
    media = Media()
    plan = run["plan"]
    backend = db.connect()
    now = clock.iso()
    failed: list[int] = []
    made: list[int] = []
    with backend.transaction():
        backend.execute(
            UPSERT_ALBUM,
            {
                "id": album_id,
                "a": artist_id,
                "t": plan["title"],
                "c": project["concept"],
                "d": plan["description"],
                "g": plan["genre"],
                "e": project["director_engine"],
                "s": "built",
                "k": store.site_key(artist_id, album_id),
                "ca": project["created_at"],
                "ua": now,
            },
        )
        backend.execute(
            "DELETE FROM tracks WHERE album_id = :id AND number > :n",
            {"id": album_id, "n": len(plan["tracks"])},
        )
        for number, track in enumerate(plan["tracks"], start=1):
            image = media.json_or_none(store.track_key(artist_id, album_id, number, "image.json"))
            sound = media.json_or_none(store.track_key(artist_id, album_id, number, "music.json"))
            bad = media.json_or_none(store.track_key(artist_id, album_id, number, "failed.json"))
            status = "failed" if bad else "done" if image and sound else "partial"
            (failed if status == "failed" else made).append(number)
            sc = track["soundscape"]
            backend.execute(
                UPSERT_TRACK,
                {
                    "id": album_id,
                    "n": number,
                    "a": artist_id,
                    "t": track["title"],
                    "d": track["description"],
                    "bpm": sc["tempo_bpm"],
                    "k": sc["key"],
                    "m": sc["mood"],
                    "i": json.dumps(sc["instrumentation"]),
                    "s": track["seconds"],
                    "st": status,
                },
            )
            if number not in run["tracks"]:
                continue
            _prompt(backend, job_id, album_id, artist_id, number, "music", track["music_prompt"], now)
            _prompt(
                backend,
                job_id,
                album_id,
                artist_id,
                number,
                "image",
                image["prompt"] if image else track["image_prompt"],
                now,
            )
            for kind, facts, name, ctype in (
                ("image", image, "image.png", "image/png"),
                ("audio", sound, "music.wav", "audio/wav"),
            ):
                if facts:
                    key = store.track_key(artist_id, album_id, number, name)
                    _asset(backend, job_id, album_id, artist_id, number, kind, key, ctype, facts, now)
                    _step(
                        backend,
                        job_id,
                        album_id,
                        artist_id,
                        number,
                        kind,
                        facts["engine"],
                        "succeeded",
                        facts["seconds"],
                        facts["cost_usd"],
                        None,
                        now,
                    )
            if bad:
                _step(
                    backend,
                    job_id,
                    album_id,
                    artist_id,
                    number,
                    "track",
                    "",
                    "failed",
                    0.0,
                    "0",
                    bad["error"],
                    now,
                )
        if run["full"]:
            _prompt(
                backend,
                job_id,
                album_id,
                artist_id,
                None,
                "director_templates",
                json.dumps(project["templates"], ensure_ascii=False),
                now,
            )
        cover = media.json_or_none(store.cover_key(artist_id, album_id, "json"))
        if cover and cover["job_id"] == job_id:
            _prompt(backend, job_id, album_id, artist_id, None, "cover", cover["prompt"], now)
            _asset(
                backend,
                job_id,
                album_id,
                artist_id,
                None,
                "cover",
                store.cover_key(artist_id, album_id, "png"),
                "image/png",
                cover,
                now,
            )
            _step(
                backend,
                job_id,
                album_id,
                artist_id,
                None,
                "cover",
                cover["engine"],
                "succeeded",
                cover["seconds"],
                cover["cost_usd"],
                None,
                now,
            )
        size = media.objects.size(store.site_key(artist_id, album_id)) or 0
        _asset(
            backend,
            job_id,
            album_id,
            artist_id,
            None,
            "site",
            store.site_key(artist_id, album_id),
            "application/zip",
            {"bytes": size, "engine": "site"},
            now,
        )
    project.update(status="built", site_key=store.site_key(artist_id, album_id))
    _save(project)
    return {
        "album_id": album_id,
        "title": plan["title"],
        "site_key": store.site_key(artist_id, album_id),
        "tracks": len(plan["tracks"]),
        "made": made,
        "failed": failed,
    }


def step_failed(artist_id: str, job_id: str, album_id: str) -> None:
    """The run ended without a site: the project is no longer generating."""
    try:
        project = load(artist_id, album_id)
    except AlbumNotFound:
        return
    if project.get("job_id") == job_id:
        project["status"] = "failed"
        _save(project)


def _prompt(
    backend: db.Backend,
    job_id: str,
    album_id: str,
    artist_id: str,
    number: int | None,
    kind: str,
    text: str,
    now: str,
) -> None:
    backend.execute(
        "INSERT INTO prompts (prompt_id, album_id, artist_id, track_number, kind, text, created_at)"
        " VALUES (:id, :al, :a, :n, :k, :t, :c) ON CONFLICT (prompt_id) DO NOTHING",
        {
            "id": f"{job_id}:{kind}:{number or 0}",
            "al": album_id,
            "a": artist_id,
            "n": number,
            "k": kind,
            "t": text,
            "c": now,
        },
    )


def _asset(
    backend: db.Backend,
    job_id: str,
    album_id: str,
    artist_id: str,
    number: int | None,
    kind: str,
    key: str,
    content_type: str,
    facts: dict[str, Any],
    now: str,
) -> None:
    backend.execute(
        "INSERT INTO assets (asset_id, album_id, artist_id, track_number, kind, s3_key, content_type,"
        " bytes, engine, created_at) VALUES (:id, :al, :a, :n, :k, :key, :ct, :b, :e, :c)"
        " ON CONFLICT (asset_id) DO NOTHING",
        {
            "id": f"{job_id}:{kind}:{number or 0}",
            "al": album_id,
            "a": artist_id,
            "n": number,
            "k": kind,
            "key": key,
            "ct": content_type,
            "b": int(facts.get("bytes") or 0),
            "e": facts["engine"],
            "c": now,
        },
    )


def _step(
    backend: db.Backend,
    job_id: str,
    album_id: str,
    artist_id: str,
    number: int | None,
    step: str,
    engine: str,
    status: str,
    seconds: float,
    cost: str,
    error: str | None,
    now: str,
) -> None:
    backend.execute(
        "INSERT INTO runs (run_id, album_id, artist_id, track_number, step, engine, status, seconds,"
        " cost_usd, error, created_at) VALUES (:id, :al, :a, :n, :s, :e, :st, :sec, :cost, :err, :c)"
        " ON CONFLICT (run_id) DO NOTHING",
        {
            "id": f"{job_id}:{step}:{number or 0}",
            "al": album_id,
            "a": artist_id,
            "n": number,
            "s": step,
            "e": engine,
            "st": status,
            "sec": float(seconds),
            "cost": str(cost),
            "err": error,
            "c": now,
        },
    )
