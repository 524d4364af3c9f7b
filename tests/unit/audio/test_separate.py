"""The ``separate`` capability: checkpoint reader, offline engine, Demucs path, streaming.

The offline engine runs the real pretrained Spleeter weights on mixes built here from known
sources (espeak-ng speech, FluidSynth accompaniment), so the quality tests can fail. The Demucs
path runs a small randomly initialised ``HTDemucs`` through the real ``apply_model`` and the
real demucs model-repo loading.
"""

from __future__ import annotations

import itertools
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import torch
from soundmosaic.audio.separate import (
    ENGINE_NAMES,
    Separation,
    SeparationEngine,
    Stem,
    get_engine,
    separate_file,
)
from soundmosaic.audio.separate import spleeter_unet as su
from soundmosaic.audio.separate.bass import split_bass
from soundmosaic.audio.separate.demucs_engine import MODELS_ENV, DemucsEngine, ModelsMissing
from soundmosaic.audio.separate.offline import LABEL, SpleeterHPSSEngine, refine
from soundmosaic.audio.separate.tf_checkpoint import Checkpoint, CheckpointError, read_index
from soundmosaic.audio.signal import Audio, read_wav, write_wav
from soundmosaic_local.evaluation.separation import sdr, si_sdr
from soundmosaic_local.fixtures import known_mixes

needs_tools = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("fluidsynth") and known_mixes.SOUNDFONT.is_file()),
    reason="espeak-ng, fluidsynth and fluid-soundfont-gm build the known mixes")

SOURCES = ["drums", "bass", "other", "vocals"]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One intra-op thread: on a shared 2-core machine, two spinning threads run 2-3x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def engine() -> SpleeterHPSSEngine:
    eng = SpleeterHPSSEngine()
    _ = eng.model  # load (and cache) the pretrained weights once for the module
    return eng


@pytest.fixture(scope="module")
def known() -> known_mixes.KnownMix4:
    if not (shutil.which("espeak-ng") and shutil.which("fluidsynth")):
        pytest.skip("espeak-ng and fluidsynth build the known mixes")
    # 11 s fits one T=512-frame model segment
    return known_mixes.build_mix4(11.0, vocal="speech", seed=1)


@pytest.fixture(scope="module")
def known_result(engine: SpleeterHPSSEngine, known: known_mixes.KnownMix4) -> Separation:
    return engine.separate(Audio(known.mix, known.rate))


def _total(result: Separation) -> np.ndarray:
    return np.sum([stem.audio.samples for stem in result.stems], axis=0)


# --- the TF checkpoint reader ------------------------------------------------------------------

def test_checkpoint_reader_finds_every_variable_with_its_shape() -> None:
    prefix = su.checkpoint_prefix()
    checkpoint = Checkpoint(prefix)
    shapes = checkpoint.shapes()
    assert len(shapes) == 149 and shapes["global_step"] == ()
    model = su.SpleeterModel()
    state = model.state_dict()
    mapping = su.variable_map()
    assert set(mapping) == set(shapes) - {"global_step"}  # every trained variable is used, once
    assert len({key for key, _ in mapping.values()}) == len(mapping)
    for tf_name, (key, kind) in mapping.items():
        expected = tuple(state[key].shape)
        if kind in ("conv", "deconv"):  # TF keeps (kh, kw, in|out, out|in)
            expected = (expected[2], expected[3], expected[1], expected[0])
        assert shapes[tf_name] == expected, tf_name
    assert shapes["conv2d/kernel"] == (5, 5, 2, 16)
    assert shapes["conv2d_transpose_11/kernel"] == (5, 5, 1, 32)
    # the entries tile the data shard exactly
    entries = sorted(checkpoint.entries.values(), key=lambda e: e.offset)
    assert entries[0].offset == 0
    assert all(a.offset + a.size == b.offset for a, b in itertools.pairwise(entries))
    assert entries[-1].offset + entries[-1].size == checkpoint.shard_path(0).stat().st_size
    gamma = checkpoint.read("batch_normalization/gamma")
    assert gamma.dtype == np.float32 and gamma.shape == (16,) and np.isfinite(gamma).all()


def test_checkpoint_reader_rejects_other_files(tmp_path: Path) -> None:
    bogus = tmp_path / "model.index"
    bogus.write_bytes(b"\0" * 100)
    with pytest.raises(CheckpointError, match="magic"):
        read_index(bogus)
    with pytest.raises(CheckpointError, match="no checkpoint index"):
        Checkpoint(tmp_path / "missing")


def test_ported_unet_keeps_tf_same_shapes() -> None:
    net = su.UNet().eval()
    with torch.inference_mode():
        out = net(torch.rand(1, 2, 64, 128))
    assert out.shape == (1, 2, 64, 128)


