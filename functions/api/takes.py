"""The take routes (``/generation/projects/<id>/takes``): generate, read and keep takes.
A Powertools ``Router`` included by ``api/app.py``.

The artist comes from the token's claims; another artist's project or take is 404. A project
that cannot be generated from yet (not ten songs matched to distinct works) is 409 with the
reason; bad input is 400. Generating returns 202 with the take and the job to follow at
``GET /jobs/{job_id}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from pydantic import BaseModel, Field
from soundmosaic.generation import takes
from soundmosaic.generation.compose import GenerationRefused
from soundmosaic.generation.projects import ProjectNotFound, ProjectStore
from soundmosaic.platform import auth

router = Router()


class TakeRequest(BaseModel):
    seed: int | None = Field(default=None, ge=0, le=takes.MAX_SEED, description="default: a random one")
    seconds: float = Field(default=takes.DEFAULT_SECONDS, ge=takes.MIN_SECONDS, le=takes.MAX_SECONDS)
    influence: str = Field(default=takes.DEFAULT_INFLUENCE, max_length=40,
                           description="the ten songs' share of the model's influence, an exact "
                                       "fraction above 1/2 and below 1 (the training catalog has the rest)")
    prompt: str = Field(default="", max_length=takes.MAX_PROMPT)


def _artist() -> str:
    return auth.artist_from_claims(auth.claims_of(router.current_event))  # Unauthorized: 401 (api/app.py)


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except ProjectNotFound as err:
        raise NotFoundError(str(err).strip("'\"")) from err
    except (GenerationRefused, takes.TakeNotReady) as err:
        raise ServiceError(409, str(err)) from err
    except ValueError as err:  # TakeInputError
        raise BadRequestError(str(err)) from err


@router.post("/generation/projects/<project_id>/takes")
def start_take(project_id: str, body: TakeRequest) -> Response[dict[str, Any]]:
    """Generate a take from the project's ten songs (another seed: another take)."""
    with _domain_errors():
        take, job = takes.start_take(_artist(), project_id, seed=body.seed, seconds=body.seconds,
                                     influence=body.influence, prompt=body.prompt,
                                     correlation_id=auth.request_id_of(router.current_event))
        return Response(202, "application/json", {"take": takes.view(take), "job": job.__dict__})


@router.get("/generation/projects/<project_id>/takes/<take_id>")
def get_take(project_id: str, take_id: str) -> dict[str, Any]:
    with _domain_errors():
        return takes.view(ProjectStore().take(_artist(), project_id, take_id))


@router.post("/generation/projects/<project_id>/takes/<take_id>/keep")
def keep_take(project_id: str, take_id: str) -> dict[str, Any]:
    """Keep this take (only a ready one); the take kept before is no longer kept."""
    with _domain_errors():
        return takes.view(takes.keep(_artist(), project_id, take_id))
