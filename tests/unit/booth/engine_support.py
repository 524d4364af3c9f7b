"""Shared material of the booth engine tests: the real models (installed once from the mediapipe
wheel, see soundmosaic_local.booth_models) and small clips made from package-shipped photographs
(soundmosaic_local.booth_eval), built once per session in a temporary folder."""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

from soundmosaic.booth.vision import Vision
from soundmosaic_local import booth_eval, booth_models

WORK = Path(tempfile.mkdtemp(prefix="booth-engine-tests-"))


@functools.cache
def vision() -> Vision:
    booth_models.ensure()
    return Vision.shared()


@functools.cache
def template() -> booth_eval.TemplateClip:
    vision()
    return booth_eval.template_clip(WORK / "template.mp4")


@functools.cache
def person() -> booth_eval.PersonClip:
    vision()
    return booth_eval.person_clip(WORK / "person.mp4")


def lavfi_clip(out: Path, seconds: float, size: str = "64x64", rate: int = 5) -> Path:
    """A synthetic clip (ffmpeg's test pattern) for the length and format checks."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={size}:rate={rate}",
            "-t",
            f"{seconds:g}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
    )
    return out
