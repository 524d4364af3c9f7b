"""Builders shared by the publishing tests (no tests here): media made on the spot, a release."""

from __future__ import annotations

import dataclasses
import io
import math
import struct
import wave
from typing import Any

from PIL import Image
from soundmosaic.publishing.ddex import Header
from soundmosaic.publishing.release import Asset, Release, splits_from_provenance

from tests.unit.royalties.helpers import provenance

HEADER = Header("PADPIDA2014120301X", "SoundMosaic", "PADPIDA2007040502I", "Sandbox Distributor",
                "2026-01-02T03:04:05.000Z")


def wav(seconds: float = 0.5, rate: int = 8000, pitch: float = 440.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (int(8000 * math.sin(2 * math.pi * pitch * i / rate)) for i in range(int(seconds * rate)))
        out.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return buffer.getvalue()


def png(colour: tuple[int, int, int] = (200, 30, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, "PNG")
    return buffer.getvalue()


def release(audio: bytes | None = None, artwork: bytes | None = None, **changes: Any) -> Release:
    """A single of generated track ``trk-1`` with the ten-work provenance's splits."""
    audio, artwork = audio or wav(), artwork or png()
    base = Release(
        release_id="rel-trk-1", title="Mosaic No. 1", artist="The Tiles", isrc="QZ-ES6-26-00001",
        genre="Electronic", release_date="2026-03-01", p_line="2026 The Tiles", c_line="2026 The Tiles",
        audio=Asset.of("tracks/trk-1.wav", audio), duration_s=200,
        artwork=Asset.of("art/trk-1.png", artwork), splits=splits_from_provenance(provenance("trk-1")),
        label="Mosaic Records", upc="123456789012")
    return dataclasses.replace(base, **changes) if changes else base
