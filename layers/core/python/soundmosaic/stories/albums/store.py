"""Where an album project lives in the media bucket (every key starts with its artist)::

artists/<a>/albums/<album_id>/project.json          concept, constraints, templates, plan, status
artists/<a>/albums/<album_id>/runs/<job_id>.json    what one generation run was asked to make
artists/<a>/albums/<album_id>/cover.png + cover.json
artists/<a>/albums/<album_id>/tracks/<NN>/image.png + image.json
artists/<a>/albums/<album_id>/tracks/<NN>/music.wav + music.json
artists/<a>/albums/<album_id>/tracks/<NN>/failed.json   the reason the last run could not make it
artists/<a>/albums/<album_id>/site.zip
"""

from __future__ import annotations

import json
import re
from typing import Any

from soundmosaic.library.media import presigned_get
from soundmosaic.platform.config import resource
from soundmosaic.platform.s3json import ObjectMissing, S3Json

_ID = re.compile(r"^[0-9a-f]{24}$")


class AlbumNotFound(LookupError):
    """An album project (or one of its tracks) the caller does not have (404)."""


class AlbumBusy(RuntimeError):
    """A generation run of this album is still going (409 to edits and new runs)."""


def check_id(album_id: str) -> str:
    """Ids become key segments: only ids this platform makes are accepted."""
    if not isinstance(album_id, str) or not _ID.match(album_id):
        raise AlbumNotFound(f"no album {str(album_id)[:40]!r}")
    return album_id


def prefix(artist_id: str, album_id: str) -> str:
    return f"artists/{artist_id}/albums/{check_id(album_id)}/"


def albums_prefix(artist_id: str) -> str:
    return f"artists/{artist_id}/albums/"


def project_key(artist_id: str, album_id: str) -> str:
    return prefix(artist_id, album_id) + "project.json"


def run_key(artist_id: str, album_id: str, job_id: str) -> str:
    return prefix(artist_id, album_id) + f"runs/{job_id}.json"


def track_key(artist_id: str, album_id: str, number: int, name: str) -> str:
    return prefix(artist_id, album_id) + f"tracks/{number:02d}/{name}"


def cover_key(artist_id: str, album_id: str, ext: str) -> str:
    return prefix(artist_id, album_id) + f"cover.{ext}"


def site_key(artist_id: str, album_id: str) -> str:
    return prefix(artist_id, album_id) + "site.zip"


class Media:
    """The media bucket for albums; a missing object is ``AlbumNotFound``."""

    def __init__(self) -> None:
        self.objects = S3Json(resource("MEDIA_BUCKET"))

    def put_json(self, key: str, value: Any) -> None:
        self.objects.put_json(key, value, indent=1)

    def get_json(self, key: str, missing: str) -> Any:
        return json.loads(self.get_bytes(key, missing))

    def json_or_none(self, key: str) -> Any:
        try:
            return json.loads(self.objects.get_bytes(key))
        except ObjectMissing:
            return None

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.objects.put_bytes(key, data, content_type)

    def get_bytes(self, key: str, missing: str) -> bytes:
        try:
            return self.objects.get_bytes(key)
        except ObjectMissing as err:
            raise AlbumNotFound(missing) from err

    def bytes_or_none(self, key: str) -> bytes | None:
        try:
            return self.objects.get_bytes(key)
        except ObjectMissing:
            return None

    def delete(self, key: str) -> None:
        self.objects.s3.delete_object(Bucket=self.objects.bucket, Key=key)

    def keys(self, prefix: str, delimiter: str | None = None) -> list[str]:
        return self.objects.keys(prefix, delimiter)

    def url(self, key: str, filename: str | None = None) -> str:
        return presigned_get(self.objects.bucket, key, filename=filename)
