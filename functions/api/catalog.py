"""The catalog's route (``/generation/catalog``): search recordings by title, artist or ISRC. A
Powertools ``Router`` included by ``api/app.py``.

The catalog is shared by every artist, but only signed-in artists search it (401 otherwise).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field
from soundmosaic.generation import references

from .caller import artist
from .models import Reply

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
