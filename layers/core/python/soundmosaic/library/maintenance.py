"""The weekly refresh: keep the library tidy without anyone asking.

- jobs that have not moved for ``SOUNDMOSAIC_STALE_JOB_HOURS`` fail with a reason, so nobody
  waits on a job whose workflow died;
- multipart uploads abandoned for more than a day are aborted (their parts cost storage);
- each artist's ``library-summary.json`` (track count, total duration, formats) is rebuilt
  from the track records, for dashboards that should not scan the table.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

from soundmosaic.library import keys
from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform import aws, clock
from soundmosaic.platform.config import Settings, resource
from soundmosaic.platform.jobs import JobStore


def fail_stale_jobs() -> list[str]:
    cutoff = clock.now() - timedelta(hours=Settings.from_env().stale_job_hours)
    store, failed = JobStore(), []
    for job in store.scan_unfinished():
        if clock.parse(job.updated_at) < cutoff:
            store.fail(job.artist_id, job.job_id,
                       f"no progress since {job.updated_at}; the workflow was lost. Upload again.")
            failed.append(job.job_id)
    return failed


def abort_stale_uploads(older_than: timedelta = timedelta(days=1)) -> int:
    s3, bucket, aborted = aws.client("s3"), resource("UPLOADS_BUCKET"), 0
    cutoff = clock.now() - older_than
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", []):
            if upload["Initiated"] < cutoff:
                s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                aborted += 1
    return aborted


def rebuild_summaries() -> int:
    """Rewrite every artist's library summary; returns how many artists have one."""
    table = TrackStore().table
    per_artist: dict[str, dict[str, Any]] = {}
    scan: dict[str, Any] = {"ProjectionExpression": "artist_id, facts, size_bytes"}
    while True:
        page = table.scan(**scan)
        for item in page["Items"]:
            entry = per_artist.setdefault(item["artist_id"], {
                "tracks": 0, "duration_s": 0.0, "size_bytes": 0, "codecs": Counter()})
            entry["tracks"] += 1
            entry["duration_s"] += float(item.get("facts", {}).get("duration_s", 0))
            entry["size_bytes"] += int(item.get("size_bytes", 0))
            entry["codecs"][item.get("facts", {}).get("codec", "unknown")] += 1
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    s3 = aws.client("s3")
    for artist_id, entry in per_artist.items():
        summary = {**entry, "duration_s": round(entry["duration_s"], 3),
                   "codecs": dict(entry["codecs"]), "refreshed_at": clock.iso()}
        s3.put_object(Bucket=resource("MEDIA_BUCKET"), Key=keys.summary_key(artist_id),
                      Body=json.dumps(summary).encode(), ContentType="application/json")
    return len(per_artist)
