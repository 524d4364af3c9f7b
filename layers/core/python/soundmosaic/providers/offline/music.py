"""The offline music engine: a weighted symbolic model, generated, rendered with FluidSynth.

``generate(request)`` trains ``music_model`` on the request's references (their notes, keys and
tempos) at their normalised influence weights plus the Bach chorales of ``music_catalog``
sharing ``catalog_weight`` equally, samples ``seconds`` of melody, chords, bass (chord roots)
and drums (a pattern at the model's tempo) in the dominant key, writes the MIDI with
pretty_midi and renders it with FluidSynth and the Debian GM soundfont to WAV (44.1 kHz stereo,
exactly ``seconds`` long), or MP3 through ffmpeg. Same request and seed, same MIDI.

Environment variables
---------------------
SOUNDMOSAIC_SOUNDFONT
    The GM soundfont (default ``/usr/share/sounds/sf2/FluidR3_GM.sf2``, Debian fluid-soundfont-gm).
SOUNDMOSAIC_CACHE_DIR
    Where the parsed catalog is cached (see ``music_catalog``).
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import time
import wave
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from soundmosaic.providers.offline import music_catalog
from soundmosaic.providers.offline.music_model import (
    Chord,
    Model,
    Token,
    key_name,
    piece,
    sample,
    train,
    triad_pcs,
)
from soundmosaic.providers.types import MusicRequest

ENGINE = "offline engine: weighted Markov model over scale degrees, rendered with FluidSynth (GM)"
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
RATE = 44100
MELODY, PAD, BASS = 0, 89, 33  # GM: acoustic grand piano, warm pad, fingered bass


@dataclass
class Generated:
    audio: bytes
    midi: bytes
    influence: dict[str, Fraction]
    details: dict[str, Any] = field(default_factory=dict)


def influence(request: MusicRequest, catalog_ids: list[str]) -> dict[str, Fraction]:
    """The exact normalised weights: references share ``1 - catalog_weight`` by their weights,
    catalog works share ``catalog_weight`` equally. They sum to exactly 1."""
    weights = request.reference_influence()
    if request.catalog_weight and catalog_ids:
        for work_id in catalog_ids:
            weights[work_id] = request.catalog_weight / len(catalog_ids)
    elif request.catalog_weight:
        weights = {k: v / (1 - request.catalog_weight) for k, v in weights.items()}
    assert sum(weights.values(), Fraction(0)) == 1
    return weights


def generate(request: MusicRequest, catalog_count: int = music_catalog.DEFAULT_COUNT) -> Generated:
    started = time.perf_counter()
    catalog = music_catalog.load(catalog_count) if request.catalog_weight else []
    weights = influence(request, [w.work_id for w in catalog])
    pieces = [piece(r.work_id, float(weights[r.work_id]), r.parts, r.tempo_bpm, r.key, True)
              for r in request.references]
    pieces += [piece(w.work_id, float(weights[w.work_id]), w.parts, music_catalog.CATALOG_TEMPO, w.key, False)
               for w in catalog]
    model = train(pieces)
    trained = time.perf_counter()
    midi = compose(model, request.seconds, request.seed or 0)
    composed = time.perf_counter()
    audio = render(midi, request.seconds, request.format)
    rendered = time.perf_counter()
    details = {"engine": ENGINE, "key": key_name(model.tonic, model.mode), "tempo_bpm": model.tempo_bpm,
               "catalog": "music21 Bach chorales", "catalog_works": len(catalog),
               "timings_s": {"train": trained - started, "generate": composed - trained,
                             "render": rendered - composed}}
    return Generated(audio, midi, weights, details)


def compose(model: Model, seconds: float, seed: int) -> bytes:
    """``seconds`` of melody, pad chords, bass and drums as a Standard MIDI File."""
    import pretty_midi

    rng = np.random.default_rng(seed)
    sixteenth = 60 / model.tempo_bpm / 4
    bars = int(np.ceil(seconds / (16 * sixteenth)))
    chords = _chords(model, bars, rng)
    song = pretty_midi.PrettyMIDI(initial_tempo=model.tempo_bpm)
    melody, pad, bass = (pretty_midi.Instrument(program=p) for p in (MELODY, PAD, BASS))
    drums = pretty_midi.Instrument(program=0, is_drum=True)

    def note(inst: Any, velocity: int, pitch: int, start: float, end: float) -> None:
        if start < seconds - 0.05:
            inst.notes.append(pretty_midi.Note(int(velocity), int(pitch), start, min(end, seconds)))

    for bar, (root, quality) in enumerate(chords):
        t0 = bar * 16 * sixteenth
        pcs = [(pc + model.tonic) % 12 for pc in triad_pcs(root, quality)]
        for pc in pcs:
            note(pad, 58, 48 + pc + (12 if pc < 4 else 0), t0, t0 + 16 * sixteenth)
        root_pitch = 36 + pcs[0]
        line = (root_pitch, root_pitch, root_pitch + (pcs[1] - pcs[0]) % 12, root_pitch + 7)
        for beat, pitch in enumerate(line):  # root, root, third, fifth: the bass names the chord
            note(bass, 92, pitch, t0 + 4 * beat * sixteenth, t0 + (4 * beat + 3.5) * sixteenth)
        for step in range(0, 16, 2):
            t = t0 + step * sixteenth
            note(drums, 60 + int(rng.integers(0, 15)), 42, t, t + sixteenth)
            if step in (0, 8):
                note(drums, 105, 36, t, t + sixteenth)
            if step in (4, 12):
                note(drums, 95, 38, t, t + sixteenth)
        if bar % 8 == 0:
            note(drums, 90, 49, t0, t0 + 4 * sixteenth)
    for start, end, pitch in _melody(model, chords, bars * 16, rng):
        note(melody, 96, pitch, start * sixteenth, end * sixteenth)
    song.instruments += [melody, pad, bass, drums]
    out = io.BytesIO()
    song.write(out)
    return out.getvalue()


def _chords(model: Model, bars: int, rng: np.random.Generator) -> list[Chord]:
    home: Chord = (0, 1 if model.mode == "minor" else 0)
    current = home if home in model.chord0 else sample(rng, model.chord0)
    chords = [current]
    while len(chords) < bars:
        options = model.chord1.get(chords[-1]) or model.chord0
        chords.append(sample(rng, options))
        if len(chords) % 4 == 1 or len(chords) == bars:
            chords[-1] = home  # phrases of four bars start, and the piece ends, at home
    return chords


def _melody(model: Model, chords: list[Chord], length: int,
            rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """(start, end) in sixteenths and pitch of each melody note."""
    notes: list[tuple[int, int, int]] = []
    history: list[Token] = []
    position, previous = 0, 60 + model.tonic
    while position < length:
        root, quality = chords[min(position // 16, len(chords) - 1)]
        boost = set(triad_pcs(root, quality)) if position % 8 == 0 else None
        options = (model.melody2.get((history[-2], history[-1])) if len(history) >= 2 else None) \
            or (model.melody1.get(history[-1]) if history else None) or model.melody0
        token = sample(rng, options, boost)
        degree, duration = token
        pc = (degree + model.tonic) % 12
        pitch = min((p for p in range(60, 85) if p % 12 == pc), key=lambda p: abs(p - previous))
        notes.append((position, position + duration, pitch))
        history.append(token)
        position, previous = position + duration, pitch
    return notes


def render(midi: bytes, seconds: float, fmt: str = "wav") -> bytes:
    """The MIDI through FluidSynth: WAV of exactly ``seconds`` (a 50 ms fade at the cut), or MP3."""
    soundfont = os.environ.get("SOUNDMOSAIC_SOUNDFONT") or SOUNDFONT
    if not Path(soundfont).is_file():
        raise FileNotFoundError(f"no soundfont at {soundfont} (apt install fluid-soundfont-gm)")
    with tempfile.TemporaryDirectory(prefix="music-") as folder:
        mid, raw = Path(folder) / "in.mid", Path(folder) / "out.wav"
        mid.write_bytes(midi)
        subprocess.run(["fluidsynth", "-ni", "-g", "0.6", "-r", str(RATE), "-T", "wav", "-F", str(raw),
                        soundfont, str(mid)], check=True, capture_output=True, timeout=600)
        wav = fit(raw.read_bytes(), seconds)
        if fmt == "wav":
            return wav
        (Path(folder) / "cut.wav").write_bytes(wav)
        return subprocess.run(["ffmpeg", "-v", "error", "-i", str(Path(folder) / "cut.wav"), "-c:a",
                               "libmp3lame", "-b:a", "192k", "-f", "mp3", "-"],
                              check=True, capture_output=True, timeout=600).stdout


def fit(wav: bytes, seconds: float) -> bytes:
    """A 16-bit WAV cut or padded to exactly ``seconds``, faded out over its last 50 ms."""
    with wave.open(io.BytesIO(wav)) as reader:
        channels, rate = reader.getnchannels(), reader.getframerate()
        assert reader.getsampwidth() == 2, "fluidsynth writes 16-bit WAV"
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, channels)
    target = round(seconds * rate)
    out = np.zeros((target, channels), dtype=np.float64)
    out[: min(target, len(frames))] = frames[:target]
    fade = min(target, rate // 20)
    out[target - fade:] *= np.linspace(1, 0, fade)[:, None]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(out.astype("<i2").tobytes())
    return buffer.getvalue()
