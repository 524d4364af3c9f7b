"""The Sieb routes (``/sieb/...``): a plain-language question about stock and supply-chain data
becomes a validated MongoDB aggregation pipeline, answered as paged rows and a point cloud.

The tenant comes from the token (``caller.artist``); it picks the tenant's MongoDB database and
nothing in a body can name another one (``soundmosaic.sieb.tenancy``). Every pipeline, whether
the offline engine, an LLM or the user wrote it, passes ``soundmosaic.sieb.validator`` before it
runs; a refusal is a 400 with the reason. See docs/sieb.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import ConfigDict, Field

from .caller import artist
from .models import Number, Reply, Request

router = Router()

CollectionName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
Limit = Annotated[int, Field(ge=1, le=1000)]
Cursor = Annotated[str, Field(min_length=1, max_length=400)]
Pipeline = Annotated[
    list[dict[str, Any]],
    Field(min_length=0, max_length=40, description="MongoDB aggregation stages (read-only)"),
]


class AskRequest(Request):
    question: str = Field(min_length=1, max_length=500)
    conversation_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="refines the previous question of this conversation",
    )
    limit: Limit = 100
    cursor: Cursor | None = Field(default=None, description="next_cursor of the previous page")


class RunRequest(Request):
    collection: CollectionName
    pipeline: Pipeline
    limit: Limit = 100
    cursor: Cursor | None = None
    offset: int | None = Field(
        default=None, ge=0, le=100_000, description="the page from this row (instead of a cursor)"
    )


class PointsRequest(Request):
    collection: CollectionName
    pipeline: Pipeline
    mapping: dict[str, Any] | None = Field(
        default=None, max_length=8, description="x, y, z, color, size overrides: {axis: field}"
    )


class Column(Reply):
    name: str
    type: str
    unit: str | None = None


class Timing(Reply):
    plan: Number
    query: Number


class Answer(Reply):
    conversation_id: str
    understood: bool
    engine: str = Field(description="'offline', 'user' or the provider id that wrote the pipeline")
    collection: str
    pipeline: list[dict[str, Any]]
    rows: list[dict[str, Any]] = Field(description="flat JSON: Decimal128 -> number, dates -> ISO")
    columns: list[Column]
    total: int
    next_cursor: str | None
    mapping: dict[str, Any] = Field(description="the point-cloud mapping (VISUALIZATION.md)")
    timing_ms: Timing
    message: str
    suggestions: list[str]


class Axis(Reply):
    field: str | None
    label: str
    unit: str | None
    scale: Literal["linear", "log"]


class Points(Reply):
    x: list[Number]
    y: list[Number]
    z: list[Number]
    color: list[str | None]
    size: list[Number]
    highlight: list[bool]
    row_index: list[int]


class PointIds(Reply):
    """Each point's row id: ``prefix`` + ``numbers`` (base64 little-endian Int32, zero-padded to
    ``width``) when the ids allow it, else ``values``."""

    column: str
    prefix: str | None
    width: int | None
    numbers: str | None
    values: list[str | None] | None


class ColorMap(Reply):
    field: str | None
    categories: list[str]
    palette: list[str]


class SizeMap(Reply):
    field: str | None


class Cloud(Reply):
    points: Points
    axes: dict[str, Axis]
    color: ColorMap
    size: SizeMap
    ids: PointIds
    total: int
    sampled: bool
    sample_size: int


class FieldCard(Reply):
    types: list[str] = Field(description="BSON types seen: string, int, double, decimal, date, array...")
    examples: list[Any]
    distinct: int | None = Field(default=None, description="distinct values in the sample read")
    values: list[str] | None = Field(default=None, description="the values of a categorical field")
    element: str | None = None


class CollectionCard(Reply):
    count: int
    fields: dict[str, FieldCard] = Field(description="dotted path -> what the sample showed")


class Relation(Reply):
    """A join key; ``from`` (``collection.field``) is kept as an extra key (a Python keyword)."""

    model_config = ConfigDict(extra="allow")

    to: str = Field(description="collection._id")
    kind: Literal["declared", "detected", "declared+detected"]


class SchemaCard(Reply):
    database: str
    collections: dict[str, CollectionCard]
    relations: list[Relation]


@router.post("/sieb/ask")
def ask(body: AskRequest) -> Answer:
    from soundmosaic.sieb import service

    return Answer.model_validate(
        service.ask(
            artist(),
            body.question,
            conversation_id=body.conversation_id,
            limit=body.limit,
            cursor=body.cursor,
        )
    )


@router.post("/sieb/run")
def run(body: RunRequest) -> Answer:
    from soundmosaic.sieb import service

    return Answer.model_validate(
        service.run(
            artist(), body.collection, body.pipeline, limit=body.limit, cursor=body.cursor, offset=body.offset
        )
    )


@router.post("/sieb/points")
def points(body: PointsRequest) -> Cloud:
    from soundmosaic.sieb import service

    return Cloud.model_validate(service.points(artist(), body.collection, body.pipeline, body.mapping))


@router.get("/sieb/schema")
def schema() -> SchemaCard:
    """The schema card of the caller's collections: fields, types, examples, cardinalities, joins."""
    from soundmosaic.sieb import service

    return SchemaCard.model_validate(service.schema_card(artist()))
