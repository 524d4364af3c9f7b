"""Dev tokens: the local gateway's stand-in for Cognito (laptop and tests only, never deployed).

HS256 JWTs signed with a secret kept in the local data directory, carrying the same claims a
Cognito token gives the API (``sub``, ``custom:holder_id``, ``cognito:groups``). In AWS, API
Gateway's JWT authorizer checks the real token before the Lambda runs.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from soundmosaic.platform import auth

LOCAL_ISSUER = "soundmosaic-local"
LOCAL_AUDIENCE = "soundmosaic"


def mint(secret: str, artist_id: str, ttl_s: int = 30 * 24 * 3600,
                   holder_id: str | None = None, groups: tuple[str, ...] = (),
                   booth_role: str | None = None, booth_event: str | None = None) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": auth.check_artist_id(artist_id),
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "iat": now,
        "exp": now + ttl_s,
        "scope": "soundmosaic/local",
    }
    if holder_id is not None:
        if not auth.HOLDER_ID.match(holder_id):
            raise ValueError(f"holder id {holder_id!r} is not a valid holder id")
        claims["custom:holder_id"] = holder_id
    if groups:
        claims["cognito:groups"] = list(groups)
    if booth_role is not None:  # the booth's roles (soundmosaic.booth.access), set by an administrator
        claims["custom:booth_role"] = booth_role
    if booth_event is not None:
        claims["custom:booth_event"] = booth_event
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(secret: str, token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], audience=LOCAL_AUDIENCE, issuer=LOCAL_ISSUER
        )
    except jwt.PyJWTError as err:
        raise auth.Unauthorized(f"invalid token: {err}") from err
    auth.artist_from_claims(claims)
    auth.holder_from_claims(claims)
    return claims
