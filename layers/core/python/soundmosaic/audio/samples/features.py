"""Fixed-length feature vectors for one-shot sounds (numpy only, no librosa at inference).

Every sound is reduced to mono at 22.05 kHz, its leading silence is cut, its peak is set to
0 dBFS and the first second is analysed (shorter sounds are zero padded): log-mel statistics,
a coarse spectro-temporal log-mel image (log-spaced time cells: the attack gets fine cells, the
tail coarse ones), the energy envelope, spectral shape descriptors, MFCC statistics and a
harmonicity/pitch estimate. The training script and :func:`classify` share this code, so
``FEATURE_VERSION`` must change whenever the numbers it produces change.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

FEATURE_VERSION = "sf-2"
SR = 22050
N_FFT = 1024
HOP = 256
WINDOW_S = 1.0
N_MELS = 48
N_MFCC = 20
LEAD_TRIM_DB = 50.0
# time cells (in frames of HOP samples, ~11.6 ms) of the spectro-temporal image
TIME_EDGES = (0, 2, 4, 8, 16, 32, 56, 87)
ENVELOPE_FRAMES = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 86)
MEL_GROUP = 3  # bands pooled per cell of the image (48 / 3 = 16 rows)


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample along the last axis (soxr when installed, else polyphase)."""
    if rate_in == rate_out or x.shape[-1] == 0:
        return np.asarray(x, dtype=np.float32)
    try:
        import soxr
    except ImportError:  # pragma: no cover - soxr comes with librosa
        from scipy.signal import resample_poly
        g = math.gcd(rate_in, rate_out)
        return resample_poly(x, rate_out // g, rate_in // g, axis=-1).astype(np.float32)
    if x.ndim == 1:
        return np.asarray(soxr.resample(x.astype(np.float32), rate_in, rate_out), dtype=np.float32)
    return np.asarray(soxr.resample(x.T.astype(np.float32), rate_in, rate_out).T, dtype=np.float32)


def to_analysis(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at :data:`SR` from (channels, frames) or (frames,)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=0)
    return resample(x, sample_rate, SR)


def prepare(x: np.ndarray) -> np.ndarray:
    """Cut leading silence, peak-normalise, pad or cut to :data:`WINDOW_S` seconds."""
    n = int(WINDOW_S * SR)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    out = np.zeros(n, dtype=np.float32)
    if peak <= 1e-7:
        return out
    above = np.flatnonzero(np.abs(x) >= peak * 10 ** (-LEAD_TRIM_DB / 20))
    start = max(0, int(above[0]) - int(0.002 * SR))
    body = x[start:start + n] / peak
    out[:body.size] = body
    return out


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10 ** (m / 2595.0) - 1.0)


@functools.cache
def mel_filterbank(n_mels: int = N_MELS, fmin: float = 30.0, fmax: float = SR / 2) -> np.ndarray:
    """Triangular, area-normalised mel filters (n_mels, N_FFT // 2 + 1)."""
    freqs = np.linspace(0, SR / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(fmin)), _hz_to_mel(np.array(fmax)), n_mels + 2))
    bank = np.zeros((n_mels, freqs.size))
    for i in range(n_mels):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        rising = (freqs - lo) / max(mid - lo, 1e-9)
        falling = (hi - freqs) / max(hi - mid, 1e-9)
        bank[i] = np.maximum(0, np.minimum(rising, falling)) * (2.0 / (hi - lo))
    return bank.astype(np.float32)


@functools.cache
def mel_centres(n_mels: int = N_MELS, fmin: float = 30.0, fmax: float = SR / 2) -> np.ndarray:
    return np.asarray(_mel_to_hz(np.linspace(_hz_to_mel(np.array(fmin)), _hz_to_mel(np.array(fmax)),
                                              n_mels + 2))[1:-1])


@functools.cache
def _dct_matrix(n_out: int = N_MFCC, n_in: int = N_MELS) -> np.ndarray:
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * math.sqrt(2.0 / n_in)
    basis[0] /= math.sqrt(2)
    return basis


