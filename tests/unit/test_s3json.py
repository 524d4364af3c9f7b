"""The shared S3 JSON store: values, bytes, files, listings and what a missing object is."""

from __future__ import annotations

from pathlib import Path

import pytest
from soundmosaic.platform.config import resource
from soundmosaic.platform.s3json import ObjectMissing, S3Json


def test_values_bytes_and_listings(aws_env: None) -> None:
    store = S3Json(resource("MEDIA_BUCKET"))
    assert store.put_json("a/one.json", {"n": 1, "when": Path("x"), "text": "café"}) == "a/one.json"
    assert store.get_json("a/one.json") == {"n": 1, "when": "x", "text": "café"}
    store.put_bytes("a/b/two.bin", b"12345", "application/octet-stream")
    assert store.size("a/b/two.bin") == 5 and store.exists("a/b/two.bin")
    assert store.keys("a/") == ["a/b/two.bin", "a/one.json"]
    assert store.keys("a/", delimiter="/") == ["a/b/"]
    with pytest.raises(ValueError, match="larger than 4 bytes"):
        store.get_bytes("a/b/two.bin", limit=4)


def test_files_go_up_and_come_down(aws_env: None, tmp_path: Path) -> None:
    store = S3Json(resource("MEDIA_BUCKET"))
    (tmp_path / "up.txt").write_text("hello")
    store.upload(tmp_path / "up.txt", "f/up.txt", "text/plain")
    assert store.download("f/up.txt", tmp_path / "down.txt").read_text() == "hello"


def test_a_missing_object_is_object_missing(aws_env: None, tmp_path: Path) -> None:
    store = S3Json(resource("MEDIA_BUCKET"))
    assert store.size("nothing") is None and not store.exists("nothing")
    for read in (lambda: store.get_json("nothing"), lambda: store.get_bytes("nothing"),
                 lambda: store.download("nothing", tmp_path / "x")):
        with pytest.raises(ObjectMissing):
            read()
