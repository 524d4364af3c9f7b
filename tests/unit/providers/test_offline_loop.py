"""The offline loop engine (soundmosaic.providers.offline.loop), checked by decoding its MP4s with
ffprobe and ffmpeg. Small sizes except one run at the real 1080p / 10 s contract. Nothing here
measures time."""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from soundmosaic.providers.offline import artwork, loop

W, H, FPS = 320, 180, 30


@pytest.fixture(scope="module")
def cover() -> bytes:
    return artwork.render("neon night", {"title": "Loop", "artist_name": "Nova"}, 256, 256, seed=4)


def ffprobe(mp4: bytes) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.mp4"
        path.write_bytes(mp4)
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
             "stream=codec_name,width,height,pix_fmt,nb_read_frames,r_frame_rate:format=duration:format_tags=comment",
             "-of", "json", str(path)], capture_output=True, text=True, check=True, timeout=120)
    info = json.loads(out.stdout)
    s = info["streams"][0]
    return {"codec": s["codec_name"], "size": (s["width"], s["height"]), "pix_fmt": s["pix_fmt"],
            "frames": int(s["nb_read_frames"]), "rate": s["r_frame_rate"],
            "duration": float(info["format"]["duration"]),
            "comment": info["format"].get("tags", {}).get("comment", "")}


def decode(mp4: bytes, width: int, height: int) -> np.ndarray:
    """Every frame as float RGB, shape (frames, height, width, 3), scaled by ffmpeg when asked."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.mp4"
        path.write_bytes(mp4)
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"scale={width}:{height}",
                              "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             capture_output=True, check=True, timeout=300).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3).astype(np.float32)


def seam_and_steps(frames: np.ndarray) -> tuple[float, float]:
    """(MSE last -> first frame, median MSE between neighbouring frames)."""
    steps = [float(((frames[i + 1] - frames[i]) ** 2).mean()) for i in range(len(frames) - 1)]
    return float(((frames[0] - frames[-1]) ** 2).mean()), float(np.median(steps))


def assert_contract(mp4: bytes, seconds: float, width: int, height: int) -> dict:
    info = ffprobe(mp4)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert info["size"] == (width, height)
    assert info["frames"] == round(seconds * FPS)
    assert info["rate"] == f"{FPS}/1"
    assert abs(info["duration"] - seconds) < 0.05
    assert 0 <= mp4.find(b"moov") < mp4.find(b"mdat")  # +faststart: the index comes first
    return info


@pytest.mark.parametrize("prompt", ["zoom", "float", "drift", "hue shift"])
def test_each_motion_is_a_seamless_loop(cover: bytes, prompt: str) -> None:
    # Ken Burns crops the frame, so it gets a picture of the frame's shape.
    image = artwork.render("ocean", {}, 320, 180, seed=2) if prompt == "zoom" else cover
    mp4 = loop.render_loop(image, prompt, 2.0, FPS, W, H, seed=1)
    info = assert_contract(mp4, 2.0, W, H)
    assert "offline loop engine" in info["comment"]
    frames = decode(mp4, W, H)
    seam, step = seam_and_steps(frames)
    assert step > 0.5  # it moves
    assert seam <= 2 * step, (seam, step)
    # It travels: half way round the loop is further from the start than one step.
    assert float(((frames[len(frames) // 2] - frames[0]) ** 2).mean()) > step


def test_the_seed_picks_the_motion_and_square_art_is_never_cropped() -> None:
    square = {loop.choose_motion("", s, 1.0, 16 / 9)[0] for s in range(30)}
    assert square == {"float", "hue"}
    wide = {loop.choose_motion("", s, 16 / 9, 16 / 9)[0] for s in range(30)}
    assert wide == {"ken_burns", "float", "hue"}
    assert loop.choose_motion("slow drift across the sea", 3, 1.0, 16 / 9)[0] == "drift"
    calm, lively = loop.choose_motion("calm", 3, 1, 1)[2], loop.choose_motion("energetic", 3, 1, 1)[2]
    assert calm < 1.0 < lively


def test_seeds_make_different_loops(cover: bytes) -> None:
    a = decode(loop.render_loop(cover, "float", 1.0, FPS, W, H, seed=1), W, H)
    b = decode(loop.render_loop(cover, "float", 1.0, FPS, W, H, seed=2), W, H)
    assert float(((a[10] - b[10]) ** 2).mean()) > 1.0


def test_transparent_and_odd_images_are_accepted() -> None:
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    img.paste((250, 200, 20, 255), (100, 20, 200, 100))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    assert_contract(loop.render_loop(buf.getvalue(), "", 1.0, FPS, 160, 90, seed=3), 1.0, 160, 90)


def test_real_contract_1080p_10s(cover: bytes) -> None:
    mp4 = loop.render_loop(cover, "", 10.0, FPS, 1920, 1080, seed=5)
    assert_contract(mp4, 10.0, 1920, 1080)
    seam, step = seam_and_steps(decode(mp4, 480, 270))
    assert step > 0 and seam <= 2 * step, (seam, step)


@pytest.fixture(scope="module")
def cogvideo_like_clip() -> bytes:
    """Like a CogVideoX output: 6 s at 8 fps, 720x480, made with ffmpeg's testsrc."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                        "testsrc=duration=6:size=720x480:rate=8", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                        "-y", str(path)], check=True, timeout=120)
        return path.read_bytes()