def test_stft_roundtrip_is_exact() -> None:
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 50_000)).astype(np.float32))
    y = su.istft(su.stft(x), x.shape[1])
    assert torch.allclose(x, y, atol=1e-4)


# --- the offline engine ------------------------------------------------------------------------

@needs_tools
def test_offline_engine_separates_vocals_for_real(known: known_mixes.KnownMix4,
                                                  known_result: Separation) -> None:
    assert known_result.engine == LABEL and "offline engine" in known_result.engine
    assert known_result.offline is True
    assert known_result.names == ["vocals", "drums", "bass", "other"]
    vocals = known_result.stem("vocals").audio.samples
    accompaniment = sum(known_result.stem(name).audio.samples for name in ("drums", "bass", "other"))
    vocal_gain = sdr(known.vocals, vocals) - sdr(known.vocals, known.mix)
    acc_gain = (sdr(known.accompaniment, accompaniment)
                - sdr(known.accompaniment, known.mix))
    assert vocal_gain > 6.0, vocal_gain  # measured about 10 dB
    assert acc_gain > 6.0, acc_gain
    drums = known_result.stem("drums").audio.samples
    drum_gain = sdr(known.drums, drums) - sdr(known.drums, known.mix)
    assert drum_gain > 6.0, drum_gain


@needs_tools
def test_bass_stem_holds_the_bass_line_not_the_voice(known: known_mixes.KnownMix4,
                                                     known_result: Separation) -> None:
    bass = known_result.stem("bass").audio.samples
    assert si_sdr(known.bass, bass) > 4.0  # measured 7.8 dB (the mix itself: about -6 dB)
    assert si_sdr(known.bass, bass) - si_sdr(known.bass, known.mix) > 8.0

    def share(part: np.ndarray) -> float:  # of ``part``'s energy that ends up in the bass stem
        gain = float(np.sum(part * bass)) / float(np.sum(part * part))
        return gain

    assert share(known.bass) > 0.6
    assert share(known.vocals) < 0.05  # the voice stays out of the bass stem
    low = si_sdr(known.bass, known_result.stem("other").audio.samples)
    assert low < 0.0  # and the bass line is not left in "other"


