"""A take's playable files from the engine's raw audio: master WAV, MP3 preview, waveform points.

The master is loudness-normalised with ffmpeg's ``loudnorm`` (EBU R128, -14 LUFS integrated,
-1.5 dBTP: what streaming services play at, so takes compare at one level), 44.1 kHz 16-bit
stereo. The preview is an MP3 any browser plays. The waveform is ``POINTS`` heights in [0, 1]
whatever the length (the audio lab's audiowaveform peaks are per 20 ms, too many for a take's
strip and too few for a 10-second one), decoded in chunks like the audio lab's analysis.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundmosaic.audio.signal import iter_chunks

POINTS = 800
PEAKS_RATE = 8000  # enough to find the loudest sample of a slice; quick to decode
LOUDNESS = "loudnorm=I=-14:TP=-1.5:LRA=11"


class RenderError(RuntimeError):
    pass


@dataclass(frozen=True)
class Rendered:
    master: Path
    preview: Path
    peaks: list[float]
    duration_s: float


def _ffmpeg(*args: str) -> None:
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args],
                          capture_output=True, timeout=600)
    if done.returncode:
        raise RenderError(f"ffmpeg failed: {done.stderr.decode(errors='replace')[-300:]}")


def duration_s(path: Path) -> float:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
                           str(path)], capture_output=True, text=True, timeout=60)
    try:
        return round(float(json.loads(done.stdout)["format"]["duration"]), 3)
    except (KeyError, ValueError) as err:
        raise RenderError(f"cannot read the duration of {path.name}: {done.stderr[-200:]}") from err


def points(path: Path, count: int = POINTS) -> list[float]:
    """``count`` waveform heights in [0, 1] (the loudest sample of each slice), streamed."""
    total = int(duration_s(path) * PEAKS_RATE)
    if total <= 0:
        return []
    slice_frames = max(1, math.ceil(total / count))
    heights: list[float] = []
    carry = np.zeros(0, dtype=np.float32)
    for chunk in iter_chunks(path, 30.0, sample_rate=PEAKS_RATE, channels=1):
        y = np.concatenate([carry, np.abs(chunk.samples[0])])
        whole = y.size - y.size % slice_frames
        if whole:
            heights += y[:whole].reshape(-1, slice_frames).max(axis=1).tolist()
        carry = y[whole:]
    if carry.size:
        heights.append(float(carry.max()))
    return [round(min(1.0, h), 3) for h in heights]


def render(raw: Path, folder: Path) -> Rendered:
    master, preview = folder / "master.wav", folder / "preview.mp3"
    _ffmpeg("-i", str(raw), "-af", LOUDNESS, "-ar", "44100", "-ac", "2", "-c:a", "pcm_s16le", str(master))
    _ffmpeg("-i", str(master), "-c:a", "libmp3lame", "-q:a", "2", str(preview))
    return Rendered(master, preview, points(master), duration_s(master))
