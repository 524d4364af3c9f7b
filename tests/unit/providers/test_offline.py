"""The offline engines behind ModelMosaic (no key, no network), and Replicate clips made into loops."""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from soundmosaic.providers import (
    ImageRequest,
    ModelMosaic,
    ProviderError,
    TextRequest,
    VideoRequest,
    VisionRequest,
)

from tests.fakes import FakeReplicate
from tests.fakes.media import image
from tests.unit.providers.conftest import Mosaics

BRIEF = {"artist_name": "Nova Reyes", "genre": "dream pop", "mood": "wistful", "themes": ["ocean", "night"]}


def probe(mp4: bytes) -> dict[str, float]:
    """Codec, size, frame count and duration of an MP4, as ffprobe reads them."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        path.write_bytes(mp4)
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
             "stream=codec_name,width,height,nb_read_frames:format=duration", "-of", "json", str(path)],
            capture_output=True, text=True, check=True, timeout=60)
    info = json.loads(out.stdout)
    stream = info["streams"][0]
    return {"codec": stream["codec_name"], "width": stream["width"], "height": stream["height"],
            "frames": int(stream["nb_read_frames"]), "duration": float(info["format"]["duration"])}


@pytest.fixture
def offline(mosaics: Mosaics) -> ModelMosaic:
    return mosaics({})


def test_track_names_offline_are_json_candidates(offline: ModelMosaic) -> None:
    result = offline.text(TextRequest(task="track_names", data={**BRIEF, "count": 6}, seed=4))
    assert (result.provider, result.model, result.offline) == ("offline", "offline-names-v1", True)
    names = json.loads(result.text)
    assert len(names) == 6
    assert all(set(n) >= {"name", "rationale"} and n["name"].strip() for n in names)
    assert result.record.ok and result.record.cost_usd == Decimal(0) and result.record.attempts == 1


def test_offline_track_names_repeat_for_a_seed(offline: ModelMosaic) -> None:
    first = offline.text(TextRequest(task="track_names", data=dict(BRIEF), seed=21)).text
    assert offline.text(TextRequest(task="track_names", data=dict(BRIEF), seed=21)).text == first
    assert len(json.loads(first)) == 8  # the default count


def test_other_text_tasks_offline_are_a_clear_error(offline: ModelMosaic) -> None:
    with pytest.raises(ProviderError, match="only writes track names") as info:
        offline.text(TextRequest(task="free", prompt="Write a press release."))
    assert not info.value.retryable
    assert offline.records[-1].ok is False and offline.records[-1].provider == "offline"


def test_artwork_offline_is_a_png_of_the_requested_size(offline: ModelMosaic) -> None:
    result = offline.image(ImageRequest(prompt="lighthouse in fog", seed=3, width=320, height=240,
                                        data={**BRIEF, "title": "Tidelines"}))
    assert (result.provider, result.model, result.offline, result.seed) == (
        "offline", "offline-procedural-artwork-v1", True, 3)
    with Image.open(io.BytesIO(result.png)) as picture:
        assert (picture.format, picture.size) == ("PNG", (320, 240))


def test_vision_offline_describes_the_image(offline: ModelMosaic) -> None:
    result = offline.vision(VisionRequest(image=image(160, 120, seed=1), question="What colours dominate?"))
    assert (result.provider, result.model, result.offline) == ("offline", "offline-vision-v1", True)
    assert len(result.text.split()) >= 3


def test_video_offline_is_a_loop_of_the_requested_shape(offline: ModelMosaic) -> None:
    still = image(320, 180, seed=2)
    result = offline.video(VideoRequest(image=still, prompt="slow drift", seconds=2, fps=12, width=320,
                                        height=180, seed=1))
    assert (result.provider, result.model, result.offline) == ("offline", "offline-loop-v1", True)
    assert (result.seconds, result.frames, result.fps) == (2, 24, 12)
    info = probe(result.mp4)
    assert (info["codec"], info["width"], info["height"], info["frames"]) == ("h264", 320, 180, 24)
    assert info["duration"] == pytest.approx(2.0, abs=0.1)


def test_a_replicate_clip_becomes_a_seamless_loop_of_the_requested_shape(mosaics: Mosaics) -> None:
    with FakeReplicate(clip=(240, 160, 8, 1.0)) as fake:
        mosaic = mosaics(fake.env())
        result = mosaic.video(VideoRequest(image=image(320, 180), prompt="waves", seconds=3, fps=10,
                                           width=320, height=180, seed=8))
        create = next(r for r in fake.requests if r.method == "POST")
    assert create.path == "/v1/predictions"
    assert create.json()["version"] == mosaic.entry("video").version
    assert create.json()["input"]["seed"] == 8 and "image" not in create.json()["input"]  # text-to-video
    assert (result.provider, result.model, result.offline, result.frames) == (
        "replicate", "cuuupid/cogvideox-5b", False, 30)
    info = probe(result.mp4)
    assert (info["width"], info["height"], info["frames"]) == (320, 180, 30)
    # CogVideoX is billed by predict_time (the fake says 2.5 s) at $0.0014/s.
    assert result.record.cost_usd == Decimal("0.0035")


def test_an_image_to_video_entry_sends_the_still(mosaics: Mosaics) -> None:
    from soundmosaic.providers import Registry

    reg = Registry.parse('[[video]]\nprovider = "replicate"\ndeployment = "sound-mosaic/cogvideox-i2v"\n'
                         'image_input = "image"\n')
    with FakeReplicate(clip=(240, 160, 8, 1.0)) as fake:
        still = image(64, 64, seed=5)
        mosaics(fake.env(), reg).video(VideoRequest(image=still, prompt="p", seconds=1, fps=8, width=64,
                                                    height=64, seed=1))
        sent = fake.requests[0].json()["input"]["image"]
    assert sent.startswith("data:image/png;base64,")
