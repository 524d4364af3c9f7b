"""A release of one generated track: metadata, its audio and artwork, and the rights splits.

A ``Release`` is validated when it is built and raises ``ReleaseError`` naming every problem
found. Splits are percentages with at most four decimals that sum to exactly 100; from a
provenance they are its exact holder weights rounded to 10^-6 of the whole by largest remainder
(``Splitter``), so they always sum to exactly 100.0000 %. ``content_hash`` is the SHA-256 of the
release's canonical JSON: the same release always has the same hash, any change gives another.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from soundmosaic.royalties.provenance import Provenance, isrc
from soundmosaic.royalties.split import Splitter

AUDIO_FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac"}
IMAGE_FORMATS = {"png": "image/png", "jpg": "image/jpeg"}
HUNDRED = Decimal(100)
_RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_UPC = re.compile(r"\d{12,14}")
_HEX = {"md5": re.compile(r"[0-9a-f]{32}"), "sha256": re.compile(r"[0-9a-f]{64}")}


class ReleaseError(ValueError):
    """A release that cannot be published; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def sniff(data: bytes) -> str | None:
    """The file format from its first bytes: wav, flac, mp3, png, jpg, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    return None


@dataclass(frozen=True)
class Asset:
    """A file of the release: where it is (an S3 key), its format, size and hashes."""

    key: str
    format: str
    size: int
    md5: str
    sha256: str

    @staticmethod
    def of(key: str, data: bytes) -> Asset:
        """Describe ``data`` stored under ``key``; the format is read from the bytes."""
        fmt = sniff(data)
        if fmt is None:
            raise ReleaseError([f"{key}: not a WAV, MP3, FLAC, PNG or JPEG file"])
        return Asset(key, fmt, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest(),
                     hashlib.sha256(data).hexdigest())

    def verify(self, data: bytes) -> None:
        """Raise ``ReleaseError`` unless ``data`` is this file (size and SHA-256)."""
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != self.size or digest != self.sha256:
            raise ReleaseError([f"{self.key}: {len(data)} bytes with sha256 {digest[:12]}..., the release "
                                f"expects {self.size} bytes with sha256 {self.sha256[:12]}..."])


def percent(value: Decimal | str | int) -> Decimal:
    """An exact percentage from a Decimal, int or string (float is refused)."""
    if isinstance(value, bool | float):
        raise TypeError("a split share must be a Decimal, int or str, never float")
    try:
        return Decimal(value)
    except InvalidOperation as err:
        raise ReleaseError([f"share {str(value)[:30]!r} is not a number"]) from err


def splits_from_provenance(provenance: Provenance) -> dict[str, Decimal]:
    """The provenance's exact holder weights as percentages with 4 decimals summing to exactly 100."""
    micros = Splitter(provenance.holder_weights()).split(1_000_000)
    return {holder: Decimal(n) / Decimal(10_000) for holder, n in sorted(micros.items()) if n}


