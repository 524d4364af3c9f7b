"""The publishing routes (``/generation/projects/<id>/takes/<id>/publish``, ``.../publication``).

A Powertools ``Router`` included by ``api/app.py``. The artist comes from the token; another
artist's project or take is 404. Publishing is asynchronous: the reply is the publication as
queued (202); follow it at ``GET .../publication``. Refusals (a take not ready or not kept, an
ISRC that is taken, a publication that is not ``failed`` when retried) are 409 with the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field
from soundmosaic.publishing import service

from .caller import artist
from .generation import PublicationArtwork
from .models import Reply, Request

router = Router()
TAKE = "/generation/projects/<project_id>/takes/<take_id>"


class PublishRequest(Request):
    title: str = Field(min_length=1, max_length=200)
    artist: str | None = Field(default=None, min_length=1, max_length=200,
                               description="the artist name on the release (default: the account id)")
    genre: str = Field(min_length=1, max_length=60)
    release_date: date | None = Field(default=None, description="YYYY-MM-DD (default: today, UTC)")
    isrc: str | None = Field(default=None, max_length=15,
                             description="your own ISRC; without one, one is assigned")
    artwork_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{24}$",
                                   description="a studio artwork whose picked candidate is the cover "
                                   "(default: a cover rendered by the offline artwork engine)")
    label: str = Field(default="", max_length=200)


# -- replies: soundmosaic.publishing.service.publication_view ----------------------------------------


class ReleaseFile(Reply):
    """A file of the release (``release.Asset``): its key, format, size and hashes."""

    key: str
    format: str
    size: int
    md5: str
    sha256: str


class Split(Reply):
    holder_id: str
    share_percent: str = Field(description="exact, e.g. '33.5000'")
    name: str


class Release(Reply):
    """``release.Release.to_dict()``: what is sent to the distributor."""

    release_id: str
    title: str
    artist: str
    isrc: str
    genre: str
    release_date: str
    p_line: str
    c_line: str
    label: str
    upc: str | None
    duration_s: int
    audio: ReleaseFile
    artwork: ReleaseFile
    splits: list[Split]


class PackageFile(Reply):
    name: str
    size: int
    url: str = Field(description="a presigned GET")


class Publication(Reply):
    """The outbox record of a take's publication (``outbox.Publication``), its package files and
    where its artwork came from."""

    release_id: str
    content_hash: str
    status: Literal["queued", "packaging", "sending", "submitted", "failed_retrying", "failed"]
    requested_at: str
    updated_at: str
    release: Release
    attempts: int
    max_attempts: int
    steps: dict[str, str] = Field(description="step -> when it was done")
    next_try_at: str | None
    last_error: str | None
    reason: str | None
    package_prefix: str | None
    distributor_status: str | None
    sent_at: str | None
    isrc: str | None
    artwork: PublicationArtwork | None
    package_files: list[PackageFile]


@router.post(f"{TAKE}/publish", status_code=202)
def publish(project_id: str, take_id: str, body: PublishRequest) -> Publication:
    """Publish a kept take (the same take again: the same publication)."""
    return Publication.model_validate(service.publish_take(
        artist(), project_id, take_id, title=body.title, artist_name=body.artist, genre=body.genre,
        release_date=body.release_date.isoformat() if body.release_date else None,
        isrc_code=body.isrc, artwork_id=body.artwork_id, label=body.label))


@router.get(f"{TAKE}/publication")
def publication(project_id: str, take_id: str) -> Publication:
    """Status, attempts, errors, the release and its package files (presigned GETs)."""
    return Publication.model_validate(service.publication_view(artist(), project_id, take_id))


@router.post(f"{TAKE}/publication/retry", status_code=202)
def retry(project_id: str, take_id: str) -> Publication:
    """Queue a ``failed`` publication again (a new round of attempts)."""
    return Publication.model_validate(service.retry(artist(), project_id, take_id))
