"""Media objects of the library in S3: presigned URLs, copies and prefix deletes."""

from __future__ import annotations

from typing import Any

from soundmosaic.platform import aws


def presigned_get(bucket: str, key: str, expires_s: int = 3600, filename: str | None = None) -> str:
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return str(aws.client("s3").generate_presigned_url("get_object", Params=params,
                                                        ExpiresIn=expires_s))


def move(src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> None:
    """Copy then delete: the original is never gone before its copy exists."""
    s3 = aws.client("s3")
    s3.copy({"Bucket": src_bucket, "Key": src_key}, dst_bucket, dst_key)
    s3.delete_object(Bucket=src_bucket, Key=src_key)


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under ``prefix``; returns how many went."""
    assert prefix.endswith("/"), "prefix deletes must end at a folder boundary"
    s3 = aws.client("s3")
    deleted = 0
    for listing in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        objects = [{"Key": o["Key"]} for o in listing.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            deleted += len(objects)
    return deleted
