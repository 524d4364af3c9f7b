"""The catalog's routes (``/generation/catalog``): search recordings by title, artist or ISRC, in
the platform's catalog or a named one (Apple Music, when configured), and the royalty admins'
form that adds a named catalog's recording with its rights holders (``generation.external``). A
Powertools ``Router`` included by ``api/app.py``.

The catalog is shared by every artist, but only signed-in artists search it (401 otherwise);
only royalty admins list the recordings waiting for rights holders or add them (403 otherwise).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field, StringConstraints
from soundmosaic.generation import external, references
from soundmosaic.royalties.service import NotAdmin

from .caller import artist, royalty_admin
from .models import Reply, Request

router = Router()
Shares = Annotated[dict[str, str], Field(description="rights holder -> exact share, e.g. '3/5'")]


class CatalogEntry(Reply):
    """A catalog recording with its work and the work's rights holders (``references.catalog_entry``)."""

    recording_id: str
    title: str
    artists: list[str]
    isrc: str | None
    duration_ms: int
    work_id: str
    work_title: str
    holders: Shares
    holder_names: dict[str, str] = Field(description="rights holder -> display name")


class CatalogResults(Reply):
    items: list[CatalogEntry]


@router.get("/generation/catalog")
def search_catalog(q: Annotated[str, Query(min_length=1, max_length=200)],
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> CatalogResults:
    """Catalog recordings by title, artist or ISRC, with their works' rights holders and shares."""
    artist()  # the catalog is shared, but only signed-in artists search it
    return CatalogResults.model_validate(references.search_catalog(q, limit))


class CatalogSources(Reply):
    sources: list[Literal["local", "apple-music", "musicbrainz"]] = Field(
        description="local: always; apple-music: search by hand; musicbrainz: AcoustID identification")


class ExternalEntry(Reply):
    """A named catalog's song, with its rights from the platform's catalog when known."""

    source: Literal["apple-music", "musicbrainz"]
    recording_id: str = Field(description="'apple-music:<id>': what PUT .../match takes")
    title: str
    artists: list[str]
    isrc: str | None
    url: str | None
    duration_ms: int | None
    rights: Literal["known", "needed"] = Field(description="needed: a royalty admin must add its holders")
    work_id: str | None
    holders: Shares
    holder_names: dict[str, str]


class ExternalResults(Reply):
    source: str
    items: list[ExternalEntry]


class PendingRights(Reply):
    recording_id: str
    source: str
    title: str
    artists: list[str]
    isrc: str | None
    url: str | None
    requested_at: str


class PendingList(Reply):
    items: list[PendingRights]


HolderId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
HolderRole = Literal["composer", "lyricist", "publisher", "performer", "producer", "label"]


class RightsRequest(Request):
    recording_id: str = Field(min_length=3, max_length=128, description="a named catalog's recording")
    holders: dict[HolderId, Annotated[str, StringConstraints(max_length=40)]] = Field(
        min_length=1, max_length=50, description="rights holder -> exact share ('3/5'); they sum to 1")
    holder_names: dict[HolderId, Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=dict, max_length=50)
    holder_roles: dict[HolderId, HolderRole] = Field(
        default_factory=dict, max_length=50, description="rights holder -> role, kept in the audit record")
    work_title: str | None = Field(default=None, max_length=300)
    reason: str = Field(min_length=3, max_length=500, pattern=r"\S",
                        description="why these holders and shares (the contract, the source): audited")


class RightsAdded(CatalogEntry):
    audit_operation: str = Field(description="the audit log's operation id")


@router.get("/generation/catalog/sources")
def catalog_sources() -> CatalogSources:
    """The catalogs in use: the local one always, the named ones whose keys are configured."""
    artist()
    return CatalogSources.model_validate({"sources": external.sources()})


@router.get("/generation/catalog/external")
def search_external(source: Annotated[Literal["apple-music"], Query()],
                    q: Annotated[str, Query(min_length=1, max_length=200)],
                    limit: Annotated[int, Query(ge=1, le=25)] = 10) -> ExternalResults:
    """A named catalog's songs by title, artist or ISRC (409 when its keys are not configured)."""
    artist()
    return ExternalResults.model_validate(external.search(source, q, limit))


@router.get("/generation/rights/pending")
def pending_rights() -> PendingList:
    """Named catalogs' recordings that songs wait on for rights holders (royalty admins)."""
    _admin()
    return PendingList.model_validate({"items": external.pending()})


@router.post("/generation/rights", status_code=201)
def add_rights(body: RightsRequest) -> RightsAdded:
    """A royalty admin adds a named catalog's recording to the catalog with its rights holders'
    exact shares; title, artists and ISRC are read from the named catalog. Audited."""
    admin = _admin()
    return RightsAdded.model_validate(external.add_rights(admin, body.recording_id, body.holders,
                                                          body.holder_names, body.work_title,
                                                          body.reason, body.holder_roles))


class RefreshReport(Reply):
    """What the latest weekly refresh changed in what the studio and generation cache from outside."""

    finished_at: str
    naming_trends: dict[str, Any] = Field(description="studio.trends.refresh: source, refreshed, changed")
    catalog_metadata: dict[str, Any] = Field(description="checked, changed (before/after), skipped, failed")


@router.get("/generation/catalog/refresh")
def latest_refresh() -> RefreshReport:
    """The latest weekly refresh's report on naming trends and the named catalogs' metadata (404
    before the first); the rest of that report (other artists' jobs) is not shown."""
    from soundmosaic.platform.config import resource
    from soundmosaic.platform.s3json import ObjectMissing, S3Json

    artist()
    try:
        report = S3Json(resource("MEDIA_BUCKET")).get_json("platform/refresh/latest.json")
    except ObjectMissing:
        raise NotFoundError("the weekly refresh has not run yet") from None
    return RefreshReport.model_validate({k: report.get(k) for k in RefreshReport.model_fields})


def _admin() -> str:
    caller = artist()
    if not royalty_admin():
        raise NotAdmin("only a royalty admin may add rights holders to the catalog")
    return caller
