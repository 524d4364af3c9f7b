"""Labelled data sets for the sample classifier, built from sounds generated on this machine.

Sources
-------
``fluidr3``, ``musescore``, ``opl3``, ``timgm6mb``
    FluidSynth renders of GM soundfonts: drum-kit notes on channel 10 (up to seven kits), bass
    programs, melodic programs (single notes and chords), voice programs (choir aahs, voice oohs,
    synth voice, voice lead, choir pad) and sound-effect programs. ``opl3`` is an FM-chip
    emulation, very unlike the sample-based fonts.
``avl_black_pearl``, ``avl_red_zeppelin``
    The AVL Drumkits: multi-sampled acoustic drum kits (drums only).
``synth``
    numpy synthesis (:mod:`.synth`) with randomised parameters.
``espeak``
    espeak-ng syllables and short words, many voices, pitches and speeds.

The training split uses fluidr3 + musescore + opl3 + synth (inner parameter ranges) +
espeak (one set of voices and words). The held-out split uses sound sets never used in training
(timgm6mb; the two AVL acoustic kits), synthesis with parameters outside the training ranges
(plus two percussion types never seen), and espeak voices, languages and words never seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, fftconvolve, lfilter, sosfilt
from soundmosaic.audio.samples.slicing import fade, trim_bounds

from soundmosaic_local.training import render, synth

SR = synth.SR
CLIP_S = 1.5
KITS = (0, 8, 16, 24, 25, 32, 40)  # standard, room, power, electronic, TR-808, jazz, brush
DRUM_NOTES = {
    "kick": (35, 36),
    "snare": (38, 40),
    "clap": (39,),
    "closed_hat": (42, 44),
    "open_hat": (46,),
    "cymbal": (49, 51, 52, 53, 55, 57, 59),
    "tom": (41, 43, 45, 47, 48, 50),
    "percussion": (37, 54, 56, 58, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 73, 74, 75, 76, 77, 78, 79, 80,
                   81),
}
BASS_PROGRAMS = (32, 33, 34, 35, 36, 37, 38, 39, 43)
TONAL_PROGRAMS = (*range(0, 32), 40, 41, 42, 44, 45, 46, 48, 49, 50, 51, *range(56, 85), 86, 87, 88, 89, 90,
                  92, 93, 94, 95, *range(104, 112), 112, 114)
VOCAL_PROGRAMS = (52, 53, 54, 85, 91)
FX_PROGRAMS = (96, 101, 102, 103, 119, 120, 121, 122, 123, 124, 125, 126, 127)
MELODIC_PERCUSSION = {113: "percussion", 115: "percussion", 116: "tom", 117: "tom", 118: "tom"}
CHORD_PROGRAMS = frozenset((*range(0, 8), *range(16, 32), 48, 49, 50, 51, *range(88, 96)))

SYLLABLES = {
    "train": ("la", "na", "ah", "oh", "ooh", "yeah", "hey", "woo", "mm", "da", "ba", "no", "baby", "love",
              "go", "yo", "uh", "one", "sing", "hold on", "dance", "night", "fire", "me"),
    "heldout": ("lo", "ma", "eh", "wow", "doo", "shoo", "oh yeah", "come on", "heart", "sky", "you", "why",
                "ride", "free"),
}
VOICES = {
    "train": ("en+m1", "en+m2", "en+m3", "en+m4", "en+f1", "en+f2", "en+f3", "en+klatt", "en+klatt2",
              "en+croak", "en-us+m1", "en-us+f2", "de+m2", "de+f1", "es+m3", "es+f3"),
    "heldout": ("en+f4", "en+f5", "en+m5", "en+m6", "en+m7", "en+klatt3", "en+Annie", "en+Andy",
                "fr+m1", "fr+f2", "it+f1", "pt+m3"),
}
AVL_NOTES = {  # the AVL kits' own map (GM-like, with articulations); ambiguous articulations left out
    "kick": (36,), "snare": (38, 40), "closed_hat": (42, 44), "open_hat": (46,), "tom": (41, 43, 45, 47),
    "cymbal": (49, 51, 53, 55, 57), "percussion": (37, 54, 56, 61),
}
# csound's sf_GMbank is left out on purpose: most of its samples are TimGM6mb's (measured:
# cross-correlation > 0.9 for 12 of 12 kicks, 32 of 40 bass and 30 of 40 tonal notes), so training
# on it would leak into the held-out set.
TRAIN_SOUNDFONTS = {"fluidr3": 1.0, "musescore": 1.0, "opl3": 0.8}
LONG_CLASSES = frozenset(("open_hat", "cymbal", "fx", "tonal", "vocal", "bass"))
MIN_TRUNCATE_S = {"open_hat": 0.2, "cymbal": 0.35, "fx": 0.15, "vocal": 0.15, "tonal": 0.12, "bass": 0.12}


@dataclass
class Clip:
    audio: np.ndarray  # mono float32 at SR
    label: str
    source: str


def drum_events(rng: np.random.Generator, per_class: int, kits: Sequence[int] = KITS,
                note_map: dict[str, tuple[int, ...]] | None = None,
                channel10: bool = True) -> list[render.NoteEvent]:
    out = []
    for label, notes in (note_map or DRUM_NOTES).items():
        combos = [(k, n) for k in kits for n in notes]
        picks = rng.permutation(np.resize(np.arange(len(combos)), max(per_class, len(combos))))[:per_class]
        for i in picks:
            kit, note = combos[int(i)]
            clip = 1.5 if label in ("cymbal", "open_hat") else 1.2
            velocity = int(rng.integers(45, 128))
            out.append(render.NoteEvent(label, kit, channel10, (note,), velocity, 0.2, clip))
    return out


def melodic_events(rng: np.random.Generator, per_class: int) -> list[render.NoteEvent]:
    out = []

    def note_events(label: str, programs: Sequence[int] | np.ndarray, lo: int, hi: int, n: int,
                    chords: bool) -> None:
        for i in range(n):
            program = int(programs[i % len(programs)])
            root = int(rng.integers(lo, hi + 1))
            pitches: tuple[int, ...] = (root,)
            if chords and program in CHORD_PROGRAMS and rng.random() < 0.4:
                shape = ((0, 4, 7), (0, 3, 7), (0, 5, 7), (0, 4, 7, 11), (0, 3, 7, 10))[int(rng.integers(5))]
                pitches = tuple(root + s for s in shape)
            dur = float(rng.uniform(0.25, 1.1))
            out.append(render.NoteEvent(label, program, False, pitches, int(rng.integers(60, 128)), dur,
                                        min(CLIP_S, dur + 0.35)))

    note_events("bass", rng.permutation(BASS_PROGRAMS), 28, 52, per_class, False)
    note_events("tonal", rng.permutation(TONAL_PROGRAMS), 48, 84, per_class, True)
    note_events("vocal", rng.permutation(VOCAL_PROGRAMS), 48, 79, per_class, False)
    note_events("fx", rng.permutation(FX_PROGRAMS), 40, 84, per_class, False)
    for program, label in MELODIC_PERCUSSION.items():
        note_events(label, (program,), 45, 72, max(4, per_class // 12), False)
    return out


def speech_events(rng: np.random.Generator, split: str, n: int) -> list[render.SpeechEvent]:
    voices, words = VOICES[split], SYLLABLES[split]
    return [render.SpeechEvent(str(voices[int(rng.integers(len(voices)))]),
                               str(words[int(rng.integers(len(words)))]),
                               int(rng.integers(15, 90)), int(rng.integers(100, 220))) for _ in range(n)]


def _peaking(x: np.ndarray, freq: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ peaking equaliser."""
    a_lin = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * min(freq, SR * 0.45) / SR
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a_lin, -2 * np.cos(w0), 1 - alpha * a_lin])
    a = np.array([1 + alpha / a_lin, -2 * np.cos(w0), 1 - alpha / a_lin])
    return np.asarray(lfilter(b / a[0], a / a[0], x))


