"""Settings read from the environment, the same way in Lambda, containers and the local stack.

Environment variables
---------------------
SOUNDMOSAIC_STAGE
    Deployment stage, ``local`` on a laptop. Part of every physical resource name.
UPLOADS_BUCKET, MEDIA_BUCKET, QUARANTINE_BUCKET, TRACKS_TABLE, JOBS_TABLE, IDEMPOTENCY_TABLE,
INGEST_QUEUE, INGEST_STATE_MACHINE, PROBE_FUNCTION, JOBS_FUNCTION
    Physical names/ARNs, set by CDK in AWS and by ``soundmosaic_local.runtime`` locally (see
    ``platform.resources``).
SOUNDMOSAIC_MAX_UPLOAD_BYTES
    Largest accepted upload (default 4 GiB). Bigger files are quarantined with a clear reason.
SOUNDMOSAIC_MULTIPART_THRESHOLD_BYTES, SOUNDMOSAIC_MULTIPART_PART_BYTES
    Uploads above the threshold (default 64 MiB) use S3 multipart with parts of this size
    (default 16 MiB).
SOUNDMOSAIC_STALE_JOB_HOURS
    The weekly refresh fails jobs that have not moved for this long (default 6).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from soundmosaic.platform import resources


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    stage: str
    max_upload_bytes: int
    multipart_threshold_bytes: int
    multipart_part_bytes: int
    stale_job_hours: int

    @staticmethod
    def from_env() -> Settings:
        return Settings(
            stage=os.environ.get("SOUNDMOSAIC_STAGE", "local"),
            max_upload_bytes=_int("SOUNDMOSAIC_MAX_UPLOAD_BYTES", 4 * 1024**3),
            multipart_threshold_bytes=_int("SOUNDMOSAIC_MULTIPART_THRESHOLD_BYTES", 64 * 1024**2),
            multipart_part_bytes=_int("SOUNDMOSAIC_MULTIPART_PART_BYTES", 16 * 1024**2),
            stale_job_hours=_int("SOUNDMOSAIC_STALE_JOB_HOURS", 6),
        )


def resource(env_name: str) -> str:
    """Physical name of a listed resource, from the variable the resource list assigns it."""
    value = os.environ.get(env_name)
    if not value:
        known = sorted({b.env for b in resources.BUCKETS} | {t.env for t in resources.TABLES})
        raise RuntimeError(
            f"{env_name} is not set: run inside the local stack (`soundmosaic up`) or a deployed "
            f"Lambda; listed variables include {', '.join(known)}"
        )
    return value
