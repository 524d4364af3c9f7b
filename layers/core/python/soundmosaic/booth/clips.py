"""Reading and writing the booth's clips with ffmpeg: probe with caps, decode frames, encode H.264.

Every clip is untrusted (a participant's upload or an organiser's template), so it is read
through ``platform.untrusted_media`` (container and protocol whitelists, bounded memory) and
refused before decoding when its file, its frame size or its length is over the caps below.
Used by the engines of docs/booth.md ("Engines"): faceswap, background, collage, templates.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Generator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np

from soundmosaic.booth.errors import BadMedia, ClipTooLong
from soundmosaic.platform import untrusted_media

MAX_CLIP_BYTES = 500 * 1024**2  # a 15-s 4K clip at a high bitrate is ~100 MB
MAX_CLIP_PIXELS = 3840 * 2160  # 4K UHD
MAX_CLIP_SECONDS = 15.0  # the product's length
LENGTH_TOLERANCE_S = 0.5  # container durations round up to a frame or packet
MAX_FPS = 60.0


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    fps: float
    seconds: float
    has_audio: bool

    @property
    def frames(self) -> int:
        return max(1, round(self.seconds * self.fps))


def probe(path: str | Path, max_seconds: float | None = MAX_CLIP_SECONDS) -> ClipInfo:
    """The clip's video stream, refused (``BadMedia``, ``ClipTooLong``) before any decoding."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BadMedia(f"the clip cannot be read: {exc.strerror}") from exc
    if size > MAX_CLIP_BYTES:
        raise BadMedia(
            f"the clip is {size / 1024**2:.0f} MiB; at most {MAX_CLIP_BYTES // 1024**2} MiB is accepted"
        )
    done = untrusted_media.run(
        [
            "ffprobe",
            "-v",
            "error",
            *untrusted_media.input_options(path),
            "-show_entries",
            "stream=codec_type,width,height,avg_frame_rate,r_frame_rate:format=duration",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        raise BadMedia("the clip is not a readable video (corrupt, truncated or of a refused format)")
    data = json.loads(done.stdout or "{}")
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None or not video.get("width"):
        raise BadMedia("the clip has no video stream")
    width, height = int(video["width"]), int(video["height"])
    if width * height > MAX_CLIP_PIXELS:
        raise BadMedia(f"the clip is {width}x{height}; at most 3840x2160 (4K) is accepted")
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    if not 1 <= fps <= MAX_FPS:
        raise BadMedia(f"the clip's frame rate ({fps:g}) is not between 1 and {MAX_FPS:g} fps")
    try:
        seconds = float(data.get("format", {}).get("duration") or 0)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise BadMedia("the clip does not say how long it is")
    if untrusted_media.implausible(seconds, size) is not None:
        raise BadMedia("the clip claims more length than its file can hold (damaged or hostile header)")
    if max_seconds is not None and seconds > max_seconds + LENGTH_TOLERANCE_S:
        raise ClipTooLong(
            f"the clip is {seconds:.1f} s long; at most {max_seconds:g} s is accepted (trim it to 15 s first)"
        )
    return ClipInfo(width, height, fps, seconds, any(s.get("codec_type") == "audio" for s in streams))


def frames(
    path: str | Path,
    info: ClipInfo,
    *,
    size: tuple[int, int] | None = None,
    seconds: float | None = None,
    fps: float | None = None,
    loop: bool = False,
) -> Generator[np.ndarray, None, None]:
    """The clip's frames as RGB uint8 arrays (resized to ``size`` = (w, h), at most ``seconds``;
    ``loop`` repeats the clip, so give ``seconds`` with it)."""
    width, height = size or (info.width, info.height)
    filters = [f"scale={width}:{height}:flags=area"] if size else []
    if fps:
        filters.insert(0, f"fps={fps:g}")
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-nostdin",
        *(["-stream_loop", "-1"] if loop else []),
        *untrusted_media.input_args(path),
        "-an",
        "-sn",
        *(["-t", f"{seconds:g}"] if seconds else []),
        *(["-vf", ",".join(filters)] if filters else []),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
    ]
    proc = untrusted_media.popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    frame_bytes = width * height * 3
    count = 0
    try:
        while True:
            chunk = _read_exactly(proc.stdout, frame_bytes)
            if chunk is None:
                break
            count += 1
            yield np.frombuffer(chunk, np.uint8).reshape(height, width, 3)
    finally:
        proc.stdout.close()
        _, err = proc.communicate()
        if proc.returncode not in (0, None) and count == 0:
            raise BadMedia(f"the clip could not be decoded: {err.decode(errors='replace')[-300:].strip()}")


class Encoder:
    """An H.264 (yuv420p, +faststart) writer fed RGB frames; ``audio_from`` keeps another clip's
    audio (AAC); ``vf`` is an ffmpeg filter run before encoding. The file appears at ``out`` only
    when complete (written beside it, then renamed): a worker killed mid-clip leaves no
    half-written result for a retry or a reader to mistake for a finished one."""

    def __init__(
        self,
        out: str | Path,
        width: int,
        height: int,
        fps: float,
        *,
        audio_from: str | Path | None = None,
        seconds: float | None = None,
        vf: str | None = None,
        crf: int = 20,
        preset: str = "veryfast",
    ) -> None:
        self.out = Path(out)
        self._partial = self.out.with_name(f".{self.out.stem}.partial{self.out.suffix}")
        cmd = [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{width}x{height}",
            "-r",
            f"{fps:g}",
            "-i",
            "pipe:0",
        ]
        if audio_from is not None:
            cmd += [
                *untrusted_media.input_args(audio_from),
                "-map",
                "0:v",
                "-map",
                "1:a:0?",
                "-c:a",
                "aac",
                "-b:a",
                "160k",
            ]
        cmd += [
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-crf",
            str(crf),
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            *(["-vf", vf] if vf else []),
            *(["-t", f"{seconds:g}"] if seconds else []),
            "-shortest",
            str(self._partial),
        ]
        self._proc = untrusted_media.popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        self.frames = 0

    def write(self, rgb: np.ndarray) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(np.ascontiguousarray(rgb, np.uint8).tobytes())
        self.frames += 1

    def close(self) -> Path:
        _, err = self._proc.communicate()  # closes stdin: the end of the frames
        if self._proc.returncode != 0:
            self._partial.unlink(missing_ok=True)
            raise RuntimeError(
                f"ffmpeg could not encode {self.out.name}: {err.decode(errors='replace')[-400:]}"
            )
        self._partial.replace(self.out)
        return self.out

    def __enter__(self) -> Encoder:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self._proc.kill()
            self._proc.wait()
            self._partial.unlink(missing_ok=True)


def _rate(text: str | None) -> float:
    try:
        return float(Fraction(text)) if text and text != "0/0" else 0.0
    except (ValueError, ZeroDivisionError):
        return 0.0


def _read_exactly(stream: IO[bytes], n: int) -> bytes | None:
    data = stream.read(n)
    return data if len(data) == n else None
