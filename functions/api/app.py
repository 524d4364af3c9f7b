"""The HTTP API (API Gateway HTTP API v2): one resolver, one router per domain.

Every route but health and the OpenAPI document needs a JWT (the authorizer checks it); the
artist id comes from its claims, and every read and write is keyed by it, so one artist can
never name another's records. Paths work with or without the ``/api`` prefix.

The routes live beside this module, one ``Router`` per domain (``library``, ``audio``,
``catalog``, ``generation``, ``publishing``, ``royalties``, ``samples``, ``studio``, ``sieb``,
``writers`` and its ``writers_notes``, ``booth``); ``caller`` holds what they share (the caller's ids, the
domain errors' status codes). Routers import heavy services
(the audio pipeline, the studio's imaging) inside the routes that use them, so a cold start
imports none of them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import soundmosaic
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from soundmosaic.platform import auth

from . import (
    albums,
    audio,
    booth,
    caller,
    catalog,
    generation,
    library,
    publishing,
    royalties,
    samples,
    sieb,
    stories,
    studio,
    writers,
    writers_notes,
)
from .models import Reply

app = APIGatewayHttpResolver(enable_validation=True, strip_prefixes=["/api"])
for _router in (caller, albums, library, audio, catalog, generation, publishing, royalties, samples, studio,
                sieb, stories, writers, writers_notes, booth):
    app.include_router(_router.router)


class Health(Reply):
    status: Literal["ok"]
    service: str
    version: str


@app.exception_handler(auth.Unauthorized)
def unauthorized(err: auth.Unauthorized) -> Response:
    """A token without a usable artist or holder id, on any route (the routers raise it too)."""
    return Response(401, "application/json", json.dumps({"statusCode": 401, "message": str(err)}))


@app.get("/health")
def health() -> Health:
    return Health(status="ok", service="soundmosaic", version=soundmosaic.__version__)


@app.get("/openapi.json")
def openapi() -> Response[str]:
    return Response(200, "application/json", app.get_openapi_json_schema(
        title="SoundMosaic API", version=soundmosaic.__version__))


def json_sent_as_form(event: dict[str, Any]) -> dict[str, Any]:
    """``curl -d '{...}'`` labels a JSON body ``application/x-www-form-urlencoded``: read it as JSON
    (what it is) rather than answer 422, as every body this API takes is JSON."""
    headers = event.get("headers") or {}
    body = event.get("body") or ""
    if (headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
            and not event.get("isBase64Encoded") and body.lstrip()[:1] in ("{", "[")):
        event = {**event, "headers": {**headers, "content-type": "application/json"}}
    return event


@caller.observed.handler(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    library.idempotency.register_lambda_context(context)
    return app.resolve(json_sent_as_form(event), context)
