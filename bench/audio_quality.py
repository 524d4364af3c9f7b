"""How well the audio lab does on the evaluation set (``soundmosaic_local.evaluation.audio_quality_set``).

For every song the real offline pipeline pieces run on the mix, through their public functions
(what the pipeline's stages call), so a new separation or lyrics engine is measured without
changing this file:

- separation: ``separate.get_engine()`` + ``separate.separate_file`` -> stems by name;
  SI-SDR of ``vocals``, ``bass``, ``drums`` against the true stems (a stem the engine does not
  make is reported as missing, not scored);
- lyrics: ``lyrics.transcribe`` on the vocals stem as the lyrics stage does (also given the mix
  when the function accepts ``mix``), and, for reference, on the raw mix and on the clean vocal;
  WER against the sung words;
- bass notes: ``midi.transcribe`` with the bass preset on the ``bass`` stem (the ``harmonic``
  stem when there is none) and, for reference, on the true bass stem; note F-measure with
  mir_eval (onset within 50 ms, pitch within 50 cents, offsets ignored);
- key and tempo: ``analysis.analyse`` on the mix; key by the MIREX weighted score (mir_eval),
  tempo correct within 2 % (and "octave" accuracy counting double/half tempo).

Run: ``python -m bench.audio_quality [--songs NAME ...] [--quick] [--baseline]``; ``--quick``
leaves out the 180-s song; ``--baseline`` writes ``audio_quality_before.json`` (the "before"
run that later runs are compared with). ``python -m bench.run audio_quality`` runs it too.
"""

from __future__ import annotations

import argparse
import inspect
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import DOCS_FILE, RESULTS_DIR, machine, machine_line, replace_section, table

TEMPO_TOLERANCE = 0.02
BASELINE_FILE = RESULTS_DIR / "audio_quality_before.json"


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    from soundmosaic_local.evaluation.separation import si_sdr as score

    return round(score(reference, estimate), 2)


def tempo_scores(truth: float, estimate: float | None) -> dict[str, bool]:
    if not estimate:
        return {"within_2pct": False, "within_2pct_or_octave": False}
    ok = abs(estimate - truth) <= TEMPO_TOLERANCE * truth
    octave = any(abs(estimate - f * truth) <= TEMPO_TOLERANCE * f * truth for f in (0.5, 1.0, 2.0))
    return {"within_2pct": bool(ok), "within_2pct_or_octave": bool(octave)}


def key_score(truth: str, estimate: str | None) -> float:
    import mir_eval

    return float(mir_eval.key.weighted_score(truth, estimate)) if estimate else 0.0


def bass_f(truth: list[list[float]], notes: Sequence[Any]) -> float:
    import mir_eval

    ref = np.array([[s, e] for s, e, _ in truth]).reshape(-1, 2)
    ref_hz = 440.0 * 2 ** ((np.array([p for _, _, p in truth], float) - 69) / 12)
    est = np.array([[n.start_s, max(n.end_s, n.start_s + 0.01)] for n in notes]).reshape(-1, 2)
    est_hz = 440.0 * 2 ** ((np.array([n.pitch for n in notes], float) - 69) / 12)
    if not len(est):
        return 0.0
    _, _, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref, ref_hz, est, est_hz, offset_ratio=None
    )
    return round(float(f), 3)


def _read(path: Path) -> np.ndarray:
    import soundfile as sf

    data, _ = sf.read(str(path), dtype="float32", always_2d=True)
    return np.asarray(data.T)


def _export_lyrics(vocals: Path, mix: Path) -> Any:
    """What the lyrics stage makes: the vocals stem, plus the mix where the engine can use it."""
    from soundmosaic.audio import lyrics

    if "mix" in inspect.signature(lyrics.transcribe).parameters:
        return lyrics.transcribe(vocals, mix=mix)  # type: ignore[call-arg]
    return lyrics.transcribe(vocals)


