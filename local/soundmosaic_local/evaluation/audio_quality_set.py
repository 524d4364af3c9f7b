"""The audio lab's evaluation set: songs mixed from separately rendered stems whose truth is
known (stems, bass notes, key, tempo, timed words). Scored by ``bench.audio_quality``; each
song's recipe is the table in docs/audio-separation.md ("Evaluation set").

Every song is built from a ``Recipe``:

- harmony: a chord progression in roman numerals over a major or (natural) minor key, ending on
  the tonic unless the recipe says it fades out; keys (GM program) play the chords, a pad
  (another program) holds them, a bass line (several styles) plays roots/fifths/walks;
- drums: one of several GM patterns on a chosen drum kit;
- a vocal from espeak-ng (``espeak_timed``: the library's word events give each word's time),
  spoken, or sung: each word pitch-shifted onto a melody note of the key, placed on the beat;
- optional reverb (a decaying-noise impulse response) and compression on the vocal, and the
  vocal mixed at the recipe's vocal-to-accompaniment ratio (dB, RMS).

FluidSynth renders drums, bass and the other pitched parts separately (reverb and chorus off,
so the stems add up to the mix exactly). Songs are deterministic (seeded) and cached under
``$SOUNDMOSAIC_CACHE_DIR/audio-quality-set/<name>-<digest>/`` (FLAC stems + ``truth.json``),
the digest covering the recipe and ``VERSION``, so re-running a bench renders nothing.
Run ``python -m soundmosaic_local.evaluation.audio_quality_set`` to render and list the set.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soundmosaic_local.evaluation.espeak_timed import say
from soundmosaic_local.training.render import SOUNDFONTS

VERSION = 2  # bump when a change to the rendering changes the songs
RATE = 44100
STEMS = ("vocals", "drums", "bass", "other")
NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_NUMERALS = ("i", "ii", "iii", "iv", "v", "vi", "vii")

LINES = (
    "The morning light was falling on the river while we walked along the quiet shore",
    "Every song begins with a single voice that carries a melody across the room",
    "Nobody knew the answer so we kept on singing until the night was over",
    "Bring the rhythm back again and let the chorus rise above the city lights",
    "She said the summer would never end and for a while we believed her",
    "We drove all night to see the ocean and the stars were burning bright",
    "Hold my hand and follow me down to the station after dark",
    "The radio was playing an old song about a train that never came",
    "Tell me where the wild birds go when the winter wind is blowing",
    "I wrote your name on a paper boat and watched it sail away",
    "There is a light that never fades inside the house where we were young",
    "Open the window let the rain come in and wash the dust away",
    "My father built this little house with his own two hands and a hammer",
    "Dancing slowly in the kitchen while the coffee started boiling",
    "We will meet again tomorrow at the corner of the market square",
    "The mountain road was long and winding but we never thought of turning back",
)


@dataclass(frozen=True)
class Recipe:
    name: str
    seconds: float
    bpm: float
    tonic: str  # "A", "F#" ...
    mode: str  # "major" | "minor"
    progression: str  # roman numerals, one chord per bar; case gives the chord quality
    bass: str  # roots | root-fifth | eighths | walk | syncopated
    drums: str  # rock | four | halftime | shuffle | sparse
    kit: int  # GM drum kit (program on channel 10)
    keys: int  # GM program playing the chords
    pad: int  # GM program holding them
    bass_program: int
    soundfont: str  # key of training.render.SOUNDFONTS
    voice: str  # espeak-ng voice+variant
    delivery: str  # spoken | sung
    vocal_db: float  # vocal vs accompaniment RMS
    reverb: float = 0.0  # wet gain of the vocal's reverb (0 = dry)
    compress: bool = False
    ends_on_tonic: bool = True
    seed: int = 0
    lines: int = 0  # lyric lines; 0 = as many as fit

    @property
    def key(self) -> str:
        return f"{self.tonic} {self.mode}"

    def digest(self) -> str:
        data = json.dumps({"recipe": asdict(self), "version": VERSION}, sort_keys=True).encode()
        return hashlib.sha256(data).hexdigest()[:12]


SONGS: tuple[Recipe, ...] = (
    Recipe("a-minor-ballad", 40, 84, "A", "minor", "i VI III VII", "roots", "rock", 0, 0, 48, 33,
           "fluidr3", "en-us", "spoken", 0.0, seed=1),
    Recipe("c-major-pop", 35, 120, "C", "major", "I V vi IV", "root-fifth", "rock", 0, 4, 89, 34,
           "fluidr3", "en-us+f3", "sung", 2.0, reverb=0.25, seed=2),
    Recipe("e-minor-drive", 32, 140, "E", "minor", "i VII VI VII", "eighths", "four", 16, 29, 50, 38,
           "fluidr3", "en+m3", "spoken", -3.0, compress=True, seed=3),
    Recipe("g-major-folk", 40, 96, "G", "major", "I IV I V", "walk", "sparse", 32, 25, 48, 32,
           "timgm6mb", "en-us+m2", "spoken", 3.0, seed=4),
    Recipe("d-minor-dark", 36, 72, "D", "minor", "i iv V i", "roots", "halftime", 0, 0, 49, 33,
           "fluidr3", "en+f2", "sung", 0.0, reverb=0.4, seed=5),
    Recipe("f-major-bright", 30, 128, "F", "major", "I vi IV V", "eighths", "four", 24, 81, 90, 38,
           "timgm6mb", "en-us+f4", "spoken", -6.0, compress=True, seed=6),
    Recipe("b-minor-shuffle", 40, 105, "B", "minor", "i VI VII i", "syncopated", "shuffle", 0, 16, 48, 33,
           "fluidr3", "en-gb-scotland", "spoken", 0.0, reverb=0.2, seed=7),
    Recipe("e-flat-major-soul", 38, 92, "D#", "major", "I ii IV V", "walk", "rock", 8, 5, 52, 33,
           "fluidr3", "en-us+m4", "sung", 3.0, compress=True, seed=8),
    Recipe("f-sharp-minor-synth", 34, 110, "F#", "minor", "i III VII VI", "eighths", "four", 25, 81, 88, 38,
           "timgm6mb", "en-029", "spoken", 6.0, seed=9),
    Recipe("c-minor-slow", 45, 66, "C", "minor", "i VI iv V", "roots", "halftime", 32, 0, 49, 32,
           "fluidr3", "en-us+f1", "sung", -3.0, reverb=0.5, seed=10),
    Recipe("a-major-rock", 30, 150, "A", "major", "I IV V IV", "root-fifth", "rock", 16, 30, 48, 34,
           "fluidr3", "en-gb-x-rp", "spoken", -1.5, compress=True, seed=11),
    Recipe("g-minor-fade", 36, 100, "G", "minor", "i VII VI V", "syncopated", "rock", 0, 4, 89, 33,
           "timgm6mb", "en-us+m7", "spoken", 1.5, reverb=0.3, ends_on_tonic=False, seed=12),
    Recipe("bb-major-long", 180, 116, "A#", "major", "I V vi iii IV I IV V", "root-fifth", "rock", 0, 0, 48,
           33, "fluidr3", "en-us+f2", "spoken", 0.0, reverb=0.2, compress=True, seed=13),
)
SHORT = tuple(r for r in SONGS if r.seconds <= 60)


@dataclass
class EvalSong:
    recipe: Recipe
    folder: Path
    truth: dict[str, Any] = field(default_factory=dict)

    @property
    def mix(self) -> Path:
        return self.folder / "mix.flac"

    def stem(self, name: str) -> Path:
        return self.folder / f"{name}.flac"

    @property
    def lyrics(self) -> str:
        return " ".join(w["word"] for w in self.truth["words"])

    def read(self, name: str) -> np.ndarray:
        """(2, n) float32 of a stem or ``mix``."""
        import soundfile as sf

        data, _ = sf.read(str(self.folder / f"{name}.flac"), dtype="float32", always_2d=True)
        return data.T.copy()


# -- harmony -------------------------------------------------------------------------------------


def chord(recipe: Recipe, numeral: str) -> tuple[int, tuple[int, int, int]]:
    """(root pitch class, three pitch classes) of a roman numeral in the recipe's key."""
    degree = _NUMERALS.index(numeral.lower())
    scale = _SCALES[recipe.mode]
    tonic = NOTES.index(recipe.tonic)
    root = (tonic + scale[degree]) % 12
    third = 4 if numeral.isupper() else 3
    fifth = 6 if degree == 1 and recipe.mode == "minor" and numeral.islower() else 7
    return root, (root, (root + third) % 12, (root + fifth) % 12)


