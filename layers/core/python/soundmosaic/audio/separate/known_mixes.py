"""Mixtures built from known sources, to measure separation for real (tests and bench).

Sources, all made on this machine with no download:

- ``speech``: espeak-ng sentences at varied pitch and speed (a real human-like voice signal).
- ``sung``: a source-filter "singer": a band-limited glottal pulse train following a melody
  with vibrato, shaped by vowel formants (F1-F3) that change per syllable, with syllable
  envelopes and breath noise.
- accompaniment: a MIDI arrangement (drums on channel 10, bass, piano chords, strings pad)
  rendered by FluidSynth with the Debian GM soundfont, drums and the pitched parts rendered
  separately so the drum stem is known too. Reverb and chorus are off so parts add up.

``build_mix`` returns every part at 44.1 kHz stereo; the mixture is their sum.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile as sf
from scipy import signal as sps

RATE = 44100
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SENTENCES = (
    "The morning light was falling on the river while we walked along the quiet shore.",
    "Every song begins with a single voice that carries a melody across the room.",
    "Nobody knew the answer, so we kept on singing until the night was over.",
    "Bring the rhythm back again and let the chorus rise above the city lights.",
    "She said the summer would never end, and for a while we believed her.",
)
# (F1, F2, F3) in Hz for a few sung vowels
VOWELS = ((800, 1150, 2900), (400, 1600, 2700), (350, 600, 2700), (500, 1700, 2500),
          (600, 1000, 2600), (300, 2200, 3000))


class ToolMissing(RuntimeError):
    pass


@dataclass
class KnownMix:
    vocals: np.ndarray  # (2, n) float32
    drums: np.ndarray
    harmonic: np.ndarray
    rate: int = RATE

    @property
    def accompaniment(self) -> np.ndarray:
        return self.drums + self.harmonic

    @property
    def mix(self) -> np.ndarray:
        return self.vocals + self.accompaniment


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise ToolMissing(f"{tool} is not installed (apt-get install {tool})")
    return path


def _resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    if rate_in == rate_out:
        return x
    import soxr

    return np.asarray(soxr.resample(x.T, rate_in, rate_out), dtype=np.float32).T.copy()


def _fit(x: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((x.shape[0], n), dtype=np.float32)
    m = min(n, x.shape[1])
    out[:, :m] = x[:, :m]
    return out


def speech_vocals(duration_s: float, seed: int = 0) -> np.ndarray:
    """espeak-ng sentences back to back with short pauses, (2, n) at 44.1 kHz."""
    espeak = _need("espeak-ng")
    rng = np.random.default_rng(seed)
    n = int(duration_s * RATE)
    parts: list[np.ndarray] = []
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        i = 0
        while total < n:
            wav = Path(tmp) / f"s{i}.wav"
            text = SENTENCES[(i + seed) % len(SENTENCES)]
            pitch, speed = int(rng.integers(30, 80)), int(rng.integers(130, 170))
            subprocess.run([espeak, "-v", "en-us", "-p", str(pitch), "-s", str(speed), "-w", str(wav),
                            text], check=True, capture_output=True)
            data, rate = sf.read(str(wav), dtype="float32", always_2d=True)
            voice = _resample(data.T[:1], rate, RATE)[0]
            gap = np.zeros(int(rng.uniform(0.2, 0.6) * RATE), dtype=np.float32)
            parts += [voice, gap]
            total += voice.size + gap.size
            i += 1
    mono = np.concatenate(parts)[:n]
    mono = mono / (np.abs(mono).max() + 1e-9) * 0.5
    return np.stack([mono, mono]).astype(np.float32)


def sung_vocals(duration_s: float, bpm: float = 100.0, seed: int = 0) -> np.ndarray:
    """A formant-synthesised singer following a melody in C major, (2, n) at 44.1 kHz."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * RATE)
    beat = 60.0 / bpm
    scale = np.array([0, 2, 4, 5, 7, 9, 11, 12])
    f0 = np.zeros(n, dtype=np.float64)
    env = np.zeros(n, dtype=np.float64)
    formants = np.zeros((3, n), dtype=np.float64)
    t = 0
    degree = 2
    while t < n:
        length = int(beat * RATE * rng.choice([0.5, 1.0, 1.0, 2.0]))
        degree = int(np.clip(degree + rng.integers(-2, 3), 0, len(scale) - 1))
        stop = min(n, t + length)
        f0[t:stop] = 220.0 * 2 ** (scale[degree] / 12)
        formants[:, t:stop] = np.array(VOWELS[int(rng.integers(len(VOWELS)))])[:, None]
        seg = stop - t
        attack, release = min(seg, int(0.04 * RATE)), min(seg, int(0.08 * RATE))
        e = np.ones(seg)
        e[:attack] = np.linspace(0, 1, attack)
        e[seg - release:] *= np.linspace(1, 0, release)
        if rng.random() < 0.15:
            e *= 0.0  # a rest
        env[t:stop] = e
        t = stop
    # smooth pitch glides and formant moves, add vibrato (5.5 Hz, +-30 cents)
    smooth = sps.windows.hann(int(0.03 * RATE))
    smooth /= smooth.sum()
    f0 = np.convolve(f0, smooth, mode="same")
    formants = np.stack([np.convolve(f, smooth, mode="same") for f in formants])
    time = np.arange(n) / RATE
    f0 *= 2 ** (0.025 * np.sin(2 * np.pi * 5.5 * time))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    # band-limited glottal source: harmonics with a -12 dB/octave tilt
    source = np.zeros(n)
    for h in range(1, 40):
        alive = (h * f0) < RATE / 2 - 1000
        source += alive * np.sin(h * phase) / h ** 1.5
    source += 0.02 * rng.standard_normal(n)  # breath
    # time-varying formant filtering, block-wise with biquad resonators
    out = np.zeros(n)
    block = 1024
    for k in range(3):
        bw = (80.0, 100.0, 140.0)[k]
        zi = np.zeros(2)
        for start in range(0, n, block):
            fc = float(formants[k, min(n - 1, start + block // 2)])
            r = np.exp(-np.pi * bw / RATE)
            a = [1.0, -2 * r * np.cos(2 * np.pi * fc / RATE), r * r]
            b = [1.0 - r]
            y, zi = sps.lfilter(b, a, source[start:start + block], zi=zi)
            out[start:start + block] += y * (1.0, 0.6, 0.35)[k]
    out *= env
    out = out / (np.abs(out).max() + 1e-9) * 0.5
    return np.stack([out, out]).astype(np.float32)


def _arrangement(duration_s: float, bpm: float, seed: int) -> tuple[mido.MidiFile, mido.MidiFile]:
    """(drums, pitched) MIDI files of a pop groove in C major."""
    rng = np.random.default_rng(seed)
    tpb = 480
    beats = int(duration_s * bpm / 60) + 4
    tempo = mido.bpm2tempo(bpm)

    def new() -> tuple[mido.MidiFile, mido.MidiTrack]:
        mid = mido.MidiFile(ticks_per_beat=tpb)
        track = mido.MidiTrack()
        mid.tracks.append(track)
        track.append(mido.MetaMessage("set_tempo", tempo=tempo, time=0))
        return mid, track

    def render(track: mido.MidiTrack, notes: list[tuple[int, int, int, int, int]]) -> None:
        events: list[tuple[int, int, mido.Message]] = []
        for start, dur, ch, pitch, vel in notes:
            events.append((start, 1, mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
            events.append((start + dur, 0, mido.Message("note_off", channel=ch, note=pitch, velocity=0)))
        events.sort(key=lambda e: (e[0], e[1]))
        now = 0
        for tick, _, msg in events:
            track.append(msg.copy(time=tick - now))
            now = tick

    drums_mid, drums_track = new()
    notes: list[tuple[int, int, int, int, int]] = []
    for b in range(beats):
        t = b * tpb
        if b % 2 == 0:
            notes.append((t, tpb // 4, 9, 36, 110))  # kick
        else:
            notes.append((t, tpb // 4, 9, 38, 100))  # snare
        if rng.random() < 0.3:
            notes.append((t + tpb // 2, tpb // 4, 9, 36, 90))
        for e in range(2):
            notes.append((t + e * tpb // 2, tpb // 4, 9, 42, int(rng.integers(60, 90))))  # closed hat
        if b % 16 == 0:
            notes.append((t, tpb, 9, 49, 90))  # crash
    render(drums_track, notes)

    pitched_mid, track = new()
    for ch, program in ((0, 33), (1, 0), (2, 48)):  # finger bass, piano, strings
        track.append(mido.Message("program_change", channel=ch, program=program, time=0))
    progression = ((48, (60, 64, 67)), (45, (57, 60, 64)), (41, (57, 60, 65)), (43, (59, 62, 67)))
    notes = []
    for bar in range(beats // 4 + 1):
        root, chord = progression[bar % len(progression)]
        t0 = bar * 4 * tpb
        for b in range(4):
            notes.append((t0 + b * tpb, tpb - 40, 0, root - 12 + (7 if b == 2 else 0), 100))
        for b in (0, 2):
            for p in chord:
                notes.append((t0 + b * tpb, 2 * tpb - 60, 1, p, int(rng.integers(60, 85))))
        for p in chord:
            notes.append((t0, 4 * tpb - 20, 2, p - 12, 50))
    render(track, notes)
    return drums_mid, pitched_mid


def _fluidsynth(mid: mido.MidiFile, tmp: Path, name: str) -> np.ndarray:
    fluidsynth = _need("fluidsynth")
    if not SOUNDFONT.is_file():
        raise ToolMissing(f"{SOUNDFONT} is missing (apt-get install fluid-soundfont-gm)")
    midi_path, wav_path = tmp / f"{name}.mid", tmp / f"{name}.wav"
    mid.save(str(midi_path))
    subprocess.run([fluidsynth, "-ni", "-q", "-g", "0.6", "-R", "0", "-C", "0", "-r", str(RATE),
                    "-F", str(wav_path), str(SOUNDFONT), str(midi_path)],
                   check=True, capture_output=True)
    data, rate = sf.read(str(wav_path), dtype="float32", always_2d=True)
    return _resample(data.T.copy(), rate, RATE)


def accompaniment(duration_s: float, bpm: float = 100.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(drums, harmonic) FluidSynth renders, each (2, n) at 44.1 kHz."""
    drums_mid, pitched_mid = _arrangement(duration_s, bpm, seed)
    n = int(duration_s * RATE)
    with tempfile.TemporaryDirectory() as tmp:
        drums = _fit(_fluidsynth(drums_mid, Path(tmp), "drums"), n)
        harmonic = _fit(_fluidsynth(pitched_mid, Path(tmp), "pitched"), n)
    return drums, harmonic


def build_mix(duration_s: float = 20.0, vocal: str = "speech", seed: int = 0,
              vocal_db: float = 0.0) -> KnownMix:
    """A mixture with known vocals/drums/harmonic parts; ``vocal_db`` is vocals vs. accompaniment."""
    vocals = speech_vocals(duration_s, seed) if vocal == "speech" else sung_vocals(duration_s, seed=seed)
    drums, harmonic = accompaniment(duration_s, seed=seed)
    acc_rms = float(np.sqrt(np.mean((drums + harmonic) ** 2)) + 1e-9)
    voc_rms = float(np.sqrt(np.mean(vocals ** 2)) + 1e-9)
    vocals = vocals * (acc_rms / voc_rms) * 10 ** (vocal_db / 20)
    peak = float(np.abs(vocals + drums + harmonic).max())
    scale = 0.9 / peak if peak > 0.9 else 1.0
    return KnownMix((vocals * scale).astype(np.float32), (drums * scale).astype(np.float32),
                    (harmonic * scale).astype(np.float32))


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-distortion ratio in dB (the MDX/"new" SDR: 10 log10 |s|^2 / |s - s_hat|^2)."""
    n = min(reference.shape[-1], estimate.shape[-1])
    ref, est = reference[..., :n].astype(np.float64), estimate[..., :n].astype(np.float64)
    num = float(np.sum(ref ** 2)) + 1e-12
    den = float(np.sum((ref - est) ** 2)) + 1e-12
    return 10 * np.log10(num / den)
