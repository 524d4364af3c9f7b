"""Audio to MIDI with Spotify's Basic Pitch (ICASSP 2022 model), run by onnxruntime.

The model is basic-pitch's own ``nmp.onnx`` (shipped in the ``basic-pitch`` wheel, installed with
``--no-deps`` so TensorFlow never comes in). Its inference code does the work: ``Model`` runs the
ONNX session, ``window_audio_file``/``unwrap_output`` cut 2-second windows with 30 overlapping
frames and stitch the outputs, and ``note_creation.model_output_to_notes`` turns the note, onset
and contour activations into notes with pitch bends. Only the audio loading is ours: the input
``Audio`` is mixed to mono and resampled to 22050 Hz (soxr, as ``librosa.load`` would).

Long inputs run in chunks of ``CHUNK_S`` seconds with ``MARGIN_S`` of context either side; a
chunk keeps the notes that start in its own span, so memory stays bounded (a 2-hour stem needs
about the memory of a 2-minute one) and notes are not cut at chunk edges.

The MIDI file has one track with the preset's General MIDI program, the tempo the caller gives
(the detected tempo, so a DAW's bar grid lines up; 120 BPM when unknown), 4/4, and the pitch
bends (pitch-wheel values, ±8192 = ±2 semitones, in steps of 1/3 semitone) of every note that
does not overlap another, or of all notes on one track per pitch with ``multiple_pitch_bends``.
Two things are added to basic-pitch's own post-processing: a level gate (the model normalises
each window, so it would find notes in dither) and re-centred pitch bends (its bends are 1/3
semitone sharp).

Environment variables
---------------------
SOUNDMOSAIC_BASIC_PITCH_MODEL
    Path to another Basic Pitch ONNX file (default: the one in the basic-pitch wheel).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soundmosaic.audio.signal import Audio, decode, iter_chunks

ENGINE = "basic-pitch ICASSP 2022 (ONNX)"
MODEL_RATE = 22050  # basic_pitch.constants.AUDIO_SAMPLE_RATE
CHUNK_S = 120.0
MARGIN_S = 8.0
BATCH_WINDOWS = 8
SILENCE_PEAK = 1e-4  # below this (about -80 dBFS) the input is silence: no model run
# Basic Pitch normalises each 2-second window's log spectrum, so it hears notes in dither or in
# the faint residue a separator leaves in a stem's quiet passages. Frames whose RMS is below
# GATE_FLOOR_DBFS, or GATE_RANGE_DB under the input's peak, get no notes.
GATE_FLOOR_DBFS = -70.0
GATE_RANGE_DB = 50.0
# basic-pitch's pitch bends sit one contour bin (1/3 semitone, 1365 wheel units) sharp: a steady
# sine at 440 Hz gives +1 bin on every frame (measured at 110, 262 and 440 Hz; spotify/basic-pitch
# issue #87, DamRsn/NeuralNote PR #64). Bends are re-centred by this many bins.
CONTOUR_BIN_OFFSET = 1
DEFAULT_TEMPO = 120.0

Progress = Callable[[float], None]
"""``progress(fraction)``: the fraction of the work done, in [0, 1]; called at 1.0 when done."""


@dataclass
class MidiSettings:
    """Basic Pitch's post-processing knobs (same names and defaults as ``basic-pitch``'s CLI)."""

    onset_threshold: float = 0.5
    frame_threshold: float = 0.3
    minimum_note_length_ms: float = 127.7
    minimum_frequency: float | None = None
    maximum_frequency: float | None = None
    multiple_pitch_bends: bool = False
    melodia_trick: bool = True
    program: int = 0  # General MIDI program, 0-based (0 = Acoustic Grand Piano)

    def __post_init__(self) -> None:
        if not (0.0 < self.onset_threshold < 1.0 and 0.0 < self.frame_threshold < 1.0):
            raise ValueError("onset_threshold and frame_threshold must be in (0, 1)")
        if self.minimum_note_length_ms < 0:
            raise ValueError("minimum_note_length_ms must be >= 0")
        if not 0 <= self.program <= 127:
            raise ValueError("program must be a General MIDI program number 0..127")
        low, high = self.minimum_frequency, self.maximum_frequency
        if (low is not None and low <= 0) or (high is not None and high <= 0):
            raise ValueError("frequency limits must be positive")
        if low is not None and high is not None and low >= high:
            raise ValueError("minimum_frequency must be below maximum_frequency")


# Per stem name. Ranges leave a few semitones around each instrument's usual compass, so a
# missing low note costs more than a stray high one; programs are 0-based General MIDI.
# Thresholds for vocals, bass, guitar and piano come from ``python -m bench.audio_midi_lyrics
# --tune`` (a grid on FluidSynth renders from other seeds than the reported pieces): Basic Pitch's
# defaults (onset 0.5, frame 0.3, melodia on) split sustained or vibrato notes and add ghost notes
# from the release; stricter onsets and, on plucked and struck strings, no melodia trick, fix both.
PRESETS: dict[str, MidiSettings] = {
    # Sung melody: monophonic, vibrato and glides (kept as pitch bends) must not split notes.
    "vocals": MidiSettings(onset_threshold=0.7, frame_threshold=0.3, minimum_note_length_ms=100.0,
                           minimum_frequency=70.0, maximum_frequency=1400.0, program=53),  # Voice Oohs
    # Bass: low B (31 Hz) / E1 (41 Hz) up to the 20th fret of the G string.
    "bass": MidiSettings(onset_threshold=0.6, frame_threshold=0.5, minimum_note_length_ms=100.0,
                         minimum_frequency=28.0, maximum_frequency=500.0, melodia_trick=False,
                         program=33),  # Electric Bass (finger)
    # Everything else (keys, synths, strings, guitars at once): Basic Pitch's defaults, full range.
    "other": MidiSettings(program=0),
    # The offline engine's harmonic (HPSS) part of the accompaniment: dense and polyphonic, so
    # stricter onsets keep the MIDI readable (not tuned: no single instrument to tune on).
    "harmonic": MidiSettings(onset_threshold=0.6, frame_threshold=0.4, program=0),
    # Guitar: drop-D/E2 (73/82 Hz) up to the 24th fret of the high E.
    "guitar": MidiSettings(onset_threshold=0.7, frame_threshold=0.5, minimum_note_length_ms=100.0,
                           minimum_frequency=60.0, maximum_frequency=1400.0, melodia_trick=False,
                           program=27),  # Electric Guitar (clean)
    # Piano: clear onsets; the melodia trick turns the sustain into ghost notes; fast runs need
    # short notes.
    "piano": MidiSettings(onset_threshold=0.7, frame_threshold=0.5, minimum_note_length_ms=80.0,
                          melodia_trick=False, program=0),
}


@dataclass
class Note:
    start_s: float
    end_s: float
    pitch: int  # MIDI note number
    velocity: int  # 1..127, from the mean frame activation
    pitch_bends: list[int] = field(default_factory=list)
    """Pitch-wheel values (-8192..8191 = ±2 semitones) evenly spaced from start to end, one per
    model frame (11.6 ms); empty where the note overlaps another and bends were dropped."""


@dataclass
class MidiResult:
    midi: bytes  # a Standard MIDI File (type 1)
    notes: list[Note]
    engine: str
    settings: MidiSettings
    tempo_bpm: float = DEFAULT_TEMPO


def settings_for(stem: str) -> MidiSettings:
    """The preset for a stem name (``vocals``, ``bass``...), Basic Pitch's defaults otherwise."""
    return PRESETS.get(stem.lower(), MidiSettings())