def score_song(song: Any, workdir: Path, log: Callable[[str], None]) -> dict[str, Any]:
    from soundmosaic.audio import lyrics, midi, separate
    from soundmosaic.audio.analysis import analyse
    from soundmosaic_local.evaluation.wer import word_error_rate

    truth = song.truth
    times: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = fn()
        times[name] = round(time.perf_counter() - started, 2)
        return out

    analysis = timed("analyse", lambda: analyse(song.mix))
    engine = separate.get_engine()
    stems = timed("separate", lambda: separate.separate_file(song.mix, workdir / song.recipe.name, engine))
    sdr: dict[str, float | None] = {}
    for name in ("vocals", "bass", "drums"):
        sdr[name] = si_sdr(song.read(name), _read(stems[name])) if name in stems else None
    reference = song.lyrics
    export = timed("lyrics_export", lambda: _export_lyrics(stems["vocals"], song.mix))
    raw = timed("lyrics_mix", lambda: lyrics.transcribe(song.mix))
    clean = timed("lyrics_clean", lambda: lyrics.transcribe(song.stem("vocals")))
    bass_stem = "bass" if "bass" in stems else "harmonic"
    bpm = analysis.bpm
    notes = timed(
        "midi_bass", lambda: midi.transcribe(stems[bass_stem], midi.settings_for("bass"), bpm).notes
    )
    true_notes = midi.transcribe(song.stem("bass"), midi.settings_for("bass"), bpm).notes
    row = {
        "song": song.recipe.name,
        "seconds": song.recipe.seconds,
        "engine": getattr(engine, "name", "?"),
        "stems": sorted(stems),
        "wer": {
            "export": round(word_error_rate(reference, export.text), 3),
            "mix": round(word_error_rate(reference, raw.text), 3),
            "clean": round(word_error_rate(reference, clean.text), 3),
        },
        "export_lyrics_engine": export.engine,
        "si_sdr": sdr,
        "bass_f": {
            "stem": bass_stem,
            "f": bass_f(truth["bass_notes"], notes),
            "true_stem": bass_f(truth["bass_notes"], true_notes),
        },
        "key": {
            "truth": truth["key"],
            "estimate": analysis.key,
            "score": key_score(truth["key"], analysis.key),
        },
        "tempo": {
            "truth": truth["bpm"],
            "estimate": analysis.bpm,
            **tempo_scores(truth["bpm"], analysis.bpm),
        },
        "seconds_taken": times,
    }
    log(
        f"  {song.recipe.name}: WER {row['wer']}, SI-SDR {sdr}, bass F {row['bass_f']['f']}, "
        f"key {analysis.key} ({row['key']['score']}), bpm {analysis.bpm} vs {truth['bpm']}"
    )
    return row


