"""MIDI and lyrics quality and speed: ``python -m bench.audio_midi_lyrics``.

MIDI (Basic Pitch, ICASSP 2022 model, ONNX)
    Pieces with known notes are generated (seeded), written with pretty_midi and rendered by
    FluidSynth with the Debian GM soundfont (FluidR3, its default reverb and chorus on, 44.1 kHz
    stereo). ``soundmosaic.audio.midi.transcribe`` runs on the audio with Basic Pitch's default
    settings and with the stem preset; mir_eval's note precision/recall/F-measure is reported
    onset-only (50 ms onset tolerance, same pitch within 50 cents) and with offsets (offset
    within 20 % of the note or 50 ms).
    Reference measured in the same run: basic-pitch's own ``inference.predict`` on the same
    file (the CLI's path), for the wrapper's overhead and to check that both give the same
    notes. Speed: real-time factor (compute seconds / audio seconds) per piece and on a
    3-minute piano piece (chunked inference).

Lyrics (faster-whisper, offline Whisper base, int8 on the CPU)
    Sentences spoken by espeak-ng (default voices), transcribed with language detection and with
    the language forced; word error rate on lower-case words without punctuation, and the
    real-time factor. A ~40 s passage (all English sentences with pauses) measures long-form WER
    and speed with VAD.

``--tune`` grid-searches the per-stem presets instead, on pieces from other seeds than the
reported ones (so the preset numbers above are not fitted to the pieces they are reported on),
and writes ``bench/results/midi_presets_tune.json``.

Writes ``bench/results/midi_lyrics.json`` and the measured section of
``docs/audio-midi-lyrics.md`` (``--no-record`` prints only).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import REPO_ROOT, RESULTS_DIR, machine, machine_line, replace_section, table

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
RESULT_FILE = RESULTS_DIR / "midi_lyrics.json"
TUNE_FILE = RESULTS_DIR / "midi_presets_tune.json"
DOC_FILE = REPO_ROOT / "docs" / "audio-midi-lyrics.md"
MAJOR = (0, 2, 4, 5, 7, 9, 11)
PROGRESSION = ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14))  # I vi IV V, semitones over the key

NoteList = list[tuple[float, float, int, int]]  # start_s, end_s, pitch, velocity


# -- pieces with known notes -------------------------------------------------------------------

def _scale_pitches(low: int, high: int, key: int = 0) -> list[int]:
    return [p for p in range(low, high + 1) if (p - key) % 12 in MAJOR]


def line(rng: np.random.Generator, low: int, high: int, tempo: float, beats: float,
         durations: Sequence[float] = (0.5, 1.0, 1.0, 2.0), rest: float = 0.15,
         legato: float = 0.9) -> NoteList:
    """A monophonic random walk in C major between ``low`` and ``high``."""
    pitches = _scale_pitches(low, high)
    beat = 60.0 / tempo
    index, t, notes = len(pitches) // 2, 0.5, []
    while t < 0.5 + beats * beat:
        length = float(rng.choice(durations))
        if rng.random() > rest:
            index = int(np.clip(index + rng.integers(-2, 3), 0, len(pitches) - 1))
            notes.append((t, t + legato * length * beat, pitches[index], int(rng.integers(70, 111))))
        t += length * beat
    return notes


def chords(rng: np.random.Generator, root: int, tempo: float, bars: int, beats_per_chord: int = 4,
           legato: float = 0.95) -> NoteList:
    """Block triads over I-vi-IV-V from ``root``, one per ``beats_per_chord`` beats."""
    beat, notes = 60.0 / tempo, []
    for bar in range(bars):
        t = 0.5 + bar * beats_per_chord * beat
        velocity = int(rng.integers(60, 90))
        for interval in PROGRESSION[bar % len(PROGRESSION)]:
            notes.append((t, t + legato * beats_per_chord * beat, root + interval, velocity))
    return notes


def bass_line(rng: np.random.Generator, tempo: float, bars: int) -> NoteList:
    """Roots and fifths of the progression, two per bar, in E1..G2."""
    beat, notes = 60.0 / tempo, []
    for bar in range(bars):
        root = 36 + PROGRESSION[bar % len(PROGRESSION)][0]
        root = root - 12 if root > 43 else root
        for half, interval in enumerate((0, 7 if rng.random() < 0.5 else 12)):
            t = 0.5 + (bar * 4 + half * 2) * beat
            notes.append((t, t + 1.8 * beat, root + interval, int(rng.integers(80, 111))))
    return notes


def arpeggio(rng: np.random.Generator, tempo: float, bars: int) -> NoteList:
    """Broken chords in eighths, each note ringing for one eighth (guitar picking)."""
    beat, notes = 60.0 / tempo, []
    for bar in range(bars):
        shape = [48 + i for i in PROGRESSION[bar % len(PROGRESSION)]]
        shape += [shape[0] + 12, shape[1] + 12]
        for step in range(8):
            t = 0.5 + (bar * 4 + step * 0.5) * beat
            pitch = shape[[0, 1, 2, 3, 4, 3, 2, 1][step]]
            notes.append((t, t + 0.45 * beat, pitch, int(rng.integers(70, 101))))
    return notes


@dataclass
class Piece:
    name: str
    program: int
    preset: str
    make: Callable[[np.random.Generator], NoteList]
    tempo: float = 100.0


def pieces() -> list[Piece]:
    return [
        Piece("piano: melody + chords", 0, "piano",
              lambda r: line(r, 60, 84, 100, 32) + chords(r, 48, 100, 8)),
        Piece("electric piano: melody", 4, "other", lambda r: line(r, 55, 79, 110, 32), 110),
        Piece("finger bass: bass line", 33, "bass", lambda r: bass_line(r, 96, 8), 96),
        Piece("synth bass: bass line", 38, "bass", lambda r: bass_line(r, 120, 10), 120),
        Piece("clean guitar: melody", 27, "guitar", lambda r: line(r, 52, 76, 100, 32)),
        Piece("nylon guitar: arpeggio", 24, "guitar", lambda r: arpeggio(r, 90, 8), 90),
        Piece("strings: chords", 48, "harmonic", lambda r: chords(r, 55, 80, 6), 80),
        Piece("flute: melody", 73, "other", lambda r: line(r, 67, 91, 90, 28), 90),
        Piece("voice oohs: melody", 53, "vocals", lambda r: line(r, 57, 76, 80, 28, legato=0.95), 80),
        Piece("square lead: melody", 80, "other", lambda r: line(r, 60, 84, 120, 32), 120),
    ]


def render(notes: NoteList, program: int, tempo: float, folder: Path, name: str) -> Path:
    import pretty_midi

    score = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    instrument = pretty_midi.Instrument(program=program)
    instrument.notes = [pretty_midi.Note(velocity=v, pitch=p, start=s, end=e) for s, e, p, v in notes]
    score.instruments.append(instrument)
    mid, wav = folder / f"{name}.mid", folder / f"{name}.wav"
    score.write(str(mid))
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", "44100", "-F", str(wav), str(SOUNDFONT),
                    str(mid)], check=True, capture_output=True, timeout=600)
    return wav


def note_scores(reference: NoteList, estimated: Sequence[tuple[float, float, int]]) -> dict[str, float]:
    import mir_eval

    ref_i = np.array([[s, e] for s, e, _, _ in reference]).reshape(-1, 2)
    ref_p = 440.0 * 2 ** ((np.array([p for _, _, p, _ in reference], dtype=float) - 69) / 12)
    est_i = np.array([[s, e] for s, e, _ in estimated]).reshape(-1, 2)
    est_p = 440.0 * 2 ** ((np.array([p for _, _, p in estimated], dtype=float) - 69) / 12)
    on = mir_eval.transcription.precision_recall_f1_overlap(ref_i, ref_p, est_i, est_p, offset_ratio=None)
    off = mir_eval.transcription.precision_recall_f1_overlap(ref_i, ref_p, est_i, est_p, offset_ratio=0.2)
    return {"precision": round(on[0], 3), "recall": round(on[1], 3), "f_onset": round(on[2], 3),
            "f_offset": round(off[2], 3)}


# -- MIDI --------------------------------------------------------------------------------------

def bench_midi(folder: Path, log: Callable[[str], None], seed: int = 2024,
               long_input: bool = True) -> dict[str, Any]:
    from soundmosaic.audio import midi
    from soundmosaic.audio.signal import read_wav

    t0 = time.perf_counter()
    midi._load_model()
    load_s = time.perf_counter() - t0
    from basic_pitch.inference import predict

    rows = []
    for number, piece in enumerate(pieces()):
        notes = piece.make(np.random.default_rng(seed + number))
        wav = render(notes, piece.program, piece.tempo, folder, f"piece{number}")
        audio = read_wav(wav)
        row: dict[str, Any] = {"piece": piece.name, "program": piece.program, "preset_name": piece.preset,
                               "notes": len(notes), "seconds": round(audio.duration_s, 2)}
        for label, settings in (("default", midi.MidiSettings()), ("preset", midi.PRESETS[piece.preset])):
            started = time.perf_counter()
            result = midi.transcribe(audio, settings, tempo_bpm=piece.tempo)
            elapsed = time.perf_counter() - started
            row[label] = {**note_scores(notes, [(n.start_s, n.end_s, n.pitch) for n in result.notes]),
                          "detected": len(result.notes), "rtf": round(elapsed / audio.duration_s, 4)}
        # basic-pitch's own CLI path on the same file (decodes the file itself).
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # predict prints
            _, _, events = predict(wav, midi._load_model())
        elapsed = time.perf_counter() - started
        theirs = [(float(s), float(e), int(p)) for s, e, p, _, _ in events]
        ours = midi.transcribe(audio, midi.MidiSettings()).notes
        row["basic_pitch_predict"] = {**note_scores(notes, theirs), "detected": len(theirs),
                                      "rtf": round(elapsed / audio.duration_s, 4)}
        row["agreement_with_predict"] = note_scores([(s, e, p, 0) for s, e, p in theirs],
                                                    [(n.start_s, n.end_s, n.pitch) for n in ours])["f_offset"]
        rows.append(row)
        log(f"  {piece.name}: F onset {row['default']['f_onset']} (preset {row['preset']['f_onset']}), "
            f"F offset {row['default']['f_offset']}, rtf {row['default']['rtf']}")
    summary = {
        "mean_f_onset_default": round(float(np.mean([r["default"]["f_onset"] for r in rows])), 3),
        "mean_f_onset_preset": round(float(np.mean([r["preset"]["f_onset"] for r in rows])), 3),
        "mean_f_offset_default": round(float(np.mean([r["default"]["f_offset"] for r in rows])), 3),
        "mean_f_offset_preset": round(float(np.mean([r["preset"]["f_offset"] for r in rows])), 3),
        "mean_rtf": round(float(np.mean([r["default"]["rtf"] for r in rows])), 4),
        "mean_rtf_basic_pitch_predict": round(
            float(np.mean([r["basic_pitch_predict"]["rtf"] for r in rows])), 4),
        "mean_agreement_with_predict": round(float(np.mean([r["agreement_with_predict"] for r in rows])), 3),
    }
    out: dict[str, Any] = {"model_load_s": round(load_s, 3), "pieces": rows, "summary": summary}
    if long_input:
        rng = np.random.default_rng(seed - 1)
        notes = line(rng, 60, 84, 100, 290) + chords(rng, 48, 100, 74)
        wav = render(notes, 0, 100.0, folder, "long")
        audio = read_wav(wav)
        started = time.perf_counter()
        result = midi.transcribe(audio, midi.PRESETS["piano"], tempo_bpm=100.0)
        elapsed = time.perf_counter() - started
        out["long_input"] = {"piece": "piano: melody + chords", "seconds": round(audio.duration_s, 1),
                             "notes": len(notes), "compute_s": round(elapsed, 2),
                             "rtf": round(elapsed / audio.duration_s, 4),
                             **note_scores(notes, [(n.start_s, n.end_s, n.pitch) for n in result.notes])}
        log(f"  long input {audio.duration_s:.0f} s: {elapsed:.1f} s, rtf {elapsed / audio.duration_s:.4f}")
    return out


# -- preset tuning -------------------------------------------------------------------------------

TUNE_PIECES: dict[str, list[tuple[int, Callable[[np.random.Generator], NoteList], float]]] = {
    "vocals": [(52, lambda r: line(r, 57, 76, 80, 24, legato=0.95), 80.0),
               (53, lambda r: line(r, 55, 74, 90, 24, legato=0.95), 90.0),
               (85, lambda r: line(r, 57, 79, 100, 28), 100.0)],
    "bass": [(33, lambda r: bass_line(r, 100, 8), 100.0), (34, lambda r: bass_line(r, 90, 8), 90.0),
             (38, lambda r: bass_line(r, 124, 10), 124.0)],
    "guitar": [(24, lambda r: arpeggio(r, 96, 8), 96.0), (25, lambda r: line(r, 52, 76, 100, 28), 100.0),
               (27, lambda r: line(r, 52, 76, 110, 28), 110.0),
               (29, lambda r: line(r, 48, 72, 120, 32), 120.0)],
    "piano": [(0, lambda r: line(r, 60, 84, 110, 28) + chords(r, 48, 110, 7), 110.0),
              (1, lambda r: line(r, 60, 84, 90, 24) + chords(r, 43, 90, 6), 90.0),
              (4, lambda r: arpeggio(r, 100, 8), 100.0)],
}


def tune(folder: Path, log: Callable[[str], None], seed: int = 7) -> dict[str, Any]:
    """Grid over onset/frame thresholds, minimum length and the melodia trick, per stem."""
    from soundmosaic.audio import midi
    from soundmosaic.audio.signal import read_wav

    model = midi._load_model()  # imports basic_pitch without TensorFlow
    from basic_pitch.constants import AUDIO_SAMPLE_RATE, FFT_HOP
    from basic_pitch.note_creation import model_output_to_notes

    grid = list(itertools.product((0.3, 0.4, 0.5, 0.6, 0.7, 0.8), (0.2, 0.3, 0.4, 0.5),
                                  (58.0, 100.0, 127.7), (True, False)))
    report: dict[str, Any] = {}
    for stem, items in TUNE_PIECES.items():
        cases = []
        for number, (program, make, tempo) in enumerate(items):
            notes = make(np.random.default_rng(seed + number))
            audio = read_wav(render(notes, program, tempo, folder, f"tune-{stem}-{number}"))
            cases.append((notes, midi._model_output(model, midi._mono_22k(audio, 0, audio.frames))))
        base = midi.PRESETS[stem]

        def evaluate(onset: float, frame: float, length: float, melodia: bool,
                     cases: list[Any] = cases, base: midi.MidiSettings = base) -> dict[str, Any]:
            found = []
            for notes, output in cases:
                with np.errstate(divide="ignore", invalid="ignore"):
                    _, events = model_output_to_notes(
                        {k: v.copy() for k, v in output.items()}, onset_thresh=onset, frame_thresh=frame,
                        min_note_len=int(np.round(length / 1000 * (AUDIO_SAMPLE_RATE / FFT_HOP))),
                        min_freq=base.minimum_frequency, max_freq=base.maximum_frequency,
                        melodia_trick=melodia)
                found.append(note_scores(notes, [(float(s), float(e), int(p)) for s, e, p, _, _ in events]))
            return {"onset_threshold": onset, "frame_threshold": frame, "minimum_note_length_ms": length,
                    "melodia_trick": melodia,
                    "f_onset": round(float(np.mean([f["f_onset"] for f in found])), 3),
                    "f_offset": round(float(np.mean([f["f_offset"] for f in found])), 3)}

        scores = sorted((evaluate(*combo) for combo in grid),
                        key=lambda s: s["f_onset"] + 0.5 * s["f_offset"], reverse=True)
        current = evaluate(base.onset_threshold, base.frame_threshold, base.minimum_note_length_ms,
                           base.melodia_trick)
        default = evaluate(0.5, 0.3, 127.7, True)
        report[stem] = {"best": scores[:8], "current_preset": current,
                        "basic_pitch_default_in_range": default}
        log(f"  {stem}: preset {current}; default {default}")
        for best in scores[:8]:
            log(f"      {best}")
    return report


# -- lyrics --------------------------------------------------------------------------------------

SENTENCES: list[tuple[str, str]] = [
    ("en", "I walked along the river in the morning light and every little thing was shining bright"),
    ("en", "Hold on to me tonight, we are dancing in the rain until the music fades away"),
    ("en", "The city never sleeps, the lights are calling out my name, and I keep running home"),
    ("en", "We were young and we were free, singing songs beneath the summer sky"),
    ("en", "Please send the final mix to the studio before Friday so we can master the album"),
    ("en", "Turn the bass down a little and bring the vocals up in the second chorus"),
    ("de", "Ich gehe heute Abend mit meinen Freunden in die Stadt und wir singen zusammen"),
    ("es", "Cantamos juntos bajo la lluvia y la música nunca se detiene"),
]


def speak(text: str, voice: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, capture_output=True,
                   timeout=60)
    return path


def bench_lyrics(folder: Path, log: Callable[[str], None]) -> dict[str, Any]:
    from soundmosaic.audio import lyrics
    from soundmosaic.audio.signal import Audio, read_wav
    from soundmosaic_local.evaluation.wer import word_error_rate

    t0 = time.perf_counter()
    model_dir = lyrics.offline_model_dir()
    assemble_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    lyrics.load_model()
    load_s = time.perf_counter() - t0
    rows = []
    for number, (language, text) in enumerate(SENTENCES):
        audio = read_wav(speak(text, language, folder / f"speech{number}.wav"))
        row: dict[str, Any] = {"language": language, "text": text, "seconds": round(audio.duration_s, 2)}
        for label, forced in (("detected", None), ("forced", language)):
            started = time.perf_counter()
            result = lyrics.transcribe(audio, language=forced)
            elapsed = time.perf_counter() - started
            row[label] = {"language": result.language, "language_probability": result.language_probability,
                          "wer": round(word_error_rate(text, result.text), 3),
                          "hypothesis": result.text,
                          "rtf": round(elapsed / audio.duration_s, 3)}
        rows.append(row)
        log(f"  [{language}] WER {row['detected']['wer']} / forced {row['forced']['wer']} "
            f"({row['detected']['language']}), rtf {row['detected']['rtf']}")
    english = [r for r in rows if r["language"] == "en"]
    # The English sentences as one passage with 1.5 s pauses: long-form and VAD.
    parts, reference, rate = [], [], 22050
    for row in english:
        speech = read_wav(folder / f"speech{SENTENCES.index((row['language'], row['text']))}.wav")
        parts += [speech.samples[0], np.zeros(int(1.5 * speech.sample_rate), dtype=np.float32)]
        reference.append(row["text"])
        rate = speech.sample_rate
    passage = Audio(np.concatenate(parts)[None, :], rate)
    started = time.perf_counter()
    result = lyrics.transcribe(passage)
    elapsed = time.perf_counter() - started
    words = [w for s in result.segments for w in s.words]
    passage_row = {"seconds": round(passage.duration_s, 1), "segments": len(result.segments),
                   "words": len(words),
                   "wer": round(word_error_rate(" ".join(reference), result.text), 3),
                   "rtf": round(elapsed / passage.duration_s, 3),
                   "monotonic": all(a.start_s <= b.start_s for a, b in itertools.pairwise(words)),
                   "hypothesis": result.text}
    log(f"  passage {passage.duration_s:.0f} s: WER {passage_row['wer']}, rtf {passage_row['rtf']}")
    summary = {
        "english_mean_wer_detected": round(float(np.mean([r["detected"]["wer"] for r in english])), 3),
        "english_mean_wer_forced": round(float(np.mean([r["forced"]["wer"] for r in english])), 3),
        "english_language_detected": sum(r["detected"]["language"] == "en" for r in english),
        "english_sentences": len(english),
        "mean_rtf_detected": round(float(np.mean([r["detected"]["rtf"] for r in rows])), 3),
        "mean_rtf_forced": round(float(np.mean([r["forced"]["rtf"] for r in rows])), 3),
    }
    return {"model": lyrics.OFFLINE_MODEL, "model_dir": str(model_dir),
            "assemble_or_verify_s": round(assemble_s, 2),
            "model_load_s": round(load_s, 2), "sentences": rows, "passage": passage_row, "summary": summary}


# -- report --------------------------------------------------------------------------------------

def run(log: Callable[[str], None] = print, long_input: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {"name": "midi_lyrics", "machine": machine(), "versions": _versions()}
    with tempfile.TemporaryDirectory(prefix="bench-midi-lyrics-") as tmp:
        folder = Path(tmp)
        log("MIDI")
        result["midi"] = bench_midi(folder, log, long_input=long_input)
        log("lyrics")
        result["lyrics"] = bench_lyrics(folder, log)
    return result


def run_tune(log: Callable[[str], None] = print) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-midi-tune-") as tmp:
        return {"name": "midi_presets_tune", "machine": machine(), "versions": _versions(),
                "stems": tune(Path(tmp), log)}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("basic-pitch", "onnxruntime", "faster-whisper", "ctranslate2", "mir_eval", "pretty_midi"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    for tool in (["fluidsynth", "--version"], ["espeak-ng", "--version"]):
        done = subprocess.run(tool, capture_output=True, text=True, check=False)
        out[tool[0]] = (done.stdout.strip().splitlines() or [""])[0][:80]
    return out


def markdown(result: dict[str, Any]) -> str:
    midi, words = result["midi"], result["lyrics"]
    s = midi["summary"]
    lines = [
        "## Measured",
        "",
        f"Command: `python -m bench.audio_midi_lyrics` on {machine_line(result['machine'])}.",
        "",
        "### MIDI: Basic Pitch note F-measure on FluidSynth renders (mir_eval)",
        "",
        table(["piece (GM program)", "notes", "s", "F onset default", "F onset preset", "F offset default",
               "F offset preset", "P / R default", "RTF"],
              [[f"{r['piece']} ({r['program']})", r["notes"], r["seconds"], r["default"]["f_onset"],
                f"{r['preset']['f_onset']} ({r['preset_name']})", r["default"]["f_offset"],
                r["preset"]["f_offset"], f"{r['default']['precision']} / {r['default']['recall']}",
                r["default"]["rtf"]] for r in midi["pieces"]]),
        "",
        f"Mean F (onset only): default settings {s['mean_f_onset_default']}, stem presets "
        f"{s['mean_f_onset_preset']}. Mean F (with offsets): {s['mean_f_offset_default']} / "
        f"{s['mean_f_offset_preset']}.",
        f"Mean real-time factor {s['mean_rtf']} (basic-pitch's own `predict` on the same files: "
        f"{s['mean_rtf_basic_pitch_predict']}); notes agree with `predict` at F "
        f"{s['mean_agreement_with_predict']} "
        "(onset, pitch and offset). Model load "
        f"{midi['model_load_s']} s.",
    ]
    if "long_input" in midi:
        long = midi["long_input"]
        lines.append(f"3-minute input ({long['seconds']} s piano, {long['notes']} notes, chunked): "
                     f"{long['compute_s']} s, RTF {long['rtf']}, F onset {long['f_onset']}, "
                     f"F offset {long['f_offset']}.")
    w = words["summary"]
    lines += [
        "",
        "### Lyrics: Whisper base (offline, int8) word error rate on espeak-ng speech",
        "",
        table(["lang", "s", "sentence", "WER detected", "lang detected (p)", "WER forced",
               "RTF detect / forced"],
              [[r["language"], r["seconds"], r["text"][:60] + ("..." if len(r["text"]) > 60 else ""),
                r["detected"]["wer"],
                f"{r['detected']['language']} ({r['detected']['language_probability']})",
                r["forced"]["wer"], f"{r['detected']['rtf']} / {r['forced']['rtf']}"]
               for r in words["sentences"]]),
        "",
        f"English: mean WER {w['english_mean_wer_detected']} (language detected) / "
        f"{w['english_mean_wer_forced']} (forced); language detected as `en` in "
        f"{w['english_language_detected']} of {w['english_sentences']}. Mean RTF {w['mean_rtf_detected']} "
        f"(detecting) / {w['mean_rtf_forced']} (forced). Model assembly or verification "
        f"{words['assemble_or_verify_s']} s, load {words['model_load_s']} s.",
        f"Passage of the English sentences with 1.5 s pauses ({words['passage']['seconds']} s): WER "
        f"{words['passage']['wer']}, {words['passage']['segments']} segments, RTF {words['passage']['rtf']}, "
        f"word times monotonic: {words['passage']['monotonic']}.",
        "Whisper encodes 30-second windows whatever the clip's length, so a 4-second sentence costs "
        "about what 30 seconds cost: the passage's RTF is the one that holds for songs.",
        "",
        "Timings come from a shared 2-core machine; see the load average above, and compare the "
        "MIDI RTF with basic-pitch's own `predict` measured in the same run.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audio_midi_lyrics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-long", action="store_true", help="skip the 3-minute MIDI input")
    parser.add_argument("--tune", action="store_true",
                        help="grid-search the per-stem presets instead "
                             "(writes bench/results/midi_presets_tune.json)")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.tune:
        tuned = run_tune(log)
        if not args.no_record:
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            TUNE_FILE.write_text(json.dumps(tuned, indent=2) + "\n")
            log(f"wrote {TUNE_FILE.relative_to(REPO_ROOT)}")
        return
    result = run(log, long_input=not args.no_long)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        replace_section(DOC_FILE, "midi_lyrics", section, "# MIDI and lyrics\n")
        log(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOC_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()

