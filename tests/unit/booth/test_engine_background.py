"""Background replacement on footage made from a package-shipped photograph (Grace Hopper cut
out by GrabCut, moving over the ``grass`` photograph): the matte against the known person mask,
per frame, and the composite's encoding and audio."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from soundmosaic.booth import background, clips
from soundmosaic_local import booth_eval

from tests.unit.booth.engine_support import WORK, person, template, vision


def test_the_person_mask_matches_the_known_mask_in_every_frame() -> None:
    clip = person()
    matte = background.Matte(vision())
    scores = [
        booth_eval.iou(matte(frame) > 0.5, truth)
        for frame, truth in zip(clips.frames(clip.path, clips.probe(clip.path)), clip.masks, strict=True)
    ]
    print("IoU per frame:", [round(s, 3) for s in scores])  # measured 0.964 to 0.987
    assert len(scores) == 10 and min(scores) >= 0.9, scores


@pytest.fixture(scope="module")
def composite() -> background.BackgroundResult:
    # The astronaut template clip is the "dynamic scene": it loops under the person clip.
    return background.replace_background(
        person().path, template().path, WORK / "bg.mp4", height=480, vision=vision()
    )


def test_the_composite_keeps_the_person_shows_the_scene_and_keeps_the_audio(
    composite: background.BackgroundResult,
) -> None:
    info = clips.probe(composite.path)
    assert (info.width, info.height, info.has_audio) == (640, 480, True)
    assert composite.frames == 10 and composite.engine.startswith("offline")
    clip, scene = person(), template()
    out = list(clips.frames(composite.path, info, size=(320, 240)))
    source = list(clips.frames(clip.path, clips.probe(clip.path)))
    backdrop = list(clips.frames(scene.path, clips.probe(scene.path), fps=10))  # at the clip's rate
    for frame, original, scene_frame, truth in zip(out, source, backdrop, clip.masks, strict=False):
        inner = np.asarray(cv2.erode(truth.astype(np.uint8), np.ones((9, 9), np.uint8)), bool)
        outer = ~np.asarray(cv2.dilate(truth.astype(np.uint8), np.ones((9, 9), np.uint8)), bool)
        # inside the person: the original pixels; outside: the scene, not the grass
        assert np.abs(frame[inner].astype(int) - original[inner]).mean() < 8
        assert np.abs(frame[outer].astype(int) - scene_frame[outer]).mean() < 12
        assert np.abs(frame[outer].astype(int) - original[outer]).mean() > 25


def test_the_matting_capability_answers_a_grey_alpha_video() -> None:
    out = background.alpha_video(person().path, WORK / "alpha.mp4", vision())
    alpha = next(clips.frames(out, clips.probe(out)))
    truth = person().masks[0]
    assert booth_eval.iou(alpha[..., 0] > 127, truth) >= 0.9