@pytest.mark.parametrize("seconds", [2.0, 2.5])  # 60 frames: even ping-pong; 75: the turn is held once
def test_make_seamless_turns_a_clip_into_a_loop(cogvideo_like_clip: bytes, seconds: float) -> None:
    mp4 = loop.make_seamless(cogvideo_like_clip, seconds, FPS, W, H)
    info = assert_contract(mp4, seconds, W, H)
    assert "ping-pong" in info["comment"]
    frames = decode(mp4, W, H)
    seam, step = seam_and_steps(frames)
    assert step > 0.5 and seam <= 2 * step, (seam, step)
    # Scaled to cover 16:9 and cropped, not letterboxed: no black bars at the top.
    assert float(frames[:, :4].mean()) > 30


def test_make_seamless_upscales_small_clips(tmp_path: Path) -> None:
    path = tmp_path / "small.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=25",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(path)], check=True, timeout=60)
    assert_contract(loop.make_seamless(path.read_bytes(), 1.0, FPS, 320, 180), 1.0, 320, 180)


@pytest.mark.parametrize("source_s, n", [(6.0, 300), (6.0, 75), (1.0, 300), (0.2, 60), (30.0, 301), (3.0, 2)])
def test_ping_pong_plan_fills_the_length_exactly(source_s: float, n: int) -> None:
    k, m, hold = loop.ping_pong_plan(source_s, n, FPS)
    cycle = 2 * m - 1 if hold else 2 * m - 2
    assert k * cycle == n and m >= 2
    if source_s == 1.0:  # a short clip plays several times rather than in slow motion
        assert k > 1


def test_ffmpeg_failures_are_clear_errors() -> None:
    with pytest.raises(loop.FfmpegError, match=r"ffprobe failed.*Invalid data"):
        loop.make_seamless(b"this is not a video", 2.0, FPS, W, H)


@pytest.mark.parametrize("args", [(2.0, FPS, 321, 180), (0.0, FPS, W, H), (2.0, 0, W, H), (500.0, FPS, W, H)])
def test_bad_arguments_raise(cover: bytes, args: tuple[float, int, int, int]) -> None:
    seconds, fps, width, height = args
    with pytest.raises(ValueError):
        loop.render_loop(cover, "", seconds, fps, width, height, seed=1)


def test_corrupt_image_raises(cover: bytes) -> None:
    with pytest.raises(ValueError, match="image"):
        loop.render_loop(cover[:100], "", 1.0, FPS, W, H, seed=1)
