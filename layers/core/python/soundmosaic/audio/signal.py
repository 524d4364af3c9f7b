"""Audio in and out through ffmpeg: whole files, or bounded chunks of very long ones.

ffmpeg decodes every format the library accepts (wav, mp3, flac, m4a/aac, ogg, video sound
tracks) to raw float32, so the rest of the audio lab sees one representation:
``Audio.samples`` shaped ``(channels, frames)`` in [-1, 1] and ``Audio.sample_rate``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from soundmosaic.platform import untrusted_media


class DecodeError(ValueError):
    pass


@dataclass
class Audio:
    samples: np.ndarray  # (channels, frames) float32
    sample_rate: int

    def __post_init__(self) -> None:
        assert self.samples.ndim == 2, "samples must be (channels, frames)"

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    def mono(self) -> np.ndarray:
        return self.samples.mean(axis=0)


def _ffmpeg_args(source: str | Path, sample_rate: int | None, channels: int | None,
                 start_s: float | None, duration_s: float | None) -> list[str]:
    args = ["ffmpeg", "-nostdin", "-v", "error"]
    if start_s:
        args += ["-ss", f"{start_s:.6f}"]
    args += ["-t", f"{duration_s or untrusted_media.MAX_DURATION_S:.6f}"]
    args += [*untrusted_media.input_args(source), "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le"]
    if sample_rate:
        args += ["-ar", str(sample_rate)]
    if channels:
        args += ["-ac", str(channels)]
    return [*args, "-"]


def probe_stream(source: str | Path) -> tuple[int, int]:
    """(sample_rate, channels) of the first audio stream."""
    done = untrusted_media.run(
        ["ffprobe", "-v", "error", *untrusted_media.input_options(source), "-select_streams", "a:0",
         "-show_entries", "stream=sample_rate,channels", "-of", "csv=p=0", str(source)],
        capture_output=True, text=True)
    try:
        rate, channels = done.stdout.strip().splitlines()[0].split(",")[:2]
        return int(rate), int(channels)
    except (IndexError, ValueError) as err:
        raise DecodeError(f"no audio stream in {source}: {done.stderr.strip()[:200]}") from err


def decode(source: str | Path, sample_rate: int | None = None, channels: int | None = None,
           start_s: float | None = None, duration_s: float | None = None) -> Audio:
    """Decode ``source`` (path or URL) to float32; keeps its own rate/channels unless asked."""
    rate, native_channels = probe_stream(source)
    rate, channels = sample_rate or rate, channels or native_channels
    done = untrusted_media.run(_ffmpeg_args(source, rate, channels, start_s, duration_s),
                               capture_output=True)
    if done.returncode != 0:
        raise DecodeError(f"ffmpeg could not decode {source}: {done.stderr.decode()[:300]}")
    data = np.frombuffer(done.stdout, dtype="<f4")
    return Audio(data.reshape(-1, channels).T.copy(), rate)


def iter_chunks(source: str | Path, chunk_s: float, sample_rate: int | None = None,
                channels: int | None = None) -> Iterator[Audio]:
    """Decode ``source`` as consecutive chunks of ``chunk_s`` seconds, in bounded memory."""
    rate, native_channels = probe_stream(source)
    rate, channels = sample_rate or rate, channels or native_channels
    frame_bytes = 4 * channels
    chunk_frames = max(1, int(chunk_s * rate))
    with untrusted_media.popen(_ffmpeg_args(source, rate, channels, None, None),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        while True:
            raw = proc.stdout.read(chunk_frames * frame_bytes)
            if not raw:
                break
            usable = len(raw) - len(raw) % frame_bytes
            data = np.frombuffer(raw[:usable], dtype="<f4")
            yield Audio(data.reshape(-1, channels).T.copy(), rate)
    if proc.returncode not in (0, None):
        raise DecodeError(f"ffmpeg failed while streaming {source}")


def to_wav24(source: str | Path, target: Path, channels: int) -> Path:
    """``source`` as 24-bit PCM WAV at its own rate (RF64 past 4 GB), streamed by ffmpeg."""
    longest = str(untrusted_media.MAX_DURATION_S)
    done = untrusted_media.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-t", longest,
                                *untrusted_media.input_args(source), "-map", "0:a:0", "-ac", str(channels),
                                "-c:a", "pcm_s24le", "-rf64", "auto", str(target)],
                               capture_output=True, text=True)
    if done.returncode != 0:
        raise DecodeError(f"could not decode {Path(source).name}: {done.stderr.strip()[:300]}")
    return target


def write_wav(path: str | Path, audio: Audio, subtype: str = "PCM_24") -> Path:
    """Write ``audio`` as WAV (24-bit by default, what DAWs expect); clips to [-1, 1]."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.clip(audio.samples, -1.0, 1.0).T, audio.sample_rate, subtype=subtype)
    return path


def read_wav(path: str | Path) -> Audio:
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return Audio(data.T.copy(), int(rate))
