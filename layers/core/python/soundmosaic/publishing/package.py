"""The release package: the ERN message, the audio and the artwork, on disk or in S3.

Layout (``<id>`` is the release id)::

    <id>/<id>.xml                      the DDEX ERN 4.3 NewReleaseMessage
    <id>/resources/<isrc>.wav|mp3|flac the audio
    <id>/resources/<id>.png|jpg        the front cover
    <id>/manifest.json                 every file with its size and SHA-256, written last

On disk a package is written into a temporary folder beside its place and renamed into place,
so a reader sees the old package or the new one, never half of one. In S3 (no rename) the files
go first and the manifest last: a package is complete when its manifest is there. Writing the
same package again changes nothing (the manifest is compared first).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soundmosaic.platform import aws
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


def write_local(package: Package, root: Path) -> Path:
    """Write the package under ``root`` atomically; returns its folder. Idempotent."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / package.release_id
    manifest = package.manifest()
    if (target / MANIFEST).is_file() and (target / MANIFEST).read_bytes() == manifest:
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{package.release_id}.", dir=root))
    try:
        for path, data in {**package.files, MANIFEST: manifest}.items():
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).write_bytes(data)
        if target.exists():  # a changed release: swap the old package out, then drop it
            old = Path(tempfile.mkdtemp(prefix=f".{package.release_id}.old.", dir=root))
            os.replace(target, old / "package")
            os.replace(staging, target)
            shutil.rmtree(old)
        else:
            os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def write_s3(package: Package, bucket: str, prefix: str = "") -> str:
    """Upload the package under ``prefix``; returns the package's key prefix. Idempotent."""
    s3 = aws.client("s3")
    base = f"{prefix.strip('/')}/{package.release_id}/" if prefix.strip("/") else f"{package.release_id}/"
    manifest = package.manifest()
    if _read(s3, bucket, base + MANIFEST) == manifest:
        return base
    for path, data in sorted(package.files.items()):
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if _etag(s3, bucket, base + path) != digest:
            s3.put_object(Bucket=bucket, Key=base + path, Body=data,
                          ContentType=_TYPES[path.rsplit(".", 1)[1]], ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=bucket, Key=base + MANIFEST, Body=manifest, ContentType="application/json")
    return base


def read_s3(bucket: str, base: str) -> dict[str, Any] | None:
    """The manifest of a complete package in S3, or None if there is none (yet)."""
    data = _read(aws.client("s3"), bucket, base.rstrip("/") + "/" + MANIFEST)
    return json.loads(data) if data is not None else None


def _read(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def _etag(s3: Any, bucket: str, key: str) -> str | None:
    try:
        return str(s3.head_object(Bucket=bucket, Key=key)["ETag"]).strip('"')
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