def _bars(recipe: Recipe) -> list[str]:
    bar_s = 4 * 60.0 / recipe.bpm
    count = max(2, int(recipe.seconds // bar_s))
    numerals = recipe.progression.split()
    bars = [numerals[b % len(numerals)] for b in range(count)]
    if recipe.ends_on_tonic:
        bars[-1] = "I" if recipe.mode == "major" else "i"
    return bars


def _near(pc: int, low: int) -> int:
    """The MIDI pitch of pitch class ``pc`` at or above ``low``."""
    return low + (pc - low) % 12


Note = tuple[float, float, int, int]  # start s, end s, MIDI pitch, velocity


def _harmony(recipe: Recipe, rng: np.random.Generator) -> tuple[list[Note], list[Note], list[Note]]:
    """(keys, pad, bass) notes."""
    beat = 60.0 / recipe.bpm
    keys, pad, bass = [], [], []
    for b, numeral in enumerate(_bars(recipe)):
        t0 = b * 4 * beat
        root, pcs = chord(recipe, numeral)
        voicing = sorted(_near(pc, 57) for pc in pcs)  # close voicing from A3
        for hit in (0, 2) if recipe.bpm < 100 else (0, 1.5, 2.5):
            for p in voicing:
                keys.append((t0 + hit * beat, t0 + (hit + 1.4) * beat, p, int(rng.integers(55, 80))))
        for p in (_near(pcs[0], 48), _near(pcs[2], 48) , _near(pcs[1], 60)):
            pad.append((t0, t0 + 4 * beat - 0.02, p, 45))
        low = _near(root, 36)
        fifth = low + 7
        octave = low + 12
        third = _near(pcs[1], low)
        style = recipe.bass
        steps: list[tuple[float, float, int]]
        if style == "roots":
            steps = [(i, 0.9, low) for i in range(4)]
        elif style == "root-fifth":
            steps = [(0, 0.9, low), (1, 0.9, low), (2, 0.9, fifth), (3, 0.9, low)]
        elif style == "eighths":
            steps = [(i / 2, 0.45, low if i != 6 else octave) for i in range(8)]
        elif style == "walk":
            approach = octave - 1 if rng.random() < 0.5 else fifth + 2
            steps = [(0, 0.9, low), (1, 0.9, third), (2, 0.9, fifth), (3, 0.9, approach)]
        else:  # syncopated
            steps = [(0, 1.4, low), (1.5, 0.9, low), (2.5, 0.45, fifth), (3, 0.9, octave)]
        for at, length, p in steps:
            bass.append((t0 + at * beat, t0 + (at + length) * beat, p, int(rng.integers(90, 115))))
    return keys, pad, bass


def _drums(recipe: Recipe, rng: np.random.Generator) -> list[Note]:
    beat = 60.0 / recipe.bpm
    beats = len(_bars(recipe)) * 4
    kick, snare, hat, open_hat, ride, crash, rim = 36, 38, 42, 46, 51, 49, 37
    out: list[Note] = []

    def hit(t: float, pitch: int, velocity: int) -> None:
        out.append((t, t + 0.1, pitch, max(1, min(127, velocity + int(rng.integers(-8, 8))))))

    for b in range(beats):
        t = b * beat
        pos = b % 4
        if b % 16 == 0:
            hit(t, crash, 95)
        if recipe.drums == "rock":
            hit(t, kick if pos in (0, 2) else snare, 105)
            if pos == 2 and rng.random() < 0.4:
                hit(t + beat / 2, kick, 85)
            hit(t, hat, 70)
            hit(t + beat / 2, hat, 55)
        elif recipe.drums == "four":
            hit(t, kick, 110)
            if pos in (1, 3):
                hit(t, snare, 100)
            hit(t + beat / 2, open_hat, 65)
        elif recipe.drums == "halftime":
            if pos == 0:
                hit(t, kick, 110)
            if pos == 2:
                hit(t, snare, 105)
            hit(t, hat, 70)
            hit(t + beat / 2, hat, 50)
        elif recipe.drums == "shuffle":
            hit(t, kick if pos in (0, 2) else snare, 100)
            hit(t, ride, 70)
            hit(t + 2 * beat / 3, ride, 55)
        else:  # sparse
            if pos == 0:
                hit(t, kick, 100)
            if pos == 2:
                hit(t, rim, 90)
            hit(t, ride, 60)
    return out


# -- rendering -----------------------------------------------------------------------------------


def _fluidsynth(parts: list[tuple[int, bool, list[Note]]], bpm: float, soundfont: str, tmp: Path,
                name: str, n: int) -> np.ndarray:
    import pretty_midi
    import soundfile as sf

    score = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    for program, is_drum, notes in parts:
        instrument = pretty_midi.Instrument(program=program, is_drum=is_drum)
        instrument.notes = [pretty_midi.Note(velocity=v, pitch=p, start=s, end=e) for s, e, p, v in notes]
        score.instruments.append(instrument)
    mid, wav = tmp / f"{name}.mid", tmp / f"{name}.wav"
    score.write(str(mid))
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(RATE),
                    "-F", str(wav), SOUNDFONTS[soundfont], str(mid)],
                   check=True, capture_output=True, timeout=600)
    data, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    assert rate == RATE, rate
    out = np.zeros((2, n), np.float32)
    m = min(n, data.shape[0])
    out[:, :m] = data[:m].T
    return out


