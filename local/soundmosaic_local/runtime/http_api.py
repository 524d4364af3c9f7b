"""The local front door: HTTP requests -> API Gateway HTTP API (v2) events -> the API Lambda.

It plays API Gateway's part locally: it checks the bearer token as the JWT authorizer would
(local dev tokens), puts the claims where the authorizer puts them, and passes the event to the
same ``api`` handler through the dispatcher. Paths outside ``/api`` serve the built SPA from
``web/dist`` with an ``index.html`` fallback for client-side routes.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from soundmosaic.platform import auth

from soundmosaic_local import dev_tokens
from soundmosaic_local.runtime import dispatcher

MAX_BODY_BYTES = 6 * 1024 * 1024  # API Gateway -> Lambda payload limit; media goes to S3


class LocalApiGateway:
    def __init__(self, api_function: str, jwt_secret: str, spa_dir: Path) -> None:
        self.api_function = api_function
        self.jwt_secret = jwt_secret
        self.spa_dir = spa_dir

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/") or "/"
        if path == "/api" or path.startswith("/api/"):
            status, headers, body = self.api(environ, path)
        else:
            status, headers, body = self.static(path)
        start_response(status, headers)
        return [body]

    def api(self, environ: dict[str, Any], path: str) -> tuple[str, list[tuple[str, str]], bytes]:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY_BYTES:
            return _json(413, {"message": "Request Entity Too Large: upload media through /api/uploads"})
        method = environ["REQUEST_METHOD"]
        claims: dict[str, Any] | None = None
        if method != "OPTIONS" and not auth.is_public(path):
            token = headers.get("authorization", "").removeprefix("Bearer ").strip()
            try:
                claims = dev_tokens.verify(self.jwt_secret, token)
            except auth.Unauthorized:
                return _json(401, {"message": "Unauthorized"})
        raw = environ["wsgi.input"].read(length) if length else b""
        event = to_v2_event(method, path, environ.get("QUERY_STRING", ""), headers, raw, claims,
                            environ.get("REMOTE_ADDR", "127.0.0.1"))
        reply, errored = dispatcher.invoke(self.api_function, event)
        if errored:  # the dispatcher logged the error; API Gateway hides it from the client too
            return _json(500, {"message": "Internal Server Error"})
        return from_v2_response(reply)

    def static(self, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
        root = self.spa_dir.resolve()
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            target = root / "index.html"  # client-side route
        if not target.is_file():
            body = (b"<!doctype html><title>SoundMosaic</title><h1>SoundMosaic API is running</h1>"
                    b"<p>The web app is not built yet. The API is described at "
                    b"<a href='/api/openapi.json'>/api/openapi.json</a>.</p>")
            return "200 OK", [("Content-Type", "text/html; charset=utf-8")], body
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        cache = "no-cache" if target.name == "index.html" else "public, max-age=31536000, immutable"
        return "200 OK", [("Content-Type", kind), ("Cache-Control", cache)], target.read_bytes()


def to_v2_event(method: str, path: str, query: str, headers: dict[str, str], body: bytes,
                claims: dict[str, Any] | None, source_ip: str) -> dict[str, Any]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = time.time()
    context: dict[str, Any] = {
        "accountId": "123456789012", "apiId": "local", "domainName": headers.get("host", "localhost"),
        "domainPrefix": "local", "requestId": headers.get("x-request-id") or str(uuid.uuid4()),
        "routeKey": "$default", "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                 "userAgent": headers.get("user-agent", "")},
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": headers, "requestContext": context, "isBase64Encoded": encoded,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";")]
    if params:
        event["queryStringParameters"] = params
    if body:
        event["body"] = text
    return event


def from_v2_response(reply: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    if not isinstance(reply, dict) or "statusCode" not in reply:
        return _json(200, reply)
    body = reply.get("body") or ""
    data = base64.b64decode(body) if reply.get("isBase64Encoded") else str(body).encode()
    headers = [(k, str(v)) for k, v in (reply.get("headers") or {}).items()]
    for name, values in (reply.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values)
    headers.extend(("Set-Cookie", c) for c in reply.get("cookies") or [])
    code = int(reply["statusCode"])
    return f"{code} {_REASONS.get(code, 'Status')}", headers, data


def _json(code: int, payload: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    return (f"{code} {_REASONS.get(code, 'Status')}", [("Content-Type", "application/json")],
            json.dumps(payload, default=str).encode())


_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            413: "Payload Too Large", 422: "Unprocessable Entity", 500: "Internal Server Error"}
