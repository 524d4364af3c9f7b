"""The studio's S3 layout in the media bucket, and small readers/writers over it.

Every key starts with ``artists/<artist>/``, so a prefix is a tenant boundary::

    artists/<a>/studio/references/<id>/<file>                 reference images (presigned PUT)
    artists/<a>/studio/artwork/<artwork_id>/brief.json        the request, final prompt, references
    artists/<a>/studio/artwork/<artwork_id>/<cNN>.png + .json one candidate and its facts
    artists/<a>/studio/batches/<job_id>/items/<NNNN>.json     per-item report (+ .png thumbnail)
    artists/<a>/studio/batches/<job_id>/contact-sheet.png + report.json
    artists/<a>/studio/video/<video_id>.mp4 + .json
"""

from __future__ import annotations

import json
import re
from typing import Any

from soundmosaic.library.media import presigned_get
from soundmosaic.platform.config import resource
from soundmosaic.platform.s3json import ObjectMissing, S3Json

_ID = re.compile(r"^[0-9a-f]{24}$")
_CANDIDATE = re.compile(r"^c\d{2}$")


class StudioNotFound(LookupError):
    """An artwork, candidate, video or batch the caller does not have (404)."""


def check_id(value: str, what: str) -> str:
    """Ids become S3 key segments: only the ids this platform makes are accepted."""
    if not isinstance(value, str) or not _ID.match(value):
        raise StudioNotFound(f"no {what} {str(value)[:40]!r}")
    return value


def check_candidate(value: str) -> str:
    if not isinstance(value, str) or not _CANDIDATE.match(value):
        raise StudioNotFound(f"no candidate {str(value)[:10]!r}")
    return value


def studio_prefix(artist_id: str) -> str:
    return f"artists/{artist_id}/studio/"


def references_prefix(artist_id: str) -> str:
    return f"{studio_prefix(artist_id)}references/"


def artwork_prefix(artist_id: str, artwork_id: str) -> str:
    return f"{studio_prefix(artist_id)}artwork/{artwork_id}/"


def candidate_key(artist_id: str, artwork_id: str, candidate_id: str, ext: str) -> str:
    return f"{artwork_prefix(artist_id, artwork_id)}{candidate_id}.{ext}"


def batch_prefix(artist_id: str, job_id: str) -> str:
    return f"{studio_prefix(artist_id)}batches/{job_id}/"


def item_key(artist_id: str, job_id: str, index: int, ext: str) -> str:
    return f"{batch_prefix(artist_id, job_id)}items/{index:04d}.{ext}"


def video_key(artist_id: str, video_id: str, ext: str) -> str:
    return f"{studio_prefix(artist_id)}video/{video_id}.{ext}"


class Media:
    """JSON and bytes in the media bucket; a missing object is ``StudioNotFound(missing)``."""

    def __init__(self) -> None:
        self.objects = S3Json(resource("MEDIA_BUCKET"))
        self.bucket = self.objects.bucket

    def put_json(self, key: str, value: Any) -> None:
        self.objects.put_json(key, value, indent=1)

    def get_json(self, key: str, missing: str) -> Any:
        return json.loads(self.get_bytes(key, missing))

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.objects.put_bytes(key, data, content_type)

    def get_bytes(self, key: str, missing: str, limit: int | None = None) -> bytes:
        try:
            return self.objects.get_bytes(key, limit)
        except ObjectMissing as err:
            raise StudioNotFound(missing) from err

    def size(self, key: str) -> int | None:
        return self.objects.size(key)

    def keys(self, prefix: str, delimiter: str | None = None) -> list[str]:
        """Keys (or with a delimiter, the sub-folders) under ``prefix``, in key order."""
        return self.objects.keys(prefix, delimiter)

    def url(self, key: str, filename: str | None = None) -> str:
        return presigned_get(self.bucket, key, filename=filename)