def _resample(x: np.ndarray, rate_in: int) -> np.ndarray:
    import soxr

    return np.asarray(soxr.resample(x, rate_in, RATE), dtype=np.float32)


def _sing(audio: np.ndarray, words: list[Any], recipe: Recipe, bars: list[str], t0: float,
          rng: np.random.Generator) -> np.ndarray:
    """A monotone spoken line "sung": each word's span shifted from the line's pitch onto a tone
    of the chord sounding there (the nearest few semitones away), joined with 10-ms crossfades."""
    import librosa

    f0 = librosa.yin(audio, fmin=60, fmax=500, sr=RATE, frame_length=2048)
    voiced = f0[(f0 > 65) & (f0 < 480)]
    if voiced.size == 0 or not words:
        return audio
    base = 69 + 12 * np.log2(float(np.median(voiced)) / 440.0)
    bar = 4 * 60.0 / recipe.bpm
    out = audio.copy()
    fade = int(0.01 * RATE)
    for k, word in enumerate(words):
        a = int(word.start * RATE)
        b = int(words[k + 1].start * RATE) if k + 1 < len(words) else audio.size
        if b - a < 4 * fade:
            continue
        _, pcs = chord(recipe, bars[min(len(bars) - 1, int((t0 + word.start) // bar))])
        tones = [p for pc in pcs for p in (_near(pc, int(base) - 6),) if abs(p - base) <= 6]
        steps = float(rng.choice(tones) - base) if tones else 0.0
        shifted = librosa.effects.pitch_shift(audio[a:b], sr=RATE, n_steps=steps)
        ramp = np.ones(b - a, np.float32)
        ramp[:fade], ramp[-fade:] = np.linspace(0, 1, fade), np.linspace(1, 0, fade)
        out[a:b] = out[a:b] * (1 - ramp) + shifted * ramp
    return out


def _vocal(recipe: Recipe, rng: np.random.Generator, n: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Mono vocal at RATE and its timed words."""
    beat = 60.0 / recipe.bpm
    bar = 4 * beat
    bars = _bars(recipe)
    out = np.zeros(n, np.float32)
    words: list[dict[str, Any]] = []
    order = rng.permutation(len(LINES))
    pitch, speed = int(rng.integers(35, 65)), int(rng.integers(140, 165))
    t = bar  # one bar of intro
    end = recipe.seconds - 1.0
    for k, index in enumerate(order):
        if recipe.lines and k >= recipe.lines:
            break
        line = LINES[int(index)]
        if recipe.delivery == "spoken":
            said = say(line, recipe.voice, speed, pitch)
            audio = _resample(said.samples, said.rate)
        else:
            said = say(line, recipe.voice, speed - 15, pitch, pitch_range=0)  # monotone: one pitch
            audio = _sing(_resample(said.samples, said.rate), said.words, recipe, bars, t, rng)
        if t + audio.size / RATE > end:
            break
        start = int(t * RATE)
        out[start:start + audio.size] += audio
        words += [{"word": w.word, "start": round(float(t + w.start), 3),
                   "end": round(float(t + w.end), 3)} for w in said.words]
        t += audio.size / RATE
        t = (np.floor(t / bar) + 1 + int(rng.integers(0, 2))) * bar  # next line on a bar line
    return out, words


def _reverb(mono: np.ndarray, wet: float, rng: np.random.Generator) -> np.ndarray:
    """Stereo: the dry vocal plus a decaying-noise impulse response (RT60 ~1.2 s), per channel."""
    from scipy.signal import fftconvolve

    length = int(1.2 * RATE)
    decay = np.exp(-6.9 * np.arange(length) / length)
    out = []
    for _ in range(2):
        ir = rng.standard_normal(length) * decay
        ir[: int(0.02 * RATE)] = 0  # 20 ms pre-delay
        ir /= np.sqrt(np.sum(ir ** 2))
        out.append(mono + wet * fftconvolve(mono, ir)[: mono.size])
    return np.stack(out).astype(np.float32)


def _compress(x: np.ndarray, threshold_db: float = -24.0, ratio: float = 4.0) -> np.ndarray:
    """Feed-forward compressor: 5 ms attack / 100 ms release envelope, make-up to the same peak."""
    from scipy.signal import lfilter

    level = np.abs(x).max(axis=0)
    env = np.maximum(lfilter([1 - np.exp(-1 / (0.1 * RATE))], [1, -np.exp(-1 / (0.1 * RATE))], level),
                     lfilter([1 - np.exp(-1 / (0.005 * RATE))], [1, -np.exp(-1 / (0.005 * RATE))], level))
    db = 20 * np.log10(env + 1e-9)
    gain_db = np.minimum(0.0, (threshold_db - db) * (1 - 1 / ratio))
    y = x * 10 ** (gain_db / 20)
    return (y * (np.abs(x).max() / (np.abs(y).max() + 1e-9))).astype(np.float32)


def render(recipe: Recipe) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(stems, truth) of one recipe; the mix is the sum of the stems."""
    rng = np.random.default_rng(recipe.seed)
    n = int(recipe.seconds * RATE)
    keys, pad, bass = _harmony(recipe, rng)
    drums = _drums(recipe, rng)
    with tempfile.TemporaryDirectory(prefix="sm-aqset-") as folder:
        tmp = Path(folder)
        parts = {"drums": [(recipe.kit, True, drums)], "bass": [(recipe.bass_program, False, bass)],
                 "other": [(recipe.keys, False, keys), (recipe.pad, False, pad)]}
        stems = {name: _fluidsynth(notes, recipe.bpm, recipe.soundfont, tmp, name, n)
                 for name, notes in parts.items()}
    mono, words = _vocal(recipe, rng, n)
    vocals = _reverb(mono, recipe.reverb, rng) if recipe.reverb else np.stack([mono, mono])
    if recipe.compress:
        vocals = _compress(vocals)
    accompaniment = stems["drums"] + stems["bass"] + stems["other"]
    active = np.abs(mono) > 1e-3  # the ratio is over the time the voice sounds
    acc_rms = float(np.sqrt(np.mean(accompaniment[:, active] ** 2)) + 1e-9)
    voc_rms = float(np.sqrt(np.mean(vocals[:, active] ** 2)) + 1e-9)
    stems["vocals"] = vocals * (acc_rms / voc_rms) * 10 ** (recipe.vocal_db / 20)
    peak = float(np.abs(sum(stems.values())).max())
    scale = 0.9 / peak
    stems = {name: (stems[name] * scale).astype(np.float32) for name in STEMS}
    truth = {"name": recipe.name, "recipe": asdict(recipe), "version": VERSION, "rate": RATE,
             "seconds": recipe.seconds, "key": recipe.key, "bpm": recipe.bpm, "bars": _bars(recipe),
             "words": words, "bass_notes": [[round(s, 4), round(e, 4), p] for s, e, p, _ in bass
                                            if s < recipe.seconds]}
    return stems, truth


def song(recipe: Recipe | str, cache: Path | None = None) -> EvalSong:
    """The rendered song (from the cache when it is there)."""
    import soundfile as sf
    from soundmosaic.audio.lyrics import cache_dir

    if isinstance(recipe, str):
        recipe = next(r for r in SONGS if r.name == recipe)
    folder = (cache or cache_dir() / "audio-quality-set") / f"{recipe.name}-{recipe.digest()}"
    truth_file = folder / "truth.json"
    if truth_file.is_file():
        return EvalSong(recipe, folder, json.loads(truth_file.read_text()))
    stems, truth = render(recipe)
    folder.mkdir(parents=True, exist_ok=True)
    for name, audio in {**stems, "mix": sum(stems.values())}.items():
        sf.write(str(folder / f"{name}.flac"), np.asarray(audio).T, RATE, subtype="PCM_24")
    truth_file.write_text(json.dumps(truth, indent=1))  # last: its presence marks a complete song
    return EvalSong(recipe, folder, truth)


def recipe_table(recipes: tuple[Recipe, ...] = SONGS) -> str:
    """The Markdown table of the recipes (docs)."""
    rows = ["| song | s | bpm | key | progression | bass | drums (kit) | keys / pad / bass GM | soundfont | "
            "voice | vocal | voc dB | reverb | comp |", "|" + "---|" * 14]
    for r in recipes:
        ending = "" if r.ends_on_tonic else " (fades, no final tonic)"
        rows.append(f"| {r.name} | {r.seconds:g} | {r.bpm:g} | {r.key} | {r.progression}{ending} | "
                    f"{r.bass} | {r.drums} ({r.kit}) | "
                    f"{r.keys} / {r.pad} / {r.bass_program} | {r.soundfont} | {r.voice} | {r.delivery} | "
                    f"{r.vocal_db:+g} | {r.reverb:g} | {'yes' if r.compress else 'no'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    import sys
    import time

    for r in SONGS if "--all" in sys.argv else SHORT:
        started = time.perf_counter()
        s = song(r)
        print(f"{r.name}: {len(s.truth['words'])} words, {len(s.truth['bass_notes'])} bass notes, "
              f"{time.perf_counter() - started:.1f} s -> {s.folder}", flush=True)
    print(recipe_table())
