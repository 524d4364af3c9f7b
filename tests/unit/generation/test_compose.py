"""Song generation from ten matched songs on the offline engine, and its provenance."""

from __future__ import annotations

import io
import json
import subprocess
import wave
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from soundmosaic.audio.analysis import analyse
from soundmosaic.generation.compose import (
    GenerationRefused,
    InfluencePolicy,
    build_request,
    generate,
)
from soundmosaic.providers import ModelMosaic, Registry
from soundmosaic.providers.offline import music_catalog
from soundmosaic.providers.registry import DEFAULT_PATH
from soundmosaic.royalties.provenance import Policy, ProvenanceError

from tests.unit.generation.music_songs import midi_file, parts, songs


@pytest.fixture(scope="module", autouse=True)
def catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("music-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDMOSAIC_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def mosaic() -> Iterator[ModelMosaic]:
    made = ModelMosaic(Registry.load(DEFAULT_PATH), {})  # no keys: the offline engine
    yield made
    made.close()


def detected(audio: bytes, folder: Path) -> tuple[str | None, float | None]:
    path = folder / "out.wav"
    path.write_bytes(audio)
    found = analyse(path)
    return found.key, found.bpm


def wav_seconds(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (2, 2)
        return reader.getnframes() / reader.getframerate()


def test_output_follows_the_heavily_weighted_songs(mosaic: ModelMosaic, tmp_path: Path) -> None:
    # Three songs in E major at 96 bpm carry 30/37 of the songs' weight; seven in A# minor at 140.
    made = generate(mosaic, songs(), track_id="track-1", seconds=12, seed=3)
    assert detected(made.audio, tmp_path)[0] == "E major"
    assert abs((detected(made.audio, tmp_path)[1] or 0) - 96) < 4
    assert made.result.offline and made.result.details["engine"].startswith("offline engine")
    # The same ten songs with the weights turned around follow the other key and tempo.
    turned = generate(mosaic, [replace(s, weight=1 if i < 3 else 10) for i, s in enumerate(songs())],
                      track_id="track-2", seconds=12, seed=3)
    key, bpm = detected(turned.audio, tmp_path)
    assert key == "A# minor" and abs((bpm or 0) - 140) < 5
    assert turned.midi != made.midi


def test_seeds_differ_and_a_seed_repeats(mosaic: ModelMosaic) -> None:
    first = generate(mosaic, songs(), track_id="track-1", seconds=8, seed=1)
    again = generate(mosaic, songs(), track_id="track-1", seconds=8, seed=1)
    other = generate(mosaic, songs(), track_id="track-1", seconds=8, seed=2)
    assert first.midi == again.midi and first.audio == again.audio
    assert other.midi != first.midi and other.audio != first.audio
    assert (first.seed, other.seed) == (1, 2)


def test_provenance_holds_the_engines_weights(mosaic: ModelMosaic) -> None:
    made = generate(mosaic, songs(), track_id="track-7", seconds=8, seed=4)
    catalog = [w.work_id for w in music_catalog.load()]
    expected = {**{f"work:{i + 1}": Fraction(10 if i < 3 else 1, 37) * Fraction(85, 100) for i in range(10)},
                **{c: Fraction(15, 100) / len(catalog) for c in catalog}}
    assert made.influence == expected and sum(made.influence.values()) == 1
    record = made.provenance
    assert {i.work.work_id: i.weight for i in record.reference} == {
        f"work:{i + 1}": Fraction(10 if i < 3 else 1, 37) for i in range(10)}
    assert {i.work.work_id: i.weight for i in record.training} == {
        c: Fraction(1, len(catalog)) for c in catalog}
    assert sum(i.weight for i in record.reference) == 1 and sum(i.weight for i in record.training) == 1
    holders = record.holder_weights()
    assert sum(holders.values()) == 1
    # The royalty split is its own policy: 67/100 to the ten songs' holders, 33/100 to the catalog.
    assert holders["holder:1"] == Fraction(67, 100) * Fraction(10, 37)
    assert holders["catalog"] == Fraction(33, 100)
    assert json.loads(json.dumps(record.to_dict()))["reference"][0]["weight"] == "10/37"


def test_influence_policy_is_configurable_and_validated(mosaic: ModelMosaic) -> None:
    made = generate(mosaic, songs(), track_id="track-8", seconds=4, seed=4,
                    influence=InfluencePolicy(Fraction(95, 100), Fraction(5, 100)),
                    policy=Policy(Fraction(80, 100), Fraction(20, 100)))
    catalog_share = sum(w for k, w in made.influence.items() if k.startswith("music21:"))
    assert catalog_share == Fraction(5, 100)
    assert made.provenance.holder_weights()["catalog"] == Fraction(20, 100)
    with pytest.raises(GenerationRefused, match="not exactly 1"):
        InfluencePolicy(Fraction(85, 100), Fraction(10, 100))
    with pytest.raises(GenerationRefused, match="most of the influence"):
        InfluencePolicy(Fraction(40, 100), Fraction(60, 100))
    # Catalog share 0 under a royalty policy that pays the catalog: the provenance refuses.
    with pytest.raises(ProvenanceError, match="there are none"):
        generate(mosaic, songs(), track_id="track-9", seconds=2, seed=1,
                 influence=InfluencePolicy(Fraction(1), Fraction(0)))


def test_fewer_than_ten_or_unmatched_songs_are_refused(mosaic: ModelMosaic) -> None:
    ten = songs()
    with pytest.raises(GenerationRefused, match="exactly 10 songs, got 9"):
        generate(mosaic, ten[:9], track_id="t", seconds=4)
    unmatched = [replace(s, match_id=None) if i == 4 else s for i, s in enumerate(ten)]
    with pytest.raises(GenerationRefused, match=r"not matched.*work:5"):
        generate(mosaic, unmatched, track_id="t", seconds=4)
    with pytest.raises(GenerationRefused, match="listed twice"):
        generate(mosaic, [*ten[:9], ten[0]], track_id="t", seconds=4)
    noteless = [replace(s, notes=()) if i == 0 else s for i, s in enumerate(ten)]
    with pytest.raises(GenerationRefused, match="no notes for work:1"):
        generate(mosaic, noteless, track_id="t", seconds=4)
    assert mosaic.records == []  # nothing reached the engine


def test_wav_and_mp3_of_the_requested_length(mosaic: ModelMosaic, tmp_path: Path) -> None:
    wav = generate(mosaic, songs(), track_id="t-wav", seconds=9.5, seed=8)
    assert wav.content_type == "audio/wav" and abs(wav_seconds(wav.audio) - 9.5) <= 0.5
    mp3 = generate(mosaic, songs(), track_id="t-mp3", seconds=9.5, seed=8, fmt="mp3")
    assert mp3.content_type == "audio/mpeg"
    path = tmp_path / "out.mp3"
    path.write_bytes(mp3.audio)
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of",
                                       "json", str(path)], capture_output=True, check=True).stdout)
    assert probe["streams"][0]["codec_name"] == "mp3"
    assert abs(float(probe["format"]["duration"]) - 9.5) <= 0.5


