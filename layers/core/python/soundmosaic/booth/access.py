"""Who may do what in the booth (docs/booth.md, "Roles"), and the participants' download codes.

Roles come from the caller's JWT claims, set by an administrator in the user pool:
``custom:booth_role`` is ``organiser`` or ``operator``; an operator's token also names its one
event (``custom:booth_event``: the kiosk of that event). An organiser reaches only the events
they created. A participant has no account: the kiosk hands them a download code of 192 random
bits (a QR code of their page); only its SHA-256 is stored, looked up by hash and compared in
constant time, and every public lookup counts against a per-client rate limit, so codes can be
neither enumerated nor guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

ORGANISER = "organiser"
OPERATOR = "operator"
ROLES = (ORGANISER, OPERATOR)
CODE_BYTES = 24  # 192 bits
CODE = re.compile(r"^[A-Za-z0-9_-]{32}$")
EVENT_ID = re.compile(r"^ev_[a-f0-9]{16}$")
PARTICIPANT_ID = re.compile(r"^p_[a-f0-9]{20}$")
# Public code lookups per client and minute: a festival family shares one phone's IP; 20 is
# plenty for them and makes guessing 192-bit codes hopeless.
LOOKUPS_PER_MINUTE = 20


class EventNotFound(LookupError):
    """No such event, or not the caller's: the two look the same, so ids cannot be probed."""


class ParticipantNotFound(LookupError):
    pass


class NotOrganiser(PermissionError):
    pass


class NotBoothStaff(PermissionError):
    pass


class TooManyLookups(Exception):
    """The client asked for too many codes this minute (429)."""


@dataclass(frozen=True)
class BoothCaller:
    subject: str
    role: str | None
    event_id: str | None  # an operator's kiosk event

    @staticmethod
    def from_claims(subject: str, claims: dict[str, Any]) -> BoothCaller:
        role = claims.get("custom:booth_role")
        event = claims.get("custom:booth_event")
        if role not in ROLES:
            role = None
        if not (isinstance(event, str) and EVENT_ID.match(event)):
            event = None
        return BoothCaller(subject, role, event)

    def require_staff(self) -> None:
        if self.role is None:
            raise NotBoothStaff("the booth needs an organiser or operator account")

    def operates(self, event: dict[str, Any]) -> bool:
        """Kiosk rights: the event's organiser, or an operator of exactly this event."""
        if self.role == ORGANISER:
            return bool(event["organiser"] == self.subject)
        return self.role == OPERATOR and self.event_id == event["event_id"]

    def organises(self, event: dict[str, Any]) -> bool:
        return self.role == ORGANISER and bool(event["organiser"] == self.subject)


def new_event_id() -> str:
    return "ev_" + secrets.token_hex(8)


def new_participant_id() -> str:
    return "p_" + secrets.token_hex(10)


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def same_hash(stored: str, code: str) -> bool:
    return hmac.compare_digest(stored.encode(), code_hash(code).encode())


def client_key(source_ip: str) -> str:
    """The rate limit's key for a client: a hash, as an IP address is personal data."""
    return hashlib.sha256(("booth-rate:" + source_ip).encode()).hexdigest()[:32]


def minute_window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // 60)
