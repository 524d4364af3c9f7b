"""Ingest: an object lands in the uploads bucket; it becomes a job, then a track or a rejection.

The steps are small so the ``ingest`` state machine can retry and report each one:
``start`` (from the S3 event) creates the job and starts the workflow, ``validate`` checks the
file with ffprobe and quarantines a bad one, ``record`` moves a good one into the library.
Nothing is deleted before its copy exists, so a failure at any point loses nothing.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from soundmosaic.library import keys, media
from soundmosaic.library.probe import InvalidAudio, probe
from soundmosaic.library.tracks import Track, TrackStore
from soundmosaic.platform import aws
from soundmosaic.platform.config import Settings, resource
from soundmosaic.platform.jobs import Job, JobStore, new_job_id


def start(bucket: str, key: str, size: int, correlation_id: str | None = None) -> Job | None:
    """Create the ingest job for a new upload and start its workflow (None: not an upload)."""
    incoming = keys.parse_incoming(key)
    if incoming is None:
        return None
    correlation_id = incoming.upload_id or correlation_id
    job = Job(
        artist_id=incoming.artist_id,
        job_id=new_job_id(),
        kind="ingest",
        correlation_id=correlation_id,
        subject={"bucket": bucket, "key": key, "filename": incoming.filename, "size_bytes": size,
                 "source": incoming.source},
    )
    store = JobStore()
    store.create(job)
    workflow_input = {"artist_id": job.artist_id, "job_id": job.job_id, "bucket": bucket,
                      "key": key, "correlation_id": correlation_id}
    try:
        aws.client("stepfunctions").start_execution(
            stateMachineArn=resource("INGEST_STATE_MACHINE"),
            name=job.job_id,  # Step Functions refuses a second execution of the same name
            input=json.dumps(workflow_input),
        )
    except Exception as err:
        store.fail(job.artist_id, job.job_id, f"could not start the ingest workflow: {err}")
        raise
    return job


def validate(artist_id: str, job_id: str, bucket: str, key: str) -> dict[str, Any]:
    """Check the upload. Returns ``{"valid": True, "facts": ...}`` or, after moving the file to
    quarantine, ``{"valid": False, "reason": ..., "quarantine_key": ...}``."""
    settings = Settings.from_env()
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
        filename = posixpath.basename(key)
        target = keys.quarantine_key(artist_id, job_id, filename)
        media.move(bucket, key, resource("QUARANTINE_BUCKET"), target)
        return {"valid": False, "reason": str(bad), "quarantine_key": target}
    return {"valid": True, "facts": facts.as_dict(), "size_bytes": size}


def record(artist_id: str, job_id: str, bucket: str, key: str, facts: dict[str, Any],
           size_bytes: int) -> dict[str, Any]:
    """Move a validated upload into the library and write its track record."""
    incoming = keys.parse_incoming(key)
    assert incoming is not None and incoming.artist_id == artist_id
    track_id = job_id  # one ingest job makes one track; a retried step rewrites the same record
    media_key = keys.original_key(artist_id, track_id, incoming.filename)
    track = Track(
        artist_id=artist_id,
        track_id=track_id,
        title=facts.get("title") or posixpath.splitext(incoming.filename)[0],
        artist_name=facts.get("artist"),
        filename=incoming.filename,
        media_key=media_key,
        size_bytes=size_bytes,
        facts=facts,
        source=incoming.source,
        job_id=job_id,
    )
    s3 = aws.client("s3")
    s3.copy({"Bucket": bucket, "Key": key}, resource("MEDIA_BUCKET"), media_key)
    TrackStore().put(track)
    s3.delete_object(Bucket=bucket, Key=key)
    return {"track_id": track_id, "title": track.title}


def _mib(size: int) -> str:
    return f"{size / 1024**2:,.1f} MiB"
