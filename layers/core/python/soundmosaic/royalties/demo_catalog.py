"""A small demo catalog, built offline: songs rendered with FluidSynth from generated MIDI.

``build(folder, store)`` renders ``count`` (16) distinct songs of ~20 s (each its own tempo, key,
mode, chord progression, melody and General MIDI programs, all from a seeded generator),
fingerprints them with ``fpcalc`` and writes the recordings to the catalog: fictional titles
and artists, test ISRCs ``ZZSMD26NNNNN`` ("ZZ" is not a country; "SMD" a made-up registrant),
and a work per song with two or three rights holders whose shares sum to exactly 1. Same seed,
same songs, same records. The audio lands in ``folder`` as WAV (and is kept if already there).
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from soundmosaic.royalties.catalog import Recording
from soundmosaic.royalties.fingerprint import fingerprint_file
from soundmosaic.royalties.provenance import Work

if TYPE_CHECKING:
    from soundmosaic.royalties.catalog import CatalogStore

SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/TimGM6mb.sf2")
SEED = 2026
COUNT = 16
_ADJ = ("Amber", "Silver", "Hollow", "Neon", "Velvet", "Paper", "Crimson", "Quiet", "Electric", "Golden",
        "Distant", "Broken", "Midnight", "Wild", "Glass", "Northern")
_NOUN = ("Harbor", "Lanterns", "Orchard", "Signals", "Rivers", "Satellites", "Canyon", "Letters", "Tides",
         "Meadow", "Engines", "Skyline", "Embers", "Compass", "Avenue", "Horizon")
_FIRST = ("Mara", "Tobin", "Lio", "Asha", "Pell", "Ines", "Corin", "Yara", "Dov", "Sela", "Nico", "Wren")
_LAST = ("Quill", "Marlowe", "Vance", "Okoro", "Lindqvist", "Farrow", "Brightwater", "Castell", "Ivers")
_BANDS = ("The Paper Kites of Ome", "Lowland Static", "Velour Assembly", "Copper Satellites",
          "Northlight Choir")
_PROGRAMS = (0, 4, 11, 19, 24, 26, 40, 46, 56, 65, 71, 73, 80, 81, 88, 105)
_BASS = (32, 33, 34, 38, 39, 43)
_PROGRESSIONS = ((0, 5, 3, 4), (0, 3, 4, 4), (5, 3, 0, 4), (0, 4, 5, 3), (1, 4, 0, 0), (0, 0, 3, 4))
_MAJOR, _MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class DemoSong:
    recording: Recording
    audio: Path


def soundfont() -> str:
    for path in SOUNDFONTS:
        if Path(path).is_file():
            return path
    raise FileNotFoundError(f"no General MIDI soundfont: install fluid-soundfont-gm ({SOUNDFONTS[0]})")


def song_midi(path: Path, rng: random.Random, seconds: float = 20.0) -> Path:
    """A seeded song: chords, bass, a melody random walk and a drum pattern."""
    import pretty_midi

    tempo = rng.choice((72, 84, 96, 104, 112, 120, 132, 144, 160))
    beat = 60.0 / tempo
    root = 48 + rng.randrange(12)
    scale = rng.choice((_MAJOR, _MINOR))
    progression = rng.choice(_PROGRESSIONS)
    song = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    lead = pretty_midi.Instrument(program=rng.choice(_PROGRAMS))
    pad = pretty_midi.Instrument(program=rng.choice(_PROGRAMS))
    bass = pretty_midi.Instrument(program=rng.choice(_BASS))
    drums = pretty_midi.Instrument(program=0, is_drum=True)
    kick_pattern = rng.choice(((0, 2), (0, 1.5, 2), (0, 2.5), (0, 0.75, 2, 3.5)))
    step = rng.choice((0.5, 0.5, 1.0, 0.25))
    degree = rng.randrange(7)
    bars = int(seconds / (4 * beat)) + 1
    for bar in range(bars):
        start = bar * 4 * beat
        chord_degree = progression[bar % len(progression)]
        chord = [root + scale[(chord_degree + k) % 7] + 12 * ((chord_degree + k) // 7) for k in (0, 2, 4)]
        for pitch in chord:
            pad.notes.append(pretty_midi.Note(60, pitch, start, start + 4 * beat))
        for b in range(4):
            bass.notes.append(pretty_midi.Note(95, chord[0] - 12, start + b * beat, start + (b + 0.8) * beat))
        for k in kick_pattern:
            drums.notes.append(pretty_midi.Note(110, 36, start + k * beat, start + k * beat + 0.1))
        for k in (1, 3):
            drums.notes.append(pretty_midi.Note(100, 38, start + k * beat, start + k * beat + 0.1))
        t = 0.0
        while t < 4:
            degree = max(0, min(13, degree + rng.choice((-2, -1, -1, 0, 1, 1, 2, 3))))
            pitch = root + 12 + scale[degree % 7] + 12 * (degree // 7)
            length = step * rng.choice((1, 1, 2))
            if rng.random() > 0.15:
                on, off = start + t * beat, start + (t + length * 0.9) * beat
                lead.notes.append(pretty_midi.Note(100, pitch, on, off))
            t += length
    song.instruments.extend([pad, bass, lead, drums])
    song.write(str(path))
    return path


def render(midi: Path, wav: Path, seconds: float) -> Path:
    raw = wav.with_suffix(".raw.wav")
    subprocess.run(["fluidsynth", "-ni", "-g", "0.7", "-r", "44100", "-F", str(raw), soundfont(), str(midi)],
                   check=True, capture_output=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-t", f"{seconds:g}", "-ac", "2",
                    str(wav)], check=True)
    raw.unlink()
    return wav


def _holders(rng: random.Random, n: int) -> tuple[dict[str, Fraction], dict[str, str]]:
    names = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(n - 1)] + ["Ome Demo Publishing"]
    ids = [f"holder:{name.lower().replace(' ', '-')}" for name in names]
    cuts = sorted(rng.sample(range(1, 100), n - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    shares: dict[str, Fraction] = {}
    for holder, part in zip(ids, parts, strict=True):
        shares[holder] = shares.get(holder, Fraction(0)) + Fraction(part, 100)
    return shares, dict(zip(ids, names, strict=True))


def songs(folder: Path, count: int = COUNT, seed: int = SEED, seconds: float = 20.0) -> list[DemoSong]:
    """Render (or reuse) the demo songs in ``folder`` and describe them, fingerprints included."""
    if shutil.which("fluidsynth") is None:
        raise FileNotFoundError("fluidsynth not found: install Debian's fluidsynth")
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        rng = random.Random(seed * 1000 + i)  # noqa: S311 (music, not secrets)
        title = f"{_ADJ[(i + seed) % len(_ADJ)]} {_NOUN[(i * 7 + seed) % len(_NOUN)]}"
        artist = rng.choice(_BANDS) if rng.random() < 0.4 else f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        wav = folder / f"demo-{i + 1:02d}.wav"
        if not wav.is_file():
            render(song_midi(folder / f"demo-{i + 1:02d}.mid", rng, seconds), wav, seconds)
        else:
            song_midi(folder / f"demo-{i + 1:02d}.mid", rng, seconds)  # same draws: the rest stays the same
        shares, names = _holders(rng, rng.choice((2, 3)))
        fp = fingerprint_file(wav)
        recording = Recording(
            recording_id=f"demo-{i + 1:02d}", title=title, artists=(artist,), isrc=f"ZZSMD26{i + 1:05d}",
            duration_ms=round(fp.duration * 1000), work=Work(f"work:demo-{i + 1:02d}", shares),
            work_title=title, holder_names=names, fingerprint=fp)
        out.append(DemoSong(recording, wav))
    return out


def build(folder: Path, store: CatalogStore, count: int = COUNT, seed: int = SEED) -> list[DemoSong]:
    """Render the demo songs into ``folder`` and write them to the catalog ``store``."""
    demo = songs(folder, count, seed)
    for song in demo:
        store.put(song.recording)
    return demo
