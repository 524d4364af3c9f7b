"""The publishing routes (``/generation/projects/<id>/takes/<id>/publish``, ``.../publication``).

A Powertools ``Router`` included by ``api/app.py``. The artist comes from the token; another
artist's project or take is 404. Publishing is asynchronous: the reply is the publication as
queued (202); follow it at ``GET .../publication``. Refusals (a take not ready or not kept, an
ISRC that is taken, a publication that is not ``failed`` when retried) are 409 with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from pydantic import BaseModel, Field
from soundmosaic.generation.projects import ProjectNotFound
from soundmosaic.platform import auth
from soundmosaic.publishing import service
from soundmosaic.publishing.release import ReleaseError

router = Router()
TAKE = "/generation/projects/<project_id>/takes/<take_id>"


class PublishRequest(BaseModel):
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


def _artist() -> str:
    return auth.artist_from_claims(auth.claims_of(router.current_event))  # Unauthorized: 401 (api/app.py)


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except (ProjectNotFound, service.NotPublished) as err:
        raise NotFoundError(str(err).strip("'\"")) from err
    except service.NotPublishable as err:
        raise ServiceError(409, str(err)) from err
    except (ReleaseError, ValueError) as err:
        raise BadRequestError(str(err)) from err


@router.post(f"{TAKE}/publish")
def publish(project_id: str, take_id: str, body: PublishRequest) -> Response[dict[str, Any]]:
    """Publish a kept take (the same take again: the same publication)."""
    with _domain_errors():
        reply = service.publish_take(
            _artist(), project_id, take_id, title=body.title, artist_name=body.artist, genre=body.genre,
            release_date=body.release_date.isoformat() if body.release_date else None,
            isrc_code=body.isrc, artwork_id=body.artwork_id, label=body.label)
    return Response(202, "application/json", reply)


@router.get(f"{TAKE}/publication")
def publication(project_id: str, take_id: str) -> dict[str, Any]:
    """Status, attempts, errors, the release and its package files (presigned GETs)."""
    with _domain_errors():
        return service.publication_view(_artist(), project_id, take_id)


@router.post(f"{TAKE}/publication/retry")
def retry(project_id: str, take_id: str) -> Response[dict[str, Any]]:
    """Queue a ``failed`` publication again (a new round of attempts)."""
    with _domain_errors():
        reply = service.retry(_artist(), project_id, take_id)
    return Response(202, "application/json", reply)
