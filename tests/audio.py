"""Test media made on the spot with ffmpeg: nothing binary is checked in."""

from __future__ import annotations

import subprocess
from pathlib import Path


def tone(path: Path, seconds: float = 2.0, rate: int = 44100, channels: int = 2,
         codec_args: tuple[str, ...] = ()) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}:sample_rate={rate}",
                    "-ac", str(channels), *codec_args, str(path)], check=True)
    return path


def video(path: Path, with_audio: bool, seconds: float = 1.0) -> Path:
    inputs = ["-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=160x120:rate=10"]
    if with_audio:
        inputs += ["-f", "lavfi", "-i", f"sine=duration={seconds}"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-shortest", "-pix_fmt", "yuv420p",
                    str(path)], check=True)
    return path
