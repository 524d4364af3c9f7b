"""The generation routes (``/generation/projects``, their reference songs, catalog search).
A Powertools ``Router`` included by ``api/app.py``; the take routes are in ``takes.py``.

The artist comes from the token's claims, never from a body; every project is keyed by it, so
another artist's project is 404 like an unknown one. Bad input is 400, a request that
contradicts the project (a track already in it, more than ten songs) 409. Adding or
re-identifying songs returns 202 with the ``song_identify`` job to follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field
from soundmosaic.generation import references
from soundmosaic.generation.projects import MAX_SONGS, ProjectNotFound
from soundmosaic.generation.references import CatalogEntryNotFound, SongConflict
from soundmosaic.library.tracks import TrackNotFound
from soundmosaic.platform import auth

router = Router()
Id = Annotated[str, Field(min_length=1, max_length=64)]


class ProjectRequest(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class SongsRequest(BaseModel):
    track_ids: list[Id] = Field(min_length=1, max_length=MAX_SONGS,
                                description=f"the artist's library tracks; at most {MAX_SONGS} in a project")


class MatchRequest(BaseModel):
    recording_id: str = Field(min_length=1, max_length=128, description="from GET /generation/catalog")


def _artist() -> str:
    return auth.artist_from_claims(auth.claims_of(router.current_event))  # Unauthorized: 401 (api/app.py)


def _request_id() -> str:
    return auth.request_id_of(router.current_event)


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except ProjectNotFound as err:
        raise NotFoundError(str(err).strip("'\"")) from err
    except TrackNotFound as err:
        raise NotFoundError(f"no library track {str(err).strip(chr(39))}") from err
    except CatalogEntryNotFound as err:
        raise NotFoundError(str(err)) from err
    except SongConflict as err:
        raise ServiceError(409, str(err)) from err
    except ValueError as err:
        raise BadRequestError(str(err)) from err


@router.post("/generation/projects")
def create_project(body: ProjectRequest) -> Response[dict[str, Any]]:
    with _domain_errors():
        return Response(201, "application/json", references.create_project(_artist(), body.name))


@router.get("/generation/projects")
def list_projects() -> dict[str, Any]:
    """The artist's projects, newest first, with song, matched-song and take counts."""
    with _domain_errors():
        return references.list_projects(_artist())


@router.get("/generation/projects/<project_id>")
def get_project(project_id: str) -> dict[str, Any]:
    """The project, its songs and takes, whether it is ready to generate (else why not), and the
    latest identification job."""
    with _domain_errors():
        return references.project_detail(_artist(), project_id)


@router.delete("/generation/projects/<project_id>")
def delete_project(project_id: str) -> Response[None]:
    """The project with its songs, takes and their media (published releases stay published)."""
    with _domain_errors():
        references.delete_project(_artist(), project_id)
    return Response(204, None, None)


@router.post("/generation/projects/<project_id>/songs")
def add_songs(project_id: str, body: SongsRequest) -> Response[dict[str, Any]]:
    """Add library tracks as reference songs and start identifying them (``{songs, job}``)."""
    with _domain_errors():
        reply = references.add_songs(_artist(), project_id, body.track_ids, _request_id())
    return Response(202, "application/json", reply)


@router.delete("/generation/projects/<project_id>/songs/<song_id>")
def remove_song(project_id: str, song_id: str) -> Response[None]:
    with _domain_errors():
        references.remove_song(_artist(), project_id, song_id)
    return Response(204, None, None)


@router.put("/generation/projects/<project_id>/songs/<song_id>/match")
def match_song(project_id: str, song_id: str, body: MatchRequest) -> dict[str, Any]:
    """Match a song by hand to a catalog recording (a candidate, or one found by search)."""
    with _domain_errors():
        return references.match_by_hand(_artist(), project_id, song_id, body.recording_id)


@router.post("/generation/projects/<project_id>/songs/<song_id>/identify")
def reidentify_song(project_id: str, song_id: str) -> Response[dict[str, Any]]:
    """Fingerprint and match the song again (``{song, job}``)."""
    with _domain_errors():
        reply = references.reidentify(_artist(), project_id, song_id, _request_id())
    return Response(202, "application/json", reply)


@router.get("/generation/catalog")
def search_catalog(q: Annotated[str, Query(min_length=1, max_length=200)],
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Catalog recordings by title, artist or ISRC, with their works' rights holders and shares."""
    _artist()  # the catalog is shared, but only signed-in artists search it
    with _domain_errors():
        return references.search_catalog(q, limit)
