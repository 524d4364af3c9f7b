"""The release package: the ERN message, the audio and the artwork, in S3.

Layout (``<id>`` is the release id)::

    <id>/<id>.xml                      the DDEX ERN 4.3 NewReleaseMessage
    <id>/resources/<isrc>.wav|mp3|flac the audio
    <id>/resources/<id>.png|jpg        the front cover
    <id>/manifest.json                 every file with its size and SHA-256, written last

In S3 the files go first and the manifest last: a package is complete when its manifest is
there. Writing the same package again changes nothing (the manifest is compared first).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from soundmosaic.platform.s3json import ObjectMissing, S3Json, is_missing
from soundmosaic.publishing import ddex
from soundmosaic.publishing.release import AUDIO_FORMATS, IMAGE_FORMATS, Release

MANIFEST = "manifest.json"
_TYPES = {**AUDIO_FORMATS, **IMAGE_FORMATS, "xml": "application/xml"}


@dataclass(frozen=True)
class Package:
    """The files of one release package, by path relative to the package folder."""

    release_id: str
    files: dict[str, bytes]

    def manifest(self) -> bytes:
        entries = [{"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                   for path, data in sorted(self.files.items())]
        return json.dumps({"release_id": self.release_id, "files": entries}, indent=2).encode() + b"\n"


def build(release: Release, audio: bytes, artwork: bytes, header: ddex.Header) -> Package:
    """The package of ``release``; the files must be the ones the release describes."""
    release.audio.verify(audio)
    release.artwork.verify(artwork)
    xml = ddex.message(release, header)
    ddex.check(xml)
    rid = release.release_id
    files = {f"{rid}.xml": xml, ddex.audio_path(release): audio, ddex.artwork_path(release): artwork}
    return Package(rid, files)


def write_s3(package: Package, bucket: str, prefix: str = "") -> str:
    """Upload the package under ``prefix``; returns the package's key prefix. Idempotent."""
    store = S3Json(bucket)
    base = f"{prefix.strip('/')}/{package.release_id}/" if prefix.strip("/") else f"{package.release_id}/"
    manifest = package.manifest()
    with contextlib.suppress(ObjectMissing):
        if store.get_bytes(base + MANIFEST) == manifest:
            return base
    for path, data in sorted(package.files.items()):
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if _etag(store, base + path) != digest:
            store.s3.put_object(Bucket=bucket, Key=base + path, Body=data,
                                ContentType=_TYPES[path.rsplit(".", 1)[1]], ChecksumAlgorithm="SHA256")
    store.put_bytes(base + MANIFEST, manifest, "application/json")
    return base


def _etag(store: S3Json, key: str) -> str | None:
    try:
        return str(store.s3.head_object(Bucket=store.bucket, Key=key)["ETag"]).strip('"')
    except ClientError as err:
        if is_missing(err):
            return None
        raise
