"""Who is calling: the artist (tenant) behind a request.

In AWS, API Gateway's JWT authorizer checks the Cognito token and passes its claims to the API
Lambda. Locally, the embedded HTTP server plays that authorizer with dev tokens
(``soundmosaic_local.dev_tokens``, never deployed). Either way the handler reads the same claims.
The artist id is ``custom:artist_id`` when the user pool sets it, otherwise the user's ``sub``.
A rights holder (a writer, publisher or label paid from the royalty ledger) also carries
``custom:holder_id``, set by an administrator only: it is the one holder whose statements the
caller may read (``holder_from_claims``).
"""

from __future__ import annotations

import re
from typing import Any

# The only routes open without a token, in AWS (routes without the JWT authorizer) and locally.
PUBLIC_PATHS = ("/api/health", "/api/openapi.json")
# Paths under these prefixes are open too: a booth participant's page, reached by their download
# code (rate-limited, soundmosaic.booth.access), has no account.
PUBLIC_PREFIXES = ("/api/booth/public/",)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
_ARTIST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Holder ids are the royalty ledger's (``soundmosaic.royalties.provenance``): ``work:123`` etc.
HOLDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$")


class Unauthorized(Exception):
    pass


def claims_of(event: Any) -> dict[str, Any]:
    """The JWT claims API Gateway (or the local gateway) verified for an HTTP API (v2) request event."""
    return event.request_context.authorizer.jwt_claim or {}


def request_id_of(event: Any) -> str:
    """The API Gateway request id: the correlation id of the work a request starts."""
    return str(event.request_context.request_id)


def artist_from_claims(claims: dict[str, Any]) -> str:
    artist = claims.get("custom:artist_id") or claims.get("sub")
    if not artist or not _ARTIST_ID.match(str(artist)):
        raise Unauthorized("token carries no usable artist id")
    return str(artist)


def holder_from_claims(claims: dict[str, Any]) -> str | None:
    """The rights holder the caller is, or None (most artists are no rights holder)."""
    holder = claims.get("custom:holder_id")
    if not holder:
        return None
    if not HOLDER_ID.match(str(holder)):
        raise Unauthorized("token carries an unusable holder id")
    return str(holder)


def check_artist_id(artist_id: str) -> str:
    if not _ARTIST_ID.match(artist_id):
        raise ValueError(
            f"artist id {artist_id!r} must be 1-64 letters, digits, '.', '_' or '-'"
        )
    return artist_id


# The Cognito group whose members may correct a generated track's provenance (with a reason,
# audited). Tenants never can: the platform records provenance from the catalog.
ROYALTY_ADMINS = "royalty-admins"


def is_royalty_admin(claims: dict[str, Any]) -> bool:
    """Whether the token's ``cognito:groups`` holds ``ROYALTY_ADMINS``.

    API Gateway's JWT authorizer passes a list claim as one string (``"[a b]"``); a decoded
    local token keeps the list.
    """
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = groups.strip("[]").replace(",", " ").split()
    return ROYALTY_ADMINS in groups
