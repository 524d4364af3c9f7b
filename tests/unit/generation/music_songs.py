"""Reference songs with known keys and tempos, made on the spot as note lists (and MIDI files).

Each song is a melody (a seeded walk over the key's scale) over I-IV-V-I triads, so its key and
tempo are known; the generation tests check that the output follows the heavily weighted ones.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from soundmosaic.generation.compose import ReferenceSong
from soundmosaic.providers.offline.music_model import parse_key
from soundmosaic.providers.types import MusicReference, Note

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)


def parts(key: str, tempo: float, seed: int, bars: int = 8) -> tuple[tuple[Note, ...], ...]:
    """(melody, chords) note lists of ``bars`` bars in ``key`` at ``tempo``."""
    tonic, mode = parse_key(key)
    scale = MAJOR if mode == "major" else MINOR
    rng = np.random.default_rng(seed)
    beat = 60 / tempo
    melody: list[Note] = []
    chords: list[Note] = []
    degree, t = 0, 0.0
    for bar in range(bars):
        root = (0, 3, 4, 0)[bar % 4]
        for step in (0, 2, 4):
            d = root + step
            pitch = 48 + tonic + scale[d % 7] + 12 * (d // 7)
            chords.append((bar * 4 * beat, (bar + 1) * 4 * beat, pitch, 70))
        while t < (bar + 1) * 4 * beat - 1e-6:
            duration = beat * float(rng.choice([0.5, 1.0, 1.0, 2.0]))
            degree = int(np.clip(degree + rng.integers(-2, 3), -3, 9))
            pitch = 72 + tonic + scale[degree % 7] + 12 * (degree // 7)
            melody.append((t, t + duration, pitch, 90))
            t += duration
    return tuple(melody), tuple(chords)


def reference(work_id: str, key: str, tempo: float, seed: int, weight: Fraction | int = 1) -> MusicReference:
    return MusicReference(work_id, Fraction(weight), parts(key, tempo, seed), tempo, key)


def songs(heavy: tuple[str, float] = ("E major", 96.0), light: tuple[str, float] = ("A# minor", 140.0),
          heavy_count: int = 3, heavy_weight: int = 10) -> list[ReferenceSong]:
    """Ten matched songs: ``heavy_count`` in ``heavy`` (key, tempo) at ``heavy_weight`` each, the
    rest in ``light`` at weight 1."""
    out = []
    for i in range(10):
        key, tempo = heavy if i < heavy_count else light
        out.append(ReferenceSong(work_id=f"work:{i + 1}", tempo_bpm=tempo, key=key,
                                 notes=parts(key, tempo, seed=i), match_id=f"am:{1000 + i}",
                                 holders={f"holder:{i + 1}": 1},
                                 weight=heavy_weight if i < heavy_count else 1))
    return out


def midi_file(path: Path, key: str, tempo: float, seed: int) -> Path:
    import pretty_midi

    song = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    for part in parts(key, tempo, seed):
        instrument = pretty_midi.Instrument(program=0)
        instrument.notes = [pretty_midi.Note(v, p, s, e) for s, e, p, v in part]
        song.instruments.append(instrument)
    song.write(str(path))
    return path


def tone_file(path: Path, frequency: float, seconds: float) -> Path:
    """A sine tone WAV (44.1 kHz stereo: the clip builder must resample and mix it down)."""
    import subprocess

    source = f"sine=frequency={frequency}:duration={seconds}:sample_rate=44100"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-ac", "2", str(path)],
                   check=True)
    return path
