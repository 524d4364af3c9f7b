"""Video loops: a chosen artwork candidate and its prompt -> a seamless H.264 loop (+ audio).

The ``video`` capability returns a loop of the requested length and size. This module checks
what came back with ffprobe, re-encodes only when it is not already H.264 at the right size and
length (a vendor clip can be shorter, another size or codec), optionally muxes the first seconds
of a library track's audio (AAC; ffmpeg reads the original through a presigned URL, so only
those seconds are fetched), stores the MP4 and its facts and records the loop in the artistDNA.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from soundmosaic.library.tracks import TrackStore
from soundmosaic.platform import clock
from soundmosaic.platform.jobs import JobStore
from soundmosaic.providers import ModelMosaic, VideoRequest
from soundmosaic.studio import artwork, store
from soundmosaic.studio.dna import DnaStore
from soundmosaic.studio.store import Media

WIDTH, HEIGHT, FPS = 1920, 1080, 30
DEFAULT_SECONDS = 10.0
MAX_SECONDS = 30.0
FFMPEG_TIMEOUT_S = 600


class VideoCheckFailed(RuntimeError):
    """The encoded loop is not what was asked for (a bug or a broken vendor clip)."""


def render(mosaic: ModelMosaic, artist_id: str, job_id: str, video_id: str, artwork_id: str,
           candidate_id: str, track_id: str | None, seconds: float) -> dict[str, Any]:
    """Render, check, store and record one loop; returns the job's result."""
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be more than 0 and at most {MAX_SECONDS:g}")
    media = Media()
    facts = artwork.candidate(artist_id, artwork_id, candidate_id)
    png = media.get_bytes(store.candidate_key(artist_id, artwork_id, candidate_id, "png"),
                          f"candidate {candidate_id} has no image")
    audio_url = None
    if track_id:
        track = TrackStore().get(artist_id, track_id)
        audio_url = media.url(track.media_key)
    result = mosaic.video(VideoRequest(image=png, prompt=facts["prompt"], seconds=seconds, fps=FPS,
                                       width=WIDTH, height=HEIGHT, seed=facts["seed"]))
    JobStore().advance(artist_id, job_id, "encode", 75)
    with tempfile.TemporaryDirectory(prefix="soundmosaic-video-") as tmp:
        raw, out = Path(tmp) / "raw.mp4", Path(tmp) / "loop.mp4"
        raw.write_bytes(result.mp4)
        finalise(raw, out, seconds, audio_url)
        info = check(out, seconds, with_audio=audio_url is not None)
        key = store.video_key(artist_id, video_id, "mp4")
        media.put_bytes(key, out.read_bytes(), "video/mp4")
    sidecar = {
        "video_id": video_id, "artwork_id": artwork_id, "candidate_id": candidate_id,
        "prompt": facts["prompt"], "seed": facts["seed"], "provider": result.provider,
        "model": result.model, "offline": result.offline,
        "cost_usd": artwork.cost_text(result.record.cost_usd), "media_key": key,
        "seconds": info["seconds"], "width": info["width"], "height": info["height"], "fps": FPS,
        "codec": info["codec"], "audio": audio_url is not None, "created_at": clock.iso(),
    }
    if track_id:
        sidecar["track_id"] = track_id
    media.put_json(store.video_key(artist_id, video_id, "json"), sidecar)
    entry = {k: sidecar[k] for k in ("video_id", "artwork_id", "candidate_id", "prompt", "seed", "provider",
                                     "model", "offline", "cost_usd", "media_key", "seconds", "width",
                                     "height", "audio", "created_at")}
    if track_id:
        entry["track_id"] = track_id
    version = DnaStore().update(artist_id, f"video loop {video_id} from artwork {candidate_id}",
                                lambda doc: doc["videos"].append(entry))
    return {**sidecar, "video_key": key, "video_url": media.url(key), "dna_version": version}


def details(artist_id: str, video_id: str) -> dict[str, Any]:
    """A stored loop's facts with a fresh presigned URL."""
    store.check_id(video_id, "video")
    media = Media()
    sidecar: dict[str, Any] = media.get_json(store.video_key(artist_id, video_id, "json"),
                                             f"no video {video_id}")
    return {**sidecar, "video_url": media.url(sidecar["media_key"])}


def finalise(raw: Path, out: Path, seconds: float, audio_url: str | None) -> None:
    """``out``: H.264 1080p, exactly ``seconds`` long, with AAC audio when ``audio_url`` is set."""
    info = probe(raw)
    conforming = (info["codec"] == "h264" and (info["width"], info["height"]) == (WIDTH, HEIGHT)
                  and abs(info["seconds"] - seconds) < 1.5 / FPS and info["pix_fmt"] == "yuv420p")
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y"]
    # A short vendor clip is looped to length (it is a loop already); a right one is copied.
    cmd += ([] if conforming else ["-stream_loop", "-1"]) + ["-i", str(raw)]
    if audio_url:
        cmd += ["-t", f"{seconds:.3f}", "-i", audio_url]
    cmd += ["-map", "0:v:0"]
    if conforming:
        cmd += ["-c:v", "copy"]
    else:
        cmd += ["-vf", f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=increase,"
                       f"crop={WIDTH}:{HEIGHT},fps={FPS},format=yuv420p",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "20"]
    if audio_url:
        # Pad a track shorter than the loop with silence; -t cuts both streams to the loop.
        cmd += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "192k", "-ac", "2", "-af", "apad"]
    cmd += ["-t", f"{seconds:.3f}", "-movflags", "+faststart", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise VideoCheckFailed(f"ffmpeg could not finish the loop: {detail[0][:300]}")


def probe(path: Path) -> dict[str, Any]:
    cmd = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise VideoCheckFailed(f"the video engine returned no readable video: {done.stderr.strip()[:300]}")
    info = json.loads(done.stdout)
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None:
        raise VideoCheckFailed("the video engine returned a file without a video stream")
    duration = float(video.get("duration") or info.get("format", {}).get("duration") or 0)
    return {"codec": video.get("codec_name"), "width": int(video.get("width", 0)),
            "height": int(video.get("height", 0)), "pix_fmt": video.get("pix_fmt"),
            "seconds": round(duration, 3),
            "audio": next((s.get("codec_name") for s in streams if s.get("codec_type") == "audio"), None)}


def check(path: Path, seconds: float, with_audio: bool) -> dict[str, Any]:
    info = probe(path)
    problems = []
    if info["codec"] != "h264" or (info["width"], info["height"]) != (WIDTH, HEIGHT):
        problems.append(f"{info['codec']} {info['width']}x{info['height']}, not h264 {WIDTH}x{HEIGHT}")
    if abs(info["seconds"] - seconds) > 2 / FPS + 0.05:
        problems.append(f"{info['seconds']} s long, not {seconds:g} s")
    if with_audio and info["audio"] != "aac":
        problems.append(f"audio is {info['audio']}, not aac")
    if problems:
        raise VideoCheckFailed("the loop came out wrong: " + "; ".join(problems))
    return info
