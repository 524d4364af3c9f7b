"""The multipart writer on its edges, against moto: empty streams, errors, part sizes.

Hostile cases tried: an exception in the middle of a write (no object, no open upload), a write
after close, a part size below S3's minimum (raised to 5 MiB).
"""

from __future__ import annotations

import os

import boto3
import pytest
from soundmosaic.platform.config import resource
from soundmosaic.platform.s3stream import MIN_PART_BYTES, MultipartWriter


def _uploads(bucket: str) -> list[dict]:
    return boto3.client("s3").list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def test_an_empty_stream_is_an_empty_object(aws_env):
    bucket = resource("MEDIA_BUCKET")
    with MultipartWriter(bucket, "empty.bin", "application/octet-stream"):
        pass
    assert boto3.client("s3").get_object(Bucket=bucket, Key="empty.bin")["Body"].read() == b""


def test_parts_fill_to_the_minimum_and_the_object_is_the_bytes_written(aws_env):
    bucket = resource("MEDIA_BUCKET")
    data = os.urandom(MIN_PART_BYTES * 2 + 123)
    writer = MultipartWriter(bucket, "parts.bin", "application/zip", part_bytes=1024)  # raised to 5 MiB
    with writer:
        for start in range(0, len(data), 700_000):
            writer.write(data[start:start + 700_000])
    assert writer.part_bytes == MIN_PART_BYTES and len(writer.parts) == 3
    assert writer.peak_buffer < MIN_PART_BYTES + 700_000
    assert boto3.client("s3").get_object(Bucket=bucket, Key="parts.bin")["Body"].read() == data


def test_an_error_mid_stream_leaves_no_object_and_no_upload(aws_env):
    bucket = resource("MEDIA_BUCKET")
    with pytest.raises(RuntimeError, match="disk on fire"), \
            MultipartWriter(bucket, "broken.zip", "application/zip") as writer:
        writer.write(os.urandom(MIN_PART_BYTES + 1))  # one part already uploaded
        raise RuntimeError("disk on fire")
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="broken.zip")
    assert not _uploads(bucket)
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"more")
