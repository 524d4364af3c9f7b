"""The offline engine's ``bass`` stem: the lowest note of the harmonic accompaniment, followed
frame by frame, and the first few of its harmonics (see docs/audio-separation.md).

A fine STFT (8192 points at 44.1 kHz: 5.4 Hz bins) of the HPSS harmonic part gives, per frame,
the lowest spectral peak between 30 and 300 Hz that is at least 30 % of the strongest one there
(the bass is the lowest pitched part of a mix, and its fundamental is its strongest partial in
that band); a 5-frame median removes octave blips. The bass mask is then everything below 1.6
times that fundamental, plus Gaussian bumps (2 bins wide) at harmonics 2 to 4. ``other`` is the
rest, so ``bass + other`` is the harmonic part exactly. Four harmonics were the best of 3 to 12
on FluidSynth renders with known stems (finger, picked and synth bass under piano, electric
piano, guitar, strings and pads): more harmonics take the chords' partials, which sit exactly
on the bass's upper harmonics in tonal music.
"""

from __future__ import annotations

import numpy as np

N_FFT = 8192
HOP = 2048
F0_RANGE_HZ = (30.0, 300.0)
PEAK_FLOOR = 0.3
HARMONICS = 4
BUMP_BINS = 2.0
BELOW_F0 = 1.6
SAMPLE_RATE = 44100


def track_bass_f0(magnitude: np.ndarray, bin_hz: float) -> np.ndarray:
    """Per frame, the lowest prominent peak of (bins, frames) ``magnitude`` in the bass range, Hz
    (0 where there is none)."""
    from scipy.ndimage import median_filter

    lo, hi = int(F0_RANGE_HZ[0] / bin_hz), int(F0_RANGE_HZ[1] / bin_hz) + 1
    band = magnitude[lo:hi]
    if band.shape[0] < 3 or band.shape[1] == 0:
        return np.zeros(magnitude.shape[1])
    mid = band[1:-1]
    peaks = (mid >= band[:-2]) & (mid >= band[2:]) & (mid >= PEAK_FLOOR * band.max(axis=0)) & (mid > 1e-6)
    has = peaks.any(axis=0)
    first = np.argmax(peaks, axis=0) + 1  # index in band of the lowest peak
    cols = np.arange(band.shape[1])
    a, b, c = (np.log(band[np.clip(first + d, 0, band.shape[0] - 1), cols] + 1e-12) for d in (-1, 0, 1))
    offset = np.clip(0.5 * (a - c) / (a - 2 * b + c - 1e-12), -0.5, 0.5)  # parabolic interpolation
    f0 = np.where(has, (lo + first + offset) * bin_hz, 0.0)
    return np.asarray(median_filter(f0, size=5, mode="nearest"))


def bass_mask(f0: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """(bins, frames) soft mask of the bass: below ``BELOW_F0`` x f0 and bumps at harmonics 2..4."""
    bin_hz = float(freqs[1] - freqs[0])
    f = freqs[:, None]
    safe = np.where(f0 > 0, f0, 1.0)[None, :]
    mask = 1.0 / (1.0 + (f / (BELOW_F0 * safe)) ** 8)
    for k in range(2, HARMONICS + 1):
        mask = np.maximum(mask, np.exp(-0.5 * ((f - k * safe) / (BUMP_BINS * bin_hz)) ** 2))
    return np.where(f0[None, :] > 0, mask, 0.0)


def split_bass(harmonic: np.ndarray, rate: int = SAMPLE_RATE) -> tuple[np.ndarray, np.ndarray]:
    """(bass, other) from (channels, n) harmonic accompaniment; they sum to it exactly."""
    import librosa

    spec = librosa.stft(harmonic, n_fft=N_FFT, hop_length=HOP)
    freqs = librosa.fft_frequencies(sr=rate, n_fft=N_FFT)
    mask = bass_mask(track_bass_f0(np.abs(spec).mean(axis=0), float(freqs[1])), freqs).astype(np.float32)
    bass = np.empty_like(harmonic, dtype=np.float32)
    for channel in range(spec.shape[0]):
        bass[channel] = librosa.istft(spec[channel] * mask, hop_length=HOP, n_fft=N_FFT,
                                      length=harmonic.shape[-1])
    return bass, (harmonic - bass).astype(np.float32)
