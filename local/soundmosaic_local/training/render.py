"""Rendering labelled one-shots with FluidSynth (GM soundfonts) and espeak-ng.

All notes of one soundfont go into a single MIDI file, one after the other with an
"all sound off" between them, so one ``fluidsynth`` run renders hundreds of clips; each clip is
then cut at its known start time. Reverb and chorus are off: room sound is added (and varied)
by the augmentation instead.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 22050
GAP_S = 0.6
SOUNDFONTS = {  # Debian packages: fluid-soundfont-gm, musescore-general-soundfont-small, csound-soundfont,
    # opl3-soundfont, timgm6mb-soundfont, avldrums.lv2-soundfont
    "fluidr3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "musescore": "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
    "csound": "/usr/share/sounds/sf2/sf_GMbank.sf2",  # not used: shares most samples with TimGM6mb
    "opl3": "/usr/share/sounds/sf2/OPL-3_FM_128M.sf2",
    "timgm6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "avl_black_pearl": "/usr/share/sounds/sf2/Black_Pearl_4_LV2.sf2",
    "avl_red_zeppelin": "/usr/share/sounds/sf2/Red_Zeppelin_4_LV2.sf2",
}


@dataclass(frozen=True)
class NoteEvent:
    label: str
    program: int  # GM program, or drum kit number when is_drum
    is_drum: bool
    pitches: tuple[int, ...]  # one note, or a chord
    velocity: int
    duration_s: float
    clip_s: float


def available(soundfont: str) -> bool:
    return shutil.which("fluidsynth") is not None and Path(SOUNDFONTS.get(soundfont, soundfont)).exists()


def presets(soundfont: str) -> set[tuple[int, int]]:
    """(bank, program) pairs a soundfont defines, read from its ``phdr`` chunk (sf2 and sf3)."""
    data = Path(SOUNDFONTS.get(soundfont, soundfont)).read_bytes()
    at = data.find(b"phdr")
    if at < 0:
        return set()
    size = struct.unpack("<I", data[at + 4: at + 8])[0]
    out = set()
    for k in range(size // 38 - 1):  # the last record is the terminal "EOP"
        program, bank = struct.unpack("<HH", data[at + 8 + k * 38 + 20: at + 8 + k * 38 + 24])
        out.add((bank, program))
    return out


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _midi(events: Sequence[NoteEvent], path: Path) -> list[float]:
    """Write ``events`` one after the other; returns each event's start time (s)."""
    import mido

    ticks_per_s = 960  # tempo 500000 us/beat with 480 ticks/beat
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    now, starts, pending = 0, [], 0
    program = {0: -1, 9: -1}
    for ev in events:
        ch = 9 if ev.is_drum else 0
        for c in (0, 9):  # silence everything that still rings
            track.append(mido.Message("control_change", channel=c, control=120, value=0, time=pending))
            pending = 0
        if program[ch] != ev.program:
            track.append(mido.Message("program_change", channel=ch, program=ev.program, time=0))
            program[ch] = ev.program
        start = now + 2  # a couple of ticks after the reset
        track.append(mido.Message("note_on", channel=ch, note=ev.pitches[0], velocity=ev.velocity, time=2))
        for p in ev.pitches[1:]:
            track.append(mido.Message("note_on", channel=ch, note=p, velocity=ev.velocity, time=0))
        off = max(1, int(ev.duration_s * ticks_per_s))
        for i, p in enumerate(ev.pitches):
            track.append(mido.Message("note_off", channel=ch, note=p, velocity=0, time=off if i == 0 else 0))
        starts.append(start / ticks_per_s)
        slot = int((ev.clip_s + GAP_S) * ticks_per_s)
        pending = max(0, slot - off - 2)
        now = start + off + pending
    track.append(mido.MetaMessage("end_of_track", time=pending))
    mid.save(str(path))
    return starts


def render(soundfont: str, events: Sequence[NoteEvent], gain: float = 0.5) -> list[np.ndarray]:
    """Mono float32 clips at :data:`SR`, one per event (empty arrays for silent notes)."""
    import soundfile as sf

    if not events:
        return []
    with tempfile.TemporaryDirectory(prefix="sm-render-") as tmp:
        mid, wav = Path(tmp) / "notes.mid", Path(tmp) / "out.wav"
        starts = _midi(events, mid)
        subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", str(gain), "-r", str(SR),
                        "-F", str(wav), SOUNDFONTS.get(soundfont, soundfont), str(mid)],
                       check=True, capture_output=True, timeout=900)
        data, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    assert rate == SR, rate
    mono = data.mean(axis=1)
    clips = []
    for ev, start in zip(events, starts, strict=True):
        a = round(start * SR)
        clip = mono[a: a + int(ev.clip_s * SR)].copy()
        clips.append(clip if clip.size and np.max(np.abs(clip)) > 1e-3 else np.zeros(0, np.float32))
    return clips


@dataclass(frozen=True)
class SpeechEvent:
    voice: str
    text: str
    pitch: int  # espeak-ng -p, 0..99
    speed: int  # words per minute


def _speak(ev: SpeechEvent) -> np.ndarray:
    import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="sm-espeak-") as tmp:
        wav = Path(tmp) / "s.wav"
        subprocess.run(["espeak-ng", "-v", ev.voice, "-p", str(ev.pitch), "-s", str(ev.speed), "-w", str(wav),
                        ev.text], check=True, capture_output=True, timeout=60)
        data, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    from soundmosaic.audio.samples.features import resample

    return resample(data.mean(axis=1), int(rate), SR)


def speak(events: Sequence[SpeechEvent], workers: int = 4) -> list[np.ndarray]:
    """Mono float32 clips at :data:`SR` of espeak-ng saying each event's text."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_speak, events))
