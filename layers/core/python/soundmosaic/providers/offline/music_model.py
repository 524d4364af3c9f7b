"""A weighted symbolic model: key, tempo, chords per bar and Markov chains over scale degrees.

Every piece (a reference song or a catalog work) comes with an exact influence weight. Its
notes are read relative to its own tonic (chromatic degree 0..11), so pieces in any key train
one model; the generated piece is placed in the target key. Each piece contributes exactly its
weight of probability mass to every table (its counts are scaled by weight / its own count), so
the weights are the influence the model trains with, not a rough hint.

- key: the weighted vote over the pieces' keys (given, or Krumhansl-Schmuckler on the notes);
  tempo: the weighted median over the references' tempos (catalog works carry no tempo).
- chords: per bar (4 beats), the pitch-class profile of all parts against the 24 triads.
- mode: pieces in the other mode than the target are read in the parallel mode (the third, sixth
  and seventh degrees move by a semitone; I/IV and i/iv swap quality), so a piece in a minor key
  does not put major thirds into a minor output.
- melody: order-2 chain over (degree, duration in quarter beats) of each piece's top line,
  backing off to order 1 and 0; chord tones are favoured on strong beats.
- harmony: order-1 chain over chord tokens (root degree, quality).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

NoteT = tuple[float, float, int, int]
Token = tuple[int, int]  # (degree 0..11 from the tonic, duration in sixteenths)
Chord = tuple[int, int]  # (root degree, 0 major / 1 minor)
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_PC = {**{n: i for i, n in enumerate(NAMES)}, "Db": 1, "Eb": 3, "Gb": 6, "Ab": 8, "Bb": 10, "Cb": 11,
       "Fb": 4, "E#": 5, "B#": 0}
DURATIONS = (2, 4, 6, 8, 12, 16)  # sixteenths: eighth .. whole
_TRIADS = [(root, q) for root in range(12) for q in (0, 1)]


def parse_key(key: str) -> tuple[int, str]:
    """``"Eb major"`` -> (3, "major")."""
    name, _, mode = key.strip().partition(" ")
    name = name[:1].upper() + name[1:]
    if name not in _PC or mode.lower() not in ("major", "minor"):
        raise ValueError(f"not a key: {key!r} (expected e.g. 'A minor')")
    return _PC[name], mode.lower()


def key_name(tonic: int, mode: str) -> str:
    return f"{NAMES[tonic % 12]} {mode}"


def estimate_key(parts: Sequence[Sequence[NoteT]]) -> str:
    from soundmosaic.audio.analysis import estimate_key as ks

    profile = np.zeros(12)
    for part in parts:
        for start, end, pitch, _ in part:
            profile[pitch % 12] += max(0.0, end - start)
    key, _ = ks(profile)
    return key or "C major"


def triad_pcs(root: int, quality: int) -> tuple[int, int, int]:
    return root % 12, (root + (3 if quality else 4)) % 12, (root + 7) % 12


def best_triad(profile: np.ndarray) -> Chord:
    scores = [sum(profile[pc] for pc in triad_pcs(r, q)) + 0.1 * profile[r] for r, q in _TRIADS]
    return _TRIADS[int(np.argmax(scores))]


@dataclass
class Piece:
    """One training piece in the model's terms."""

    work_id: str
    weight: float
    tonic: int
    mode: str
    tempo_bpm: float | None
    melody: list[Token]
    chords: list[Chord]


def top_line(parts: Sequence[Sequence[NoteT]]) -> list[NoteT]:
    """The highest note at each onset of the part with the highest mean pitch (the melody)."""
    melodic = [p for p in parts if p]
    part = max(melodic, key=lambda p: float(np.mean([n[2] for n in p])))
    by_onset: dict[float, NoteT] = {}
    for note in sorted(part):
        onset = round(note[0], 3)
        if onset not in by_onset or note[2] > by_onset[onset][2]:
            by_onset[onset] = note
    return [by_onset[t] for t in sorted(by_onset)]


def _sixteenths(seconds: float, tempo: float) -> int:
    raw = seconds * tempo / 60 * 4
    return min(DURATIONS, key=lambda d: abs(d - raw))