def test_bass_tracking_follows_the_lowest_note() -> None:
    rate, n = 44100, 44100 * 2
    t = np.arange(n) / rate
    f0 = np.where(t < 1.0, 55.0, 82.41)  # A1 then E2, under a C4-E4-G4 chord
    phase = 2 * np.pi * np.cumsum(f0) / rate
    bass_line = sum(np.sin(k * phase) / k for k in (1, 2, 3))
    chord = sum(0.5 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
    harmonic = np.stack([bass_line + chord, bass_line + chord]).astype(np.float32) * 0.2
    bass, other = split_bass(harmonic)
    np.testing.assert_allclose(bass + other, harmonic, atol=1e-5)
    truth = np.stack([bass_line, bass_line]) * 0.2
    assert si_sdr(truth, bass) > 8.0  # measured 9.8 dB (the note change smears one frame)
    assert si_sdr(truth, other) < -10.0


@needs_tools
def test_offline_stems_sum_to_the_mix(known: known_mixes.KnownMix4, known_result: Separation) -> None:
    total = _total(known_result)
    assert sdr(known.mix, total) > 30.0
    for stem in known_result.stems:
        assert stem.audio.sample_rate == known.rate and stem.audio.samples.shape == known.mix.shape
        assert stem.audio.samples.dtype == np.float32


def test_wiener_step_keeps_the_sum_and_needs_stereo() -> None:
    rng = np.random.default_rng(5)
    parts = [rng.standard_normal((2, 44100)).astype(np.float32) * g for g in (0.1, 0.2, 0.3)]
    total = sum(parts)
    refined = refine(total, [p + 0.05 * parts[(i + 1) % 3] for i, p in enumerate(parts)], 1)
    np.testing.assert_allclose(sum(refined), total, atol=2e-3)
    mono = [p[:1] for p in parts]
    assert refine(sum(mono), mono, 1) == mono  # no stereo image to use: unchanged
    doubled = [np.repeat(p[:1], 2, axis=0) for p in parts]  # L == R: singular spatial covariances
    refined = refine(sum(doubled), doubled, 1)
    assert all(np.isfinite(p).all() and np.abs(p).max() < 10 for p in refined)
    np.testing.assert_allclose(sum(refined), sum(doubled), atol=2e-3)
    with pytest.raises(ValueError, match="wiener_iterations"):
        SpleeterHPSSEngine(wiener_iterations=9)


def test_silence_in_silence_out(engine: SpleeterHPSSEngine) -> None:
    result = engine.separate(Audio(np.zeros((2, 3 * 44100), dtype=np.float32), 44100))
    for stem in result.stems:
        assert np.isfinite(stem.audio.samples).all()
        assert np.abs(stem.audio.samples).max() < 1e-6


def test_one_second_mono_clip_gives_mono_stems(engine: SpleeterHPSSEngine) -> None:
    rng = np.random.default_rng(2)
    t = np.arange(44100) / 44100
    clip = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    seen: list[float] = []
    result = engine.separate(Audio(clip[None], 44100), seen.append)
    assert [stem.audio.samples.shape for stem in result.stems] == [(1, 44100)] * 4
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    total = _total(result)
    assert sdr(clip[None], total) > 30.0


@pytest.mark.parametrize(("rate", "seconds"), [(8000, 4.0), (192000, 2.0)])
def test_other_rates_come_back_at_the_source_rate(engine: SpleeterHPSSEngine, rate: int,
                                                  seconds: float) -> None:
    n = int(rate * seconds)
    t = np.arange(n) / rate
    tone = 0.2 * np.sin(2 * np.pi * 330 * t) * (1 + np.sign(np.sin(2 * np.pi * 2 * t))) / 2
    audio = Audio(np.stack([tone, 0.5 * tone]).astype(np.float32), rate)
    result = engine.separate(audio)
    for stem in result.stems:
        assert stem.audio.sample_rate == rate and stem.audio.samples.shape == (2, n)
        assert np.isfinite(stem.audio.samples).all()
    total = _total(result)
    # below the model's 11 kHz band edge everything is kept (the stems add up to the input)
    assert sdr(audio.samples, total) > 25.0


def test_empty_input_is_a_clear_error(engine: SpleeterHPSSEngine) -> None:
    with pytest.raises(ValueError, match="empty"):
        engine.separate(Audio(np.zeros((2, 0), dtype=np.float32), 44100))


# --- streaming long files ------------------------------------------------------------------------

class LinearEngine:
    """A stand-in whose stems are fixed fractions of the input: the seams must vanish exactly."""

    name = "linear"

    def __init__(self) -> None:
        self.windows: list[int] = []

    def separate(self, audio: Audio, progress: Callable[[float], None] | None = None) -> Separation:
        self.windows.append(audio.frames)
        if progress:
            progress(1.0)
        stems = [Stem("vocals", Audio(audio.samples * 0.25, audio.sample_rate)),
                 Stem("other", Audio(audio.samples * 0.75, audio.sample_rate))]
        return Separation(stems, "linear test engine", "none", offline=True)


def _noise_file(path: Path, rate: int, channels: int, seconds: float) -> np.ndarray:
    data = np.random.default_rng(3).uniform(-0.9, 0.9, (channels, int(rate * seconds))).astype(np.float32)
    sf.write(str(path), data.T, rate, subtype="FLOAT")
    return data


@pytest.mark.parametrize(("rate", "channels", "seconds", "chunk_s", "overlap_s"),
                         [(44100, 2, 25.3, 4.0, 1.0), (8000, 1, 61.7, 10.0, 2.0), (48000, 2, 3.0, 60.0, 2.0),
                          (22050, 1, 9.05, 2.0, 0.0)])
def test_separate_file_streams_without_seams(tmp_path: Path, rate: int, channels: int, seconds: float,
                                             chunk_s: float, overlap_s: float) -> None:
    data = _noise_file(tmp_path / "in.wav", rate, channels, seconds)
    eng = LinearEngine()
    assert isinstance(eng, SeparationEngine)
    seen: list[float] = []
    paths = separate_file(tmp_path / "in.wav", tmp_path / "out", eng, chunk_s=chunk_s, overlap_s=overlap_s,
                          progress=seen.append)
    assert set(paths) == {"vocals", "other"}
    for name, gain in (("vocals", 0.25), ("other", 0.75)):
        info = sf.info(str(paths[name]))
        assert (info.subtype, info.samplerate, info.channels, info.frames) == (
            "PCM_24", rate, channels, data.shape[1])
        out = read_wav(paths[name]).samples
        assert np.abs(out - data * gain).max() < 1e-5  # 24-bit quantisation only
    # memory bound: no window is longer than 1.5 chunks plus the overlap
    assert max(eng.windows) <= int((1.5 * chunk_s + overlap_s) * rate) + 2
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_separate_file_rejects_an_empty_stream(tmp_path: Path) -> None:
    sf.write(str(tmp_path / "empty.wav"), np.zeros((0, 2), dtype=np.float32), 44100)
    with pytest.raises(ValueError, match="no audio"):
        separate_file(tmp_path / "empty.wav", tmp_path / "out", LinearEngine())


@needs_tools
def test_offline_engine_streams_a_multi_chunk_file(tmp_path: Path, engine: SpleeterHPSSEngine,
                                                   known: known_mixes.KnownMix4) -> None:
    source = write_wav(tmp_path / "mix.wav", Audio(known.mix, known.rate))
    paths = separate_file(source, tmp_path / "out", engine, chunk_s=4.0, overlap_s=1.0)
    stems = {name: read_wav(path) for name, path in paths.items()}
    assert set(stems) == {"vocals", "drums", "bass", "other"}
    for stem in stems.values():
        assert stem.samples.shape == known.mix.shape and stem.sample_rate == known.rate
    gain = sdr(known.vocals, stems["vocals"].samples) - sdr(known.vocals, known.mix)
    assert gain > 6.0, gain


# --- engine selection -------------------------------------------------------------------------

def test_get_engine_defaults_to_the_offline_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOUNDMOSAIC_SEPARATION_ENGINE", raising=False)
    assert get_engine().name == "spleeter-hpss"
    assert ENGINE_NAMES == ("spleeter-hpss", "htdemucs", "htdemucs_ft", "htdemucs_6s")
    with pytest.raises(ValueError, match="unknown separation engine"):
        get_engine("nope")


def test_demucs_without_weights_names_the_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(MODELS_ENV, raising=False)
    monkeypatch.setenv("SOUNDMOSAIC_SEPARATION_ENGINE", "htdemucs")
    with pytest.raises(ModelsMissing, match=MODELS_ENV):
        get_engine()
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    with pytest.raises(ModelsMissing, match="htdemucs_ft"):
        get_engine("htdemucs_ft")


# --- Demucs through the real apply_model ------------------------------------------------------

def _small_htdemucs(seed: int = 0) -> Any:
    from demucs.htdemucs import HTDemucs

    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return HTDemucs(sources=SOURCES, channels=8, depth=4, t_layers=1, t_heads=2, segment=1).eval()


def test_small_htdemucs_matches_plain_apply_model() -> None:
    from demucs.apply import apply_model

    model = _small_htdemucs()
    eng = DemucsEngine(model, name="htdemucs", label="tiny random HTDemucs", shifts=0)
    rng = np.random.default_rng(4)
    wav = (0.2 * rng.standard_normal((2, 3 * 44100))).astype(np.float32)
    result = eng.separate(Audio(wav, 44100))
    assert result.names == SOURCES and result.offline is False
    x = torch.from_numpy(wav)
    ref = x.mean(0)
    with torch.inference_mode():
        plain = apply_model(model, ((x - ref.mean()) / ref.std())[None], shifts=0, split=True,
                            overlap=0.25)[0] * ref.std() + ref.mean()
    for i, stem in enumerate(result.stems):
        assert np.allclose(stem.audio.samples, plain[i].numpy(), atol=1e-5)
    silent = eng.separate(Audio(np.zeros((1, 22050), dtype=np.float32), 22050))
    for stem in silent.stems:
        assert np.isfinite(stem.audio.samples).all() and stem.audio.samples.shape == (1, 22050)


def test_demucs_loads_from_a_local_repo_and_streams_a_file(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from demucs.states import get_state, save_with_checksum

    model = _small_htdemucs(seed=1)
    args, kwargs = model._init_args_kwargs
    package = {"klass": type(model), "args": args, "kwargs": kwargs,
               "state": get_state(model, None, half=False), "training_args": {}}
    repo = tmp_path / "models"
    repo.mkdir()
    save_with_checksum(package, repo / "0badc0de.th")
    (repo / "htdemucs.yaml").write_text("models: ['0badc0de']\n")
    monkeypatch.setenv(MODELS_ENV, str(repo))
    eng = get_engine("htdemucs", shifts=0)
    assert isinstance(eng, DemucsEngine) and eng.sources == SOURCES
    assert "htdemucs" in eng.label and "Demucs" in eng.label

    data = _noise_file(tmp_path / "in.wav", 32000, 2, 7.3)  # resampled to 44.1 kHz and back
    seen: list[float] = []
    paths = separate_file(tmp_path / "in.wav", tmp_path / "out", eng, chunk_s=2.5, overlap_s=0.5,
                          progress=seen.append)
    assert set(paths) == set(SOURCES)
    for path in paths.values():
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (32000, 2, data.shape[1])
        assert info.subtype == "PCM_24"
        assert np.isfinite(read_wav(path).samples).all()
    assert seen[-1] == 1.0 and len(seen) > 3