# -- the model ------------------------------------------------------------------------------

_BLOCKED_IMPORTS = ("tensorflow", "coremltools", "tflite_runtime")
_lock = threading.Lock()
_model: Any = None


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _basic_pitch_import() -> Iterator[None]:
    """Import basic_pitch with TensorFlow, CoreML and TFLite made unimportable, quietly.

    basic-pitch probes for every backend at import and warns through the root logger (which
    would also call ``logging.basicConfig`` in an unconfigured process); a ``None`` entry in
    ``sys.modules`` makes an import fail at once, so only onnxruntime is left.
    """
    if "basic_pitch.inference" in sys.modules:  # imported already: touch nothing global
        yield
        return
    blocked = [name for name in _BLOCKED_IMPORTS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    root = logging.getLogger()
    quiet, sink = _DropAll(), logging.NullHandler()
    root.addFilter(quiet)
    root.addHandler(sink)
    stub = None
    try:
        with warnings.catch_warnings():  # resampy's "pkg_resources is deprecated", numba's chatter
            warnings.simplefilter("ignore")
            stub = _resampy_stub()
            yield
    finally:
        root.removeHandler(sink)
        root.removeFilter(quiet)
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
        if stub is not None and sys.modules.get("resampy") is stub:
            del sys.modules["resampy"]


def _resampy_stub() -> types.ModuleType | None:
    """Stand in for resampy while basic_pitch imports, if resampy itself cannot be imported.

    basic-pitch imports resampy only to sonify MIDI, which SoundMosaic never does; resampy 0.4.2
    (the newest basic-pitch 0.4.0 accepts) needs ``pkg_resources``, gone from setuptools >= 81.
    The stub lives in ``sys.modules`` only during the import, so nothing else ever sees it.
    """
    if "basic_pitch.note_creation" in sys.modules or "resampy" in sys.modules:
        return None
    try:
        import resampy  # noqa: F401
    except ImportError as err:
        reason = f"resampy is not importable ({err}); basic-pitch's MIDI sonification is unavailable"

        def resample(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError(reason)

        stub = types.ModuleType("resampy")
        stub.resample = resample  # type: ignore[attr-defined]
        sys.modules["resampy"] = stub
        return stub
    return None


def model_path() -> Path:
    override = os.environ.get("SOUNDMOSAIC_BASIC_PITCH_MODEL")
    if override:
        return Path(override)
    with _basic_pitch_import():
        from basic_pitch import FilenameSuffix, build_icassp_2022_model_path
    return Path(build_icassp_2022_model_path(FilenameSuffix.onnx))


def _load_model() -> Any:
    """basic-pitch's ``Model`` on the ONNX file, once per process."""
    global _model
    with _lock:
        if _model is None:
            path = model_path()
            if not path.is_file():
                raise FileNotFoundError(
                    f"Basic Pitch ONNX model not found at {path}: install basic-pitch==0.4.0 "
                    "(pip install --no-deps; see requirements/no-deps.txt) or set "
                    "SOUNDMOSAIC_BASIC_PITCH_MODEL")
            with _basic_pitch_import():
                from basic_pitch.inference import Model
                model = Model(path)
            if model.model_type != Model.MODEL_TYPES.ONNX:
                raise RuntimeError(f"basic-pitch loaded {path} as {model.model_type}, expected ONNX")
            _model = model
        return _model


# -- inference ------------------------------------------------------------------------------

def _mono_22k(audio: Audio, start: int, stop: int) -> np.ndarray:
    """Frames ``start:stop`` of ``audio`` as mono float32 at 22050 Hz."""
    mono = np.asarray(audio.samples[:, start:stop], dtype=np.float32).mean(axis=0)
    if audio.sample_rate == MODEL_RATE or mono.size == 0:
        return np.ascontiguousarray(mono, dtype=np.float32)
    import soxr

    return np.asarray(soxr.resample(mono, audio.sample_rate, MODEL_RATE, quality="HQ"), dtype=np.float32)


def _model_output(model: Any, samples: np.ndarray,
                  progress: Progress | None = None) -> dict[str, np.ndarray]:
    """basic-pitch's ``run_inference`` on an array instead of a file, with batched windows."""
    from basic_pitch.constants import AUDIO_N_SAMPLES, FFT_HOP
    from basic_pitch.inference import unwrap_output, window_audio_file

    n_overlapping_frames = 30
    overlap_len = n_overlapping_frames * FFT_HOP
    hop_size = AUDIO_N_SAMPLES - overlap_len
    padded = np.concatenate([np.zeros(overlap_len // 2, dtype=np.float32), samples])
    windows = [window for window, _ in window_audio_file(padded, hop_size)]
    outputs: dict[str, list[np.ndarray]] = {"note": [], "onset": [], "contour": []}
    for first in range(0, len(windows), BATCH_WINDOWS):
        batch = np.stack(windows[first:first + BATCH_WINDOWS]).astype(np.float32)
        for key, value in model.predict(batch).items():
            outputs[key].append(value)
        if progress is not None:
            progress(min(1.0, (first + BATCH_WINDOWS) / len(windows)))
    return {key: unwrap_output(np.concatenate(value), samples.shape[0], n_overlapping_frames)
            for key, value in outputs.items()}


def _gate(output: dict[str, np.ndarray], samples: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    """Zero the activations of model frames quieter than ``threshold`` (linear RMS).

    RMS over 2048 samples (the model's FFT size) around each frame's time; open frames are widened
    by 3 frames (35 ms) either way so an onset just before the level rises survives.
    """
    from basic_pitch.note_creation import model_frames_to_time

    n_frames = output["note"].shape[0]
    if n_frames == 0:
        return output
    centres = np.round(model_frames_to_time(n_frames) * MODEL_RATE).astype(np.int64)
    energy = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
    low, high = np.clip(centres - 1024, 0, samples.size), np.clip(centres + 1024, 0, samples.size)
    rms = np.sqrt((energy[high] - energy[low]) / np.maximum(high - low, 1))
    open_frames = np.convolve((rms >= threshold).astype(np.int64), np.ones(7, dtype=np.int64), "same") > 0
    if open_frames.all():
        return output
    mask = open_frames[:, None].astype(np.float32)
    return {key: value * mask for key, value in output.items()}


def _note_events(output: dict[str, np.ndarray], settings: MidiSettings) -> list[tuple[Any, ...]]:
    from basic_pitch.constants import AUDIO_SAMPLE_RATE, FFT_HOP
    from basic_pitch.note_creation import model_output_to_notes

    if output["note"].shape[0] < 2 or not np.any(output["note"]):
        return []  # too short, or gated to silence
    min_note_len = int(np.round(settings.minimum_note_length_ms / 1000 * (AUDIO_SAMPLE_RATE / FFT_HOP)))
    with np.errstate(divide="ignore", invalid="ignore"):
        _, events = model_output_to_notes(
            output, onset_thresh=settings.onset_threshold, frame_thresh=settings.frame_threshold,
            min_note_len=min_note_len, min_freq=settings.minimum_frequency,
            max_freq=settings.maximum_frequency, multiple_pitch_bends=settings.multiple_pitch_bends,
            melodia_trick=settings.melodia_trick)
    return list(events)


def _chunks(total: int, rate: int) -> Iterator[tuple[int, int, int, int]]:
    """(read_start, read_stop, keep_start, keep_stop) in frames at ``rate``."""
    chunk, margin = int(CHUNK_S * rate), int(MARGIN_S * rate)
    if total <= chunk + margin:
        yield 0, total, 0, total
        return
    for keep_start in range(0, total, chunk):
        keep_stop = min(total, keep_start + chunk)
        yield max(0, keep_start - margin), min(total, keep_stop + margin), keep_start, keep_stop


def _midi_bytes(events: list[tuple[Any, ...]], settings: MidiSettings, tempo_bpm: float) -> bytes:
    import pretty_midi
    from basic_pitch.note_creation import note_events_to_midi

    midi = note_events_to_midi(events, settings.multiple_pitch_bends, tempo_bpm)
    if not midi.instruments:
        midi.instruments.append(pretty_midi.Instrument(program=settings.program))
    for instrument in midi.instruments:
        instrument.program = settings.program
        instrument.name = pretty_midi.program_to_instrument_name(settings.program)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    buffer = io.BytesIO()
    midi.write(buffer)
    return buffer.getvalue()


def _to_notes(events: list[tuple[Any, ...]], multiple_pitch_bends: bool) -> list[Note]:
    """Notes as the MIDI file holds them (bends dropped on overlaps, wheel units, clipped)."""
    from basic_pitch.note_creation import drop_overlapping_pitch_bends

    kept = events if multiple_pitch_bends else drop_overlapping_pitch_bends(events)
    notes = []
    for start, end, pitch, amplitude, bends in sorted(kept, key=lambda e: (e[0], e[2])):
        wheel = [int(np.clip(round(b * 4096 / 3), -8192, 8191)) for b in (bends or [])]
        notes.append(Note(start_s=round(float(start), 4), end_s=round(float(end), 4), pitch=int(pitch),
                          velocity=int(np.clip(round(127 * float(amplitude)), 1, 127)), pitch_bends=wheel))
    return notes


def _peak(samples: np.ndarray) -> float:
    """Largest absolute sample, without an ``abs`` copy of a possibly 2-hour array."""
    if samples.size == 0:
        return 0.0
    return max(float(samples.max()), -float(samples.min()))


class _Stem:
    """The input as the model reads it: 22.05 kHz mono, span by span.

    Decoded audio is sliced in memory; a file is read span by span through ffmpeg (a first pass
    streams it for its peak and length), so a 2-hour stem needs the memory of one span.
    """

    def __init__(self, source: Audio | str | Path) -> None:
        self.audio = source if isinstance(source, Audio) else None
        self.path = None if isinstance(source, Audio) else Path(source)
        if isinstance(source, Audio):
            self.rate, self.frames, self.peak = source.sample_rate, source.frames, _peak(source.samples)
        else:
            self.rate, self.frames, self.peak = MODEL_RATE, 0, 0.0
            for chunk in iter_chunks(source, CHUNK_S, MODEL_RATE, 1):
                self.frames += chunk.frames
                self.peak = max(self.peak, _peak(chunk.samples))

    def read(self, start: int, stop: int) -> np.ndarray:
        if self.audio is not None:
            return _mono_22k(self.audio, start, stop)
        assert self.path is not None
        return decode(self.path, MODEL_RATE, 1, start / MODEL_RATE, (stop - start) / MODEL_RATE).samples[0]


def transcribe(audio: Audio | str | Path, settings: MidiSettings | None = None,
               tempo_bpm: float | None = None, progress: Progress | None = None) -> MidiResult:
    """Notes and a MIDI file for ``audio`` (decoded at any rate and channel count, or a file path).

    ``tempo_bpm`` is written into the file (120 when ``None``); note times stay in seconds, so the
    notes sound where they were played whatever the tempo. Silence gives a valid MIDI file with an
    empty track and no notes.
    """
    settings = settings or MidiSettings()
    tempo = float(tempo_bpm) if tempo_bpm and math.isfinite(tempo_bpm) and tempo_bpm > 0 else DEFAULT_TEMPO
    report = progress or (lambda _fraction: None)
    events: list[tuple[Any, ...]] = []
    stem = _Stem(audio)
    if stem.peak >= SILENCE_PEAK:
        gate = max(10 ** (GATE_FLOOR_DBFS / 20), stem.peak * 10 ** (-GATE_RANGE_DB / 20))
        model = _load_model()
        spans = list(_chunks(stem.frames, stem.rate))
        for done, (read_start, read_stop, keep_start, keep_stop) in enumerate(spans):
            report(done / len(spans))
            samples = stem.read(read_start, read_stop)

            def step(fraction: float, done: int = done) -> None:
                report(min(0.99, (done + fraction) / len(spans)))

            offset = read_start / stem.rate
            low, high = keep_start / stem.rate, keep_stop / stem.rate
            output = _gate(_model_output(model, samples, step), samples, gate)
            for start, end, pitch, amplitude, bends in _note_events(output, settings):
                start, end = float(start) + offset, float(end) + offset
                if low <= start < high:
                    centred = [int(b) - CONTOUR_BIN_OFFSET for b in bends] if bends is not None else None
                    events.append((start, end, int(pitch), float(amplitude), centred))
    report(1.0)
    with _basic_pitch_import():
        midi = _midi_bytes(events, settings, tempo)
    return MidiResult(midi=midi, notes=_to_notes(events, settings.multiple_pitch_bends), engine=ENGINE,
                      settings=settings, tempo_bpm=tempo)
