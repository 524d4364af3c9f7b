"""Signal-to-distortion ratio, for stem separation (``soundmosaic.audio.separate``) on mixes
whose stems are known (``soundmosaic_local.fixtures.known_mixes``)."""

from __future__ import annotations

import numpy as np


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-distortion ratio in dB (the MDX/"new" SDR: 10 log10 |s|^2 / |s - s_hat|^2)."""
    n = min(reference.shape[-1], estimate.shape[-1])
    ref, est = reference[..., :n].astype(np.float64), estimate[..., :n].astype(np.float64)
    num = float(np.sum(ref ** 2)) + 1e-12
    den = float(np.sum((ref - est) ** 2)) + 1e-12
    return 10 * np.log10(num / den)


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant SDR in dB (Le Roux et al. 2019), channels concatenated: the estimate is
    first scaled by the least-squares gain onto the reference, so a level change costs nothing."""
    n = min(reference.shape[-1], estimate.shape[-1])
    ref = reference[..., :n].astype(np.float64).ravel()
    est = estimate[..., :n].astype(np.float64).ravel()
    gain = float(ref @ est) / (float(ref @ ref) + 1e-12)
    target = gain * ref
    return float(10 * np.log10((float(target @ target) + 1e-12) / (float(np.sum((est - target) ** 2)) + 1e-12)))
