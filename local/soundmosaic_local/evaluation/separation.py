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
