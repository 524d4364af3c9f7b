"""Background replacement: a participant's clip composited over a looping template scene.

Per frame (docs/booth.md, "Engines"): the selfie-segmentation model (``vision``) gives the
probability of "person"; it is smoothed over time (an exponential moving average, so the edge
does not flicker), sharpened around 0.5 and feathered (a Gaussian on the alpha, a few pixels at
1080p), then the frame is laid over the template, which loops to the clip's length and is scaled
to cover the frame. The clip's audio is kept. The clip is capped like every booth clip (15 s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from soundmosaic.booth import clips, upscale
from soundmosaic.booth.vision import Vision

ENGINE = "offline-mediapipe-selfie-segmentation-v1"
TEMPORAL_WEIGHT = 0.65  # weight of the newest mask in the moving average
EDGE_LOW, EDGE_HIGH = 0.35, 0.65  # probabilities mapped to 0 and 1 (a soft threshold)
FEATHER = 0.0025  # Gaussian sigma of the feather, as a share of the frame's diagonal


@dataclass(frozen=True)
class BackgroundResult:
    path: Path
    engine: str
    frames: int
    width: int
    height: int
    person_share: float  # mean share of the frame seen as the person (a sanity figure)


class Matte:
    """Person alpha mattes for consecutive frames of one clip."""

    def __init__(self, vision: Vision | None = None) -> None:
        self._vision = vision or Vision.shared()
        self._previous: np.ndarray | None = None

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """Alpha in [0, 1] (float32, the frame's size) for ``frame``."""
        mask = self._vision.person_mask(frame)
        if self._previous is not None:
            mask = TEMPORAL_WEIGHT * mask + (1 - TEMPORAL_WEIGHT) * self._previous
        self._previous = mask
        alpha = np.clip((mask - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW), 0, 1)
        sigma = FEATHER * float(np.hypot(*frame.shape[:2]))
        return np.asarray(cv2.GaussianBlur(alpha, (0, 0), max(sigma, 0.5)), np.float32)


def composite(frame: np.ndarray, background: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None]
    return np.asarray(frame * a + background * (1 - a) + 0.5, np.uint8)


def replace_background(
    clip_path: str | Path,
    template_path: str | Path,
    out_path: str | Path,
    *,
    height: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    vision: Vision | None = None,
) -> BackgroundResult:
    """``clip_path``'s person over ``template_path`` (looped), written to ``out_path`` (H.264 + the
    clip's AAC audio; ``height`` upscales or scales down the result, None keeps the clip's)."""
    info = clips.probe(clip_path)
    scene = clips.probe(template_path, max_seconds=clips.MAX_CLIP_SECONDS * 4)
    # Cover the frame: scale the scene so it fills it, then crop the middle.
    scale = max(info.width / scene.width, info.height / scene.height)
    sw, sh = (
        max(info.width, round(scene.width * scale / 2) * 2),
        max(info.height, round(scene.height * scale / 2) * 2),
    )
    x0, y0 = (sw - info.width) // 2, (sh - info.height) // 2
    backgrounds = clips.frames(
        template_path, scene, size=(sw, sh), fps=info.fps, loop=True, seconds=info.seconds + 1
    )
    matte = Matte(vision)
    vf = upscale.video_filter(height) if height and height != info.height else None
    share = 0.0
    count = 0
    with clips.Encoder(out_path, info.width, info.height, info.fps, audio_from=clip_path, vf=vf) as encoder:
        for count, frame in enumerate(clips.frames(clip_path, info), start=1):
            scene_frame = next(backgrounds)[y0 : y0 + info.height, x0 : x0 + info.width]
            alpha = matte(frame)
            share += float(alpha.mean())
            encoder.write(composite(frame, scene_frame, alpha))
            if progress:
                progress(count, info.frames)
    backgrounds.close()
    width = round(info.width * height / info.height / 2) * 2 if vf and height else info.width
    return BackgroundResult(
        Path(out_path), ENGINE, count, width, height if vf and height else info.height, share / max(count, 1)
    )


def alpha_video(clip_path: str | Path, out_path: str | Path, vision: Vision | None = None) -> Path:
    """The clip's person matte as an MP4 of grey frames (white: person), like Robust Video
    Matting's ``alpha-mask`` output (the ``matting`` capability's offline answer)."""
    info = clips.probe(clip_path)
    matte = Matte(vision)
    with clips.Encoder(out_path, info.width, info.height, info.fps) as encoder:
        for frame in clips.frames(clip_path, info):
            grey = (matte(frame) * 255 + 0.5).astype(np.uint8)
            encoder.write(np.repeat(grey[..., None], 3, axis=2))
    return Path(out_path)


def matte_with_provider(clip_path: str | Path) -> tuple[bytes, str]:
    """(alpha-matte MP4 bytes, engine) through ModelMosaic's ``matting`` capability: Robust
    Video Matting on Replicate when keyed, else ``alpha_video``."""
    from soundmosaic.providers.mosaic import ModelMosaic
    from soundmosaic.providers.types import MattingRequest

    clips.probe(clip_path)
    mosaic = ModelMosaic.from_env()
    try:
        result = mosaic.matting(MattingRequest(Path(clip_path).read_bytes()))
    finally:
        mosaic.close()
    return result.data, f"{result.provider}:{result.model}"
