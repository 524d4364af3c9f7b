"""Basic Pitch through onnxruntime on a melody rendered by FluidSynth from known notes."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import mido
import mir_eval
import numpy as np
import pretty_midi
import pytest
from soundmosaic.audio import midi
from soundmosaic.audio.signal import Audio, read_wav

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
TEMPO = 100.0

pytestmark = pytest.mark.skipif(shutil.which("fluidsynth") is None or not SOUNDFONT.is_file(),
                                reason="needs fluidsynth and fluid-soundfont-gm")


def melody(program: int = 0) -> pretty_midi.PrettyMIDI:
    """An up-and-down C major line, one note per beat at 100 BPM, gaps between notes."""
    score = pretty_midi.PrettyMIDI(initial_tempo=TEMPO)
    instrument = pretty_midi.Instrument(program=program)
    beat = 60.0 / TEMPO
    for index, pitch in enumerate([60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60, 55, 57, 59, 60]):
        start = 0.5 + index * beat
        end = start + 0.85 * beat
        instrument.notes.append(pretty_midi.Note(velocity=100, pitch=pitch, start=start, end=end))
    score.instruments.append(instrument)
    return score


def render(score: pretty_midi.PrettyMIDI, folder: Path, rate: int = 44100) -> Audio:
    """FluidSynth, dry (no reverb or chorus), stereo at ``rate``."""
    score.write(str(folder / "score.mid"))
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.8", "-r", str(rate),
                    "-F", str(folder / "score.wav"), str(SOUNDFONT), str(folder / "score.mid")],
                   check=True, capture_output=True, timeout=60)
    return read_wav(folder / "score.wav")


def f_measure(score: pretty_midi.PrettyMIDI, notes: list[midi.Note], offsets: bool = False) -> float:
    ref = score.instruments[0].notes
    ref_intervals = np.array([[n.start, n.end] for n in ref])
    ref_pitches = pretty_midi.note_number_to_hz(np.array([n.pitch for n in ref]))
    est_intervals = np.array([[n.start_s, n.end_s] for n in notes]).reshape(-1, 2)
    est_pitches = pretty_midi.note_number_to_hz(np.array([n.pitch for n in notes], dtype=float))
    _, _, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref_intervals, ref_pitches, est_intervals, est_pitches, offset_ratio=0.2 if offsets else None)
    return float(f)


@pytest.fixture(scope="module")
def piano(tmp_path_factory: pytest.TempPathFactory) -> tuple[pretty_midi.PrettyMIDI, Audio]:
    score = melody(program=0)
    return score, render(score, tmp_path_factory.mktemp("piano"))


@pytest.fixture(scope="module")
def default_result(piano: tuple[pretty_midi.PrettyMIDI, Audio]) -> midi.MidiResult:
    return midi.transcribe(piano[1], midi.PRESETS["piano"], tempo_bpm=TEMPO)


def test_notes_match_the_rendered_melody(piano, default_result) -> None:
    score, _ = piano
    assert default_result.engine == "basic-pitch ICASSP 2022 (ONNX)"
    # Measured F 0.97 onset-only and 0.90 with offsets (one extra note from the last note's
    # release). 15 reference notes: 0.8 allows about three wrong notes, 0.6 with offsets about six.
    assert f_measure(score, default_result.notes) >= 0.8
    assert f_measure(score, default_result.notes, offsets=True) >= 0.6
    detected = {n.pitch for n in default_result.notes}
    assert {n.pitch for n in score.instruments[0].notes} <= detected


@pytest.fixture(scope="module")
def basic_defaults(piano: tuple[pretty_midi.PrettyMIDI, Audio]) -> midi.MidiResult:
    return midi.transcribe(piano[1])


def test_basic_pitch_defaults_find_the_onsets_too(piano, basic_defaults) -> None:
    # onset 0.5, frame 0.3, melodia trick: measured F 0.97 onset-only
    assert basic_defaults.settings == midi.MidiSettings()
    assert f_measure(piano[0], basic_defaults.notes) >= 0.8


def test_midi_file_carries_tempo_program_notes_and_bends(default_result) -> None:
    assert default_result.midi.startswith(b"MThd")
    parsed = pretty_midi.PrettyMIDI(io.BytesIO(default_result.midi))
    _, tempi = parsed.get_tempo_changes()
    assert tempi[0] == pytest.approx(TEMPO, abs=0.01)
    assert default_result.tempo_bpm == TEMPO
    assert [ts.numerator for ts in parsed.time_signature_changes] == [4]
    assert len(parsed.instruments) == 1 and parsed.instruments[0].program == 0
    written = sorted((round(n.start, 2), n.pitch) for n in parsed.instruments[0].notes)
    assert written == sorted((round(n.start_s, 2), n.pitch) for n in default_result.notes)
    assert all(isinstance(n.pitch_bends, list) for n in default_result.notes)
    with_bends = [n for n in default_result.notes if n.pitch_bends]
    assert with_bends, "notes that overlap no other note keep their pitch bends"
    assert all(-8192 <= b <= 8191 for n in with_bends for b in n.pitch_bends)
    assert len(parsed.instruments[0].pitch_bends) == sum(len(n.pitch_bends) for n in with_bends)
    assert all(1 <= n.velocity <= 127 and n.end_s > n.start_s for n in default_result.notes)


def test_no_tensorflow_is_imported(default_result) -> None:
    assert sys.modules.get("tensorflow") is None


def test_basic_pitch_imports_when_resampy_cannot() -> None:
    # resampy 0.4.2 needs pkg_resources, which setuptools >= 81 no longer ships.
    code = ("import sys; sys.modules['pkg_resources'] = None\n"
            "from soundmosaic.audio import midi\n"
            "model = midi._load_model()\n"
            "import basic_pitch.note_creation as nc\n"
            "assert nc.resampy.__name__ == 'resampy' and 'resampy' not in sys.modules\n"
            "assert sys.modules.get('tensorflow') is None\n"
            "print(model.model_type.name)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ONNX"
    assert "WARNING" not in done.stderr  # basic-pitch's import-time backend warnings are swallowed


def test_stricter_settings_change_the_result(piano, basic_defaults) -> None:
    strict = midi.transcribe(piano[1], midi.MidiSettings(onset_threshold=0.9, frame_threshold=0.8,
                                                         minimum_note_length_ms=400.0, program=33))
    assert len(strict.notes) < len(basic_defaults.notes)
    assert strict.settings.program == 33
    parsed = pretty_midi.PrettyMIDI(io.BytesIO(strict.midi))
    assert parsed.instruments[0].program == 33
    assert parsed.get_tempo_changes()[1][0] == pytest.approx(120.0, abs=0.01)  # no tempo given


def test_frequency_limits_drop_notes_outside_them(piano) -> None:
    high_only = midi.transcribe(piano[1], midi.MidiSettings(minimum_frequency=300.0))
    assert high_only.notes and all(n.pitch >= 62 for n in high_only.notes)  # 300 Hz ~ D4 (62)


def test_chunked_inference_matches_one_pass(piano, default_result, monkeypatch) -> None:
    monkeypatch.setattr(midi, "CHUNK_S", 3.0)
    monkeypatch.setattr(midi, "MARGIN_S", 1.5)
    chunked = midi.transcribe(piano[1], tempo_bpm=TEMPO)
    assert f_measure(piano[0], chunked.notes) >= 0.8
    one_pass = {(n.pitch, round(n.start_s, 1)) for n in default_result.notes}
    in_chunks = {(n.pitch, round(n.start_s, 1)) for n in chunked.notes}
    assert len(one_pass & in_chunks) >= 0.8 * len(one_pass)


def test_a_file_is_read_span_by_span(piano, default_result, tmp_path, monkeypatch) -> None:
    """The MIDI stage hands a path: spans decoded by ffmpeg give the notes of decoded audio."""
    from soundmosaic.audio.signal import write_wav

    path = write_wav(tmp_path / "piano.wav", piano[1])
    monkeypatch.setattr(midi, "CHUNK_S", 3.0)
    monkeypatch.setattr(midi, "MARGIN_S", 1.5)
    from_file = midi.transcribe(path, midi.PRESETS["piano"], tempo_bpm=TEMPO)
    in_memory = midi.transcribe(piano[1], midi.PRESETS["piano"], tempo_bpm=TEMPO)
    assert f_measure(piano[0], from_file.notes) >= 0.8
    assert {(n.pitch, round(n.start_s, 1)) for n in from_file.notes} == {
        (n.pitch, round(n.start_s, 1)) for n in in_memory.notes}


def test_silence_gives_a_valid_empty_file() -> None:
    for audio in (Audio(np.zeros((2, 44100 * 3), dtype=np.float32), 44100),
                  Audio(np.zeros((1, 0), dtype=np.float32), 22050)):
        result = midi.transcribe(audio, midi.PRESETS["bass"], tempo_bpm=90.0)
        assert result.notes == []
        parsed = pretty_midi.PrettyMIDI(io.BytesIO(result.midi))
        assert parsed.get_tempo_changes()[1][0] == pytest.approx(90.0, abs=0.01)
        assert sum(len(i.notes) for i in parsed.instruments) == 0
        events = [m for track in mido.MidiFile(file=io.BytesIO(result.midi)).tracks for m in track]
        assert [m.program for m in events if m.type == "program_change"] == [midi.PRESETS["bass"].program]


def test_dither_level_noise_gives_no_notes() -> None:
    # Basic Pitch normalises each window, so without the level gate it finds notes in -80 dBFS noise.
    noise = np.random.default_rng(0).normal(0, 1e-4, (1, 22050 * 3)).astype(np.float32)
    assert midi.transcribe(Audio(noise, 22050)).notes == []


def test_faint_residue_after_the_music_gives_no_notes(piano, default_result) -> None:
    score, audio = piano
    residue = np.random.default_rng(1).normal(0, 3e-4, (audio.channels, audio.sample_rate * 6))
    padded = Audio(np.concatenate([audio.samples, residue.astype(np.float32)], axis=1), audio.sample_rate)
    result = midi.transcribe(padded, midi.PRESETS["piano"])
    assert max(n.start_s for n in result.notes) < audio.duration_s
    assert f_measure(score, result.notes) >= 0.8


@pytest.mark.parametrize(("frequency", "pitch", "bend"), [(440.0, 69, 0), (110.0, 45, 0),
                                                          (440.0 * 2 ** (1 / 36), 69, 1365)])
def test_pitch_bends_follow_the_tuning(frequency: float, pitch: int, bend: int) -> None:
    rate = 22050
    t = np.arange(int(rate * 1.5)) / rate
    tone = 0.3 * np.sin(2 * np.pi * frequency * t) * np.minimum(1.0, t * 50)
    padded = np.concatenate([np.zeros(rate // 2), tone, np.zeros(rate // 2)])
    audio = Audio(padded[None, :].astype(np.float32), rate)
    notes = midi.transcribe(audio).notes
    assert [n.pitch for n in notes] == [pitch]
    assert notes[0].pitch_bends and float(np.median(notes[0].pitch_bends)) == bend  # 1365 = 1/3 semitone
    assert 0.4 <= notes[0].start_s <= 0.6 and 1.8 <= notes[0].end_s <= 2.1


def test_progress_is_reported(piano, monkeypatch) -> None:
    seen: list[float] = []
    midi.transcribe(Audio(np.zeros((1, 100), dtype=np.float32), 8000), progress=seen.append)
    assert seen[-1] == 1.0
    seen.clear()
    monkeypatch.setattr(midi, "CHUNK_S", 4.0)
    monkeypatch.setattr(midi, "MARGIN_S", 1.0)
    midi.transcribe(piano[1], progress=seen.append)
    assert len(seen) > 4 and seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0


def test_presets_cover_the_stems_and_are_valid() -> None:
    assert {"vocals", "bass", "other", "harmonic", "guitar", "piano"} <= set(midi.PRESETS)
    for name, preset in midi.PRESETS.items():
        assert 0 <= preset.program <= 127, name
    bass_top = midi.PRESETS["bass"].maximum_frequency
    assert bass_top is not None and bass_top <= 600
    assert midi.settings_for("Vocals") is midi.PRESETS["vocals"]
    assert midi.settings_for("drums") == midi.MidiSettings()


@pytest.mark.parametrize("kwargs", [{"onset_threshold": 0.0}, {"frame_threshold": 1.5}, {"program": 128},
                                    {"minimum_frequency": 500.0, "maximum_frequency": 100.0},
                                    {"minimum_note_length_ms": -1.0}])
def test_settings_are_validated(kwargs) -> None:
    with pytest.raises(ValueError):
        midi.MidiSettings(**kwargs)