def piece(work_id: str, weight: float, parts: Sequence[Sequence[NoteT]], tempo_bpm: float,
          key: str | None, is_reference: bool) -> Piece:
    """A piece's melody tokens and chords per bar (4 beats), relative to its tonic."""
    tonic, mode = parse_key(key or estimate_key(parts))
    line = top_line(parts)
    melody: list[Token] = []
    for i, (start, end, pitch, _) in enumerate(line):
        nxt = line[i + 1][0] if i + 1 < len(line) else end
        melody.append(((pitch - tonic) % 12, _sixteenths(max(end, nxt) - start, tempo_bpm)))
    bar_s = 4 * 60 / tempo_bpm
    last = max(n[1] for p in parts for n in p)
    chords: list[Chord] = []
    for bar in range(max(1, int(np.ceil(last / bar_s - 1e-6)))):
        lo, hi = bar * bar_s, (bar + 1) * bar_s
        profile = np.zeros(12)
        for part in parts:
            for start, end, pitch, _ in part:
                profile[pitch % 12] += max(0.0, min(end, hi) - max(start, lo))
        if profile.sum() >= bar_s / 4:  # a bar with at least a beat of sound
            root, quality = best_triad(profile)
            chords.append(((root - tonic) % 12, quality))
    return Piece(work_id, weight, tonic, mode, tempo_bpm if is_reference else None, melody, chords)


@dataclass
class Model:
    """The weighted tables; ``train`` fills them, ``generate`` in ``music`` samples them."""

    tonic: int = 0
    mode: str = "major"
    tempo_bpm: float = 120.0
    melody2: dict[tuple[Token, Token], dict[Token, float]] = field(default_factory=dict)
    melody1: dict[Token, dict[Token, float]] = field(default_factory=dict)
    melody0: dict[Token, float] = field(default_factory=dict)
    chord1: dict[Chord, dict[Chord, float]] = field(default_factory=dict)
    chord0: dict[Chord, float] = field(default_factory=dict)


def _add(table: dict, key: object, value: object, mass: float) -> None:  # type: ignore[type-arg]
    table.setdefault(key, defaultdict(float))[value] += mass


_TO_MINOR = {4: 3, 9: 8, 11: 10}
_TO_MAJOR = {3: 4, 8: 9, 10: 11}


def in_mode(p: Piece, mode: str) -> tuple[list[Token], list[Chord]]:
    """The piece's melody and chords read in ``mode`` (its own when they agree)."""
    if p.mode == mode:
        return p.melody, p.chords
    degrees = _TO_MINOR if mode == "minor" else _TO_MAJOR
    melody = [(degrees.get(d, d), length) for d, length in p.melody]
    chords: list[Chord] = []
    for root, quality in p.chords:
        if root in (0, 5):
            quality = 1 if mode == "minor" else 0
        elif root in degrees and root != (10 if mode == "major" else -1):
            root, quality = degrees[root], 0 if mode == "minor" else 1
        chords.append((root, quality))
    return melody, chords


def train(pieces: Sequence[Piece]) -> Model:
    """Key and tempo by weight, then every piece's transitions at its weight of mass."""
    keys: dict[tuple[int, str], float] = defaultdict(float)
    for p in pieces:
        keys[(p.tonic, p.mode)] += p.weight
    tonic, mode = max(sorted(keys), key=lambda k: keys[k])
    timed = sorted((p.tempo_bpm, p.weight) for p in pieces if p.tempo_bpm and p.weight > 0)
    model = Model(tonic=tonic, mode=mode, tempo_bpm=_weighted_median(timed) if timed else 100.0)
    melody0: dict[Token, float] = defaultdict(float)
    chord0: dict[Chord, float] = defaultdict(float)
    for p in pieces:
        if p.weight <= 0:
            continue
        mel, ch = in_mode(p, mode)
        if mel:
            for t in mel:
                melody0[t] += p.weight / len(mel)
            for a, b in itertools.pairwise(mel):
                _add(model.melody1, a, b, p.weight / max(1, len(mel) - 1))
            for a, b, c in zip(mel, mel[1:], mel[2:], strict=False):
                _add(model.melody2, (a, b), c, p.weight / max(1, len(mel) - 2))
        if ch:
            for c in ch:
                chord0[c] += p.weight / len(ch)
            for a, b in itertools.pairwise(ch):
                _add(model.chord1, a, b, p.weight / max(1, len(ch) - 1))
    model.melody0, model.chord0 = dict(melody0), dict(chord0)
    return model


def _weighted_median(pairs: Sequence[tuple[float, float]]) -> float:
    total = sum(w for _, w in pairs)
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running >= total / 2:
            return value
    return pairs[-1][0]


def sample(rng: np.random.Generator, options: Mapping[Token, float], boost: set[int] | None = None) -> Token:
    """A key of ``options`` drawn by its mass; degrees in ``boost`` count three times."""
    keys = sorted(options)
    mass = np.array([options[k] * (3.0 if boost and k[0] in boost else 1.0) for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=mass / mass.sum()))]
