"""Sample slicing and classification speed, and the classifier's held-out quality:
``python -m bench.audio_samples``.

Speed
    A 3-minute drum stem (44.1 kHz stereo, 120 bpm: kick, snare, closed and open hats, toms,
    crashes, random velocities and panning, two kits) is assembled from hits rendered by
    FluidSynth with the TimGM6mb soundfont (numpy synthesis when FluidSynth is missing), with
    every onset time known. ``slice_audio`` (onsets, trimming, fades, loudness, de-duplication,
    classification) runs on it after one warm-up call (imports, model load), three times; the
    median is reported as a real-time factor (compute seconds / audio seconds), with the stages
    timed separately and onset precision/recall (20 ms tolerance) against the known hits.
    Reference measured in the same run: plain ``librosa.onset.onset_detect`` on the same audio
    (mono, native rate, defaults), the cheapest thing a slicer must do; the ratio is what the
    rest of the work costs on top.

Held-out quality
    The held-out set is rebuilt exactly as the training script builds it (same seed; sound sets
    and synthesis ranges never used in training) and classified by the shipped model; accuracy,
    macro-F1 and per-class F1 are compared with what training recorded.

Writes ``bench/results/samples.json`` and the measured section of ``docs/sample-classifier.md``
(``--no-record`` prints only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bench.common import REPO_ROOT, RESULTS_DIR, machine, machine_line, ratio, replace_section, table

RESULT_FILE = RESULTS_DIR / "samples.json"
TRAINING_FILE = RESULTS_DIR / "samples_training.json"
DOC_FILE = REPO_ROOT / "docs" / "sample-classifier.md"
RATE = 44100
STEM_S = 180.0
BPM = 120.0
SEED = 11

Log = Callable[[str], None]


def _hits(log: Log) -> tuple[dict[tuple[int, str], np.ndarray], str]:
    """Hits per (kit, sound) at 44.1 kHz mono."""
    from soundmosaic.audio.samples.features import resample
    from soundmosaic_local.training import render, synth

    notes = {"kick": 36, "snare": 38, "closed_hat": 42, "open_hat": 46, "tom": 45, "cymbal": 49}
    kits = (0, 25)
    if render.available("timgm6mb"):
        events = [render.NoteEvent(k, kit, True, (n,), 112, 0.1, 1.5)
                  for kit in kits for k, n in notes.items()]
        clips = render.render("timgm6mb", events)
        out = {(ev.program, ev.label): resample(c, render.SR, RATE)
               for ev, c in zip(events, clips, strict=True)}
        return out, "FluidSynth, TimGM6mb (kits standard and TR-808)"
    log("fluidsynth/TimGM6mb missing: hits from numpy synthesis")
    rng = np.random.default_rng(SEED)
    return ({(kit, k): resample(synth.generate(k, rng, "heldout"), synth.SR, RATE)
             for kit in kits for k in notes},
            "numpy synthesis (held-out ranges)")


def drum_stem(log: Log) -> tuple[np.ndarray, list[tuple[float, str]], str]:
    """(samples (2, frames), [(onset s, sound)], how the hits were made)."""
    hits, source = _hits(log)
    rng = np.random.default_rng(SEED)
    step = 60.0 / BPM / 4
    out = np.zeros((2, int(STEM_S * RATE) + RATE), dtype=np.float32)
    events: list[tuple[float, str]] = []
    n_steps = int(STEM_S / step)
    for i in range(n_steps):
        bar, pos = divmod(i, 16)
        kit = 0 if (bar // 8) % 2 == 0 else 25
        sounds = []
        if pos in (0, 10) or (pos == 7 and rng.random() < 0.3):
            sounds.append("kick")
        if pos in (4, 12):
            sounds.append("snare")
        if pos % 2 == 0 and pos != 14:
            sounds.append("closed_hat")
        if pos == 14:
            sounds.append("open_hat")
        if pos == 0 and bar % 4 == 0:
            sounds.append("cymbal")
        if bar % 8 == 7 and pos in (9, 11, 13, 15):
            sounds = ["tom"]
        if not sounds:
            continue
        t = i * step
        a = round(t * RATE)
        for s in sounds:
            x = hits[(kit, s)] * rng.uniform(0.5, 1.0)
            pan = rng.uniform(-0.4, 0.4)
            end = min(out.shape[1], a + x.size)
            out[0, a:end] += x[: end - a] * (1 - pan)
            out[1, a:end] += x[: end - a] * (1 + pan)
        events.append((t, "+".join(sounds)))
    out = out[:, : int(STEM_S * RATE)]
    out *= 0.9 / float(np.max(np.abs(out)))
    return out, events, source


def _median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def speed(log: Log, repeat: int = 3) -> dict[str, Any]:
    import librosa
    from soundmosaic.audio.samples import SliceSettings, classify, detect_onsets, slice_audio
    from soundmosaic.audio.samples.model import single_threaded_blas
    from soundmosaic.audio.samples.slicing import cut, fingerprint_string, fingerprint_vector, keep_longest
    from soundmosaic.audio.signal import Audio

    samples, events, source = drum_stem(log)
    audio = Audio(samples, RATE)
    log(f"stem: {audio.duration_s:.0f} s, {len(events)} onsets, hits from {source}")
    slice_audio(Audio(samples[:, : 2 * RATE], RATE), "drums")  # warm-up: imports, model load
    mono = samples.mean(axis=0)
    ref_s, _ = _median_time(lambda: librosa.onset.onset_detect(y=mono, sr=RATE, units="time"), repeat)
    total_s, result = _median_time(lambda: slice_audio(audio, "drums"), repeat)
    settings = SliceSettings()
    onset_s, onsets = _median_time(lambda: detect_onsets(audio, settings), repeat)
    def dedupe(pieces: list[Any]) -> list[Any]:  # fingerprints, then the folding, as slice_audio does
        if not pieces:
            return []
        vectors = np.stack([fingerprint_vector(p.audio.samples, p.audio.sample_rate) for p in pieces])
        for piece, vector in zip(pieces, vectors, strict=True):
            piece.fingerprint = fingerprint_string(vector)
        return keep_longest(pieces, vectors, settings.dedupe_threshold)

    with single_threaded_blas():  # as slice_audio does
        cut_s, pieces = _median_time(lambda: cut(audio, settings), 1)
        dedupe_s, unique = _median_time(lambda: dedupe(cut(audio, settings)), 1)
    dedupe_s -= cut_s
    classify_unique_s, _ = _median_time(lambda: classify([p.audio for p in unique], stem="drums"), 1)
    classify_all_s, _ = _median_time(lambda: classify([p.audio for p in pieces], stem="drums"), 1)
    truth = np.array([t for t, _ in events])
    matched = sum(bool(np.any(np.abs(truth - t) <= 0.02)) for t in onsets)
    found = sum(bool(np.any(np.abs(onsets - t) <= 0.02)) for t in truth)
    labels: dict[str, int] = {}
    for s in result:
        labels[s.label] = labels.get(s.label, 0) + 1
    return {
        "stem": {"seconds": STEM_S, "sample_rate": RATE, "channels": 2, "onsets": len(events), "hits": source,
                 "bpm": BPM},
        "reference_onset_detect_s": round(ref_s, 3),
        "slice_audio_s": round(total_s, 3),
        "rtf": round(total_s / STEM_S, 4),
        "reference_rtf": round(ref_s / STEM_S, 4),
        "ratio_to_reference": ratio(total_s, ref_s),
        "stages_s": {"detect_onsets": round(onset_s, 3),
                     "cut (incl. onsets, trim, fades, loudness)": round(cut_s, 3),
                     "dedupe": round(dedupe_s, 3),
                     "classify the distinct samples": round(classify_unique_s, 3),
                     "classify every slice (not done by slice_audio)": round(classify_all_s, 3)},
        "onsets": {"detected": len(onsets), "precision": round(matched / max(1, len(onsets)), 4),
                   "recall": round(found / len(truth), 4), "tolerance_s": 0.02},
        "slices": len(pieces),
        "samples_after_dedupe": len(result),
        "unique_check": len(unique) == len(result),
        "labels": dict(sorted(labels.items())),
        "repeat": repeat,
    }


def heldout(log: Log) -> dict[str, Any]:
    from soundmosaic.audio.samples import CLASSES, MODEL_VERSION
    from soundmosaic.audio.samples.model import shipped, single_threaded_blas
    from soundmosaic_local.evaluation.samples import evaluate, heldout_set

    recorded = json.loads(TRAINING_FILE.read_text()) if TRAINING_FILE.exists() else {}
    seed = int(recorded.get("seed", 7))
    scale = float(recorded.get("scale", 1.0))
    t = time.perf_counter()
    x, y, sources = heldout_set(seed, scale=scale, log=log)
    build_s = time.perf_counter() - t
    with single_threaded_blas():
        t = time.perf_counter()
        pred = shipped().predict_proba(x).argmax(axis=1)
        predict_s = time.perf_counter() - t
    metrics = evaluate(y, pred, sources)
    out = {
        "model_version": MODEL_VERSION,
        "seed": seed,
        "examples": len(y),
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "per_class_f1": {c: metrics["per_class"][c]["f1"] for c in CLASSES},
        "per_source_accuracy": {k: v["accuracy"] for k, v in metrics["per_source"].items()},
        "build_and_features_s": round(build_s, 1),
        "predict_ms_per_example": round(1000 * predict_s / max(1, len(y)), 4),
    }
    if recorded.get("heldout"):
        out["recorded_by_training"] = {"accuracy": recorded["heldout"]["accuracy"],
                                       "macro_f1": recorded["heldout"]["macro_f1"]}
        same = abs(recorded["heldout"]["accuracy"] - metrics["accuracy"]) < 1e-3
        out["matches_training_report"] = bool(same)
    return out


def run(log: Log, skip_heldout: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {"benchmark": "audio_samples", "machine": machine()}
    result["speed"] = speed(log)
    if not skip_heldout:
        result["heldout"] = heldout(log)
    return result


def markdown(result: dict[str, Any]) -> str:
    s = result["speed"]
    lines = [
        "## Measured: speed and held-out check (`python -m bench.audio_samples`)",
        "",
        f"Machine: {machine_line(result['machine'])}.",
        "",
        f"3-minute drum stem ({s['stem']['sample_rate']} Hz stereo, {s['stem']['onsets']} onsets, hits from "
        f"{s['stem']['hits']}); median of {s['repeat']} runs after a warm-up:",
        "",
        table(["what", "seconds", "real-time factor"],
              [["`slice_audio` (everything)", s["slice_audio_s"], s["rtf"]],
               ["reference: `librosa.onset.onset_detect` alone", s["reference_onset_detect_s"],
                s["reference_rtf"]],
               *[[f"stage: {k}", v, round(v / s["stem"]["seconds"], 4)] for k, v in s["stages_s"].items()]]),
        "",
        f"`slice_audio` costs {s['ratio_to_reference']}x the bare onset detection. Onsets found: "
        f"{s['onsets']['detected']} (precision {s['onsets']['precision']}, recall {s['onsets']['recall']} at "
        f"{int(s['onsets']['tolerance_s'] * 1000)} ms); {s['slices']} slices folded into "
        f"{s['samples_after_dedupe']} distinct samples, labelled {s['labels']}.",
    ]
    if "heldout" in result:
        h = result["heldout"]
        lines += [
            "",
            f"Held-out set rebuilt ({h['examples']} examples, seed {h['seed']}) and classified by "
            f"the shipped model `{h['model_version']}`: accuracy {h['accuracy']}, macro-F1 {h['macro_f1']}"
            + (f" (training recorded {h['recorded_by_training']['accuracy']} / "
               f"{h['recorded_by_training']['macro_f1']}; identical: {h['matches_training_report']})"
               if "recorded_by_training" in h else "") + ". Per source: "
            + ", ".join(f"{k} {v}" for k, v in h["per_source_accuracy"].items()) + ".",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audio_samples", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-heldout", action="store_true",
                        help="speed only (skip rebuilding the held-out set)")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(log, skip_heldout=args.no_heldout)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        replace_section(DOC_FILE, "samples", section, "# Sample classifier\n")
        log(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOC_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
