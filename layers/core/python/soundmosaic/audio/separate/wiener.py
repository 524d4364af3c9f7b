"""Multichannel Wiener filtering of the offline engine's stem estimates (norbert-style EM).

Each source j is modelled, per STFT bin, as a zero-mean complex Gaussian with covariance
``v_j(f, t) R_j(f)``: a power spectral density times a 2x2 spatial covariance matrix (where in
the stereo field the source sits, per frequency). Starting from the stems the masks gave, each
iteration re-estimates ``v_j`` and ``R_j`` from the current stem spectrograms and replaces every
stem by its posterior mean ``v_j R_j (sum_k v_k R_k)^-1 x``. Unlike a per-channel soft mask this
uses the stereo image (a centred vocal against a wide pad) and the stems still add up to the
mixture. Reference: A. Liutkus and F.-R. Stoter, norbert (MIT), and Nugraha, Liutkus & Vincent
2016, "Multichannel audio source separation with deep neural networks".

The mixture is processed in blocks of frames so memory stays at a few copies of one block.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-10
LOADING = 1e-4


def _covariance(y: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(PSD (F, T), spatial covariance (r00, r01, r11), each (F, 1)) of a (2, F, T) spectrogram."""
    v = 0.5 * (np.abs(y[0]) ** 2 + np.abs(y[1]) ** 2)
    norm = v.sum(axis=1, keepdims=True) + EPS
    r00 = (np.abs(y[0]) ** 2).sum(axis=1, keepdims=True) / norm
    r11 = (np.abs(y[1]) ** 2).sum(axis=1, keepdims=True) / norm
    r01 = (y[0] * y[1].conj()).sum(axis=1, keepdims=True) / norm
    # Diagonal loading: a source panned hard or dual mono (L == R, e.g. a mono input doubled) has
    # a singular spatial covariance, and so may the mixture's; inverting that blows up.
    load = LOADING * 0.5 * (r00 + r11) + EPS
    return v, (r00 + load, r01, r11 + load)


def wiener(estimates: list[np.ndarray], mix: np.ndarray, iterations: int = 1) -> list[np.ndarray]:
    """Refine complex stem spectrograms ``estimates`` (each (2, F, T)) of the stereo ``mix``.

    Returns the posterior means after ``iterations`` EM steps (0: the estimates unchanged). The
    2x2 algebra is written out element-wise: numpy's batched small-matrix routines are several
    times slower on (F, T) stacks of 2x2 matrices.
    """
    y = [np.asarray(e, dtype=np.complex64) for e in estimates]
    x0, x1 = mix[0].astype(np.complex64), mix[1].astype(np.complex64)
    for _ in range(iterations):
        stats = [_covariance(s) for s in y]
        c00 = sum(v * r[0] for v, r in stats) + EPS
        c01 = sum(v * r[1] for v, r in stats)
        c11 = sum(v * r[2] for v, r in stats) + EPS
        det = c00 * c11 - np.abs(c01) ** 2
        det = np.where(np.abs(det) < EPS, EPS, det)
        # C^-1 x, then each source's posterior mean is v_j R_j C^-1 x
        z0 = (c11 * x0 - c01 * x1) / det
        z1 = (c00 * x1 - c01.conj() * x0) / det
        y = [np.stack([v * (r00 * z0 + r01 * z1), v * (r01.conj() * z0 + r11 * z1)]).astype(np.complex64)
             for v, (r00, r01, r11) in stats]
    return y
