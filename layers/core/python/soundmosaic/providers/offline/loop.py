"""Offline video engine: seamless MP4 loops from a still (``render_loop``) or a short clip
(``make_seamless``), encoded by ffmpeg (H.264, yuv420p, +faststart).

``render_loop`` draws every frame with Pillow and pipes raw RGB to ffmpeg's stdin (no frame
files). Each motion is a function of the loop phase ``2*pi*i/N`` for frame ``i`` of ``N``, so
the frame that would follow the last one is exactly the first: the loop has no seam. Motions
(named in the prompt, else picked by seed; see ``choose_motion``):

- ``ken_burns`` ("zoom", "pan"...): zoom breathing in and out while the full-frame view travels
  a closed figure-of-eight path; only for images already about the frame's shape;
- ``float`` ("float", "cover"): the whole image, sharp and shadowed, floats and breathes over a
  blurred copy of itself that slowly circles (square artwork in a 16:9 frame);
- ``hue`` ("hue", "colour"): a gentler zoom or float with the hue swinging out and back;
- ``drift`` ("drift", "scroll"): the image mirrored into a strip that tiles seamlessly, panned
  by exactly one period (mirrored lettering reads backwards, so only on request).

x264 runs with ``mbtree=0``: macroblock-tree rate control lowers the quality of the last frames
(nothing refers to them), which would show as a jump where the loop wraps round.

``make_seamless`` turns a short generated clip into a loop of exactly ``seconds``: it is
retimed so that a whole number of forward-then-backward passes (ping-pong) fills the length,
then scaled and cropped to the size. ffmpeg failures raise ``FfmpegError`` with the tail of
ffmpeg's stderr.

Environment variables
---------------------
SOUNDMOSAIC_FFMPEG, SOUNDMOSAIC_FFPROBE
    The binaries to run (default ``ffmpeg`` and ``ffprobe`` on PATH).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from soundmosaic.providers.offline.images import open_image
from soundmosaic.providers.offline.lexicon import words

ENGINE = "SoundMosaic offline loop engine"
MOTIONS = ("ken_burns", "float", "drift", "hue")
PRESET, CRF = "veryfast", 20  # x264: about real time for 1080p on two cores, visually clean
X264_PARAMS = "mbtree=0"  # see the module docstring: keeps the wrap-round as smooth as any step
MAX_SIDE, MAX_SECONDS, MAX_FPS = 3840, 120.0, 60
TIMEOUT_S = 900
PROMPT_MOTIONS = {
    "zoom": "ken_burns", "burns": "ken_burns", "push": "ken_burns", "pan": "ken_burns",
    "float": "float", "floating": "float", "hover": "float", "cover": "float",
    "drift": "drift", "scroll": "drift", "slide": "drift",
    "hue": "hue", "colour": "hue", "color": "hue", "psychedelic": "hue", "shift": "hue",
}
CALM = words("calm slow gentle chill ambient soft dreamy peaceful subtle")
LIVELY = words("energetic fast intense hype wild dance punchy")

Frames = Iterator[Image.Image]  # RGB frames of the output size


class FfmpegError(RuntimeError):
    """ffmpeg or ffprobe failed; ``stderr`` holds the tail of what it printed."""

    def __init__(self, message: str, stderr: str = "") -> None:
        self.stderr = stderr
        super().__init__(f"{message}: {stderr.strip()}" if stderr.strip() else message)


def _binary(name: str) -> str:
    path = os.environ.get(f"SOUNDMOSAIC_{name.upper()}") or shutil.which(name)
    if not path:
        raise FfmpegError(f"{name} not found on PATH (install ffmpeg, or set SOUNDMOSAIC_{name.upper()})")
    return path


def _tail(text: bytes | str, limit: int = 2000) -> str:
    s = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return s[-limit:]


def frame_count(seconds: float, fps: int) -> int:
    return max(2, round(seconds * fps))


def _check(seconds: float, fps: int, width: int, height: int) -> int:
    if not (isinstance(fps, int) and 1 <= fps <= MAX_FPS):
        raise ValueError(f"fps must be an integer from 1 to {MAX_FPS}, got {fps!r}")
    if not (isinstance(seconds, int | float) and 0 < seconds <= MAX_SECONDS and math.isfinite(seconds)):
        raise ValueError(f"seconds must be in (0, {MAX_SECONDS}], got {seconds!r}")
    for name, v in (("width", width), ("height", height)):
        if not (isinstance(v, int) and 16 <= v <= MAX_SIDE and v % 2 == 0):
            raise ValueError(f"{name} must be an even integer from 16 to {MAX_SIDE} (yuv420p), got {v!r}")
    return frame_count(seconds, fps)


# --- motions --------------------------------------------------------------------------------------

def _cover_box(src: Image.Image, width: int, height: int) -> tuple[float, float, float, float]:
    """The largest box of the output's aspect centred in ``src`` (x0, y0, w, h) in source pixels."""
    sw, sh = src.size
    scale = min(sw / width, sh / height)
    w, h = width * scale, height * scale
    return (sw - w) / 2, (sh - h) / 2, w, h


