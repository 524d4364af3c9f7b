"""What the samples routes do: search, similar sounds, the map, and managing one sample or stem.

Every operation takes the artist from the caller's token and reaches only that artist's index and
prefix: another artist's sample id is "no such sample", like an unknown one. Edits go to the
track's sidecars first (the truth the export and the track page read), then the track's rows are
made again in the index. A re-class keeps the correction (``artists/<a>/samples/corrections/``)
for training the classifier (docs/sample-classifier.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from soundmosaic.audio.pipeline import TrackFiles
from soundmosaic.library.media import presigned_get, presigned_gets
from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform import clock
from soundmosaic.platform.config import resource
from soundmosaic.platform.paging import BadCursor, decode_cursor, encode_cursor
from soundmosaic.platform.s3json import S3Json
from soundmosaic.platform.search import Query, words
from soundmosaic.platform.snapshot import Snapshot

from . import SampleNotFound, StemNotFound
from .index import index, index_track

# The classifier's classes (soundmosaic.audio.samples.CLASSES, which tests/unit/samples checks
# this against), spelled out: the api image serves these routes without the audio lab's
# dependencies (soundfile), which importing the classifier's package would need.
CLASSES = ("kick", "snare", "clap", "closed_hat", "open_hat", "cymbal", "tom", "percussion", "vocal",
           "bass", "tonal", "fx")

SAME_SOUND = 0.92  # cosine similarity above which two samples count as the same sound


@dataclass
class Filters:
    q: str | None = None
    sample_class: str | None = None
    track_id: str | None = None
    stem: str | None = None
    key: str | None = None
    tag: str | None = None
    kind: str = "sample"
    starred: bool | None = None
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def query(self) -> Query:
        equal = {"kind": self.kind}
        for name, value in (
            ("class", self.sample_class),
            ("track_id", self.track_id),
            ("stem", self.stem),
            ("key", self.key),
        ):
            if value and value.strip():
                equal[name] = value.strip()
        ranges = {k: v for k, v in self.ranges.items() if v != (None, None)}
        if self.starred is not None:
            ranges["starred"] = (1.0, 1.0) if self.starred else (0.0, 0.0)
        return Query(
            words=words(self.q),
            terms=[f"tag={self.tag.strip().casefold()}"] if self.tag else [],
            equal=equal,
            ranges=ranges,
        )


def _with_urls(
    artist_id: str, rows: list[dict[str, Any]], scores: list[float] | None = None
) -> list[dict[str, Any]]:
    keys = [f"artists/{artist_id}/tracks/{row['track_id']}/{row['file']}" for row in rows]
    out = []
    for n, (row, url) in enumerate(zip(rows, presigned_gets(resource("MEDIA_BUCKET"), keys), strict=True)):
        item = {**row, "url": url}
        if scores is not None:
            item["similarity"] = round(scores[n], 4)
        out.append(item)
    return out


def search(
    artist_id: str, filters: Filters, limit: int, cursor: str | None = None, similar_to: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the artist's samples (or stems), newest first, or nearest first to
    ``similar_to`` (then one page only, no cursor)."""
    snapshot = index().current(artist_id)
    query = filters.query()
    if similar_to:
        _row(snapshot, similar_to)
        found = snapshot.nearest(similar_to, limit, where=snapshot.mask(query))
        return _with_urls(artist_id, [r for r, _ in found], [s for _, s in found]), None
    after = decode_cursor(cursor, "artist_id", artist_id).get("sample_id") if cursor else None
    if cursor and not isinstance(after, str):
        raise BadCursor("cursor is not one this API returned")
    rows, last = snapshot.page(query, limit, after)
    return _with_urls(artist_id, rows), encode_cursor(
        {"artist_id": artist_id, "sample_id": last}
    ) if last else None


def _row(snapshot: Snapshot, sample_id: str) -> dict[str, Any]:
    n = snapshot.position.get(sample_id)
    if n is None:
        raise SampleNotFound(f"no sample {sample_id}")
    return snapshot.rows[n]


def get(artist_id: str, sample_id: str) -> dict[str, Any]:
    return _with_urls(artist_id, [_row(index().current(artist_id), sample_id)])[0]


def similar(artist_id: str, sample_id: str, limit: int, other_tracks: bool = False) -> list[dict[str, Any]]:
    """Nearest samples first (cosine over the classifier's vectors). ``other_tracks``: the same
    sound in other tracks only (similarity at least ``SAME_SOUND``)."""
    snapshot = index().current(artist_id)
    row = _row(snapshot, sample_id)
    if row["kind"] != "sample":
        raise ValueError("similar sounds are found for samples, not stems")
    where = snapshot.mask(Query(equal={"kind": "sample"}))
    if other_tracks:
        where &= snapshot.differs("track_id", row["track_id"])
    found = snapshot.nearest(sample_id, limit, where=where)
    if other_tracks:
        found = [(r, s) for r, s in found if s >= SAME_SOUND]
    return _with_urls(artist_id, [r for r, _ in found], [s for _, s in found])


