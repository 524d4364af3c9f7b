"""A short song built on the spot: FluidSynth instruments and drums, espeak-ng "vocals".

Known parts (tempo, notes, words) let the tests check what the audio lab finds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
TEMPO = 120.0
WORDS = "hello world this is a test of the sound mosaic lyrics"


def render_midi(midi_path: Path, wav_path: Path, rate: int = 44100) -> Path:
    subprocess.run(["fluidsynth", "-ni", "-g", "0.8", "-r", str(rate), "-F", str(wav_path), SOUNDFONT,
                    str(midi_path)], check=True, capture_output=True)
    return wav_path


def band_midi(path: Path, bars: int = 4) -> Path:
    import pretty_midi

    song = pretty_midi.PrettyMIDI(initial_tempo=TEMPO)
    beat = 60.0 / TEMPO
    piano = pretty_midi.Instrument(program=0)
    bass = pretty_midi.Instrument(program=33)
    drums = pretty_midi.Instrument(program=0, is_drum=True)
    chords = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]  # Am F C G
    for bar in range(bars):
        start = bar * 4 * beat
        for pitch in chords[bar % 4]:
            piano.notes.append(pretty_midi.Note(80, pitch, start, start + 4 * beat))
        root = chords[bar % 4][0] - 12
        for step in range(4):
            t = start + step * beat
            bass.notes.append(pretty_midi.Note(100, root, t, t + 0.9 * beat))
            drums.notes.append(pretty_midi.Note(110, 36 if step % 2 == 0 else 38, t, t + 0.1))
            drums.notes.append(pretty_midi.Note(70, 42, t + beat / 2, t + beat / 2 + 0.05))
    song.instruments.extend([piano, bass, drums])
    song.write(str(path))
    return path


def song(folder: Path, name: str = "song.wav", bars: int = 4) -> Path:
    """~8 s at 120 bpm in A minor: piano chords, bass, drums and a spoken vocal line."""
    folder.mkdir(parents=True, exist_ok=True)
    band = render_midi(band_midi(folder / "band.mid", bars), folder / "band.wav")
    voice = folder / "voice.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(voice), WORDS], check=True, capture_output=True)
    target = folder / name
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(band), "-i", str(voice), "-filter_complex",
                    "[1:a]aresample=44100,adelay=500|500,volume=1.6[v];[0:a][v]amix=inputs=2:duration=first:"
                    "normalize=0", "-ac", "2", "-ar", "44100", str(target)], check=True)
    return target
