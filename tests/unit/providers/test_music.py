"""The music capability: MusicGen on the fake Replicate API, and the offline engine."""

from __future__ import annotations

import base64
import io
import wave
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from soundmosaic.providers import ProviderError, ProviderRefused, Registry
from soundmosaic.providers.offline import music_catalog
from soundmosaic.providers.offline.music import fit
from soundmosaic.providers.registry import DEFAULT_PATH
from soundmosaic.providers.types import MusicReference, MusicRequest

from tests.fakes import FakeReplicate
from tests.fakes.replicate_server import MUSICGEN_VERSION
from tests.unit.generation.music_songs import parts, reference
from tests.unit.providers.conftest import Mosaics

PACKAGED = Registry.load(DEFAULT_PATH)


@pytest.fixture(scope="module", autouse=True)
def catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("music-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDMOSAIC_CACHE_DIR", str(folder))
        yield folder


def wav_info(data: bytes) -> tuple[int, int, float]:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getnchannels(), reader.getframerate(), reader.getnframes() / reader.getframerate()


def excerpt(seconds: float = 1.0, level: int = 1000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(32000)
        writer.writeframes(level.to_bytes(2, "little", signed=True) * int(32000 * seconds))
    return buffer.getvalue()


def request(**changes: object) -> MusicRequest:
    heavy = MusicReference("work:heavy", Fraction(3), parts("D major", 100, 1), 100, "D major",
                           audio=excerpt(level=3000))
    light = MusicReference("work:light", Fraction(1), parts("G minor", 120, 2), 120, "G minor",
                           audio=excerpt(level=1000))
    fields: dict[str, object] = {"references": (light, heavy), "prompt": "warm synth pop", "seconds": 8.0,
                                 "seed": 5}
    fields.update(changes)
    return MusicRequest(**fields)  # type: ignore[arg-type]


def test_musicgen_gets_prompt_duration_seed_and_the_heaviest_melody(replicate_fake: FakeReplicate,
                                                                    mosaics: Mosaics) -> None:
    result = mosaics(replicate_fake.env(), PACKAGED).music(request(seconds=7.6))
    create = next(r for r in replicate_fake.requests if r.method == "POST")
    assert create.path == "/v1/predictions"
    body = create.json()
    assert body["version"] == MUSICGEN_VERSION
    sent = body["input"]
    assert {k: sent[k] for k in ("prompt", "seed", "duration", "output_format", "model_version")} == {
        "prompt": "warm synth pop", "seed": 5, "duration": 8, "output_format": "wav",
        "model_version": "stereo-melody-large"}
    prefix = "data:audio/wav;base64,"
    assert sent["input_audio"].startswith(prefix)
    assert base64.b64decode(sent["input_audio"][len(prefix):]) == excerpt(level=3000)  # the heavy one
    assert (result.provider, result.model, result.offline) == ("replicate", "meta/musicgen", False)
    assert result.content_type == "audio/wav"
    assert wav_info(result.audio) == (2, 32000, 7.6)  # cut to the requested length
    assert result.sample_rate == 32000
    assert result.influence == {"work:heavy": Fraction(3, 4) * Fraction(85, 100),
                                "work:light": Fraction(1, 4) * Fraction(85, 100),
                                "meta/musicgen:training-data": Fraction(15, 100)}
    assert sum(result.influence.values()) == 1
    assert "cannot be measured" in result.details["influence"]
    assert result.record.cost_usd == Decimal("0.0014") * Decimal("2.5")


def test_musicgen_mp3_and_no_melody_without_audio(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    silent = tuple(MusicReference(r.work_id, r.weight, r.parts, r.tempo_bpm, r.key)
                   for r in request().references)
    result = mosaics(replicate_fake.env(), PACKAGED).music(request(references=silent, format="mp3"))
    sent = next(r for r in replicate_fake.requests if r.method == "POST").json()["input"]
    assert "input_audio" not in sent and sent["output_format"] == "mp3"
    assert result.content_type == "audio/mpeg"
    assert result.audio[:3] == b"ID3" or result.audio[:2] == b"\xff\xfb"


def test_musicgen_failures(replicate_fake: FakeReplicate, mosaics: Mosaics) -> None:
    mosaic = mosaics(replicate_fake.env(), PACKAGED)
    replicate_fake.refuse_next()
    with pytest.raises(ProviderRefused):
        mosaic.music(request())
    replicate_fake.fail_next(2, 503)
    with pytest.raises(ProviderError) as caught:
        mosaic.music(request())
    assert caught.value.status == 503 and mosaic.records[-1].attempts == 2
    bad = mosaics({**replicate_fake.env(), "REPLICATE_API_TOKEN": "wrong"}, PACKAGED)
    with pytest.raises(ProviderError) as caught:
        bad.music(request())
    assert caught.value.status == 401 and not caught.value.retryable


def test_offline_engine_reports_exact_weights_and_is_deterministic(mosaics: Mosaics) -> None:
    mosaic = mosaics({}, PACKAGED)
    result = mosaic.music(request(seconds=8.0))
    assert (result.provider, result.model, result.offline) == (
        "offline", "offline-markov-fluidsynth-v1", True)
    assert result.details["engine"].startswith("offline engine")
    assert wav_info(result.audio) == (2, 44100, 8.0)
    catalog = [w.work_id for w in music_catalog.load()]
    assert len(catalog) == music_catalog.DEFAULT_COUNT and catalog[0].startswith("music21:bach/")
    expected = {"work:heavy": Fraction(3, 4) * Fraction(85, 100),
                "work:light": Fraction(1, 4) * Fraction(85, 100),
                **{c: Fraction(15, 100) / len(catalog) for c in catalog}}
    assert result.influence == expected and sum(result.influence.values()) == 1
    assert result.details["key"] == "D major" and result.details["tempo_bpm"] == 100
    again = mosaic.music(request(seconds=8.0))
    other = mosaic.music(request(seconds=8.0, seed=6))
    assert again.midi == result.midi and other.midi != result.midi
    alone = mosaic.music(request(seconds=4.0, catalog_weight=0))
    assert set(alone.influence) == {"work:heavy", "work:light"} and sum(alone.influence.values()) == 1


def test_offline_rendering_failure_is_a_provider_error(mosaics: Mosaics, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUNDMOSAIC_SOUNDFONT", str(tmp_path / "missing.sf2"))
    mosaic = mosaics({}, PACKAGED)
    with pytest.raises(ProviderError, match="no soundfont at"):
        mosaic.music(request(seconds=2.0))
    assert mosaic.records[-1].ok is False


def test_fit_cuts_and_pads_exactly() -> None:
    assert wav_info(fit(excerpt(2.0), 0.5))[2] == 0.5
    assert wav_info(fit(excerpt(0.5), 1.25))[2] == 1.25


@pytest.mark.parametrize("changes", [{"format": "ogg"}, {"catalog_weight": 1}, {"seconds": 0.5},
                                     {"references": ()}])
def test_bad_requests(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        request(**changes)


def test_a_reference_listed_twice_is_refused() -> None:
    one = reference("work:a", "C major", 90, 1)
    with pytest.raises(ValueError, match="twice"):
        MusicRequest(references=(one, one))


def test_musicgen_conditions_on_all_ten_songs_by_weight(replicate_fake: FakeReplicate, mosaics: Mosaics,
                                                        tmp_path: Path) -> None:
    """The weighted clip (every song's segment, its length by weight) is what MusicGen receives."""
    from dataclasses import replace

    from soundmosaic.generation.compose import build_request

    from tests.unit.generation.music_songs import songs, tone_file

    ten = [replace(s, audio_path=tone_file(tmp_path / f"{i}.wav", 200 + 60 * i, 8.0))
           for i, s in enumerate(songs(heavy_count=1, heavy_weight=11))]  # 11/20 of the clip: 16.5 s
    built = build_request(ten, seconds=6.0, seed=2)
    assert built.conditioning is not None
    result = mosaics(replicate_fake.env(), PACKAGED).music(built)
    sent = next(r for r in replicate_fake.requests if r.method == "POST").json()["input"]
    prefix = "data:audio/wav;base64,"
    assert base64.b64decode(sent["input_audio"][len(prefix):]) == built.conditioning
    plan = result.details["melody_conditioning"]
    assert [p["work_id"] for p in plan] == [s.work_id for s in ten]
    assert plan[0]["seconds"] == 16.5 and all(p["seconds"] == 1.5 for p in plan[1:])
    assert wav_info(built.conditioning) == (1, 32000, 30.0)
