"""The samples routes: the producer's sample library across the collection (docs/samples.md).

Search and filter every sample (or stem) of the calling artist, sort by similarity to one, find
the same sound in other tracks, the 2-D map, and rename / re-tag / re-class / star / delete a
sample or a stem. Everything is read through the caller's own index and prefix: another artist's
sample or track is 404 like an unknown one; bad input is 400 or 422.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import Field

from .caller import artist, request_id
from .models import Number, Reply, Request

router = Router()

ID = r"^[0-9a-zA-Z_-]{1,120}$"
STEM = r"^[a-z0-9_]{1,40}$"
SampleClass = Literal[
    "kick",
    "snare",
    "clap",
    "closed_hat",
    "open_hat",
    "cymbal",
    "tom",
    "percussion",
    "vocal",
    "bass",
    "tonal",
    "fx",
]
Tags = Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=30)]


class SampleEdit(Request):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    tags: Tags | None = None
    class_: SampleClass | None = Field(
        default=None, alias="class", description="a correction, kept as training data for the classifier"
    )
    starred: bool | None = None


class StemEdit(Request):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    tags: Tags | None = None
    starred: bool | None = None


class PackRequest(Request):
    sample_ids: list[Annotated[str, Field(pattern=ID)]] = Field(min_length=1, max_length=500)


class SamplePack(Reply):
    pack_id: str
    samples: int
    url: str = Field(
        description="the zip: a folder per source track, Samples/<class>/<Stem> 001.wav, manifests"
    )


class LibrarySample(Reply):
    """One sample (or stem, ``kind`` 'stem') of the library, with a presigned GET of its audio."""

    sample_id: str
    kind: Literal["sample", "stem"]
    track_id: str
    track_title: str
    stem: str
    class_: str = Field(alias="class", description="the classifier's label, or the user's correction")
    auto_class: str | None = Field(default=None, description="what the classifier said")
    confidence: Number = Field(description="the classifier's probability of its label (0-1)")
    duration_s: Number | None = None
    loudness_db: Number | None = Field(default=None, description="peak of the hit in its source, dBFS")
    start_s: Number | None = None
    end_s: Number | None = None
    key: str | None = Field(default=None, description="the source track's key")
    bpm: Number | None = Field(default=None, description="the source track's tempo")
    name: str
    tags: list[str]
    starred: bool
    file: str = Field(description="its path under the track's prefix")
    url: str
    similarity: Number | None = Field(default=None, description="cosine similarity to the chosen sample")


class LibrarySamplePage(Reply):
    items: list[LibrarySample]
    next_cursor: str | None


class SimilarSamples(Reply):
    items: list[LibrarySample]


class MapPoint(Reply):
    sample_id: str
    class_: str = Field(alias="class")
    track_id: str
    name: str
    x: Number
    y: Number


class SampleMap(Reply):
    points: list[MapPoint]


class DeletedSample(Reply):
    sample_id: str
    deleted: bool
    export_job_id: str | None = Field(description="the track's export made again without it, if it had one")


class DeletedStem(Reply):
    track_id: str
    stem: str
    deleted: bool
    samples_deleted: int
    export_job_id: str | None


def _range(lo: float | None, hi: float | None) -> tuple[float | None, float | None]:
    if lo is not None and hi is not None and lo > hi:
        raise ValueError("a range's minimum is above its maximum")
    return lo, hi


@router.get("/samples")
def list_samples(
    q: Annotated[
        str | None, Query(max_length=200, description="words of name, track, stem, class, tags")
    ] = None,
    class_: Annotated[SampleClass | None, Query(alias="class")] = None,
    track_id: Annotated[str | None, Query(pattern=ID)] = None,
    stem: Annotated[str | None, Query(pattern=STEM)] = None,
    key: Annotated[str | None, Query(max_length=20, description="e.g. 'A minor'")] = None,
    tag: Annotated[str | None, Query(max_length=60)] = None,
    kind: Annotated[Literal["sample", "stem"], Query()] = "sample",
    starred: Annotated[bool | None, Query()] = None,
    bpm_min: Annotated[float | None, Query(ge=0, le=1000)] = None,
    bpm_max: Annotated[float | None, Query(ge=0, le=1000)] = None,
    duration_min: Annotated[float | None, Query(ge=0, le=86400)] = None,
    duration_max: Annotated[float | None, Query(ge=0, le=86400)] = None,
    loudness_min: Annotated[float | None, Query(ge=-200, le=20)] = None,
    loudness_max: Annotated[float | None, Query(ge=-200, le=20)] = None,
    confidence_min: Annotated[float | None, Query(ge=0, le=1)] = None,
    similar_to: Annotated[str | None, Query(pattern=ID, description="nearest first to this sample")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> LibrarySamplePage:
    from soundmosaic.samples import service

    filters = service.Filters(
        q=q,
        sample_class=class_,
        track_id=track_id,
        stem=stem,
        key=key,
        tag=tag,
        kind=kind,
        starred=starred,
        ranges={
            "bpm": _range(bpm_min, bpm_max),
            "duration_s": _range(duration_min, duration_max),
            "loudness_db": _range(loudness_min, loudness_max),
            "confidence": _range(confidence_min, None),
        },
    )
    items, next_cursor = service.search(artist(), filters, limit, cursor, similar_to)
    return LibrarySamplePage.model_validate({"items": items, "next_cursor": next_cursor})


@router.post("/samples/pack", status_code=201)
def sample_pack(body: PackRequest) -> SamplePack:
    """A sample pack of the chosen samples, named and described as the DAW export is."""
    from soundmosaic.samples import service

    return SamplePack.model_validate(service.sample_pack(artist(), body.sample_ids))


@router.get("/samples/map")
def sample_map(limit: Annotated[int, Query(ge=1, le=20000)] = 5000) -> SampleMap:
    """The collection on a 2-D plane (PCA of the sample vectors), coordinates in -1..1."""
    from soundmosaic.samples import service

    return SampleMap.model_validate({"points": service.sound_map(artist(), limit)})


@router.get("/samples/<sample_id>")
def get_sample(sample_id: Annotated[str, Path(pattern=ID)]) -> LibrarySample:
    from soundmosaic.samples import service

    return LibrarySample.model_validate(service.get(artist(), sample_id))


@router.get("/samples/<sample_id>/similar")
def similar_samples(
    sample_id: Annotated[str, Path(pattern=ID)],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    other_tracks: Annotated[bool, Query(description="only the same sound in other tracks")] = False,
) -> SimilarSamples:
    from soundmosaic.samples import service

    return SimilarSamples.model_validate(
        {"items": service.similar(artist(), sample_id, limit, other_tracks)}
    )


@router.patch("/samples/<sample_id>")
def edit_sample(sample_id: Annotated[str, Path(pattern=ID)], body: SampleEdit) -> LibrarySample:
    from soundmosaic.samples import service

    return LibrarySample.model_validate(
        service.edit_sample(
            artist(),
            sample_id,
            name=body.name,
            tags=body.tags,
            sample_class=body.class_,
            starred=body.starred,
        )
    )


@router.delete("/samples/<sample_id>")
def delete_sample(sample_id: Annotated[str, Path(pattern=ID)]) -> DeletedSample:
    from soundmosaic.samples import service

    return DeletedSample.model_validate(service.delete_sample(artist(), sample_id, request_id()))


@router.patch("/tracks/<track_id>/stems/<stem>")
def edit_stem(
    track_id: Annotated[str, Path(pattern=ID)], stem: Annotated[str, Path(pattern=STEM)], body: StemEdit
) -> LibrarySample:
    from soundmosaic.samples import service

    return LibrarySample.model_validate(service.edit_stem(artist(), track_id, stem, **body.model_dump()))


@router.delete("/tracks/<track_id>/stems/<stem>")
def delete_stem(
    track_id: Annotated[str, Path(pattern=ID)], stem: Annotated[str, Path(pattern=STEM)]
) -> DeletedStem:
    from soundmosaic.samples import service

    return DeletedStem.model_validate(service.delete_stem(artist(), track_id, stem, request_id()))
