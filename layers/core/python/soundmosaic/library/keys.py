"""S3 key layout. Every key starts with the artist id, so a prefix is a tenant boundary.

uploads bucket   uploads/<artist>/<upload_id>/<file name>   (presigned PUT from the SPA)
                 drop/<artist>/<file name>                  (the drop folder)
media bucket     artists/<artist>/tracks/<track_id>/original<ext>, and derived media beside it
                 artists/<artist>/library-summary.json
quarantine       <artist>/<job_id>/<file name>
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

_SAFE = re.compile(r"[^A-Za-z0-9._ ()-]+")


def safe_filename(name: str) -> str:
    """A file name that is safe as one S3 key segment and on any disk: no paths, no controls."""
    base = posixpath.basename(name.replace("\\", "/")).strip()
    cleaned = _SAFE.sub("_", base).strip(" .")[:200]
    return cleaned or "upload"


def upload_key(artist_id: str, upload_id: str, filename: str) -> str:
    return f"uploads/{artist_id}/{upload_id}/{safe_filename(filename)}"


def drop_key(artist_id: str, filename: str) -> str:
    return f"drop/{artist_id}/{safe_filename(filename)}"


def track_prefix(artist_id: str, track_id: str) -> str:
    return f"artists/{artist_id}/tracks/{track_id}/"


def original_key(artist_id: str, track_id: str, filename: str) -> str:
    ext = posixpath.splitext(filename)[1].lower()[:10]
    return f"{track_prefix(artist_id, track_id)}original{ext}"


def summary_key(artist_id: str) -> str:
    return f"artists/{artist_id}/library-summary.json"


def quarantine_key(artist_id: str, job_id: str, filename: str) -> str:
    return f"{artist_id}/{job_id}/{safe_filename(filename)}"


@dataclass(frozen=True)
class IncomingObject:
    """An object in the uploads bucket, resolved to its owner."""

    artist_id: str
    filename: str
    source: str  # "upload" or "drop"
    upload_id: str | None = None  # also the correlation id from the upload request onwards


def parse_incoming(key: str) -> IncomingObject | None:
    """Owner and name of an uploads-bucket key, or None when the key is not ours to ingest."""
    parts = key.split("/")
    if len(parts) == 4 and parts[0] == "uploads" and all(parts[1:]):
        return IncomingObject(parts[1], parts[3], "upload", parts[2])
    if len(parts) == 3 and parts[0] == "drop" and all(parts[1:]):
        return IncomingObject(parts[1], parts[2], "drop")
    return None
