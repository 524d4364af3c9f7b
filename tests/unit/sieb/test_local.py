"""What ``soundmosaic up`` does for Sieb: start the embedded server over the data directory,
point MONGODB_URI at it, load the sample (here a slice of it) on a first start only, and keep it across a
restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from soundmosaic_local.mongo import local


def test_first_start_loads_the_sample_and_a_restart_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_dir: Path
) -> None:
    monkeypatch.delenv("MONGODB_URI", raising=False)
    monkeypatch.delenv("SIEB_MAX_TIME_MS", raising=False)
    monkeypatch.setattr(local, "SAMPLE_DIR", slice_dir)  # the full sample's load is the benchmark's
    server = local.start(tmp_path)
    assert server is not None and os.environ["MONGODB_URI"] == server.uri
    try:
        assert local.load_sample() == "loaded inventory 1091, products 200, suppliers 60"
        assert local.load_sample() == "loaded before"
    finally:
        local.stop(server)
    assert "MONGODB_URI" not in os.environ
    again = local.start(tmp_path)
    try:
        assert local.load_sample() == "loaded before"
    finally:
        local.stop(again)


def test_a_configured_server_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.example:27017")
    assert local.start(tmp_path) is None and os.environ["MONGODB_URI"] == "mongodb://db.example:27017"
