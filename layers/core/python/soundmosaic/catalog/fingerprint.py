"""Chromaprint fingerprints (``fpcalc``) and an offline matcher with an inverted index.

``fingerprint_file`` runs ``fpcalc -raw -json -length 120`` on any file ffmpeg reads and returns
the 32-bit sub-fingerprints (one every ~0.124 s). ``FingerprintIndex`` matches a query against
stored fingerprints:

1. *Candidates without a full scan.* Every stored sub-fingerprint is indexed by its top
   ``KEY_BITS`` (16) bits in one sorted numpy array. Each query frame looks its key up
   (``searchsorted``) and votes for ``(recording, offset = stored position - query position)``.
   Keys held by more than ``STOP_POSTINGS`` frames (silence, a drone) are skipped.
2. *Verification.* The ``CANDIDATES`` best-voted (recording, offset) pairs are scored exactly:
   the bit error rate (BER) of the overlapping sub-fingerprints at offsets ``offset-2..+2``.
3. *Confidence* ``= clamp((RANDOM_BER - ber) / RANDOM_BER, 0, 1)``: unrelated audio has a BER
   near 0.5 (``RANDOM_BER`` 0.45 leaves margin for related music), a copy has 0.

Thresholds, from the demo catalog (16 songs): a song re-encoded as MP3 128k, trimmed by 3 s,
with white noise added has BER 0.02-0.04 against itself; two different songs have at least 0.34
at their best offset (median 0.44). ``matched`` at confidence >= ``MATCHED`` (0.55, BER <= 0.20),
``doubtful`` at >= ``DOUBTFUL`` (0.35, BER <= 0.29), else ``unmatched``. The confidence is scaled
down by ``overlap / MIN_OVERLAP`` frames (~5 s; half the query if shorter): a few frames that
happen to agree prove little, and ``matched`` needs the full overlap.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

FPCALC = "fpcalc"
MAX_SECONDS = 120
KEY_BITS = 16
STOP_POSTINGS = 20_000
CANDIDATES = 8
RANDOM_BER = 0.45
MATCHED, DOUBTFUL = 0.55, 0.35
MIN_OVERLAP = 40
FRAME_SECONDS = 4096 / 3 / 11025  # chromaprint: 4096-sample frames, 2/3 overlap, 11025 Hz

Verdict = Literal["matched", "doubtful", "unmatched"]


class FingerprintError(RuntimeError):
    """fpcalc is missing, or could not read the file (the reason says which)."""


@dataclass(frozen=True)
class Fingerprint:
    """Raw sub-fingerprints (uint32) and the duration of the audio in seconds."""

    values: np.ndarray
    duration: float
    compressed: str | None = None  # fpcalc's base64 form, what AcoustID takes (``compressed=True``)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", np.asarray(self.values, dtype=np.uint32))

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @staticmethod
    def from_bytes(data: bytes, duration: float) -> Fingerprint:
        return Fingerprint(np.frombuffer(data, dtype="<u4").copy(), duration)


def fingerprint_file(path: str | Path, max_seconds: int = MAX_SECONDS, timeout: float = 120.0,
                     compressed: bool = False) -> Fingerprint:
    """The Chromaprint fingerprint of the first ``max_seconds`` of ``path`` (and, with
    ``compressed``, its compressed form from a second fpcalc run)."""
    exe = shutil.which(FPCALC)
    if exe is None:
        raise FingerprintError("fpcalc not found: install Debian's libchromaprint-tools")
    if not Path(path).is_file():
        raise FingerprintError(f"{path}: no such file")
    data = _fpcalc(exe, path, ["-raw", "-json", "-length", str(max_seconds)], timeout)
    values = data.get("fingerprint") or []
    if not values:
        raise FingerprintError(f"{Path(path).name}: too short or silent to fingerprint")
    text = None
    if compressed:
        text = _fpcalc(exe, path, ["-json", "-length", str(max_seconds)], timeout)["fingerprint"]
    return Fingerprint(np.array(values, dtype=np.uint32), float(data["duration"]), text)


def _fpcalc(exe: str, path: str | Path, args: list[str], timeout: float) -> dict[str, Any]:
    try:
        run = subprocess.run([exe, *args, str(path)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise FingerprintError(f"{path}: fpcalc took longer than {timeout:g} s") from err
    try:  # fpcalc 1.5 exits non-zero at the end of a file shorter than -length, with a valid print
        data = json.loads(run.stdout)
    except json.JSONDecodeError:
        reason = (run.stderr.strip() or run.stdout.strip()).splitlines()
        raise FingerprintError(f"{Path(path).name}: fpcalc cannot read it "
                               f"({reason[-1] if reason else f'exit {run.returncode}'})") from None
    if not isinstance(data, dict):
        raise FingerprintError(f"{Path(path).name}: unexpected fpcalc output")
    return data


def bit_error_rate(query: np.ndarray, stored: np.ndarray, offset: int) -> tuple[float, int]:
    """BER of ``query[i]`` against ``stored[i + offset]`` over their overlap, and the overlap."""
    start = max(0, -offset)
    end = min(len(query), len(stored) - offset)
    if end - start <= 0:
        return 1.0, 0
    diff = np.bitwise_xor(query[start:end], stored[start + offset:end + offset])
    return float(np.bitwise_count(diff).sum()) / (32 * (end - start)), end - start


def confidence(ber: float) -> float:
    return min(1.0, max(0.0, (RANDOM_BER - ber) / RANDOM_BER))


def verdict(conf: float, overlap: int) -> Verdict:
    if conf >= MATCHED and overlap >= MIN_OVERLAP:
        return "matched"
    return "doubtful" if conf >= DOUBTFUL else "unmatched"


@dataclass(frozen=True)
class Match:
    recording_id: str
    confidence: float
    ber: float
    offset_s: float  # where the query starts in the stored recording
    overlap_s: float
    verdict: Verdict


class FingerprintIndex:
    """Stored fingerprints in memory, searchable by sub-fingerprint key. Add, then ``build``."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.prints: list[np.ndarray] = []
        self._keys = np.empty(0, np.uint32)
        self._rec = np.empty(0, np.int32)
        self._pos = np.empty(0, np.int32)
        self._built = True

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, recording_id: str, values: np.ndarray) -> None:
        self.ids.append(recording_id)
        self.prints.append(np.asarray(values, dtype=np.uint32))
        self._built = False

    def build(self) -> FingerprintIndex:
        if self._built:
            return self
        sizes = np.array([len(p) for p in self.prints], dtype=np.int64)
        if not self.prints:
            return self
        keys = (np.concatenate(self.prints) >> (32 - KEY_BITS)).astype(np.uint32)
        rec = np.repeat(np.arange(len(self.prints), dtype=np.int32), sizes)
        pos = (np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes))
        order = np.argsort(keys, kind="stable")
        self._keys, self._rec, self._pos = keys[order], rec[order], pos[order].astype(np.int32)
        self._built = True
        return self

    def candidates(self, query: np.ndarray) -> list[tuple[int, int, int]]:
        """(votes, recording index, offset) of the best-voted alignments."""
        self.build()
        qkeys = (query >> (32 - KEY_BITS)).astype(np.uint32)
        lo = np.searchsorted(self._keys, qkeys, "left")
        hi = np.searchsorted(self._keys, qkeys, "right")
        counts = hi - lo
        keep = (counts > 0) & (counts <= STOP_POSTINGS)
        if not keep.any():
            return []
        lo, counts, qpos = lo[keep], counts[keep], np.nonzero(keep)[0]
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        rec = self._rec[starts].astype(np.int64)
        offset = self._pos[starts].astype(np.int64) - np.repeat(qpos, counts)
        bins, votes = np.unique(rec * 1_000_003 + offset + 500_000, return_counts=True)
        best = np.argsort(-votes, kind="stable")[: CANDIDATES * 4]
        out: list[tuple[int, int, int]] = []
        seen: set[int] = set()
        for i in best:
            r, o = divmod(int(bins[i]), 1_000_003)
            if r not in seen:
                seen.add(r)
                out.append((int(votes[i]), r, o - 500_000))
            if len(out) == CANDIDATES:
                break
        return out

    def match(self, query: Fingerprint | np.ndarray, limit: int = 3) -> list[Match]:
        """The best matches, best first; empty when nothing shares a single key with the query."""
        values = query.values if isinstance(query, Fingerprint) else np.asarray(query, np.uint32)
        scored: list[Match] = []
        for _votes, rec, offset in self.candidates(values):
            stored = self.prints[rec]
            ber, overlap, best = min((*bit_error_rate(values, stored, o), o)
                                     for o in range(offset - 2, offset + 3))
            need = max(1, min(MIN_OVERLAP, len(values) // 2))  # a short overlap proves little
            conf = confidence(ber) * min(1.0, overlap / need)
            scored.append(Match(self.ids[rec], round(conf, 4), round(ber, 4), round(best * FRAME_SECONDS, 2),
                                round(overlap * FRAME_SECONDS, 2), verdict(conf, overlap)))
        scored.sort(key=lambda m: (-m.confidence, m.recording_id))
        return scored[:limit]

    def best(self, query: Fingerprint | np.ndarray) -> Match | None:
        found = self.match(query, 1)
        return found[0] if found else None
