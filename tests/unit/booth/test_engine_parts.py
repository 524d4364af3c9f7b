"""The smaller booth engines: template trim and face track, the collage grid, the upscaler."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from soundmosaic.booth import clips, collage, templates, upscale
from soundmosaic.booth.errors import BadMedia
from soundmosaic_local import booth_eval

from tests.unit.booth.engine_support import lavfi_clip, template, vision


def test_a_long_upload_is_trimmed_to_15_seconds(tmp_path: Path) -> None:
    out = templates.trim(lavfi_clip(tmp_path / "long.mp4", 17, size="32x32", rate=2), tmp_path / "t.mp4")
    assert abs(clips.probe(out).seconds - 15) < 0.6


def test_the_face_track_follows_the_known_motion(tmp_path: Path) -> None:
    clip = template()
    analysis = templates.face_track(clip.path, vision())
    assert analysis.face_frames == len(analysis.frames) == 12
    for frame, truth in zip(analysis.frames, clip.boxes, strict=True):
        assert frame.box is not None
        # the detector's box is the true box (the still's mesh bounds, moved) give or take a few px
        found, known = _mask(frame.box), _mask(truth)
        assert booth_eval.iou(found, known) > 0.6, (frame, truth)  # the true box of a rotated face is larger
        assert (found & known).sum() / found.sum() > 0.85, (frame, truth)  # measured >= 0.89
    saved = json.loads(analysis.to_json())
    assert saved["frames"][0]["box"] == list(analysis.frames[0].box) and saved["engine"].startswith("offline")


def test_a_template_without_a_face_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadMedia, match="face is seen in only 0"):
        templates.prepare(lavfi_clip(tmp_path / "pattern.mp4", 1, size="96x96"), tmp_path / "t", vision())


def _mask(box: tuple[float, float, float, float]) -> np.ndarray:
    mask = np.zeros((240, 320), bool)
    mask[round(box[1]) : round(box[3]), round(box[0]) : round(box[2])] = True
    return mask


@pytest.mark.parametrize(("count", "grid"), [(4, (2, 2)), (5, (3, 2)), (10, (4, 3)), (100, (10, 10))])
def test_the_collage_grid(count: int, grid: tuple[int, int]) -> None:
    layout = collage.grid(count)
    assert (layout.columns, layout.rows) == grid
    assert layout.cell_width * layout.columns <= 1920 and layout.cell_height * layout.rows <= 1080
    assert layout.cell_width % 2 == 0 and layout.cell_height % 2 == 0


@pytest.mark.parametrize("count", [0, 3, 101])
def test_a_collage_needs_4_to_100_clips(count: int) -> None:
    with pytest.raises(ValueError, match="4 to 100"):
        collage.grid(count)


def test_a_collage_video_of_five_clips(tmp_path: Path) -> None:
    sources = [template().path] * 4 + [lavfi_clip(tmp_path / "p.mp4", 0.5)]
    out = collage.render_collage(
        sources, tmp_path / "collage.mp4", seconds=1.5, fps=10, width=640, height=360
    )
    info = clips.probe(out)
    assert (info.width, info.height) == (640, 360) and abs(info.seconds - 1.5) < 0.2
    last = list(clips.frames(out, info))[-1]
    # 3 x 2 grid of 212 x 180 cells: the sixth cell is black, the others show their clip
    cell = last[180:360, 424:636]
    assert cell.max() < 20
    assert last[0:180, 0:212].std() > 20 and last[180:360, 212:424].std() > 20


def test_the_offline_upscaler_is_lanczos_and_unsharp_and_says_so() -> None:
    still = booth_eval.grace_hopper()
    big = upscale.upscale_image(still, 1500)
    assert max(big.shape[:2]) == 1500 and big.shape[1] == 1280
    from soundmosaic.providers import Registry

    assert upscale.ENGINE == "offline-lanczos-unsharp-v1" == Registry.load().entries["upscale"][-1].model
    assert "lanczos" in upscale.video_filter(1080) and "unsharp" in upscale.video_filter(1080)
    # The unsharp mask makes it crisper than plain Lanczos (more high-frequency energy).
    import cv2

    plain = cv2.resize(still, big.shape[1::-1], interpolation=cv2.INTER_LANCZOS4)
    assert cv2.Laplacian(big, cv2.CV_64F).var() > 1.2 * cv2.Laplacian(plain, cv2.CV_64F).var()


def test_the_models_are_installed_from_the_wheel_only_when_their_sha256_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from soundmosaic.booth import vision as vision_module

    vision()  # the real models are installed
    installed = vision_module.models_dir()
    good, bad = tmp_path / "good.whl", tmp_path / "bad.whl"
    with zipfile.ZipFile(good, "w") as ok, zipfile.ZipFile(bad, "w") as tampered:
        for name, (member, _) in vision_module.MODELS.items():
            data = (installed / f"{name}.tflite").read_bytes()
            ok.writestr(member, data)
            tampered.writestr(member, data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(vision_module.ModelsMissing, match="not the file this code was checked with"):
        vision_module.install_models(bad, tmp_path / "from-bad")
    assert not list((tmp_path / "from-bad").glob("*.tflite"))
    target = vision_module.install_models(good, tmp_path / "models")
    monkeypatch.setenv("SOUNDMOSAIC_BOOTH_MODELS", str(target))
    assert vision_module.Vision(threads=1).detect(booth_eval.grace_hopper())  # loads and finds her
    # A file changed after installation is refused at load time.
    landmark = target / "face_landmark.tflite"
    landmark.write_bytes(landmark.read_bytes()[:-10])
    with pytest.raises(vision_module.ModelsMissing, match="sha256"):
        vision_module.Vision(threads=1)


def test_prepare_saves_the_trimmed_template_and_its_track(tmp_path: Path) -> None:
    analysis = templates.prepare(template().path, tmp_path, vision())
    saved = json.loads((tmp_path / "track.json").read_text())
    assert (tmp_path / "template.mp4").exists() and clips.probe(tmp_path / "template.mp4").has_audio
    assert saved["face_frames"] == analysis.face_frames == len(saved["frames"]) == 12
