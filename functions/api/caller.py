"""What every router of the API shares: who is calling, how the domain's errors answer, and the
function's logger and metrics (``observed``).

``artist()`` and ``holder()`` read the JWT claims the authorizer verified (never a body or a
query); a token without a usable id raises ``auth.Unauthorized`` (401, ``api/app.py``).
``router`` carries one exception handler per domain error type; ``api/app.py`` includes it, so
the handlers are registered on the resolver once and every route may simply let the domain
raise. Powertools picks the handler of the most specific class in the error's MRO:

- 404: the thing is not there, or not the caller's (``TrackNotFound``, ``ProjectNotFound``...)
- 403: a rights holder asking for another holder's statement, a tenant correcting provenance
- 409: the request contradicts the state (a song already in the project, a take not ready...)
- 400: bad input (any other ``ValueError``, ledger refusals, a model's refusal)
- 502: a model provider failed
- 500: a reply that does not match its declared model (a bug here, never the caller's fault)
"""

from __future__ import annotations

from typing import NoReturn

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    InternalServerError,
    NotFoundError,
    ServiceError,
)
from pydantic import ValidationError
from soundmosaic.generation.compose import GenerationRefused
from soundmosaic.generation.projects import ProjectNotFound
from soundmosaic.generation.references import CatalogEntryNotFound, SongConflict
from soundmosaic.generation.takes import TakeNotReady
from soundmosaic.library.tracks import TrackNotFound
from soundmosaic.platform import auth
from soundmosaic.platform.jobs import JobNotFound
from soundmosaic.platform.observability import for_function
from soundmosaic.providers.types import ProviderError, ProviderRefused
from soundmosaic.publishing.service import NotPublishable, NotPublished
from soundmosaic.royalties.imports import ImportNotFound
from soundmosaic.royalties.ledger import ImportRefused, LedgerError, LineNotFound
from soundmosaic.royalties.reports import NotYourStatement
from soundmosaic.royalties.service import NotAdmin, ProvenanceNotFound
from soundmosaic.royalties.tenancy import TrackTaken
from soundmosaic.studio.dna import DnaVersionNotFound
from soundmosaic.studio.store import StudioNotFound
from soundmosaic.writers.errors import NotRoomAdmin, RoomNotFound, WritersNotFound

observed = for_function("api")
router = Router()


def artist() -> str:
    """The calling artist (tenant): ``custom:artist_id``, else the token's ``sub``."""
    return auth.artist_from_claims(auth.claims_of(router.current_event))


def holder() -> str | None:
    """The rights holder the caller is (``custom:holder_id``), or None."""
    return auth.holder_from_claims(auth.claims_of(router.current_event))


def royalty_admin() -> bool:
    """Whether the caller is in the ``royalty-admins`` group (Cognito ``cognito:groups``)."""
    return auth.is_royalty_admin(auth.claims_of(router.current_event))


def request_id() -> str:
    """The API Gateway request id: the correlation id of the work a request starts."""
    return auth.request_id_of(router.current_event)


def _reason(err: Exception) -> str:
    return str(err).strip("'\"")


@router.exception_handler([TrackNotFound])
def no_track(err: TrackNotFound) -> NoReturn:
    raise NotFoundError(f"no track {_reason(err)}") from err


@router.exception_handler([JobNotFound])
def no_job(err: JobNotFound) -> NoReturn:
    raise NotFoundError(f"no job {_reason(err)}") from err


@router.exception_handler([ProjectNotFound, CatalogEntryNotFound, StudioNotFound, DnaVersionNotFound,
                           ImportNotFound, LineNotFound, NotPublished, ProvenanceNotFound,
                           RoomNotFound, WritersNotFound])
def not_found(err: LookupError) -> NoReturn:
    raise NotFoundError(_reason(err)) from err


@router.exception_handler([NotYourStatement, NotAdmin, NotRoomAdmin])
def forbidden(err: PermissionError) -> NoReturn:
    raise ServiceError(403, str(err)) from err


@router.exception_handler([SongConflict, GenerationRefused, TakeNotReady, NotPublishable, TrackTaken,
                           ImportRefused])
def conflict(err: Exception) -> NoReturn:
    raise ServiceError(409, str(err)) from err


@router.exception_handler([ValueError, LedgerError])  # UploadRejected, BadCursor, BriefError...
def bad_request(err: Exception) -> NoReturn:
    raise BadRequestError(str(err)) from err


@router.exception_handler([ProviderRefused])
def refused_by_model(err: ProviderRefused) -> NoReturn:
    raise BadRequestError(f"the model refused: {err}") from err


@router.exception_handler([ProviderError])
def provider_failed(err: ProviderError) -> NoReturn:
    raise ServiceError(502, f"the model provider failed: {err}") from err


@router.exception_handler([ValidationError])  # before ValueError (its base): not the caller's input
def reply_mismatch(err: ValidationError) -> NoReturn:
    observed.logger.exception("a reply does not match its model")
    raise InternalServerError("the reply did not match its declared model") from err
