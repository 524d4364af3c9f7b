"""JSON values, bytes and files as objects of one S3 bucket: the small store every domain shares.

A missing object is ``ObjectMissing`` (a ``LookupError``), never a botocore error, so callers
turn it into their own "not found" without knowing S3's error codes. Other S3 errors (access,
throttling) are raised as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from soundmosaic.platform import aws

_MISSING = ("404", "NoSuchKey", "NotFound")


class ObjectMissing(LookupError):
    """The key has no object."""


def is_missing(err: ClientError) -> bool:
    """Whether an S3 error says the object is not there."""
    return err.response.get("Error", {}).get("Code") in _MISSING


class S3Json:
    """Objects of ``bucket``: JSON values, bytes, sizes and key listings."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self.s3 = aws.client("s3")

    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None if there is none."""
        try:
            return int(self.s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as err:
            if is_missing(err):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def get_bytes(self, key: str, limit: int | None = None) -> bytes:
        """The object's body; ``ValueError`` when it is larger than ``limit`` bytes."""
        try:
            reply = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as err:
            if is_missing(err):
                raise ObjectMissing(key) from err
            raise
        if limit is not None and reply["ContentLength"] > limit:
            reply["Body"].close()
            raise ValueError(f"{key.rsplit('/', 1)[-1]} is larger than {limit} bytes")
        data: bytes = reply["Body"].read()
        return data

    def put_bytes(self, key: str, data: bytes, content_type: str) -> str:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return key

    def download(self, key: str, path: Path) -> Path:
        """Copy the object into the file ``path`` (in parts, for large media)."""
        try:
            self.s3.download_file(self.bucket, key, str(path))
        except ClientError as err:
            if is_missing(err):
                raise ObjectMissing(key) from err
            raise
        return path

    def upload(self, path: Path, key: str, content_type: str) -> str:
        self.s3.upload_file(str(path), self.bucket, key, ExtraArgs={"ContentType": content_type})
        return key

    def get_json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))

    def put_json(self, key: str, value: Any, indent: int | None = None) -> str:
        """Write ``value`` as UTF-8 JSON (what JSON cannot hold goes as ``str``); returns the key."""
        body = json.dumps(value, indent=indent, ensure_ascii=False, default=str).encode()
        return self.put_bytes(key, body, "application/json")

    def keys(self, prefix: str, delimiter: str | None = None) -> list[str]:
        """Keys (or with a delimiter, the sub-folders) under ``prefix``, in key order."""
        found: list[str] = []
        args: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            args["Delimiter"] = delimiter
        for page in self.s3.get_paginator("list_objects_v2").paginate(**args):
            if delimiter:
                found += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            else:
                found += [o["Key"] for o in page.get("Contents", [])]
        return found
