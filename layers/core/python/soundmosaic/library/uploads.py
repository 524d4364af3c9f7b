"""Upload sessions: presigned S3 PUTs, single-part or multipart for big files."""

from __future__ import annotations

import math
from typing import Any

from soundmosaic.library import keys
from soundmosaic.platform import aws
from soundmosaic.platform.config import Settings, resource
from soundmosaic.platform.paging import new_id

URL_TTL_S = 3600
MAX_PARTS = 10_000  # S3's limit


class UploadRejected(ValueError):
    pass


def create(artist_id: str, filename: str, size_bytes: int, content_type: str | None) -> dict[str, Any]:
    settings = Settings.from_env()
    if size_bytes <= 0:
        raise UploadRejected("size_bytes must be positive: empty files cannot be ingested")
    if size_bytes > settings.max_upload_bytes:
        raise UploadRejected(
            f"{filename} is {size_bytes} bytes; the limit is {settings.max_upload_bytes} bytes"
        )
    bucket = resource("UPLOADS_BUCKET")
    upload_id = new_id()
    key = keys.upload_key(artist_id, upload_id, filename)
    s3 = aws.client("s3")
    extra = {"ContentType": content_type} if content_type else {}
    if size_bytes <= settings.multipart_threshold_bytes:
        url = s3.generate_presigned_url("put_object", ExpiresIn=URL_TTL_S,
                                        Params={"Bucket": bucket, "Key": key, **extra})
        headers = {"Content-Type": content_type} if content_type else {}
        return {"upload_id": upload_id, "key": key, "multipart": False,
                "url": url, "method": "PUT", "headers": headers}
    part_size = max(settings.multipart_part_bytes, math.ceil(size_bytes / MAX_PARTS))
    count = math.ceil(size_bytes / part_size)
    s3_upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **extra)["UploadId"]
    parts = [
        {"part_number": n, "url": s3.generate_presigned_url(
            "upload_part", ExpiresIn=URL_TTL_S,
            Params={"Bucket": bucket, "Key": key, "UploadId": s3_upload, "PartNumber": n})}
        for n in range(1, count + 1)
    ]
    return {"upload_id": upload_id, "key": key, "multipart": True, "s3_upload_id": s3_upload,
            "part_size": part_size, "parts": parts, "method": "PUT"}


def _check_key(artist_id: str, key: str) -> None:
    incoming = keys.parse_incoming(key)
    if incoming is None or incoming.artist_id != artist_id or incoming.source != "upload":
        raise UploadRejected("that upload key does not belong to you")


def complete(artist_id: str, key: str, s3_upload_id: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Finish a multipart upload; S3 then raises the ObjectCreated event that starts ingest."""
    _check_key(artist_id, key)
    if not parts:
        raise UploadRejected("parts must list every uploaded part with its ETag")
    ordered = sorted(parts, key=lambda p: int(p["part_number"]))
    s3 = aws.client("s3")
    try:
        s3.complete_multipart_upload(
            Bucket=resource("UPLOADS_BUCKET"), Key=key, UploadId=s3_upload_id,
            MultipartUpload={"Parts": [{"PartNumber": int(p["part_number"]), "ETag": p["etag"]}
                                       for p in ordered]})
    except s3.exceptions.ClientError as err:
        raise UploadRejected(f"S3 refused to complete the upload: {err}") from err
    return {"key": key, "completed": True}


def abort(artist_id: str, key: str, s3_upload_id: str) -> None:
    _check_key(artist_id, key)
    aws.client("s3").abort_multipart_upload(Bucket=resource("UPLOADS_BUCKET"), Key=key,
                                            UploadId=s3_upload_id)
