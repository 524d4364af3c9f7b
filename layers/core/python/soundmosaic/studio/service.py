"""What the API asks of the studio: suggestions, picks, jobs to start, results to read.

Every function takes the calling artist's id first and only ever reads or writes under that
artist's prefix and partition, so one artist can never name another's artworks, videos, batches
or artistDNA. Long work (artwork, batches, video loops) is a job run by a state machine; an
interactive artwork request is a batch of one.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from soundmosaic.library.keys import safe_filename
from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import Job, new_job_id, start_workflow
from soundmosaic.platform.paging import new_id
from soundmosaic.providers import ModelMosaic
from soundmosaic.studio import artwork, batch, names, store, video
from soundmosaic.studio.briefs import MAX_WORD, Brief, BriefError, clean, clean_list
from soundmosaic.studio.dna import DnaStore
from soundmosaic.studio.store import Media, StudioNotFound

URL_TTL_S = 3600
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


# -- names --------------------------------------------------------------------------------------


def used_names(artist_id: str, except_track: str | None = None) -> list[str]:
    """Names the artist already uses: library titles (but the track being named) and DNA names."""
    tracks, cursor, titles = TrackStore(), None, []
    while True:
        page, cursor = tracks.page(artist_id, limit=200, cursor=cursor)
        titles += [t.title for t in page if t.track_id != except_track]
        if not cursor:
            break
    titles += [n["name"] for n in DnaStore().get(artist_id)["names"]]
    return list(dict.fromkeys(titles))


def _brief_for_track(artist_id: str, brief: Brief, track_id: str | None) -> Brief:
    if not track_id:
        return brief
    track = TrackStore().get(artist_id, track_id)  # TrackNotFound for foreign ids
    return brief.with_analysis(track_id, track.bpm, track.key)


def suggest_names(artist_id: str, artist_name: str, genre: str, mood: str, themes: list[str],
                  track_id: str | None, count: int, seed: int | None = None) -> dict[str, Any]:
    brief = _brief_for_track(artist_id, Brief.create(artist_name, genre, mood, themes), track_id)
    mosaic = ModelMosaic.from_env()
    try:
        return names.suggest(mosaic, brief, count, used_names(artist_id, track_id),
                             names.ShippedCatalog(), seed)
    finally:
        mosaic.close()


def pick_name(artist_id: str, name: str, brief: dict[str, Any], rationale: str | None,
              track_id: str | None) -> dict[str, Any]:
    """Record a chosen name in the artistDNA; rename the library track when one is given."""
    chosen = clean(name, "name", names.MAX_NAME, required=True)
    parsed = Brief.create(brief.get("artist_name"), brief.get("genre", ""), brief.get("mood", ""),
                          brief.get("themes"))
    parsed = _brief_for_track(artist_id, parsed, track_id)
    flags = names.check([names.Candidate(chosen, "")], used_names(artist_id, track_id),
                        names.ShippedCatalog().titles())[0].flags
    entry: dict[str, Any] = {"name": chosen, "brief": parsed.as_dict(), "chosen_at": clock.iso(),
                             "rationale": clean(rationale or "", "rationale", names.MAX_RATIONALE)}
    if track_id:
        entry["track_id"] = track_id
    version = DnaStore().update(artist_id, f"picked name '{chosen}'",
                                lambda doc: doc["names"].append(entry))
    if track_id:
        TrackStore().edit(artist_id, track_id, title=chosen)
    return {"dna_version": version, "name": chosen, "track_id": track_id, "flags": flags}


# -- references and artwork ---------------------------------------------------------------------


def reference_upload(artist_id: str, filename: str, content_type: str, size_bytes: int) -> dict[str, Any]:
    """A presigned PUT for one reference image under the artist's references prefix."""
    if content_type not in artwork.REFERENCE_TYPES:
        raise BriefError(f"reference images must be {', '.join(artwork.REFERENCE_TYPES)}")
    if not 0 < size_bytes <= artwork.MAX_REFERENCE_BYTES:
        raise BriefError(f"reference images must be 1 byte to {artwork.MAX_REFERENCE_BYTES // 2**20} MiB")
    key = f"{store.references_prefix(artist_id)}{new_id()}/{safe_filename(filename)}"
    url = aws.client("s3").generate_presigned_url(
        "put_object", ExpiresIn=URL_TTL_S,
        Params={"Bucket": resource("MEDIA_BUCKET"), "Key": key, "ContentType": content_type})
    return {"key": key, "url": url, "method": "PUT", "headers": {"Content-Type": content_type}}


def _check_references(artist_id: str, keys: list[str]) -> list[str]:
    if len(keys) > artwork.MAX_REFERENCES:
        raise BriefError(f"at most {artwork.MAX_REFERENCES} reference images")
    media, root = Media(), store.references_prefix(artist_id)
    for key in keys:
        if not key.startswith(root) or ".." in key or key.count("/") != root.count("/") + 1:
            raise StudioNotFound(f"no reference {key[:200]!r}")
        found = media.size(key)
        if found is None:
            raise StudioNotFound(f"no reference {key[:200]!r}: upload it first")
        if found > artwork.MAX_REFERENCE_BYTES:
            raise BriefError(f"reference {key.rsplit('/', 1)[-1]} is larger than the limit")
    return list(dict.fromkeys(keys))


