"""A write-only stream into one S3 object by multipart upload, in bounded memory and no disk.

Used for exports that can exceed a Lambda's ``/tmp`` (a 2-hour track's zip is ~6 GB): the
writer holds at most one part in memory (``part_bytes``, at least S3's 5 MiB minimum), uploads
each part as soon as it fills and completes the upload on ``close``. Any failure before that
aborts the multipart upload, so no partial object ever becomes visible under the key (S3 only
shows an object once ``CompleteMultipartUpload`` succeeds). Docs: docs/audio.md (export),
docs/compute.md.

SOUNDMOSAIC_STREAM_PART_BYTES sets the part size (default 16 MiB; never below 5 MiB).
"""

from __future__ import annotations

import contextlib
import io
import os
from types import TracebackType
from typing import Any

from soundmosaic.platform import aws

MIN_PART_BYTES = 5 * 1024**2  # S3's smallest part but the last
MAX_PARTS = 10_000  # S3's most parts per upload: 16 MiB parts reach 156 GiB


def part_bytes_from_env() -> int:
    return max(MIN_PART_BYTES, int(os.environ.get("SOUNDMOSAIC_STREAM_PART_BYTES") or 16 * 1024**2))


class MultipartWriter(io.RawIOBase):
    """``with MultipartWriter(bucket, key, content_type) as out: out.write(...)``.

    ``tell()`` works and ``seek()`` does not: ``zipfile`` then writes data descriptors after each
    member instead of seeking back to patch its header, which is what a stream needs.
    """

    def __init__(self, bucket: str, key: str, content_type: str, part_bytes: int | None = None) -> None:
        super().__init__()
        self.bucket, self.key = bucket, key
        self.part_bytes = max(MIN_PART_BYTES, part_bytes or part_bytes_from_env())
        self.s3 = aws.client("s3")
        self.upload_id: str = self.s3.create_multipart_upload(
            Bucket=bucket, Key=key, ContentType=content_type)["UploadId"]
        self.parts: list[dict[str, Any]] = []
        self.buffer = bytearray()
        self.position = 0
        self.peak_buffer = 0  # the most bytes held at once, for tests and the bench
        self.completed = False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.position

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed MultipartWriter")
        view = memoryview(data).cast("B")
        self.buffer += view
        self.position += len(view)
        self.peak_buffer = max(self.peak_buffer, len(self.buffer))
        while len(self.buffer) >= self.part_bytes:
            self._upload(bytes(self.buffer[:self.part_bytes]))
            del self.buffer[:self.part_bytes]
        return len(view)

    def _upload(self, body: bytes) -> None:
        number = len(self.parts) + 1
        if number > MAX_PARTS:
            raise ValueError(f"{self.key}: more than {MAX_PARTS} parts of {self.part_bytes} bytes")
        reply = self.s3.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                    PartNumber=number, Body=body)
        self.parts.append({"PartNumber": number, "ETag": reply["ETag"]})

    def close(self) -> None:
        """Upload the last part and complete the object (an empty stream still makes one part)."""
        if self.closed:
            return
        try:
            if self.buffer or not self.parts:
                self._upload(bytes(self.buffer))
                self.buffer.clear()
            self.s3.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                              MultipartUpload={"Parts": self.parts})
            self.completed = True
        except BaseException:
            self.abort()
            raise
        finally:
            super().close()

    def abort(self) -> None:
        """Drop every uploaded part: nothing appears under the key."""
        if not self.completed:
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
        self.buffer.clear()
        if not self.closed:
            super().close()

    def __del__(self) -> None:
        # Dropped without close() (an error outside a ``with``): IOBase would close it, which
        # completes the upload; a half-written object must never appear, so abort instead.
        if not self.closed:
            with contextlib.suppress(Exception):  # nothing to report to at collection time
                self.abort()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is not None:
            self.abort()
        else:
            self.close()
