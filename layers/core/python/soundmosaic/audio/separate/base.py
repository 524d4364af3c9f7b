"""What every separation engine returns, and the channel/rate plumbing engines share.

Models run at a fixed rate (44.1 kHz) on stereo input. ``run_at_model_rate`` takes any
``Audio`` (mono, stereo or more channels; 8 to 192 kHz), feeds the model stereo pairs at its
rate and gives back stems with the input's channel count, rate and exact frame count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..signal import Audio

STEM_NAMES = ("vocals", "drums", "bass", "other", "harmonic", "guitar", "piano")

Progress = Callable[[float], None]
# (stereo samples at the model rate, progress for this call) -> stem name -> stereo samples
StereoSeparator = Callable[[np.ndarray, Progress | None], dict[str, np.ndarray]]


@dataclass
class Stem:
    name: str
    audio: Audio


@dataclass
class Separation:
    stems: list[Stem]
    engine: str  # honest human label of what made the stems
    model: str  # model id (checkpoint / signature)
    offline: bool  # True when made by the embedded offline engine rather than a configured model

    def stem(self, name: str) -> Stem:
        for stem in self.stems:
            if stem.name == name:
                return stem
        raise KeyError(f"no stem {name!r}; have {[s.name for s in self.stems]}")

    @property
    def names(self) -> list[str]:
        return [stem.name for stem in self.stems]


@runtime_checkable
class SeparationEngine(Protocol):
    name: str

    def separate(self, audio: Audio, progress: Callable[[float], None] | None = None) -> Separation: ...


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """(channels, frames) float32 from ``rate_in`` to ``rate_out`` (soxr, high quality)."""
    if rate_in == rate_out or samples.shape[1] == 0:
        return np.ascontiguousarray(samples, dtype=np.float32)
    import soxr

    out = soxr.resample(np.ascontiguousarray(samples.T, dtype=np.float32), rate_in, rate_out, quality="HQ")
    return np.ascontiguousarray(np.asarray(out, dtype=np.float32).reshape(-1, samples.shape[0]).T)


def _fit(samples: np.ndarray, frames: int) -> np.ndarray:
    if samples.shape[1] == frames:
        return samples
    out = np.zeros((samples.shape[0], frames), dtype=np.float32)
    n = min(frames, samples.shape[1])
    out[:, :n] = samples[:, :n]
    return out


def run_at_model_rate(audio: Audio, model_rate: int, separator: StereoSeparator,
                      progress: Progress | None = None) -> dict[str, Audio]:
    """Run ``separator`` on stereo pairs of ``audio`` at ``model_rate``; stems match ``audio``.

    Mono is duplicated to stereo and the two output channels are averaged back; more than two
    channels are separated pair by pair (a lone last channel like mono).
    """
    if audio.frames == 0:
        raise ValueError("cannot separate an empty signal (0 frames)")
    samples = np.nan_to_num(np.asarray(audio.samples, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    groups = [list(range(c, min(c + 2, audio.channels))) for c in range(0, audio.channels, 2)]
    stems: dict[str, np.ndarray] = {}
    for g, channels in enumerate(groups):
        pair = samples[channels] if len(channels) == 2 else np.repeat(samples[channels], 2, axis=0)
        pair = resample(pair, audio.sample_rate, model_rate)

        def sub_progress(fraction: float, g: int = g) -> None:
            if progress:
                progress((g + min(1.0, max(0.0, fraction))) / len(groups))

        for name, stereo in separator(pair, sub_progress).items():
            back = _fit(resample(stereo, model_rate, audio.sample_rate), audio.frames)
            if len(channels) == 1:
                back = back.mean(axis=0, keepdims=True)
            if name not in stems:
                stems[name] = np.zeros((audio.channels, audio.frames), dtype=np.float32)
            stems[name][channels] = back
    return {name: Audio(value, audio.sample_rate) for name, value in stems.items()}
