"""The bases of the routers' models (``Request``, ``Reply``) and the replies several share.

Every route declares its reply as a pydantic model, so the OpenAPI document (and the SPA's
generated types) describe every field. The services return plain dicts and dataclasses; a route
validates what its service returned into the reply model, and Powertools serializes it. ``Reply``
keeps the bytes what the service returned: a key the service left out stays out (it is not added
as ``null``). Both bases defer building their validators until a route first uses them, so a cold
start does not pay for every model of every route.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

# A JSON number as the service gave it. A ``float`` field would print a whole number the service
# returned as an int (DynamoDB gives 120.0 back as 120) as ``120.0``; ``int | float`` keeps it.
Number = int | float


class Request(BaseModel):
    """A request body: a field it does not name is refused (422), never passed on."""

    model_config = ConfigDict(defer_build=True, extra="forbid")


class Reply(BaseModel):
    """A reply (or part of one): the declared fields, only those the service returned."""

    model_config = ConfigDict(defer_build=True)

    # No return annotation: with one, pydantic would describe every reply as that (a free-form
    # object) in the OpenAPI document instead of by its fields.
    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler):
        data: dict[str, Any] = handler(self)
        fields = type(self).model_fields
        given = set(self.model_fields_set)  # names, and extra keys where a model allows them
        given.update(fields[n].alias or n for n in self.model_fields_set if n in fields)
        return {k: v for k, v in data.items() if k in given}


class Job(Reply):
    """``soundmosaic.platform.jobs.Job``: long work with a status, a stage and a percent."""

    artist_id: str
    job_id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    stage: str
    percent: int
    created_at: str
    updated_at: str
    finished_at: str | None
    error: str | None
    correlation_id: str | None
    # Open-ended: each job kind's workflow writes its own subject and result (see the kind's
    # service module: audio, export, ingest, artwork, video, song_identify, statement_import...).
    subject: dict[str, Any]
    result: dict[str, Any]


class Presigned(Reply):
    """A presigned PUT: send the file to ``url`` with ``headers``."""

    key: str
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
