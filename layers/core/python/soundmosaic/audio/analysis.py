"""Tempo, key and waveform peaks, in bounded memory for files of any length.

The file is streamed in one-minute chunks at 22.05 kHz mono: chroma is summed over the whole
piece for the key (Krumhansl-Schmuckler profiles), tempo is estimated per chunk from the onset
envelope and the median taken, and min/max peaks are collected per display bucket in the
audiowaveform JSON layout that waveform widgets (peaks.js, wavesurfer) read directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from soundmosaic.audio.signal import iter_chunks, probe_stream

ANALYSIS_RATE = 22050
CHUNK_S = 60.0
PEAKS_PER_SECOND = 50  # 20 ms per min/max pair: fine enough to zoom on a laptop screen

NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Krumhansl-Kessler key profiles (major, minor), tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass
class Analysis:
    bpm: float | None
    key: str | None  # e.g. "A minor"
    key_confidence: float
    duration_s: float
    peaks: dict[str, Any]  # audiowaveform JSON (version 2, 8 bit)

    def summary(self) -> dict[str, Any]:
        return {"bpm": self.bpm, "key": self.key, "key_confidence": self.key_confidence,
                "duration_s": self.duration_s}


def estimate_key(chroma_sum: np.ndarray) -> tuple[str | None, float]:
    """Best-correlating major/minor key for a 12-bin chroma profile, and that correlation."""
    if not np.any(chroma_sum > 0):
        return None, 0.0
    best, best_r = None, -2.0
    for tonic in range(12):
        for profile, mode in ((_MAJOR, "major"), (_MINOR, "minor")):
            r = float(np.corrcoef(chroma_sum, np.roll(profile, tonic))[0, 1])
            if r > best_r:
                best, best_r = f"{NOTES[tonic]} {mode}", r
    return best, round(best_r, 3)


def analyse(source: str | Path) -> Analysis:
    import librosa

    native_rate, _ = probe_stream(source)
    chroma_sum = np.zeros(12)
    tempos: list[tuple[float, float]] = []  # (bpm, weight: onset strength of the chunk)
    bucket = max(1, ANALYSIS_RATE // PEAKS_PER_SECOND)
    peaks: list[np.ndarray] = []
    frames = 0
    for chunk in iter_chunks(source, CHUNK_S, sample_rate=ANALYSIS_RATE, channels=1):
        y = chunk.samples[0]
        frames += y.size
        peaks.append(_peak_pairs(y, bucket))
        if y.size < ANALYSIS_RATE or float(np.max(np.abs(y))) < 1e-4:
            continue  # too short or silent: no tempo or key evidence
        chroma = librosa.feature.chroma_cqt(y=y, sr=ANALYSIS_RATE)
        chroma_sum += chroma.sum(axis=1)
        onset = librosa.onset.onset_strength(y=y, sr=ANALYSIS_RATE)
        if y.size >= 4 * ANALYSIS_RATE and onset.max() > 0:
            bpm = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset, sr=ANALYSIS_RATE))[0])
            tempos.append((bpm, float(onset.sum())))
    key, confidence = estimate_key(chroma_sum)
    return Analysis(
        bpm=round(_weighted_median(tempos), 2) if tempos else None,
        key=key,
        key_confidence=confidence,
        duration_s=round(frames / ANALYSIS_RATE, 3),
        peaks=_peaks_document(peaks, bucket, native_rate),
    )


def peaks(source: str | Path) -> dict[str, Any]:
    """Only the waveform peaks (for a stem's display), streamed like ``analyse``."""
    native_rate, _ = probe_stream(source)
    bucket = max(1, ANALYSIS_RATE // PEAKS_PER_SECOND)
    pairs = [_peak_pairs(chunk.samples[0], bucket)
             for chunk in iter_chunks(source, CHUNK_S, sample_rate=ANALYSIS_RATE, channels=1)]
    return _peaks_document(pairs, bucket, native_rate)


def _peak_pairs(y: np.ndarray, bucket: int) -> np.ndarray:
    """Interleaved (min, max) per bucket of ``bucket`` samples, as 8-bit integers."""
    usable = y[: y.size - y.size % bucket] if y.size >= bucket else np.pad(y, (0, bucket - y.size))
    blocks = usable.reshape(-1, bucket)
    pairs = np.stack([blocks.min(axis=1), blocks.max(axis=1)], axis=1).reshape(-1)
    return np.clip(np.round(pairs * 127), -128, 127).astype(np.int8)


def _peaks_document(pairs: list[np.ndarray], bucket: int, native_rate: int) -> dict[str, Any]:
    data = np.concatenate(pairs) if pairs else np.zeros(0, dtype=np.int8)
    return {"version": 2, "channels": 1, "sample_rate": ANALYSIS_RATE, "samples_per_pixel": bucket,
            "bits": 8, "length": int(data.size // 2), "source_sample_rate": native_rate,
            "data": data.tolist()}


def _weighted_median(values: list[tuple[float, float]]) -> float:
    ordered = sorted(values)
    total = sum(w for _, w in ordered)
    running = 0.0
    for value, weight in ordered:
        running += weight
        if running >= total / 2:
            return value
    return ordered[-1][0]