def averages(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return round(float(np.mean(known)), 3) if known else None

    return {
        "wer": {k: mean([r["wer"][k] for r in rows]) for k in ("export", "mix", "clean")},
        "export_worse_than_mix": sum(r["wer"]["export"] > r["wer"]["mix"] for r in rows),
        "si_sdr": {k: mean([r["si_sdr"][k] for r in rows]) for k in ("vocals", "bass", "drums")},
        "bass_f": mean([r["bass_f"]["f"] for r in rows]),
        "bass_f_true_stem": mean([r["bass_f"]["true_stem"] for r in rows]),
        "key_mirex": mean([r["key"]["score"] for r in rows]),
        "key_correct": sum(r["key"]["score"] == 1.0 for r in rows),
        "tempo_within_2pct": sum(r["tempo"]["within_2pct"] for r in rows),
        "tempo_within_2pct_or_octave": sum(r["tempo"]["within_2pct_or_octave"] for r in rows),
        "songs": len(rows),
    }


def run(full: bool = True, log: Callable[[str], None] = print, names: Sequence[str] = ()) -> dict[str, Any]:
    from soundmosaic_local.evaluation.audio_quality_set import SHORT, SONGS, song

    recipes = [r for r in SONGS if r.name in names] if names else list(SONGS if full else SHORT)
    result: dict[str, Any] = {"machine": machine(), "songs": []}
    with tempfile.TemporaryDirectory(prefix="sm-aq-") as tmp:
        for recipe in recipes:
            result["songs"].append(score_song(song(recipe), Path(tmp), log))
    result["average"] = averages(result["songs"])
    if BASELINE_FILE.is_file():
        before = json.loads(BASELINE_FILE.read_text())
        result["baseline"] = {"commit": before["machine"].get("commit"), "average": before["average"]}
    return result


def _f(value: Any) -> str:
    return "n/a" if value is None else str(value)


def _tempo_word(tempo: dict[str, Any]) -> str:
    return "yes" if tempo["within_2pct"] else "octave" if tempo["within_2pct_or_octave"] else "no"


def markdown(result: dict[str, Any]) -> str:
    rows = [
        [
            r["song"],
            r["seconds"],
            f"{r['wer']['export']} / {r['wer']['mix']} / {r['wer']['clean']}",
            " / ".join(_f(r["si_sdr"][k]) for k in ("vocals", "bass", "drums")),
            f"{r['bass_f']['f']} ({r['bass_f']['stem']}; true stem {r['bass_f']['true_stem']})",
            f"{r['key']['estimate']} for {r['key']['truth']}: {r['key']['score']}",
            f"{r['tempo']['estimate']} for {r['tempo']['truth']}: {_tempo_word(r['tempo'])}",
        ]
        for r in result["songs"]
    ]
    a = result["average"]
    lines = [
        "## Audio lab quality on the evaluation set (`python -m bench.audio_quality`)",
        "",
        f"Machine: {machine_line(result['machine'])}. Songs: docs/audio-separation.md "
        '("Evaluation set"). WER: export lyrics / raw mix / clean vocal (Whisper base); SI-SDR in dB '
        "(n/a = the engine makes no such stem); bass F: note onset+pitch F-measure of the MIDI stage "
        "on the bass stem; key: MIREX weighted score; tempo: within 2 % (octave = double/half).",
        "",
        table(
            ["song", "s", "WER exp / mix / clean", "SI-SDR voc / bass / drums", "bass F", "key", "tempo"],
            rows,
        ),
        "",
        f"Average over {a['songs']} songs: WER export {a['wer']['export']}, mix {a['wer']['mix']}, clean "
        f"{a['wer']['clean']} (export worse than the mix on {a['export_worse_than_mix']}); SI-SDR vocals "
        f"{_f(a['si_sdr']['vocals'])}, bass {_f(a['si_sdr']['bass'])}, drums {_f(a['si_sdr']['drums'])} dB; "
        f"bass F {a['bass_f']} (true stem {a['bass_f_true_stem']}); key MIREX {a['key_mirex']} "
        f"({a['key_correct']} exact); tempo within 2 % on {a['tempo_within_2pct']}, with double/half "
        f"on {a['tempo_within_2pct_or_octave']}.",
    ]
    if "baseline" in result:
        b = result["baseline"]["average"]
        lines += [
            "",
            f"Before (commit {result['baseline']['commit']}): WER export {b['wer']['export']}, mix "
            f"{b['wer']['mix']}, clean {b['wer']['clean']}; SI-SDR vocals {_f(b['si_sdr']['vocals'])}, bass "
            f"{_f(b['si_sdr']['bass'])}, drums {_f(b['si_sdr']['drums'])} dB; bass F {b['bass_f']}; "
            f"key MIREX {b['key_mirex']} ({b['key_correct']} exact); "
            f"tempo within 2 % on {b['tempo_within_2pct']}, "
            f"with double/half on {b['tempo_within_2pct_or_octave']} of {b['songs']}.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audio_quality", description=__doc__)
    parser.add_argument("--songs", nargs="*", default=(), help="only these songs of the set")
    parser.add_argument("--quick", action="store_true", help="leave out the 180-s song")
    parser.add_argument("--baseline", action="store_true", help="record as audio_quality_before.json")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, flush=True)

    result = run(full=not args.quick, log=log, names=args.songs)
    section = markdown(result)
    print(section)
    if args.no_record:
        return
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    target = BASELINE_FILE if args.baseline else RESULTS_DIR / "audio_quality.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    if not args.baseline:
        replace_section(DOCS_FILE, "audio_quality", section, "# Benchmarks\n")


if __name__ == "__main__":
    main()