def _ken_burns(src: Image.Image, width: int, height: int, n: int, rng: np.random.Generator,
               energy: float) -> Frames:
    x0, y0, bw, bh = _cover_box(src, width, height)
    zoom = rng.uniform(0.08, 0.16) * energy
    base = 1.0 / (1.0 + zoom)  # the widest view still leaves room to travel
    room_x, room_y = bw * (1 - base) / 2, bh * (1 - base) / 2
    ax, ay = room_x * rng.uniform(0.5, 0.9), room_y * rng.uniform(0.5, 0.9)
    px, py = rng.uniform(0, 2 * np.pi, 2)
    for i in range(n):
        phi = 2 * np.pi * i / n
        scale = base / (1 + zoom * (1 - np.cos(phi)) / 2)
        w, h = bw * scale, bh * scale
        cx = x0 + bw / 2 + ax * np.sin(phi + px)  # a figure-of-eight path, closed over the loop
        cy = y0 + bh / 2 + ay * np.sin(2 * phi + py)
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        yield src.resize((width, height), Image.Resampling.BILINEAR, box=box)


def _hue_matrix(theta: float) -> tuple[float, ...]:
    """RGB -> RGB hue rotation by ``theta`` that keeps luminance (the SVG/CSS hueRotate matrix)."""
    a, b = np.cos(theta), np.sin(theta)
    m = (0.213 + a * 0.787 - b * 0.213, 0.715 - a * 0.715 - b * 0.715, 0.072 - a * 0.072 + b * 0.928, 0.0,
         0.213 - a * 0.213 + b * 0.143, 0.715 + a * 0.285 + b * 0.140, 0.072 - a * 0.072 - b * 0.283, 0.0,
         0.213 - a * 0.213 - b * 0.787, 0.715 - a * 0.715 + b * 0.715, 0.072 + a * 0.928 + b * 0.072, 0.0)
    return tuple(float(v) for v in m)


def _with_hue(frames: Frames, n: int, degrees: float) -> Frames:
    """Swing the hue of every frame by ``degrees * sin(phase)``: out and back once per loop."""
    for i, frame in enumerate(frames):
        theta = np.radians(degrees * np.sin(2 * np.pi * i / n))
        yield frame.convert("RGB", _hue_matrix(theta))


