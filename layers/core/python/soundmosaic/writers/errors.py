"""The writers' room's errors, light enough for the API to import at cold start (docs/writers.md)."""

from __future__ import annotations


class RoomNotFound(LookupError):
    """No such room, or the caller is not a member (the two answer the same: 404)."""


class WritersNotFound(LookupError):
    """A document, scene, turn or session of the room that is not there (or not the caller's)."""


class NotRoomAdmin(PermissionError):
    """The caller is a member but lacks the role the action needs (403)."""
