"""The offline face swap on real photographs (Grace Hopper onto the astronaut, moving with known
motion): placement in every frame, identity, encoding, audio, the print file and smoothing."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image
from soundmosaic.booth import clips, faceswap, printimage
from soundmosaic_local import booth_eval

from tests.unit.booth.engine_support import WORK, template, vision

PARTICIPANT_ID = "p_7Hq2kXw9Lm"


@pytest.fixture(scope="module")
def swapped() -> faceswap.SwapResult:
    progress: list[tuple[int, int]] = []
    result = faceswap.swap_video(
        booth_eval.grace_hopper_path(),
        template().path,
        WORK / "swap",
        participant_id=PARTICIPANT_ID,
        print_long_side=3000,
        vision=vision(),
        progress=lambda done, total: progress.append((done, total)),
    )
    assert progress[-1] == (12, 12)
    return result


def frames_of(path: Path, size: tuple[int, int] | None = None) -> list[np.ndarray]:
    return list(clips.frames(path, clips.probe(path), size=size))


def changed_region(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    """Bounds of the pixels the swap changed (blurred first, so H.264's noise does not count)."""
    diff = np.abs(
        cv2.GaussianBlur(before, (0, 0), 2).astype(int) - cv2.GaussianBlur(after, (0, 0), 2).astype(int)
    )
    changed = cv2.morphologyEx(
        (diff.max(-1) > 25).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
    )
    ys, xs = np.nonzero(changed)
    assert len(xs) > 200, "the frame was not swapped"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def test_the_swapped_face_lands_inside_the_template_face_box_in_every_frame(
    swapped: faceswap.SwapResult,
) -> None:
    clip = template()
    before = frames_of(clip.path)
    after = frames_of(swapped.video_path, size=(320, 240))  # the 1080p result, back at the template's size
    assert swapped.frames == swapped.swapped_frames == len(before) == len(after) == 12
    for index, (a, b, box) in enumerate(zip(before, after, clip.boxes, strict=True)):
        x0, y0, x1, y1 = box
        # The true box is the still's face mesh bounds moved by the frame's transform; Poisson
        # cloning may touch a rim of 15% of the face size around it, never more.
        margin = 0.15 * max(x1 - x0, y1 - y0)
        cx0, cy0, cx1, cy1 = changed_region(a, b)
        assert cx0 >= x0 - margin and cy0 >= y0 - margin and cx1 <= x1 + margin and cy1 <= y1 + margin, (
            index,
            box,
            (cx0, cy0, cx1, cy1),
        )
        # and the detector followed the moving face: its box centre within 10% of the truth
        found = swapped.face_boxes[index]
        assert found is not None
        centre = np.array([(found[0] + found[2]) / 2, (found[1] + found[3]) / 2])
        assert np.hypot(*(centre - [(x0 + x1) / 2, (y0 + y1) / 2])) < 0.1 * (x1 - x0) + 2


def test_the_result_looks_like_the_participant_not_the_musician(swapped: faceswap.SwapResult) -> None:
    v = vision()
    before, after = frames_of(template().path), frames_of(swapped.video_path, size=(320, 240))
    photo = booth_eval.grace_hopper()
    photo_points, _ = v.landmarks(photo, v.detect(photo)[0])
    scores = []
    for result, musician in zip(after, before, strict=True):
        result_points, _ = v.landmarks(result, v.detect(result)[0])
        musician_points, _ = v.landmarks(musician, v.detect(musician)[0])
        scores.append(
            booth_eval.identity_scores(result, result_points, photo, photo_points, musician, musician_points)
        )
    # Face structure (HOG of the aligned inner face) sides with the participant in every frame ...
    assert all(s.hog_participant > s.hog_musician + 0.05 for s in scores), scores
    # ... and so do the inner-face proportions, in every frame (measured: 12 of 12, the smallest
    # margin 0.07) and on the median by more than a factor of two.
    assert all(s.shape_participant < s.shape_musician for s in scores), scores
    medians = [np.median([getattr(s, k) for s in scores]) for k in ("shape_participant", "shape_musician")]
    assert medians[0] < 0.5 * medians[1]


def ffprobe(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_video_is_h264_1080p_with_the_template_audio(swapped: faceswap.SwapResult) -> None:
    streams = {s["codec_type"]: s for s in ffprobe(swapped.video_path)["streams"]}
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["pix_fmt"] == "yuv420p"
    assert (
        (streams["video"]["width"], streams["video"]["height"])
        == (1440, 1080)
        == (swapped.width, swapped.height)
    )
    assert streams["audio"]["codec_name"] == "aac"
    # The template's "song" is a 440 Hz tone: the result's audio peaks there.
    pcm = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(swapped.video_path),
            "-vn",
            "-ac",
            "1",
            "-ar",
            "8000",
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(pcm, np.int16).astype(float)
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * 8000 / len(samples) - 440) < 5
    assert swapped.engine.startswith("offline")


def test_the_print_file_is_300_dpi_srgb_over_3000_px_with_only_an_opaque_id(
    swapped: faceswap.SwapResult,
) -> None:
    data = swapped.image_path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and max(image.size) >= 3000
        assert image.info["dpi"] == (300, 300)
        from PIL import ImageCms

        profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
        assert "sRGB" in ImageCms.getProfileDescription(profile)
        xmp = image.info["xmp"].decode()
        exif = image.getexif()
        texts = [str(v) for v in [*exif.values(), *exif.get_ifd(printimage.EXIF_IFD).values()]]
    assert printimage.read_id(data) == PARTICIPANT_ID
    assert f"urn:soundmosaic:participant:{PARTICIPANT_ID}" in xmp
    # Nothing else that identifies a person: no e-mail, phone or name in the metadata.
    for text in [xmp, *texts]:
        assert not re.search(r"@|\+?\d{9,}|Hopper|Grace", text), text


@pytest.mark.parametrize(
    "hostile", ["grace@example.org", "+5521987654321", "Grace Hopper", "short", "a" * 65]
)
def test_the_print_refuses_an_id_that_could_be_personal_data(hostile: str) -> None:
    with pytest.raises(ValueError, match="opaque id"):
        printimage.make_print(np.zeros((10, 3000, 3), np.uint8), hostile)


def test_the_one_euro_filter_steadies_a_still_face_and_follows_a_moving_one() -> None:
    rng = np.random.default_rng(3)
    still = np.array([[400.0, 300.0], [460.0, 300.0]])
    smoother = faceswap.OneEuro(25)
    # The detector's face size jitters too (here by 3%): it must not leak into the coordinates.
    out = np.array([smoother(still + rng.normal(0, 1.5, still.shape), 100 * (1 + rng.normal(0, 0.03)))
                    for _ in range(100)])
    assert out[20:].std(axis=0).max() < 0.5 * 1.5  # a still head's jitter cut by more than half
    smoother.reset()
    moving = [smoother(np.array([[100.0 + 8 * i, 100.0]]), 100.0)[0, 0] for i in range(50)]
    assert abs(moving[-1] - (100 + 8 * 49)) < 12  # at 200 px/s it lags by under 1.5 frames


def test_without_a_key_the_faceswap_capability_is_this_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    monkeypatch.delenv("SOUNDMOSAIC_PROVIDER_FACESWAP", raising=False)
    video, engine = faceswap.swap_with_provider(booth_eval.grace_hopper_path().read_bytes(), template().path)
    assert engine == f"offline:{faceswap.ENGINE}"
    info = clips.probe(_write(WORK / "capability.mp4", video))
    assert (info.width, info.height, info.has_audio) == (320, 240, True)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_swap_stopped_mid_clip_leaves_no_file_behind(tmp_path: Path) -> None:
    class Killed(Exception):
        pass

    def kill_at_frame_5(done: int, total: int) -> None:
        if done == 5:
            raise Killed

    with pytest.raises(Killed):
        faceswap.swap_video(booth_eval.grace_hopper_path(), template().path, tmp_path, vision=vision(),
                            height=None, progress=kill_at_frame_5)
    assert list(tmp_path.iterdir()) == []   # no swap.mp4, no partial file: a retry starts clean


def test_swap_image_puts_the_participant_on_a_still_frame_and_refuses_a_frame_without_a_face() -> None:
    import skimage.data

    still = booth_eval.astronaut()
    v = vision()
    mesh, _ = v.landmarks(still, v.detect(still)[0])
    out = faceswap.swap_image(booth_eval.grace_hopper_path().read_bytes(), still, v)
    x0, y0, x1, y1 = changed_region(still, out)
    (mx0, my0), (mx1, my1) = mesh.min(0), mesh.max(0)
    margin = 0.15 * (mx1 - mx0)
    assert x0 >= mx0 - margin and y0 >= my0 - margin and x1 <= mx1 + margin and y1 <= my1 + margin
    with pytest.raises(faceswap.NoFace, match="template frame shows no face"):
        faceswap.swap_image(booth_eval.grace_hopper_path().read_bytes(), skimage.data.coffee(), v)


def test_a_phone_photo_stored_sideways_is_turned_by_its_exif_orientation() -> None:
    sideways = Image.fromarray(booth_eval.grace_hopper()).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display", as phones write it
    out = io.BytesIO()
    sideways.save(out, format="JPEG", exif=exif.tobytes())
    face = faceswap.participant(out.getvalue(), vision())
    # Upright: the eyes level (they would be vertical in the stored pixels), the photo's shape back.
    dx, dy = face.points[263] - face.points[33]
    assert abs(np.degrees(np.arctan2(dy, dx))) < 10
    assert face.box[2] < 512 and face.box[3] < 600
