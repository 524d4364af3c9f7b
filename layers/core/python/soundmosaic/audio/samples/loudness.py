"""Loudness of short sounds: ITU-R BS.1770 K-weighting and maximum momentary loudness.

A one-shot sample has no programme length to gate over, so its loudness is the loudest
400 ms momentary block (75% overlap, zero padded at the end for sounds shorter than a block).
This is what a producer means by "these hits are at the same level": a kick and a pad
normalised this way sit at the same perceived level, while a peak ceiling keeps short,
peaky hits from clipping.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

BLOCK_S = 0.4
HOP_S = 0.1
ABSOLUTE_FLOOR_LUFS = -70.0


def _biquads(sample_rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting stages (high shelf +4 dB at 1.5 kHz, high pass at 38 Hz)."""
    out = []
    for kind, gain_db, q, fc in (("shelf", 4.0, 1 / math.sqrt(2), 1500.0), ("highpass", 0.0, 0.5, 38.0)):
        a_lin = 10 ** (gain_db / 40)
        w0 = 2 * math.pi * min(fc, 0.45 * sample_rate) / sample_rate
        cos_w0, alpha = math.cos(w0), math.sin(w0) / (2 * q)
        if kind == "shelf":
            sq = 2 * math.sqrt(a_lin) * alpha
            b = [a_lin * ((a_lin + 1) + (a_lin - 1) * cos_w0 + sq),
                 -2 * a_lin * ((a_lin - 1) + (a_lin + 1) * cos_w0),
                 a_lin * ((a_lin + 1) + (a_lin - 1) * cos_w0 - sq)]
            a = [(a_lin + 1) - (a_lin - 1) * cos_w0 + sq,
                 2 * ((a_lin - 1) - (a_lin + 1) * cos_w0),
                 (a_lin + 1) - (a_lin - 1) * cos_w0 - sq]
        else:
            b = [(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2]
            a = [1 + alpha, -2 * cos_w0, 1 - alpha]
        out.append((np.asarray(b) / a[0], np.asarray(a) / a[0]))
    return out


def k_weight(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """K-weighted copy of ``samples`` shaped (channels, frames)."""
    y = np.asarray(samples, dtype=np.float64)
    for b, a in _biquads(sample_rate):
        y = lfilter(b, a, y, axis=-1)
    return y


def momentary_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Maximum momentary loudness (LUFS) of ``samples`` (channels, frames); -inf for silence."""
    assert samples.ndim == 2, "samples must be (channels, frames)"
    if samples.shape[1] == 0:
        return float("-inf")
    power = (k_weight(samples, sample_rate) ** 2).sum(axis=0)  # channel weights are 1 (L, R, C)
    block = max(1, round(BLOCK_S * sample_rate))
    hop = max(1, round(HOP_S * sample_rate))
    cumulative = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, max(1, power.size - block + hop), hop)
    ends = np.minimum(starts + block, power.size)
    mean_square = (cumulative[ends] - cumulative[starts]) / block  # zero padded past the end
    top = float(mean_square.max())
    if top <= 0:
        return float("-inf")
    lufs = -0.691 + 10 * math.log10(top)
    return lufs if lufs > ABSOLUTE_FLOOR_LUFS else float("-inf")


def peak_db(samples: np.ndarray) -> float:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return 20 * math.log10(peak) if peak > 0 else float("-inf")


def normalise_gain_db(samples: np.ndarray, sample_rate: int, target_lufs: float,
                      ceiling_db: float) -> float:
    """Gain (dB) that brings ``samples`` to ``target_lufs`` without its peak passing ``ceiling_db``."""
    loudness = momentary_loudness(samples, sample_rate)
    peak = peak_db(samples)
    if not math.isfinite(loudness) or not math.isfinite(peak):
        return 0.0
    return min(target_lufs - loudness, ceiling_db - peak)