def _float(src: Image.Image, width: int, height: int, n: int, rng: np.random.Generator,
           energy: float) -> Frames:
    # Background: a blurred, darkened copy a little larger than the frame, circling slowly. It is
    # so soft that whole-pixel steps do not show, so each frame starts as a plain crop.
    x0, y0, bw, bh = _cover_box(src, width, height)
    small_w = max(32, width // 8)
    small = src.resize((small_w, round(small_w * height / width)), Image.Resampling.BILINEAR,
                       box=(x0, y0, x0 + bw, y0 + bh))
    small = small.filter(ImageFilter.GaussianBlur(small_w / 40)).point(lambda v: int(v * 0.55))
    margin = 0.1
    big = small.resize((round(width * (1 + margin)), round(height * (1 + margin))), Image.Resampling.BILINEAR)
    r_bg = min(width, height) * margin * 0.45  # keeps the circling window inside the background
    # Foreground: the whole image, fitted to 78% of the height, with a soft shadow, inside a
    # transparent border so that every resampling box below stays within it.
    side = min(width, height) * 0.78
    fit = min(side / src.width, side / src.height)
    fw, fh = max(2, round(src.width * fit)), max(2, round(src.height * fit))
    pad = round(min(width, height) * 0.06)
    cw, ch = fw + 2 * pad, fh + 2 * pad
    border = math.ceil(max(cw, ch) * 0.06) + 2
    card = Image.new("RGBA", (cw + 2 * border, ch + 2 * border), (0, 0, 0, 0))
    shadow = Image.new("L", card.size, 0)
    top = border + pad
    ImageDraw.Draw(shadow).rectangle((top, top + pad // 3, top + fw, top + fh + pad // 3), fill=170)
    card.putalpha(shadow.filter(ImageFilter.GaussianBlur(pad / 2.5)))
    card.alpha_composite(src.resize((fw, fh), Image.Resampling.LANCZOS).convert("RGBA"), (top, top))
    amp = min(width, height) * 0.012 * energy
    breathe = 0.012 * energy
    px = rng.uniform(0, 2 * np.pi)
    ow, oh = round(cw * 1.05) + 2, round(ch * 1.05) + 2  # room for the breathing
    for i in range(n):
        phi = 2 * np.pi * i / n
        bx = round(width * margin / 2 + r_bg * np.cos(phi))
        by = round(height * margin / 2 + r_bg * np.sin(phi))
        frame = big.crop((bx, by, bx + width, by + height))
        s = 1 + breathe * np.sin(phi + px)
        cx, cy = width / 2 + amp * np.sin(phi), height / 2 + amp * np.sin(2 * phi + px)
        # The card is resampled over its own area only and pasted at whole pixels; the fractional
        # position and the scale go into the resampling box: layer pixel u shows card position
        # (u + ox - cx) / s + cw / 2 (plus the border).
        ox, oy = math.floor(cx - ow / 2), math.floor(cy - oh / 2)
        left = (ox - cx) / s + cw / 2 + border
        upper = (oy - cy) / s + ch / 2 + border
        box = (left, upper, left + ow / s, upper + oh / s)
        layer = card.resize((ow, oh), Image.Resampling.BILINEAR, box=box)
        frame.paste(layer, (ox, oy), layer)
        yield frame


def _drift(src: Image.Image, width: int, height: int, n: int, rng: np.random.Generator,
           energy: float) -> Frames:
    # A strip [image | mirrored image] tiles without a seam; pan exactly one strip per loop.
    tall = height * (1 + 0.06 * energy)
    w = max(2, round(src.width * tall / src.height))
    h = round(tall)
    tile = src.resize((w, h), Image.Resampling.LANCZOS)
    strip = Image.new("RGB", (2 * w, h))
    strip.paste(tile, (0, 0))
    strip.paste(tile.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (w, 0))
    period = 2 * w
    reps = math.ceil((width + period) / period) + 1
    wide = Image.new("RGB", (period * reps, h))
    for k in range(reps):
        wide.paste(strip, (k * period, 0))
    direction = 1 if rng.random() < 0.5 else -1
    bob = (h - height) / 2 * 0.8
    py = rng.uniform(0, 2 * np.pi)
    for i in range(n):
        phi = 2 * np.pi * i / n
        x = (direction * period * i / n) % period
        y = (h - height) / 2 + bob * np.sin(phi + py)
        box = (x, y, x + width, y + height)
        yield wide.resize((width, height), Image.Resampling.BILINEAR, box=box)


MOTION_FUNCS: dict[str, Callable[..., Frames]] = {"ken_burns": _ken_burns, "float": _float, "drift": _drift}


def choose_motion(prompt: str, seed: int, image_aspect: float, frame_aspect: float) -> tuple[str, str, float]:
    """(motion, base geometry, energy). A motion named in the prompt wins; otherwise the seed picks,
    and an image whose shape differs from the frame's (square art in 16:9) is never cropped by a
    full-frame zoom: it floats. ``drift`` mirrors the image (lettering reads backwards), so it is
    used only when asked for. Calm words in the prompt slow the motion, lively ones speed it up."""
    words = re.findall(r"[a-z]+", (prompt or "")[:2000].casefold())
    energy = 0.6 if CALM & set(words) else (1.4 if LIVELY & set(words) else 1.0)
    same_shape = abs(math.log(image_aspect / frame_aspect)) < 0.2
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 7])
    motion = next((PROMPT_MOTIONS[w] for w in words if w in PROMPT_MOTIONS), None)
    if motion is None:
        choices = ("ken_burns", "float", "hue") if same_shape else ("float", "hue")
        motion = choices[int(rng.integers(len(choices)))]
    base = motion if motion != "hue" else ("ken_burns" if same_shape else "float")
    return motion, base, energy


# --- ffmpeg ---------------------------------------------------------------------------------------

def _encode(frames: Frames, width: int, height: int, fps: int, n: int, comment: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="soundmosaic-loop-") as tmp:
        out = Path(tmp) / "loop.mp4"
        cmd = [_binary("ffmpeg"), "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-framerate", str(fps), "-i", "-", "-frames:v", str(n),
               "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-x264-params", X264_PARAMS,
               "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-metadata", f"comment={comment}", "-an",
               "-y", str(out)]
        # stderr goes to a file: a pipe nobody reads could fill up and stall ffmpeg.
        with open(Path(tmp) / "stderr.txt", "w+b") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
            assert proc.stdin is not None
            try:
                for frame in frames:
                    assert frame.size == (width, height) and frame.mode == "RGB"
                    proc.stdin.write(frame.tobytes())
                proc.stdin.close()
                rc = proc.wait(timeout=TIMEOUT_S)
            except BrokenPipeError:
                rc = proc.wait(timeout=60)
            except BaseException:
                proc.kill()
                proc.wait()
                raise
            err.seek(0)
            stderr = err.read()
        if rc != 0 or not out.exists():
            raise FfmpegError(f"ffmpeg could not encode the loop (exit {rc})", _tail(stderr))
        return out.read_bytes()


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise FfmpegError(f"{what} timed out after {TIMEOUT_S} s", _tail(exc.stderr or b"")) from exc
    if done.returncode != 0:
        raise FfmpegError(f"{what} failed (exit {done.returncode})", _tail(done.stderr))
    return done


def probe(video: bytes | Path) -> dict:
    """Codec, size, pixel format, frame count, frame rate and duration of a video's first stream."""
    with tempfile.TemporaryDirectory(prefix="soundmosaic-probe-") as tmp:
        path = Path(video) if isinstance(video, Path) else Path(tmp) / "in.bin"
        if not isinstance(video, Path):
            path.write_bytes(video)
        entries = ("stream=codec_name,width,height,pix_fmt,r_frame_rate,nb_read_packets,duration"
                   ":format=duration")
        done = _run([_binary("ffprobe"), "-v", "error", "-select_streams", "v:0", "-count_packets",
                     "-show_entries", entries, "-of", "json", str(path)], "ffprobe")
    info = json.loads(done.stdout or b"{}")
    if not info.get("streams"):
        raise FfmpegError("no video stream found", "")
    s, fmt = info["streams"][0], info.get("format", {})
    num, _, den = str(s.get("r_frame_rate", "0/1")).partition("/")
    return {"codec": s.get("codec_name"), "width": int(s["width"]), "height": int(s["height"]),
            "pix_fmt": s.get("pix_fmt"), "frames": int(s.get("nb_read_packets") or 0),
            "fps": float(num) / float(den or 1) if float(den or 1) else 0.0,
            "duration": float(s.get("duration") or fmt.get("duration") or 0.0)}


# --- public API -----------------------------------------------------------------------------------

def render_loop(image: bytes, prompt: str, seconds: float, fps: int, width: int, height: int,
                seed: int) -> bytes:
    """An MP4 loop of exactly ``seconds`` at ``fps`` and ``width`` x ``height`` moving the still ``image``."""
    n = _check(seconds, fps, width, height)
    img, _ = open_image(image)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        flat = Image.new("RGB", img.size, (0, 0, 0))
        flat.paste(img.convert("RGBA"), mask=img.convert("RGBA").getchannel("A"))
        src = flat
    else:
        src = img.convert("RGB")
    motion, base, energy = choose_motion(prompt, seed, src.width / src.height, width / height)
    rng = np.random.default_rng([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF, MOTIONS.index(motion)])
    if motion == "hue":
        frames = _with_hue(MOTION_FUNCS[base](src, width, height, n, rng, energy * 0.5), n,
                           rng.uniform(25, 45) * energy)
    else:
        frames = MOTION_FUNCS[base](src, width, height, n, rng, energy)
    return _encode(frames, width, height, fps, n, f"{ENGINE}: {motion} motion, seamless {n}-frame loop")


def ping_pong_plan(source_seconds: float, n: int, fps: int) -> tuple[int, int, bool]:
    """(cycles k, forward frames m, hold at the turn) so that k ping-pong cycles are exactly ``n`` frames.

    A cycle plays frames 0..m-1 then m-2..1 (2m-2 frames), or m-1..1 with the turning frame held
    once when the cycle length is odd (2m-1). ``k`` divides ``n`` and keeps the retimed clip's speed
    closest to the original.
    """
    natural = max(2.0, source_seconds * fps)
    best: tuple[float, int, int, bool] | None = None
    for k in range(1, n // 2 + 1):
        if n % k:
            continue
        length = n // k
        hold = length % 2 == 1
        m = (length + 1) // 2 if hold else length // 2 + 1
        if m < 2:
            continue
        cost = abs(math.log(m / natural))
        if best is None or cost < best[0] - 1e-9:
            best = (cost, k, m, hold)
    if best is None:  # n == 2 or 3: a single pass
        return 1, max(2, (n + 1) // 2 if n % 2 else n // 2 + 1), n % 2 == 1
    return best[1], best[2], best[3]


def make_seamless(clip: bytes, seconds: float, fps: int, width: int, height: int) -> bytes:
    """A seamless MP4 loop of exactly ``seconds`` at ``width`` x ``height`` from a short ``clip``.

    The clip is retimed so that a whole number of forward-and-back passes fill the length, then
    scaled to cover the frame and centre-cropped.
    """
    n = _check(seconds, fps, width, height)
    if not isinstance(clip, bytes | bytearray) or not clip:
        raise ValueError("no clip data: expected the bytes of a video file")
    with tempfile.TemporaryDirectory(prefix="soundmosaic-seamless-") as tmp:
        src = Path(tmp) / "clip.bin"
        src.write_bytes(bytes(clip))
        info = probe(src)
        duration = info["duration"] or (info["frames"] / info["fps"] if info["fps"] else 0.0)
        if duration <= 0:
            raise FfmpegError("the clip has no measurable duration", "")
        k, m, hold = ping_pong_plan(duration, n, fps)
        factor = (m / fps) / duration
        fit = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},setsar=1"
        shrink_first = info["width"] * info["height"] >= width * height  # buffer the smaller frames
        back = f"trim=end_frame={m - 1}" if hold else f"trim=start_frame=1:end_frame={m - 1}"
        graph = (
            f"[0:v]setpts=(PTS-STARTPTS)*{factor:.6f},framerate=fps={fps},tpad=stop_mode=clone:stop={m},"
            f"trim=end_frame={m},setpts=N/{fps}/TB{',' + fit if shrink_first else ''},split[a][b];"
            f"[b]reverse,{back},setpts=N/{fps}/TB[r];"
            f"[a][r]concat=n=2:v=1:a=0,loop=loop={k - 1}:size={n // k}:start=0,setpts=N/{fps}/TB"
            f"{'' if shrink_first else ',' + fit},format=yuv420p[v]"
        )
        out = Path(tmp) / "loop.mp4"
        _run([_binary("ffmpeg"), "-hide_banner", "-loglevel", "error", "-i", str(src),
              "-filter_complex", graph, "-map", "[v]", "-frames:v", str(n), "-r", str(fps),
              "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-x264-params", X264_PARAMS,
              "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-an",
              "-metadata", f"comment={ENGINE}: ping-pong loop, {k} cycle(s) of {n // k} frames",
              "-y", str(out)], "ffmpeg (make_seamless)")
        return out.read_bytes()