@dataclass(frozen=True)
class Release:
    """One single: a generated track with its metadata, files and rights splits."""

    release_id: str
    title: str
    artist: str
    isrc: str
    genre: str
    release_date: str  # YYYY-MM-DD
    p_line: str
    c_line: str
    audio: Asset
    duration_s: int
    artwork: Asset
    splits: Mapping[str, Decimal]  # rights holder id -> percent, sums to exactly 100
    label: str = ""
    upc: str | None = None
    holder_names: Mapping[str, str] = field(default_factory=dict)  # holder id -> display name

    def __post_init__(self) -> None:
        problems: list[str] = []
        normal = isrc(self.isrc) if isinstance(self.isrc, str) else None
        if normal is None:
            problems.append(f"isrc {self.isrc!r} is not an ISRC (CC-XXX-YY-NNNNN)")
        else:
            object.__setattr__(self, "isrc", normal)
        object.__setattr__(self, "splits", {h: percent(s) for h, s in sorted(self.splits.items())})
        names = {h: n for h, n in sorted(self.holder_names.items()) if n and n != h}
        object.__setattr__(self, "holder_names", names)
        problems += self._problems()
        if problems:
            raise ReleaseError(problems)

    def _problems(self) -> list[str]:
        problems = [f"holder name given for {h}, who has no split" for h in self.holder_names
                    if h not in self.splits]
        if not isinstance(self.release_id, str) or not _RELEASE_ID.fullmatch(self.release_id):
            problems.append(f"release id {self.release_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
        for name in ("title", "artist", "genre", "p_line", "c_line"):
            if not str(getattr(self, name)).strip():
                problems.append(f"{name} is empty")
        try:
            date.fromisoformat(self.release_date)
        except (TypeError, ValueError):
            problems.append(f"release date {self.release_date!r} is not YYYY-MM-DD")
        if self.upc is not None and not _UPC.fullmatch(self.upc):
            problems.append(f"UPC/ICPN {self.upc!r} must be 12 to 14 digits")
        if isinstance(self.duration_s, bool) or not isinstance(self.duration_s, int) or self.duration_s <= 0:
            problems.append(f"duration {self.duration_s!r} must be a positive number of seconds")
        problems += _asset_problems("audio", self.audio, AUDIO_FORMATS)
        problems += _asset_problems("artwork", self.artwork, IMAGE_FORMATS)
        return problems + split_problems(self.splits)

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the release (files by their hashes)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, exact: shares are strings such as ``"33.5000"``."""
        return {
            "release_id": self.release_id, "title": self.title, "artist": self.artist, "isrc": self.isrc,
            "genre": self.genre, "release_date": self.release_date, "p_line": self.p_line,
            "c_line": self.c_line, "label": self.label, "upc": self.upc, "duration_s": self.duration_s,
            "audio": vars(self.audio).copy(), "artwork": vars(self.artwork).copy(),
            "splits": [{"holder_id": h, "share_percent": str(s), "name": self.holder_names.get(h, h)}
                       for h, s in self.splits.items()],
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Release:
        try:
            splits = {s["holder_id"]: percent(s["share_percent"]) for s in data["splits"]}
            names = {s["holder_id"]: s.get("name") or s["holder_id"] for s in data["splits"]}
            return Release(
                release_id=data["release_id"], title=data["title"], artist=data["artist"], isrc=data["isrc"],
                genre=data["genre"], release_date=data["release_date"], p_line=data["p_line"],
                c_line=data["c_line"], label=data.get("label") or "", upc=data.get("upc"),
                duration_s=data["duration_s"], audio=Asset(**data["audio"]), artwork=Asset(**data["artwork"]),
                splits=splits, holder_names=names)
        except (KeyError, TypeError) as err:
            raise ReleaseError([f"release record is incomplete or malformed: {err!r}"]) from err


def _asset_problems(what: str, asset: Asset, formats: Mapping[str, str]) -> list[str]:
    problems = []
    if asset.format not in formats:
        problems.append(f"{what} format {asset.format!r} is not one of {', '.join(formats)}")
    if asset.size <= 0:
        problems.append(f"{what} is empty")
    for name, pattern in _HEX.items():
        if not pattern.fullmatch(getattr(asset, name)):
            problems.append(f"{what} {name} {getattr(asset, name)!r} is not a lower-case hex digest")
    return problems


def split_problems(splits: Mapping[str, Decimal]) -> list[str]:
    """Every reason these splits cannot be published (empty list: they are fine)."""
    if not splits:
        return ["no rights splits: a release needs its rights holders"]
    problems = []
    for holder, share in splits.items():
        if not share.is_finite() or share <= 0:
            problems.append(f"share of {holder} is {share}, it must be above 0")
        elif share.as_tuple().exponent < -4:  # type: ignore[operator]
            problems.append(f"share of {holder} is {share}: at most 4 decimals")
    total = sum(splits.values(), Decimal(0))
    if not problems and total != HUNDRED:
        problems.append(f"rights splits sum to {total}%, not exactly 100%")
    return problems