def power_spectrogram(x: np.ndarray) -> np.ndarray:
    """|STFT|^2 (bins, frames), Hann window, centred frames."""
    padded = np.pad(x, (N_FFT // 2, N_FFT // 2))
    n_frames = 1 + (padded.size - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    spec = np.fft.rfft(padded[idx] * _window(), axis=1)
    return np.ascontiguousarray((spec.real ** 2 + spec.imag ** 2).T, dtype=np.float32)


@functools.cache
def _window() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1].astype(np.float32)


def _weighted_stats(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    total = float(weights.sum())
    if total <= 0:
        return 0.0, 0.0
    mean = float((values * weights).sum() / total)
    var = float((((values - mean) ** 2) * weights).sum() / total)
    return mean, math.sqrt(max(var, 0.0))


def _harmonicity(x: np.ndarray, start: int, stop: int) -> tuple[float, float]:
    """(max normalised autocorrelation at 35-1500 Hz lags, log2 f0 / 10) of ``x[start:stop]``."""
    seg = x[start:stop]
    if seg.size < int(0.05 * SR) or float(np.dot(seg, seg)) <= 1e-9:
        return 0.0, 0.0
    seg = seg - seg.mean()
    spec = np.fft.rfft(seg, n=2 * seg.size)
    ac = np.fft.irfft(np.abs(spec) ** 2)[: seg.size]
    # unbiased normalisation so long lags are not penalised
    ac = ac / np.maximum(ac[0] * (seg.size - np.arange(seg.size)) / seg.size, 1e-12)
    lo, hi = int(SR / 1500), min(int(SR / 35), seg.size // 2)
    if hi <= lo + 1:
        return 0.0, 0.0
    lag = lo + int(np.argmax(ac[lo:hi]))
    return float(np.clip(ac[lag], -1, 1)), math.log2(SR / lag) / 10


HARMONIC_SEGMENTS_S = ((0.03, 0.33), (0.03, 0.15), (0.15, 0.4), (0.4, 0.8))


def extract(x: np.ndarray) -> np.ndarray:
    """Feature vector of a mono :data:`SR` signal (any length)."""
    x = prepare(np.asarray(x, dtype=np.float32))
    power = power_spectrogram(x)  # (513, 87)
    mel = mel_filterbank() @ power  # (48, 87)
    log_mel = 10 * np.log10(mel + 1e-10)
    log_mel = np.maximum(log_mel - log_mel.max(), -80.0)
    energy = power.sum(axis=0)
    energy_db = np.maximum(10 * np.log10(energy + 1e-12) - 10 * np.log10(energy.max() + 1e-12), -80.0)
    active = energy_db > -50
    if not active.any():
        active = np.ones_like(active)
    n_frames = log_mel.shape[1]

    feats: list[np.ndarray | list[float]] = []
    act = log_mel[:, active]
    feats += [act.mean(axis=1) / 80, act.std(axis=1) / 40, log_mel.max(axis=1) / 80]

    pooled = log_mel.reshape(N_MELS // MEL_GROUP, MEL_GROUP, n_frames).mean(axis=1)
    cells = [pooled[:, a:b].mean(axis=1) for a, b in itertools.pairwise(TIME_EDGES)]
    feats.append(np.concatenate(cells) / 80)

    feats.append(energy_db[list(ENVELOPE_FRAMES)] / 80)
    peak_frame = int(np.argmax(energy_db))
    decay = []
    for drop in (6, 12, 20, 30, 40, 60):
        below = np.flatnonzero(energy_db[peak_frame:] < -drop)
        frames_to = below[0] if below.size else n_frames - peak_frame
        decay.append(math.log1p(frames_to) / math.log(n_frames + 1))
    feats.append([*decay, peak_frame / n_frames, float(active.mean())])

    # spectral shape on the mel spectrum (48 bands): cheap and smooth enough for one-shots
    freqs = mel_centres()
    spec_sum = mel.sum(axis=0) + 1e-12
    centroid = (freqs[:, None] * mel).sum(axis=0) / spec_sum
    bandwidth = np.sqrt(((freqs[:, None] - centroid) ** 2 * mel).sum(axis=0) / spec_sum)
    cumulative = np.cumsum(mel, axis=0) / spec_sum
    rolloff = freqs[np.argmax(cumulative >= 0.85, axis=0)]
    flatness = np.exp(np.log(mel + 1e-12).mean(axis=0)) / (mel.mean(axis=0) + 1e-12)
    root = np.sqrt(mel)
    flux = np.concatenate([[0.0], np.sqrt((np.diff(root, axis=1).clip(0) ** 2).sum(axis=0))])
    flux = flux / (root.sum(axis=0).max() + 1e-12)
    weights = np.where(active, 10 ** (energy_db / 20), 0.0)
    spectral: list[float] = []
    for values in (np.log2(centroid + 20) / 14, np.log2(bandwidth + 20) / 14, np.log2(rolloff + 20) / 14,
                   np.log10(flatness + 1e-6) / 6, flux):
        spectral += list(_weighted_stats(values, weights))
    early = np.zeros(n_frames, dtype=bool)
    early[:5] = True
    late = np.zeros(n_frames, dtype=bool)
    late[5:26] = True
    for part in (early, late):
        w = weights * part
        spectral.append(_weighted_stats(np.log2(centroid + 20) / 14, w)[0])
        spectral.append(_weighted_stats(np.log10(flatness + 1e-6) / 6, w)[0])
    feats.append(spectral)

    signs = np.signbit(x[: max(int(np.flatnonzero(np.abs(x) > 1e-4)[-1]) + 1, 2)]) if np.any(
        np.abs(x) > 1e-4) else np.signbit(x[:2])
    zcr = float(np.mean(signs[1:] != signs[:-1]))
    feats.append([zcr * 4])

    mfcc = _dct_matrix() @ log_mel / 80
    act_mfcc = mfcc[:, active]
    delta = np.diff(mfcc, axis=1)
    feats += [act_mfcc.mean(axis=1), act_mfcc.std(axis=1), delta.std(axis=1)]

    onset = int(np.argmax(np.abs(x) > 0.05)) if np.any(np.abs(x) > 0.05) else 0
    pitch: list[float] = []
    for a, b in HARMONIC_SEGMENTS_S:
        pitch += _harmonicity(x, onset + int(a * SR), onset + int(b * SR))
    f0s = [pitch[i + 1] for i in range(2, len(pitch), 2) if pitch[i] > 0.5]
    pitch.append(float(np.std(f0s)) * 10 if len(f0s) > 1 else 0.0)  # glides and vibrato
    body = power[:, 3:30].mean(axis=1) if n_frames > 30 else power.mean(axis=1)
    top = np.sort(body)[-8:].sum() / (body.sum() + 1e-12)
    feats.append([*pitch, float(top)])

    out = np.concatenate([np.asarray(f, dtype=np.float64).ravel() for f in feats])
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


N_FEATURES = int(extract(np.zeros(16, dtype=np.float32)).size)