def sound_map(artist_id: str, limit: int) -> list[dict[str, Any]]:
    """Points of the 2-D map (PCA of the vectors), at most ``limit``, spread over the collection."""
    snapshot = index().current(artist_id)
    rows = np.flatnonzero(snapshot.mask(Query(equal={"kind": "sample"})))
    if len(rows) > limit:
        rows = rows[np.linspace(0, len(rows) - 1, limit).astype(int)]
    xy = snapshot.projection
    scale = float(np.abs(xy).max()) if len(xy) else 1.0
    scale = scale or 1.0
    return [
        {
            "sample_id": snapshot.rows[i]["sample_id"],
            "class": snapshot.rows[i]["class"],
            "track_id": snapshot.rows[i]["track_id"],
            "name": snapshot.rows[i]["name"],
            "x": round(float(xy[i, 0]) / scale, 4),
            "y": round(float(xy[i, 1]) / scale, 4),
        }
        for i in rows
    ]


# -- management ---------------------------------------------------------------------------------------


def _sidecar(files: TrackFiles, row: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    name = f"samples/{row['stem']}.json"
    sidecar = files.get_json(name, "samples")
    entry = next(
        (
            s
            for s in sidecar["samples"]
            if s.get("sample_id") == row["sample_id"] or s["key"] == row["file"]
        ),
        None,
    )
    if entry is None:
        raise SampleNotFound(f"no sample {row['sample_id']}")
    return name, sidecar, entry


def edit_sample(
    artist_id: str,
    sample_id: str,
    name: str | None = None,
    tags: list[str] | None = None,
    sample_class: str | None = None,
    starred: bool | None = None,
) -> dict[str, Any]:
    row = _row(index().current(artist_id), sample_id)
    if row["kind"] != "sample":
        raise SampleNotFound(f"no sample {sample_id}")
    files = TrackFiles(artist_id, row["track_id"])
    path, sidecar, entry = _sidecar(files, row)
    if name is not None:
        entry["name"] = name.strip()
    if tags is not None:
        entry["tags"] = sorted({t.strip() for t in tags if t.strip()})
    if starred is not None:
        entry["starred"] = starred
    if sample_class is not None and sample_class != entry["label"]:
        if sample_class not in CLASSES:
            raise ValueError(f"class must be one of {', '.join(CLASSES)}")
        auto = entry.setdefault("auto_label", entry["label"])
        entry["label"] = sample_class
        _record_correction(artist_id, sample_id, row, sidecar.get("model"), auto, sample_class)
    files.put_json(path, sidecar)
    index_track(artist_id, row["track_id"])
    return get(artist_id, sample_id)


def _correction_key(artist_id: str, sample_id: str) -> str:
    return f"artists/{artist_id}/samples/corrections/{sample_id}.json"


def _record_correction(
    artist_id: str, sample_id: str, row: dict[str, Any], model: str | None, auto: str, chosen: str
) -> None:
    """The latest correction of a sample; put back to the model's class, it is no correction."""
    store, key = S3Json(resource("MEDIA_BUCKET")), _correction_key(artist_id, sample_id)
    if chosen == auto:
        store.s3.delete_object(Bucket=store.bucket, Key=key)
        return
    store.put_json(
        key,
        {
            "sample_id": sample_id,
            "track_id": row["track_id"],
            "stem": row["stem"],
            "file": f"artists/{artist_id}/tracks/{row['track_id']}/{row['file']}",
            "model": model,
            "predicted": auto,
            "corrected": chosen,
            "at": clock.iso(),
        },
    )


def _refresh_export(artist_id: str, track_id: str, correlation_id: str | None) -> str | None:
    """The track's zip no longer matches: run the lab's export stage again (if it had one)."""
    from soundmosaic.audio import service

    if not TrackStore().get(artist_id, track_id).export_key:
        return None
    return service.start_processing(artist_id, track_id, ["export"], {}, correlation_id).job_id


def delete_sample(artist_id: str, sample_id: str, correlation_id: str | None = None) -> dict[str, Any]:
    row = _row(index().current(artist_id), sample_id)
    if row["kind"] != "sample":
        raise SampleNotFound(f"no sample {sample_id}")
    files = TrackFiles(artist_id, row["track_id"])
    path, sidecar, entry = _sidecar(files, row)
    sidecar["samples"] = [s for s in sidecar["samples"] if s is not entry]
    files.put_json(path, sidecar)  # first: from now on nothing lists the file
    store = S3Json(resource("MEDIA_BUCKET"))
    store.s3.delete_object(Bucket=store.bucket, Key=files.key(entry["key"]))
    store.s3.delete_object(Bucket=store.bucket, Key=_correction_key(artist_id, sample_id))
    index_track(artist_id, row["track_id"])
    return {
        "sample_id": sample_id,
        "deleted": True,
        "export_job_id": _refresh_export(artist_id, row["track_id"], correlation_id),
    }


def _separation(artist_id: str, track_id: str, stem: str) -> tuple[TrackFiles, dict[str, Any]]:
    TrackStore().get(artist_id, track_id)  # TrackNotFound for another artist's track
    files = TrackFiles(artist_id, track_id)
    if not files.exists("stems/separation.json"):
        raise StemNotFound(f"track {track_id} has no stems")
    separation = files.get_json("stems/separation.json", "separate")
    if stem not in separation.get("stems", []):
        raise StemNotFound(f"track {track_id} has no stem {stem}")
    return files, separation


def edit_stem(
    artist_id: str,
    track_id: str,
    stem: str,
    name: str | None = None,
    tags: list[str] | None = None,
    starred: bool | None = None,
) -> dict[str, Any]:
    files, separation = _separation(artist_id, track_id, stem)
    meta = separation.setdefault("meta", {}).setdefault(stem, {})
    if name is not None:
        meta["name"] = name.strip()
    if tags is not None:
        meta["tags"] = sorted({t.strip() for t in tags if t.strip()})
    if starred is not None:
        meta["starred"] = starred
    files.put_json("stems/separation.json", separation)
    index_track(artist_id, track_id)
    return get(artist_id, f"{track_id}-{stem}")


def delete_stem(
    artist_id: str, track_id: str, stem: str, correlation_id: str | None = None
) -> dict[str, Any]:
    """The stem and all made from it (peaks, MIDI, samples) go; the track page and export follow."""
    files, separation = _separation(artist_id, track_id, stem)
    separation["stems"] = [s for s in separation["stems"] if s != stem]
    separation.get("meta", {}).pop(stem, None)
    files.put_json("stems/separation.json", separation)  # first: from now on nothing lists it
    store = S3Json(resource("MEDIA_BUCKET"))
    doomed = [
        f"stems/{stem}.wav",
        f"stems/{stem}.peaks.json",
        f"midi/{stem}.mid",
        f"midi/{stem}.json",
        f"samples/{stem}.json",
        f"samples/{stem}.npy",
    ]
    for relative in doomed:
        store.s3.delete_object(Bucket=store.bucket, Key=files.key(relative))
    files.delete(f"samples/{stem}/")
    removed = [i for i in index().current(artist_id).ids if i.startswith(f"{track_id}-{stem}-")]
    for sample in removed:
        store.s3.delete_object(Bucket=store.bucket, Key=_correction_key(artist_id, sample))
    index_track(artist_id, track_id)
    return {
        "track_id": track_id,
        "stem": stem,
        "deleted": True,
        "samples_deleted": len(removed),
        "export_job_id": _refresh_export(artist_id, track_id, correlation_id),
    }


def sample_pack(artist_id: str, sample_ids: list[str]) -> dict[str, Any]:
    """One zip of the chosen samples with the DAW export's layout (a folder per source track,
    ``Samples/<class>/<Stem> 001.wav``, manifest.json and .csv), stored under the artist's
    exports; returns its presigned GET."""
    import tempfile
    from pathlib import Path

    from soundmosaic.audio.export import TrackExport, write_zip
    from soundmosaic.platform.paging import new_id

    snapshot = index().current(artist_id)
    rows = [_row(snapshot, i) for i in dict.fromkeys(sample_ids)]
    if any(r["kind"] != "sample" for r in rows):
        raise ValueError("a sample pack holds samples, not stems")
    store, pack_id = S3Json(resource("MEDIA_BUCKET")), new_id()
    with tempfile.TemporaryDirectory(prefix="sample-pack-") as tmp:
        bundles: dict[str, TrackExport] = {}
        for n, row in enumerate(rows):
            track = bundles.setdefault(
                row["track_id"],
                TrackExport(
                    artist=TrackStore().get(artist_id, row["track_id"]).artist_name or artist_id,
                    title=row["track_title"],
                    manifest={
                        "track_id": row["track_id"],
                        "bpm": row.get("bpm"),
                        "key": row.get("key"),
                        "samples": [],
                    },
                ),
            )
            path = store.download(
                f"artists/{artist_id}/tracks/{row['track_id']}/{row['file']}", Path(tmp) / f"{n:05d}.wav"
            )
            entry = {
                "label": row["class"],
                "stem": row["stem"],
                "start_s": row.get("start_s"),
                "end_s": row.get("end_s"),
                "sample_id": row["sample_id"],
                "name": row["name"],
                "tags": row["tags"],
            }
            track.samples.append({**entry, "path": path})
            track.manifest["samples"].append(entry)
        zipped = write_zip(Path(tmp) / "pack.zip", list(bundles.values()))
        key = store.upload(zipped, f"artists/{artist_id}/exports/packs/{pack_id}.zip", "application/zip")
    return {
        "pack_id": pack_id,
        "samples": len(rows),
        "url": presigned_get(
            resource("MEDIA_BUCKET"), key, filename=f"SoundMosaic sample pack {pack_id}.zip"
        ),
    }
