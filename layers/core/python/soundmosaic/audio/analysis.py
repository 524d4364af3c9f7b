"""Tempo, key and waveform peaks, in bounded memory for files of any length.

The file is streamed in one-minute chunks at 22.05 kHz mono; min/max peaks are collected per
display bucket in the audiowaveform JSON layout that waveform widgets (peaks.js, wavesurfer) read
directly.

Key (``KeyEvidence``, figures in docs/audio-separation.md): a constant-Q spectrum is reduced to
its tonal part (a time/frequency median split drops drum hits, then only spectral peaks well
above their octave's floor are kept, so cymbals and pitched drums do not colour the chroma);
each sounding frame's chroma is normalised and square-rooted so that quiet chords count. Keys
are scored by (1) the Krumhansl-Kessler profile correlation of the whole piece, (2) the bass
register's chroma against a bass-root profile (tonic, fifth, fourth...), and (3) how well the
opening and closing seconds match the key's tonic triad. (1) alone cannot tell a minor key from
its relative major (same notes); (2) and (3) can: songs sit on, start and end on the tonic.

Tempo: per chunk, librosa's beat tracker on the onset envelope, then the beat period by a
least-squares line through the beat times (the tempo estimate alone is quantised to whole
onset frames, ~2-3 % steps at 120-140 bpm); the chunks' weighted median.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
# How often each scale degree is the bass note (roots of I/i, V, IV, vi/VI, III, VII...), tonic first.
_BASS_MAJOR = np.array([1.0, 0, 0.3, 0, 0.3, 0.6, 0, 0.7, 0, 0.4, 0, 0.1])
_BASS_MINOR = np.array([1.0, 0, 0.2, 0.5, 0, 0.6, 0, 0.7, 0.5, 0, 0.5, 0.1])
_TRIADS = {"major": np.array([1.0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0]),
           "minor": np.array([1.0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0])}
BASS_WEIGHT, EDGE_WEIGHT = 0.5, 1.0
EDGE_S = 4.0  # seconds at the start and the end of the music that say where home is
HOP = 512
_BINS_PER_OCTAVE, _OCTAVES, _BASS_OCTAVES = 36, 7, 3  # from C1: the bass register is C1-B3
_SOUNDING = 10 ** (-50 / 20)  # frames quieter than -50 dBFS RMS are not evidence


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
    """Best-correlating major/minor key for a 12-bin chroma profile, and that correlation (profile
    only: for note lists, e.g. the offline music model; audio uses ``KeyEvidence``)."""
    if not np.any(chroma_sum > 0):
        return None, 0.0
    best, best_r = None, -2.0
    for tonic in range(12):
        for profile, mode in ((_MAJOR, "major"), (_MINOR, "minor")):
            r = float(np.corrcoef(chroma_sum, np.roll(profile, tonic))[0, 1])
            if r > best_r:
                best, best_r = f"{NOTES[tonic]} {mode}", r
    return best, round(best_r, 3)


def _tonal_chroma(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chroma, bass chroma, sounding) per frame: normalised, square-rooted tonal-peak chroma."""
    import librosa
    from scipy.ndimage import maximum_filter, median_filter

    fmin = librosa.note_to_hz("C1")
    spectrum = np.abs(librosa.cqt(y, sr=ANALYSIS_RATE, hop_length=HOP, fmin=fmin,
                                  n_bins=_BINS_PER_OCTAVE * _OCTAVES, bins_per_octave=_BINS_PER_OCTAVE))
    sustained = median_filter(spectrum, size=(1, 17))  # along time: ~0.4 s
    transient = median_filter(spectrum, size=(17, 1))  # along frequency: drum hits are broadband
    tonal = spectrum * sustained ** 2 / (sustained ** 2 + transient ** 2 + 1e-12)
    floor = median_filter(tonal, size=(_BINS_PER_OCTAVE + 1, 1))
    tonal = tonal * ((tonal >= maximum_filter(tonal, size=(3, 1))) & (tonal > 2 * floor))
    fold = librosa.filters.cq_to_chroma(tonal.shape[0], bins_per_octave=_BINS_PER_OCTAVE, n_chroma=12,
                                        fmin=fmin)
    bass_bins = _BINS_PER_OCTAVE * _BASS_OCTAVES
    chroma, bass = fold @ tonal, fold[:, :bass_bins] @ tonal[:bass_bins]
    rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=HOP)[0]
    frames = min(chroma.shape[1], rms.size)
    sounding = rms[:frames] > _SOUNDING

    def unit(c: np.ndarray) -> np.ndarray:
        return np.sqrt(c[:, :frames] / (c[:, :frames].max(axis=0, keepdims=True) + 1e-12)) * sounding

    return unit(chroma), unit(bass), sounding