def _start_artwork_job(artist_id: str, kind: str, planned: list[dict[str, Any]], subject: dict[str, Any],
                       correlation_id: str | None) -> Job:
    """Store every artwork of the job (in parallel: a batch has up to 500), then run it."""
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind=kind, correlation_id=correlation_id,
              subject=subject)
    for plan in planned:
        plan["artwork_id"] = new_id()

    def create(plan: dict[str, Any]) -> None:
        artwork.create(artist_id, plan["brief"], plan["seeds"], plan.get("reference_keys", []), job.job_id,
                       plan.get("parent"), plan.get("variation", False), artwork_id=plan["artwork_id"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(create, planned))
    items = [{"index": i, "artwork_id": p["artwork_id"], "title": p["brief"].title}
             for i, p in enumerate(planned)]
    batch.write_manifest(artist_id, job.job_id, kind, items)
    job.subject = {**subject, "artwork_ids": [p["artwork_id"] for p in planned][:50]}
    return start_workflow(job, "ARTWORK_BATCH_STATE_MACHINE",
                  {"total": len(items), "items": [{"index": i["index"], "artwork_id": i["artwork_id"]}
                                                  for i in items]})


def start_artwork(artist_id: str, prompt: str, artist_name: str, genre: str, mood: str,
                  title: str | None, count: int, reference_keys: list[str], seed: int | None,
                  parent: dict[str, str] | None, variation: bool, correlation_id: str | None) -> Job:
    """Candidates for one brief, or a refinement of a candidate (``parent``)."""
    brief = Brief.create(artist_name, genre, mood, prompt=prompt, title=title or "", prompt_required=True)
    keys = _check_references(artist_id, reference_keys)
    parent_seed = None
    if parent:
        facts = artwork.candidate(artist_id, parent["artwork_id"], parent["candidate_id"])
        parent_seed = int(facts["seed"])
        parent = {"artwork_id": parent["artwork_id"], "candidate_id": parent["candidate_id"]}
    seeds = artwork.plan_seeds(count, seed, parent_seed, variation)
    plan = {"brief": brief, "seeds": seeds, "reference_keys": keys, "parent": parent,
            "variation": bool(parent and variation)}
    subject = {"title": brief.title, "count": len(seeds), "parent": parent}
    return _start_artwork_job(artist_id, "artwork", [plan], subject, correlation_id)


def start_batch(artist_id: str, items: list[Any] | None, csv_text: str | None,
                correlation_id: str | None) -> Job:
    """Artwork for every track of a CSV or JSON batch; a contact sheet at the end."""
    if (items is None) == (csv_text is None):
        raise BriefError("send either items or csv")
    parsed = batch.parse_csv(csv_text) if csv_text is not None else batch.parse_items(items)
    planned = [{"brief": item.brief, "seeds": artwork.plan_seeds(item.count, item.seed)} for item in parsed]
    subject = {"items": len(planned), "source": "csv" if csv_text is not None else "json"}
    return _start_artwork_job(artist_id, "artwork_batch", planned, subject, correlation_id)


def list_artworks(artist_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    try:
        items, next_cursor = artwork.page(artist_id, limit, cursor)
    except StudioNotFound as err:
        raise BriefError("cursor is not one this API returned") from err
    return {"items": items, "next_cursor": next_cursor}


def get_artwork(artist_id: str, artwork_id: str) -> dict[str, Any]:
    return artwork.details(artist_id, artwork_id)


def pick_artwork(artist_id: str, artwork_id: str, candidate_id: str) -> dict[str, Any]:
    return {"dna_version": artwork.pick(artist_id, artwork_id, candidate_id)}


def batch_report(artist_id: str, job_id: str) -> dict[str, Any]:
    return batch.report(artist_id, job_id)


# -- video ------------------------------------------------------------------------------------


def start_video(artist_id: str, artwork_id: str, candidate_id: str, track_id: str | None,
                seconds: float, correlation_id: str | None) -> Job:
    if not 0 < seconds <= video.MAX_SECONDS:
        raise BriefError(f"seconds must be more than 0 and at most {video.MAX_SECONDS:g}")
    art = artwork.record(artist_id, artwork_id)
    if candidate_id not in art["candidates"]:
        raise StudioNotFound(f"no candidate {candidate_id} in artwork {artwork_id}")
    if track_id:
        TrackStore().get(artist_id, track_id)
    video_id = new_id()
    subject = {"video_id": video_id, "artwork_id": artwork_id, "candidate_id": candidate_id,
               "track_id": track_id, "seconds": seconds}
    job = Job(artist_id=artist_id, job_id=new_job_id(), kind="video", correlation_id=correlation_id,
              subject=subject)
    return start_workflow(job, "VIDEO_STATE_MACHINE", subject)


def get_video(artist_id: str, video_id: str) -> dict[str, Any]:
    return video.details(artist_id, video_id)


# -- artistDNA --------------------------------------------------------------------------------


def get_dna(artist_id: str, version: int | None) -> dict[str, Any]:
    return DnaStore().get(artist_id, version)


def dna_history(artist_id: str) -> list[dict[str, Any]]:
    return DnaStore().history(artist_id)


def dna_diff(artist_id: str, older: int, newer: int) -> list[dict[str, Any]]:
    return DnaStore().diff(artist_id, older, newer)


def set_style(artist_id: str, palette: list[str], fonts: list[str], moods: list[str],
              notes: str | None) -> dict[str, Any]:
    if len(palette) > 16:
        raise BriefError("a palette has at most 16 colours")
    colours = []
    for value in palette:
        match = _HEX.match(value.strip())
        if not match:
            raise BriefError(f"palette colours are hex like #1a2b3c, not {value[:20]!r}")
        digits = match.group(1).lower()
        colours.append("#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits)))
    style: dict[str, Any] = {"palette": list(dict.fromkeys(colours)),
                             "fonts": clean_list(fonts, "fonts", MAX_WORD, 10),
                             "moods": clean_list(moods, "moods", MAX_WORD, 20)}
    if notes:
        style["notes"] = clean(notes, "notes", 1000)

    def apply(doc: dict[str, Any]) -> None:
        doc["style"] = style

    return {"dna_version": DnaStore().update(artist_id, "style updated", apply)}
