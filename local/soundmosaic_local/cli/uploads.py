"""Uploading a file through the API's presigned URLs (single PUT or multipart), with progress."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx


class ProgressReader:
    """A file object that reports bytes read, for the upload progress bar."""

    def __init__(self, handle: Any, advance: Any, limit: int | None = None) -> None:
        self.handle, self.advance, self.left = handle, advance, limit

    def __iter__(self) -> Iterator[bytes]:
        while True:
            want = 1024 * 1024 if self.left is None else min(1024 * 1024, self.left)
            chunk = self.handle.read(want) if want else b""
            if not chunk:
                return
            if self.left is not None:
                self.left -= len(chunk)
            self.advance(len(chunk))
            yield chunk


def upload(client: httpx.Client, path: Path, advance: Any) -> str:
    """Upload ``path``; ``advance(n)`` is called per chunk sent. Returns the object key."""
    size = path.stat().st_size
    session = client.post("/api/uploads", json={"filename": path.name, "size_bytes": size},
                          headers={"Idempotency-Key": f"cli-{path.resolve()}-{size}-{time.time_ns()}"})
    if session.status_code != 201:
        raise SystemExit(f"{path}: upload refused: {session.text}")
    info = session.json()
    with open(path, "rb") as handle:
        if not info["multipart"]:
            reply = httpx.put(info["url"], content=ProgressReader(handle, advance),
                              headers={**info["headers"], "Content-Length": str(size)}, timeout=600)
            reply.raise_for_status()
            return str(info["key"])
        parts = []
        for part in info["parts"]:
            reply = httpx.put(part["url"], timeout=600,
                              content=ProgressReader(handle, advance, info["part_size"]))
            reply.raise_for_status()
            parts.append({"part_number": part["part_number"], "etag": reply.headers["ETag"]})
    client.post("/api/uploads/complete", json={"key": info["key"], "parts": parts,
                                               "s3_upload_id": info["s3_upload_id"]}).raise_for_status()
    return str(info["key"])