@dataclass
class KeyEvidence:
    """What the key is decided from, gathered chunk by chunk in bounded memory."""

    chroma: np.ndarray = field(default_factory=lambda: np.zeros(12))
    bass: np.ndarray = field(default_factory=lambda: np.zeros(12))
    opening: np.ndarray = field(default_factory=lambda: np.zeros(12))
    opening_frames: int = 0
    closing: list[np.ndarray] = field(default_factory=list)  # the last EDGE_S of sounding frames

    def add(self, y: np.ndarray) -> None:
        chroma, bass, sounding = _tonal_chroma(y)
        self.chroma += chroma.sum(axis=1)
        self.bass += bass.sum(axis=1)
        both = (chroma + bass)[:, sounding]
        edge = int(EDGE_S * ANALYSIS_RATE / HOP)
        if self.opening_frames < edge:
            take = both[:, : edge - self.opening_frames]
            self.opening += take.sum(axis=1)
            self.opening_frames += take.shape[1]
        if both.shape[1]:
            self.closing = [*self.closing, both][-2:]  # two chunks cover a short last chunk

    def key(self) -> tuple[str | None, float]:
        """Best key and its margin over the runner-up (0..1, how sure)."""
        if not np.any(self.chroma > 0):
            return None, 0.0
        edge = int(EDGE_S * ANALYSIS_RATE / HOP)
        closing = np.concatenate(self.closing, axis=1)[:, -edge:].sum(axis=1)
        scores = []
        for tonic in range(12):
            for profile, bass, mode in ((_MAJOR, _BASS_MAJOR, "major"), (_MINOR, _BASS_MINOR, "minor")):
                triad = np.roll(_TRIADS[mode], tonic)
                score = (_corr(self.chroma, np.roll(profile, tonic))
                         + BASS_WEIGHT * _corr(self.bass, np.roll(bass, tonic))
                         + EDGE_WEIGHT * (_cos(self.opening, triad) + _cos(closing, triad)))
                scores.append((score, f"{NOTES[tonic]} {mode}"))
        scores.sort(reverse=True)
        total = 1.0 + BASS_WEIGHT + 2 * EDGE_WEIGHT
        return scores[0][1], round(max(0.0, scores[0][0] - scores[1][0]) / total, 3)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def beat_period_bpm(onset: np.ndarray) -> float | None:
    """Tempo from a least-squares line through the tracked beats (sub-frame precise)."""
    import librosa

    _, beats = librosa.beat.beat_track(onset_envelope=onset, sr=ANALYSIS_RATE, hop_length=HOP)
    if len(beats) < 4:
        tempo = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset, sr=ANALYSIS_RATE))[0])
        return tempo or None
    period_frames = float(np.polyfit(np.arange(len(beats)), np.asarray(beats, float), 1)[0])
    return 60.0 * ANALYSIS_RATE / (HOP * period_frames)


def analyse(source: str | Path) -> Analysis:
    import librosa

    native_rate, _ = probe_stream(source)
    evidence = KeyEvidence()
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
        evidence.add(y)
        onset = librosa.onset.onset_strength(y=y, sr=ANALYSIS_RATE, hop_length=HOP)
        if y.size >= 4 * ANALYSIS_RATE and onset.max() > 0:
            bpm = beat_period_bpm(onset)
            if bpm:
                tempos.append((bpm, float(onset.sum())))
    key, confidence = evidence.key()
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
