"""Ingest: an object lands in the uploads bucket; it becomes a job, then a track or a rejection.

The steps are small so the ``ingest`` state machine can retry and report each one:
``start`` (from the S3 event) parses the object's key once into an ``Upload``, creates the job
and starts the workflow; ``validate`` checks the file with ffprobe and quarantines a bad one;
``record`` moves a good one into the library. The workflow carries the ``Upload`` (as
``"upload"``), so no later step parses the key again. Nothing is deleted before its copy exists,
so a failure at any point loses nothing.
"""

from __future__ import annotations

import posixpath
from dataclasses import asdict, dataclass, fields
from typing import Any

from soundmosaic.library import keys, media
from soundmosaic.library.probe import InvalidAudio, probe
from soundmosaic.library.tracks import Track, TrackStore
from soundmosaic.platform import aws
from soundmosaic.platform.config import Settings, resource
from soundmosaic.platform.jobs import Job, new_job_id, start_workflow
from soundmosaic.platform.paging import new_id

MACHINE = "INGEST_STATE_MACHINE"


@dataclass(frozen=True)
class Upload:
    """An object of the uploads bucket on its way into the library, its key parsed once.

    ``track_id`` is chosen when the upload is first seen: a retried ``record`` step rewrites the
    same track, and the track has an id of its own rather than its ingest job's.
    """

    bucket: str
    key: str
    artist_id: str
    filename: str
    source: str  # "upload" (presigned, from the SPA) or "drop" (the drop folder)
    size_bytes: int
    track_id: str
    upload_id: str | None = None  # the correlation id from the upload request onwards

    @staticmethod
    def parse(bucket: str, key: str, size_bytes: int) -> Upload | None:
        """The upload behind an uploads-bucket key, with a new track id (None: not ours to ingest)."""
        incoming = keys.parse_incoming(key)
        if incoming is None:
            return None
        return Upload(bucket=bucket, key=key, artist_id=incoming.artist_id, filename=incoming.filename,
                      source=incoming.source, size_bytes=size_bytes, track_id=new_id(),
                      upload_id=incoming.upload_id)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(values: dict[str, Any]) -> Upload:
        """The ``Upload`` a workflow state or a job subject carries (extra keys are ignored)."""
        known = {f.name for f in fields(Upload)}
        return Upload(**{k: v for k, v in values.items() if k in known})


def start(bucket: str, key: str, size: int, correlation_id: str | None = None) -> Job | None:
    """Create the ingest job for a new upload and start its workflow (None: not an upload)."""
    upload = Upload.parse(bucket, key, size)
    if upload is None:
        return None
    job = Job(
        artist_id=upload.artist_id,
        job_id=new_job_id(),
        kind="ingest",
        correlation_id=upload.upload_id or correlation_id,
        subject=upload.as_dict(),
    )
    # Recorded, then started as the execution named after the job (Step Functions refuses a
    # second execution of the same name); a start that fails fails the job with the reason.
    return start_workflow(job, MACHINE, workflow_input(upload))


def workflow_input(upload: Upload) -> dict[str, Any]:
    """What the ingest workflow needs beside the artist, job and correlation ids."""
    return {"upload": upload.as_dict()}


def validate(job_id: str, upload: Upload) -> dict[str, Any]:
    """Check the upload. Returns ``{"valid": True, "facts": ...}`` or, after moving the file to
    quarantine, ``{"valid": False, "reason": ..., "quarantine_key": ...}``."""
    settings = Settings.from_env()
    bucket, key = upload.bucket, upload.key
    size = int(aws.client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"])
    try:
        if size == 0:
            raise InvalidAudio("the file is empty (0 bytes)")
        if size > settings.max_upload_bytes:
            raise InvalidAudio(
                f"the file is {_mib(size)}, larger than the {_mib(settings.max_upload_bytes)} limit"
            )
        facts = probe(media.presigned_get(bucket, key, expires_s=900))
    except InvalidAudio as bad:
        target = keys.quarantine_key(upload.artist_id, job_id, upload.filename)
        media.move(bucket, key, resource("QUARANTINE_BUCKET"), target)
        return {"valid": False, "reason": str(bad), "quarantine_key": target}
    return {"valid": True, "facts": facts.as_dict(), "size_bytes": size}


def record(job_id: str, upload: Upload, facts: dict[str, Any], size_bytes: int) -> dict[str, Any]:
    """Move a validated upload into the library and write its track record."""
    media_key = keys.original_key(upload.artist_id, upload.track_id, upload.filename)
    track = Track(
        artist_id=upload.artist_id,
        track_id=upload.track_id,
        title=facts.get("title") or posixpath.splitext(upload.filename)[0],
        artist_name=facts.get("artist"),
        filename=upload.filename,
        media_key=media_key,
        size_bytes=size_bytes,
        facts=facts,
        source=upload.source,
        job_id=job_id,
    )
    s3 = aws.client("s3")
    s3.copy({"Bucket": upload.bucket, "Key": upload.key}, resource("MEDIA_BUCKET"), media_key)
    TrackStore().put(track)
    s3.delete_object(Bucket=upload.bucket, Key=upload.key)
    return {"track_id": track.track_id, "title": track.title}


def _mib(size: int) -> str:
    return f"{size / 1024**2:,.1f} MiB"
