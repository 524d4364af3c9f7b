"""Who is calling: the artist (tenant) behind a request.

In AWS, API Gateway's JWT authorizer checks the Cognito token and passes its claims to the API
Lambda. Locally, the embedded HTTP server plays that authorizer with dev tokens: HS256 JWTs signed
with a secret kept in the local data directory. Either way the handler reads the same claims.
The artist id is ``custom:artist_id`` when the user pool sets it, otherwise the user's ``sub``.
"""

from __future__ import annotations

import re
import time
from typing import Any

LOCAL_ISSUER = "soundmosaic-local"
LOCAL_AUDIENCE = "soundmosaic"
_ARTIST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Unauthorized(Exception):
    pass


def artist_from_claims(claims: dict[str, Any]) -> str:
    artist = claims.get("custom:artist_id") or claims.get("sub")
    if not artist or not _ARTIST_ID.match(str(artist)):
        raise Unauthorized("token carries no usable artist id")
    return str(artist)


def check_artist_id(artist_id: str) -> str:
    if not _ARTIST_ID.match(artist_id):
        raise ValueError(
            f"artist id {artist_id!r} must be 1-64 letters, digits, '.', '_' or '-'"
        )
    return artist_id


def mint_dev_token(secret: str, artist_id: str, ttl_s: int = 30 * 24 * 3600) -> str:
    import jwt  # local only: deployed, API Gateway checks tokens before the Lambda runs

    now = int(time.time())
    claims = {
        "sub": check_artist_id(artist_id),
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "iat": now,
        "exp": now + ttl_s,
        "scope": "soundmosaic/local",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_dev_token(secret: str, token: str) -> dict[str, Any]:
    import jwt

    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], audience=LOCAL_AUDIENCE, issuer=LOCAL_ISSUER
        )
    except jwt.PyJWTError as err:
        raise Unauthorized(f"invalid token: {err}") from err
    artist_from_claims(claims)
    return claims
