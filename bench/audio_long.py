"""A long song through every audio lab stage: peak memory and real-time factor per stage.

The 3-minute test song (FluidSynth band + espeak-ng voice, ``tests/songs.py``) is repeated by
ffmpeg into an MP3 of the asked length (2 hours by default), and every stage runs the library
code its pipeline stage runs, on local files, each stage in a fresh process so its peak resident
memory (``ru_maxrss``) is its own: decode to 24-bit WAV, analysis, separation (offline engine),
MIDI of each melodic stem, lyrics of the vocals, samples of every stem, the DAW zip. S3 and the
state machine are left out on purpose: locally moto keeps objects in its own process and would
add the file's size to the figure; in AWS they stream.

Memory is reported next to the same stage's peak on the 3-minute song measured in the same run,
so "bounded" reads as a ratio. Run: ``python -m bench.audio_long [--minutes 120]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import DOCS_FILE, REPO_ROOT, RESULTS_DIR, machine, replace_section

STAGES = ("decode", "analyse", "separate", "midi", "lyrics", "samples", "export")


def run_stage(stage: str, work: Path) -> dict[str, Any]:
    """One stage on the files in ``work`` (what the pipeline stage does, minus S3)."""
    from soundmosaic.audio import analysis, export, lyrics, midi, pipeline, samples, separate, signal

    audio, stems_dir = work / "audio.wav", work / "stems"
    stems = sorted(stems_dir.glob("*.wav")) if stems_dir.exists() else []
    facts: dict[str, Any] = {}
    if stage == "decode":
        signal.to_wav24(work / "song.mp3", audio, 2)
    elif stage == "analyse":
        result = analysis.analyse(audio)
        facts = {"bpm": result.bpm, "key": result.key}
        (work / "analysis.json").write_text(json.dumps(result.summary(), default=str))
    elif stage == "separate":
        outputs = separate.separate_file(audio, stems_dir, separate.get_engine())
        for path in outputs.values():
            analysis.peaks(path)
        facts = {"stems": sorted(outputs)}
    elif stage == "midi":
        bpm = json.loads((work / "analysis.json").read_text()).get("bpm")
        notes = {}
        for path in stems:
            if path.stem not in pipeline.NOT_MELODIC:
                result = midi.transcribe(path, midi.settings_for(path.stem), tempo_bpm=bpm)
                (work / f"{path.stem}.mid").write_bytes(result.midi)
                notes[path.stem] = len(result.notes)
        facts = {"notes": notes}
    elif stage == "lyrics":
        words = lyrics.transcribe(stems_dir / "vocals.wav")
        (work / "lyrics.lrc").write_text(lyrics.to_lrc(words))
        facts = {"words": sum(len(s.words) for s in words.segments), "language": words.language}
    elif stage == "samples":
        found = {p.stem: samples.slice_file(p, p.stem, samples.SliceSettings(), work / "samples" / p.stem)
                 for p in stems}
        facts = {"samples": {k: len(v) for k, v in found.items()}}
    elif stage == "export":
        bundle = export.TrackExport(artist="Bench", title="Long", stems={p.stem: p for p in stems},
                                    midi={p.stem: p for p in work.glob("*.mid")},
                                    lyrics={"lrc": (work / "lyrics.lrc").read_text()})
        facts = {"zip_bytes": export.write_zip(work / "export.zip", [bundle]).stat().st_size}
    return facts


def _child(stage: str, work: Path) -> None:
    start = time.perf_counter()
    facts = run_stage(stage, work)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"stage": stage, "seconds": round(seconds, 2), "peak_rss_mib": round(peak_kb / 1024, 1),
                      **facts}))


def _song(work: Path, minutes: float, base: Path) -> float:
    """``base`` repeated into an MP3 of ``minutes`` (encoded by ffmpeg, like an upload)."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(base),
                    "-t", str(minutes * 60), "-c:a", "libmp3lame", "-b:a", "192k", str(work / "song.mp3")],
                   check=True)
    return minutes * 60


def measure(minutes: float, base: Path, log: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="long-song-") as tmp:
        work = Path(tmp)
        seconds = _song(work, minutes, base)
        out: dict[str, Any] = {"minutes": minutes, "stages": {}}
        for stage in STAGES:
            done = subprocess.run([sys.executable, "-m", "bench.audio_long", "--child", stage, str(work)],
                                  cwd=REPO_ROOT, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"{stage} failed on {minutes} min: {done.stderr[-2000:]}")
            row = json.loads(done.stdout.strip().splitlines()[-1])
            row["rtf"] = round(row["seconds"] / seconds, 4)
            out["stages"][stage] = row
            log(f"{minutes:>6} min  {stage:<9} {row['seconds']:>8.1f} s  rtf {row['rtf']:.3f}  "
                f"peak {row['peak_rss_mib']:>7.1f} MiB")
        out["total_rtf"] = round(sum(r["seconds"] for r in out["stages"].values()) / seconds, 4)
        return out


def write_doc(result: dict[str, Any]) -> None:
    short, long = result["reference"], result["long"]
    rows = ["| stage | 3-min peak MiB | {m:g}-min peak MiB | memory ratio | {m:g}-min RTF |".format(
        m=long["minutes"]), "|---|---|---|---|---|"]
    for stage in STAGES:
        a, b = short["stages"][stage], long["stages"][stage]
        rows.append(f"| {stage} | {a['peak_rss_mib']} | {b['peak_rss_mib']} | "
                    f"{b['peak_rss_mib'] / a['peak_rss_mib']:.2f} | {b['rtf']} |")
    m = result["machine"]
    body = "\n".join([
        f"Measured {m['date']} on {m['cpu_model']} ({m['cores']} cores), commit {m['commit']}, with "
        f"`python -m bench.audio_long --minutes {long['minutes']:g}`. The 3-minute test song repeated "
        f"into a {long['minutes']:g}-minute MP3; each stage runs in its own process on local files "
        "(the library code of its pipeline stage, without S3), so peak memory is the stage's own.",
        "",
        *rows,
        "",
        f"Whole pipeline: RTF {long['total_rtf']} on {long['minutes']:g} minutes "
        f"({short['total_rtf']} on 3 minutes in the same run). Memory ratio near 1 means the stage "
        "streams: its peak does not grow with the file.",
    ])
    title = "## Audio lab on a long file: memory and RTF per stage\n\n"
    replace_section(DOCS_FILE, "audio_long", title + body, "# Benchmarks\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--child", nargs=2, metavar=("STAGE", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return 0
    sys.path.insert(0, str(REPO_ROOT))
    from tests.songs import song

    with tempfile.TemporaryDirectory(prefix="long-base-") as tmp:
        base = song(Path(tmp), "three-minutes.wav", bars=90)
        result = {"machine": machine(), "reference": measure(3.0, base, print),
                  "long": measure(args.minutes, base, print)}
    (RESULTS_DIR / "audio_long.json").write_text(json.dumps(result, indent=2) + "\n")
    write_doc(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
