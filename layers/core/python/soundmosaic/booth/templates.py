"""Template analysis: a musician clip trimmed to 15 s and its detected face track, per frame.

``prepare`` cuts an organiser's upload to ``clips.MAX_CLIP_SECONDS`` (re-encoded so the cut is
frame-exact and the audio stays AAC), then ``face_track`` records for every frame the musician's
face box and score (or null when no readable face is seen), saved beside the clip as JSON. The
swap uses the same detector, so the track tells the organiser which parts of the clip will be
swapped before any participant is processed (docs/booth.md, "Engines").
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from soundmosaic.booth import clips
from soundmosaic.booth.errors import BadMedia
from soundmosaic.booth.faceswap import musician_mesh
from soundmosaic.booth.vision import Vision
from soundmosaic.platform import untrusted_media

MAX_UPLOAD_SECONDS = 600.0  # an upload longer than this is refused, not trimmed
MIN_FACE_SHARE = 0.5  # a template must show the face in at least half of its frames


@dataclass(frozen=True)
class TrackFrame:
    index: int
    t: float
    box: tuple[int, int, int, int] | None
    score: float | None


@dataclass(frozen=True)
class Analysis:
    clip: str
    width: int
    height: int
    fps: float
    seconds: float
    has_audio: bool
    face_frames: int
    frames: list[TrackFrame]
    engine: str = Vision.engine

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def trim(source: str | Path, out: str | Path, seconds: float = clips.MAX_CLIP_SECONDS) -> Path:
    """The first ``seconds`` of ``source`` as H.264 + AAC (the source must be at most 10 min)."""
    clips.probe(source, max_seconds=MAX_UPLOAD_SECONDS)
    done = untrusted_media.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            *untrusted_media.input_args(source),
            "-t",
            f"{seconds:g}",
            "-map",
            "0:v:0",
            "-map",
            "0:a:0?",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-movflags",
            "+faststart",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    if done.returncode != 0:
        raise BadMedia("the template could not be trimmed: it is not a readable video")
    return Path(out)


def face_track(clip: str | Path, vision: Vision | None = None) -> Analysis:
    """The musician's face box per frame of a (trimmed) template."""
    vision = vision or Vision.shared()
    info = clips.probe(clip)
    frames: list[TrackFrame] = []
    near = None
    for index, frame in enumerate(clips.frames(clip, info)):
        found = musician_mesh(frame, vision, near)
        if found is None:
            near = None
            frames.append(TrackFrame(index, round(index / info.fps, 4), None, None))
            continue
        face, _ = found
        x0, y0, x1, y1 = face.box
        near = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        frames.append(
            TrackFrame(
                index,
                round(index / info.fps, 4),
                (round(x0), round(y0), round(x1), round(y1)),
                round(face.score, 4),
            )
        )
    return Analysis(
        Path(clip).name,
        info.width,
        info.height,
        info.fps,
        info.seconds,
        info.has_audio,
        sum(f.box is not None for f in frames),
        frames,
    )


def prepare(source: str | Path, out_dir: str | Path, vision: Vision | None = None) -> Analysis:
    """Trim ``source`` into ``out_dir/template.mp4``, analyse it, save ``out_dir/track.json``.
    A template whose face is seen in under half of its frames is refused."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    analysis = face_track(trim(source, out / "template.mp4"), vision)
    if analysis.face_frames < MIN_FACE_SHARE * len(analysis.frames):
        raise BadMedia(
            f"a face is seen in only {analysis.face_frames} of {len(analysis.frames)} frames; "
            "choose a clip where the musician faces the camera"
        )
    (out / "track.json").write_text(analysis.to_json())
    return analysis