def test_midi_files_and_audio_excerpts_as_input(tmp_path: Path) -> None:
    ten = songs()
    first = ten[0]
    mid = midi_file(tmp_path / "a.mid", "E major", 96.0, seed=0)
    wav = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=20", str(wav)],
                   check=True)
    ten[0] = replace(first, notes=(), midi_paths=(mid,), audio_path=wav)
    with pytest.raises(GenerationRefused, match="no audio for melody conditioning of work:2"):
        build_request(ten, seconds=5, seed=1)  # conditioning on one song alone is refused
    request = build_request([replace(s, audio_path=None) for s in ten], seconds=5, seed=1)
    loaded = request.references[0]
    expected = parts("E major", 96.0, 0)
    assert [len(p) for p in loaded.parts] == [len(p) for p in expected]
    assert [n[2] for n in loaded.parts[0]] == [n[2] for n in expected[0]]
    assert request.conditioning is None  # the offline engine: notes only
    ten = [replace(s, audio_path=wav) for s in ten]
    request = build_request(ten, seconds=5, seed=1)
    assert request.conditioning is not None and request.conditioning[:4] == b"RIFF"
    assert (len(request.conditioning) - 44) / 2 / 32000 == 30.0  # a 30 s mono 16-bit clip
    assert [w for w, _ in request.conditioning_plan] == [s.work_id for s in ten]