def finish(x: np.ndarray, trim_db: float = 40.0) -> np.ndarray:
    """What the slicer does to a hit: trim the silent tail, fade, cap at :data:`CLIP_S`."""
    x = np.asarray(x[: int(CLIP_S * SR)], dtype=np.float32)
    if x.size == 0 or float(np.max(np.abs(x))) <= 0:
        return np.zeros(0, np.float32)
    s, e = trim_bounds(x, SR, trim_db, int(0.03 * SR))
    return fade(x[s:e], SR, 2.0, 20.0)


def augment(x: np.ndarray, label: str, rng: np.random.Generator,
            bleed: Callable[[], np.ndarray] | None = None) -> np.ndarray:
    """Randomised variant of a clean clip: pitch/speed, EQ, room tail, noise, bleed, truncation."""
    y = np.asarray(x, dtype=np.float64)
    if rng.random() < 0.5:  # speed change = small pitch shift (up to a semitone) with time scaling
        from soundmosaic.audio.samples.features import resample

        factor = 2 ** (rng.uniform(-1, 1) / 12)
        y = resample(y.astype(np.float32), round(SR * factor), SR).astype(np.float64)
    if rng.random() < 0.3:
        if rng.random() < 0.5:
            sos = butter(2, rng.uniform(4000, 10500) / (SR / 2), btype="lowpass", output="sos")
        else:
            sos = butter(2, rng.uniform(30, 200) / (SR / 2), btype="highpass", output="sos")
        y = sosfilt(sos, y)
    if rng.random() < 0.5:  # a different microphone, desk or soundfont: 1-3 peaking EQ bands
        for _ in range(int(rng.integers(1, 4))):
            y = _peaking(y, float(np.exp(rng.uniform(np.log(60), np.log(9000)))), float(rng.uniform(-9, 9)),
                         float(rng.uniform(0.5, 2.0)))
    if rng.random() < 0.15:  # saturation
        drive = rng.uniform(1.5, 5)
        y = np.tanh(drive * y / (np.max(np.abs(y)) + 1e-9)) / np.tanh(drive)
    if label not in LONG_CLASSES and rng.random() < 0.25:  # a tighter (gated or damped) decay
        t = np.arange(y.size) / SR
        y = y * np.exp(-t / rng.uniform(0.08, 0.6))
    if rng.random() < 0.35:  # a room: exponentially decaying noise impulse response
        rt = rng.uniform(0.15, 1.0)
        t = np.arange(int(rt * SR)) / SR
        ir = rng.standard_normal(t.size) * np.exp(-6.9 * t / rt)
        ir = sosfilt(butter(1, rng.uniform(2000, 8000) / (SR / 2), output="sos"), ir)
        wet = fftconvolve(y, ir)[: y.size + ir.size // 2]
        wet *= np.max(np.abs(y)) / (np.max(np.abs(wet)) + 1e-9)
        mix = rng.uniform(0.05, 0.35)
        y = np.concatenate([y, np.zeros(wet.size - y.size)]) * (1 - mix) + mix * wet
    if bleed is not None and rng.random() < 0.2:  # another sound leaking in, well below
        other = np.asarray(bleed(), dtype=np.float64)
        offset = int(rng.integers(0, max(1, y.size // 2)))
        level = np.max(np.abs(y)) / (np.max(np.abs(other)) + 1e-9) * 10 ** (rng.uniform(-30, -16) / 20)
        n = min(other.size, y.size - offset)
        if n > 0:
            y[offset:offset + n] += other[:n] * level
    if rng.random() < 0.3:
        noise = rng.standard_normal(y.size)
        if rng.random() < 0.5:  # pink-ish
            noise = sosfilt(butter(1, 500 / (SR / 2), output="sos"), noise) * 4
        snr = rng.uniform(20, 45)
        rms = np.sqrt(np.mean(y ** 2)) + 1e-9
        y = y + noise / (np.sqrt(np.mean(noise ** 2)) + 1e-9) * rms * 10 ** (-snr / 20)
    y = finish(y.astype(np.float32), trim_db=float(rng.uniform(30, 50)))
    if rng.random() < 0.3 and y.size:
        lo = int(MIN_TRUNCATE_S.get(label, 0.06) * SR)
        if y.size > lo:
            y = fade(y[: int(rng.integers(lo, y.size + 1))], SR, 2.0, 10.0)
    return y.astype(np.float32)


def _soundfont_clips(name: str, rng: np.random.Generator, drums_per_class: int,
                     melodic_per_class: int, log: Callable[[str], None]) -> list[Clip]:
    if not render.available(name):
        log(f"  {name}: not installed, skipped")
        return []
    if name.startswith("avl_"):
        events = drum_events(rng, drums_per_class, kits=(0,), note_map=AVL_NOTES, channel10=False)
    else:
        kits = [k for k in KITS if (128, k) in render.presets(name)] or [0]
        events = drum_events(rng, drums_per_class, kits=kits) + melodic_events(rng, melodic_per_class)
    clips = render.render(name, events)
    out = [Clip(finish(c), ev.label, name) for c, ev in zip(clips, events, strict=True) if c.size]
    log(f"  {name}: {len(out)} clips from {len(events)} notes")
    return [c for c in out if c.audio.size > int(0.02 * SR)]


def build(split: str, seed: int, scale: float = 1.0, log: Callable[[str], None] = print) -> list[Clip]:
    """Clean clips of one split (``"train"`` or ``"heldout"``), deterministic for ``seed``."""
    assert split in ("train", "heldout"), split
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    n = lambda k: max(2, round(k * scale))  # noqa: E731
    clips: list[Clip] = []
    if split == "train":
        for name, share in TRAIN_SOUNDFONTS.items():
            clips += _soundfont_clips(name, rng, n(100 * share), n(100 * share), log)
        synth_per_class, speech = n(240), n(300)
    else:
        clips += _soundfont_clips("timgm6mb", rng, n(70), n(70), log)
        for name in ("avl_black_pearl", "avl_red_zeppelin"):
            clips += _soundfont_clips(name, rng, n(30), 0, log)
        synth_per_class, speech = n(90), n(100)
    variant = "train" if split == "train" else "heldout"
    for label in synth.GENERATORS:
        for _ in range(synth_per_class):
            clips.append(Clip(finish(synth.generate(label, rng, variant)), label, "synth"))
    log(f"  synth ({variant} ranges): {synth_per_class * len(synth.GENERATORS)} clips")
    if render.espeak_available():
        said = render.speak(speech_events(rng, split, speech))
        clips += [Clip(finish(x), "vocal", "espeak") for x in said if x.size]
        log(f"  espeak ({split} voices): {len(said)} clips")
    return [c for c in clips if c.audio.size > int(0.02 * SR)]
