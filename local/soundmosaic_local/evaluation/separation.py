"""Signal-to-distortion ratios (SDR and scale-invariant SI-SDR), for stem separation
(``soundmosaic.audio.separate``) on mixes whose stems are known
(``soundmosaic_local.fixtures.known_mixes``, ``audio_quality_set``)."""

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
    """Scale-invariant SDR in dB (Le Roux et al. 2019): the estimate's best-scaled projection on
    the reference vs. the rest, over all channels together; a silent estimate scores -inf-like."""
    n = min(reference.shape[-1], estimate.shape[-1])
    ref = np.asarray(reference[..., :n], np.float64).reshape(-1)
    est = np.broadcast_to(np.asarray(estimate[..., :n], np.float64), reference[..., :n].shape).reshape(-1)
    scale = float(np.dot(est, ref)) / (float(np.dot(ref, ref)) + 1e-12)
    target = scale * ref
    residual = float(np.sum((est - target) ** 2)) + 1e-12
    return float(10 * np.log10((float(np.sum(target ** 2)) + 1e-12) / residual))
