"""ModelMosaic's booth capabilities: faceswap (roop), upscale (Real-ESRGAN) and matting (Robust
Video Matting) through the official Replicate client against the fake Replicate API, and the
offline entries that answer without a key."""

from __future__ import annotations

import base64
import io
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from soundmosaic.providers import ProviderError, Registry
from soundmosaic.providers.types import FaceSwapRequest, MattingRequest, UpscaleRequest

from tests.fakes import FakeReplicate, media
from tests.unit.providers.conftest import Mosaics

PACKAGED = Registry.load()


def sent(fake: FakeReplicate) -> dict:
    create = next(r for r in fake.requests if r.method == "POST")
    assert create.path == "/v1/predictions"  # pinned versions
    return create.json()


def decoded(url: str) -> bytes:
    assert url.startswith("data:")
    return base64.b64decode(url.split(",", 1)[1])


def test_the_registry_pins_each_booth_model_with_an_offline_fallback() -> None:
    for capability, model in (
        ("faceswap", "arabyai-replicate/roop_face_swap"),
        ("upscale", "nightmareai/real-esrgan"),
        ("matting", "arielreplicate/robust_video_matting"),
    ):
        first, last = PACKAGED.entries[capability][0], PACKAGED.entries[capability][-1]
        assert (first.provider, first.model, last.provider) == ("replicate", model, "offline")
        assert first.version is not None and len(first.version) == 64


def test_faceswap_sends_the_photo_and_the_clip_and_brings_back_the_video(
    replicate_fake: FakeReplicate, mosaics: Mosaics
) -> None:
    photo, clip = media.image(64, 64, 1, "face", "jpg"), media.mp4(64, 48, 8, 0.5)
    result = mosaics(replicate_fake.env(), PACKAGED).faceswap(FaceSwapRequest(photo, clip))
    body = sent(replicate_fake)
    assert body["version"] == PACKAGED.entries["faceswap"][0].version
    assert decoded(body["input"]["swap_image"]) == photo and decoded(body["input"]["target_video"]) == clip
    assert (result.provider, result.offline, result.content_type) == ("replicate", False, "video/mp4")
    assert result.data[4:8] == b"ftyp"
    assert result.record.cost_usd == Decimal("0.0014") * Decimal("2.5")  # predict_time x the A100 rate


def test_upscale_sends_the_scale_and_brings_back_a_png(
    replicate_fake: FakeReplicate, mosaics: Mosaics
) -> None:
    png = media.image(64, 48, 2, "print", "png")
    result = mosaics(replicate_fake.env(), PACKAGED).upscale(UpscaleRequest(png, 4))
    body = sent(replicate_fake)["input"]
    assert (body["scale"], body["face_enhance"]) == (4, True) and decoded(body["image"]) == png
    with Image.open(io.BytesIO(result.data)) as image:
        assert (image.format, image.size) == ("PNG", (256, 192))


def test_matting_asks_for_the_alpha_mask(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    clip = media.mp4(64, 48, 8, 0.5)
    result = mosaics(replicate_fake.env(), PACKAGED).matting(MattingRequest(clip))
    body = sent(replicate_fake)["input"]
    assert body["output_type"] == "alpha-mask" and decoded(body["input_video"]) == clip
    assert result.data[4:8] == b"ftyp"


def test_a_refused_faceswap_is_not_retried_and_does_not_fall_back(
    replicate_fake: FakeReplicate, mosaics: Mosaics
) -> None:
    replicate_fake.refuse_next()
    with pytest.raises(ProviderError):
        mosaics(replicate_fake.env(), PACKAGED).faceswap(FaceSwapRequest(b"jpg", media.mp4(64, 48, 8, 0.5)))
    assert sum(r.method == "POST" for r in replicate_fake.requests) == 1


def test_without_a_key_the_offline_upscaler_answers(mosaics: Mosaics) -> None:
    png = media.image(40, 30, 3, "print", "png")
    result = mosaics({}, PACKAGED).upscale(UpscaleRequest(png, 2))
    assert (result.provider, result.model, result.offline) == ("offline", "offline-lanczos-unsharp-v1", True)
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.size == (80, 60)


@pytest.mark.parametrize("scale", [1, 9])
def test_an_upscale_request_is_bounded(scale: int) -> None:
    with pytest.raises(ValueError, match="scale of 2 to 8"):
        UpscaleRequest(b"png", scale)


def test_the_engines_provider_helpers_go_through_the_registry(replicate_fake: FakeReplicate, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from soundmosaic.booth import background, faceswap

    for key, value in replicate_fake.env().items():
        monkeypatch.setenv(key, value)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(media.mp4(64, 48, 8, 0.5))
    video, engine = faceswap.swap_with_provider(media.image(64, 64, 1, "face", "jpg"), clip)
    assert engine == "replicate:arabyai-replicate/roop_face_swap" and video[4:8] == b"ftyp"
    matte, engine = background.matte_with_provider(clip)
    assert engine == "replicate:arielreplicate/robust_video_matting" and matte[4:8] == b"ftyp"
