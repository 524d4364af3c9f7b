"""Errors of the booth's media engines, each with a message a kiosk operator can read aloud.

Every error is a ``BoothError`` (a ``ValueError``: bad input, never a crash) with a stable
``code`` the API and the state machines map to a status; see docs/booth.md, "Engines".
"""

from __future__ import annotations


class BoothError(ValueError):
    """Bad input for a booth engine; ``code`` is stable, the message is for people."""

    code = "booth_error"


class NoFace(BoothError):
    code = "no_face"


class TwoFaces(BoothError):
    code = "two_faces"


class FaceTooSmall(BoothError):
    code = "face_too_small"


class BadMedia(BoothError):
    """Unreadable, corrupt, too large (pixels or bytes) or of a refused format."""

    code = "bad_media"


class ClipTooLong(BoothError):
    code = "clip_too_long"
