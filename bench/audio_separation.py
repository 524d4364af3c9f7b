"""Separation benchmark: quality, speed, pipeline overhead and memory of the ``separate`` capability.

``python -m bench.audio_separation [--parts sdr,rtf,demucs,memory] [--quick]``

Parts (each a few minutes at most on a 2-core CPU):

- ``sdr``: the offline engine (Spleeter + HPSS, bass tracking, Wiener) on 30-s mixes built from
  known sources (espeak-ng speech or a formant-synthesised singer over a FluidSynth groove).
  SDR (10 log10 |s|^2/|s - s^|^2, the MDX definition) of each stem, and of the mixture used as
  the estimate (the "do nothing" reference), so the improvement is measured in the same run.
- ``rtf``: real-time factor of the offline engine on a 3-minute track, in memory and through
  ``separate_file`` (decode, chunks, cross-fades, 24-bit WAV writes).
- ``demucs``: full-size ``HTDemucs`` (default constructor, 4 sources, random weights: the same
  compute as the trained model) on the same 30-s audio through ``separate_file`` vs. a plain
  ``apply_model`` call in the same process, alternating; plus the model-compute overhead that
  chunking adds on long files, counted exactly from the window plan.
- ``memory``: peak RSS (``VmHWM`` of a fresh subprocess) of ``separate_file`` on a short
  and a long input, with the offline engine, and with a pass-through engine over a 2-hour file
  (the streaming machinery alone: decode, re-chunking, cross-fade, WAV append).

Results: ``bench/results/separation.json`` (merged per part) with the machine they ran on.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import RESULTS_DIR, machine, machine_line, table

RESULT_FILE = RESULTS_DIR / "separation.json"
SOURCES = ["drums", "bass", "other", "vocals"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cpu_s() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), _cpu_s()
    value = fn()
    return value, time.perf_counter() - wall, _cpu_s() - cpu


# --- (a) quality -------------------------------------------------------------------------------

def part_sdr(quick: bool) -> dict[str, Any]:
    from soundmosaic.audio.separate.offline import SpleeterHPSSEngine, split_drums
    from soundmosaic.audio.signal import Audio
    from soundmosaic_local.evaluation.separation import sdr
    from soundmosaic_local.fixtures import known_mixes as km

    engine = SpleeterHPSSEngine()
    label = ""
    zeros = SpleeterHPSSEngine(mask_extension="zeros")
    duration = 15.0 if quick else 30.0
    rows = []
    for vocal in ("speech", "sung"):
        for seed in (0, 1):
            mix = km.build_mix4(duration, vocal=vocal, seed=seed)
            result = engine.separate(Audio(mix.mix, mix.rate))
            label = result.engine
            stems = {stem.name: stem.audio.samples for stem in result.stems}
            acc = stems["drums"] + stems["bass"] + stems["other"]
            zero_vocals = zeros.separate(Audio(mix.mix, mix.rate)).stem("vocals").audio.samples
            row = {
                "mix": f"{vocal} seed {seed}", "duration_s": duration,
                "vocals_sdr": sdr(mix.vocals, stems["vocals"]),
                "vocals_sdr_mixture": sdr(mix.vocals, mix.mix),
                "accompaniment_sdr": sdr(mix.accompaniment, acc),
                "accompaniment_sdr_mixture": sdr(mix.accompaniment, mix.mix),
                "drums_sdr": sdr(mix.drums, stems["drums"]),
                "drums_sdr_mixture": sdr(mix.drums, mix.mix),
                "drums_sdr_hpss_of_true_accompaniment": sdr(mix.drums, split_drums(mix.accompaniment)[0]),
                "bass_sdr": sdr(mix.bass, stems["bass"]),
                "bass_sdr_mixture": sdr(mix.bass, mix.mix),
                "other_sdr": sdr(mix.other, stems["other"]),
                "other_sdr_mixture": sdr(mix.other, mix.mix),
                "vocals_sdr_mask_extension_zeros": sdr(mix.vocals, zero_vocals),
                "stems_sum_vs_mix_sdr": sdr(mix.mix, stems["vocals"] + acc),
            }
            rows.append({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()})
            log(f"sdr {row['mix']}: vocals {row['vocals_sdr']:.2f} dB "
                f"(mixture {row['vocals_sdr_mixture']:.2f})")
    keys = [k for k in rows[0] if k.endswith("_sdr") or "_sdr_" in k]
    mean = {k: round(float(np.mean([r[k] for r in rows])), 2) for k in keys}
    improvement = {stem: round(mean[f"{stem}_sdr"] - mean[f"{stem}_sdr_mixture"], 2)
                   for stem in ("vocals", "accompaniment", "drums", "bass", "other")}
    return {"engine": engine.name, "label": label, "mixes": rows,
            "mean": mean, "mean_improvement_over_mixture_db": improvement,
            "metric": "SDR = 10 log10(sum s^2 / sum (s - s_hat)^2) over both channels (MDX 'new SDR')"}


# --- (b) real-time factor ------------------------------------------------------------------------

def part_rtf(quick: bool) -> dict[str, Any]:
    from soundmosaic.audio.separate import separate_file
    from soundmosaic.audio.separate import spleeter_unet as su
    from soundmosaic.audio.separate.offline import SpleeterHPSSEngine, split_drums
    from soundmosaic.audio.signal import Audio, write_wav
    from soundmosaic_local.fixtures import known_mixes as km

    duration = 60.0 if quick else 180.0
    engine = SpleeterHPSSEngine()
    _, load_s, _ = _timed(su.load_model)  # uncached: read the TF checkpoint and build the torch model
    mix = km.build_mix(duration, vocal="sung", seed=2)
    audio = Audio(mix.mix, mix.rate)
    _, unet_s, unet_cpu = _timed(lambda: su.separate_stereo(engine.model, mix.mix))
    _, hpss_s, _ = _timed(lambda: split_drums(mix.accompaniment))
    _, mem_s, mem_cpu = _timed(lambda: engine.separate(audio))
    with tempfile.TemporaryDirectory() as tmp:
        source = write_wav(Path(tmp) / "track.wav", audio)
        _, file_s, file_cpu = _timed(lambda: separate_file(source, Path(tmp) / "out", engine))
    log(f"rtf: {duration:.0f} s track, in memory {mem_s:.1f} s, separate_file {file_s:.1f} s")
    return {
        "track_s": duration, "model_load_s": round(load_s, 2),
        "unet_s": round(unet_s, 2), "hpss_s": round(hpss_s, 2),
        "engine_in_memory_s": round(mem_s, 2), "engine_in_memory_cpu_s": round(mem_cpu, 2),
        "separate_file_s": round(file_s, 2), "separate_file_cpu_s": round(file_cpu, 2),
        "rtf_in_memory": round(mem_s / duration, 3), "rtf_separate_file": round(file_s / duration, 3),
        "rtf_unet_only": round(unet_s / duration, 3), "unet_cpu_s": round(unet_cpu, 2),
    }


# --- (c) Demucs pipeline overhead ---------------------------------------------------------------

def _windows(total: int, rate: int, window_s: float, chunk_s: float, overlap_s: float) -> list[int]:
    """Window lengths (frames) ``separate_file`` feeds the engine for a ``total``-frame file."""
    if window_s - overlap_s < max(overlap_s, 0.25 * chunk_s):
        window_s = chunk_s + overlap_s
    chunk, overlap = max(1, int((window_s - overlap_s) * rate)), int(overlap_s * rate)
    lengths, start, tail = [], 0, 0
    while start < total:
        rest = total - start
        piece = chunk if rest >= chunk + chunk // 2 else rest
        lengths.append(tail + piece)
        tail = min(overlap, tail + piece)
        start += piece
    return lengths


def chunking_compute_overhead(engine: Any, hours: float = 2.0, chunk_s: float = 60.0,
                              overlap_s: float = 2.0) -> dict[str, Any]:
    """Model segments run by ``separate_file`` vs. one ``apply_model`` over the whole file."""
    rate = int(engine.model.samplerate)
    segment = engine.segment or float(engine.model.segment)
    stride = int((1 - engine.overlap) * int(rate * segment))
    total = int(hours * 3600 * rate)
    window_s = engine.plan_window(chunk_s + overlap_s)
    windows = _windows(total, rate, window_s, chunk_s, overlap_s)
    chunked = sum(math.ceil(w / stride) for w in windows)
    plain = math.ceil(total / stride)
    return {"file_hours": hours, "chunk_s": chunk_s, "overlap_s": overlap_s,
            "planned_window_s": round(window_s, 3), "windows": len(windows),
            "segments_separate_file": chunked, "segments_plain_apply_model": plain,
            "extra_model_compute": round(chunked / plain - 1, 4)}


def part_demucs(quick: bool, repeats: int) -> dict[str, Any]:
    import torch
    from demucs.apply import apply_model
    from demucs.htdemucs import HTDemucs
    from soundmosaic.audio.separate import separate_file
    from soundmosaic.audio.separate.demucs_engine import DemucsEngine
    from soundmosaic.audio.signal import Audio, write_wav
    from soundmosaic_local.fixtures import known_mixes as km

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = HTDemucs(sources=SOURCES).eval()
    params = sum(p.numel() for p in model.parameters())
    calls = [0]
    model.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    duration = 12.0 if quick else 30.0
    mix = km.build_mix(duration, vocal="sung", seed=3)
    engine = DemucsEngine(model, name="htdemucs", label="HTDemucs (random weights)", shifts=0)
    inside = [0.0]  # seconds spent in the engine's model call during separate_file
    model_call = engine._separate_stereo

    def timed_model_call(stereo: np.ndarray, progress: Any) -> dict[str, np.ndarray]:
        start = time.perf_counter()
        try:
            return model_call(stereo, progress)
        finally:
            inside[0] += time.perf_counter() - start

    engine._separate_stereo = timed_model_call  # type: ignore[method-assign]

    def plain() -> Any:
        wav = torch.from_numpy(mix.mix)
        ref = wav.mean(0)
        with torch.inference_mode():
            out = apply_model(model, ((wav - ref.mean()) / ref.std())[None], shifts=0, split=True,
                              overlap=0.25)[0]
        return out * ref.std() + ref.mean()

    runs: dict[str, list[dict[str, float]]] = {"plain_apply_model": [], "separate_file": []}
    with tempfile.TemporaryDirectory() as tmp:
        source = write_wav(Path(tmp) / "track.wav", Audio(mix.mix, mix.rate))
        for i in range(repeats):
            for name in ("plain_apply_model", "separate_file") if i % 2 == 0 else ("separate_file",
                                                                                     "plain_apply_model"):
                calls[0], inside[0] = 0, 0.0
                if name == "plain_apply_model":
                    _, wall, cpu = _timed(plain)
                else:
                    _, wall, cpu = _timed(lambda: separate_file(source, Path(tmp) / "out", engine))
                run = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "model_calls": calls[0]}
                if name == "separate_file":
                    run["outside_model_s"] = round(wall - inside[0], 3)
                runs[name].append(run)
                log(f"demucs {name}: {wall:.1f} s wall, {cpu:.1f} s cpu, {calls[0]} model calls")
        # the streaming machinery alone (decode, re-chunking, cross-fades, WAV writes) per second of
        # audio, on a longer file: what chunking costs on top of the model for long inputs
        long_source = Path(tmp) / "long.flac"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(source),
                        "-t", "300", "-c:a", "flac", str(long_source)], check=True)
        _, machinery_wall, machinery_cpu = _timed(
            lambda: separate_file(long_source, Path(tmp) / "out-pass", PassThroughEngine()))
    best = {name: min(r["wall_s"] for r in rs) for name, rs in runs.items()}
    best_cpu = {name: min(r["cpu_s"] for r in rs) for name, rs in runs.items()}
    out: dict[str, Any] = {
        "model": "demucs.htdemucs.HTDemucs(sources=[drums,bass,other,vocals]) defaults, random weights",
        "parameters": params, "model_segment_s": float(model.segment), "audio_s": duration,
        "runs": runs,
        "overhead_wall": round(best["separate_file"] / best["plain_apply_model"] - 1, 4),
        "overhead_cpu": round(best_cpu["separate_file"] / best_cpu["plain_apply_model"] - 1, 4),
        # decode, resampling checks, normalisation, cross-fades and WAV writes, timed inside the
        # separate_file runs themselves: immune to the contention that skews whole-run walls
        "overhead_outside_model": round(
            min(r["outside_model_s"] for r in runs["separate_file"]) / best["plain_apply_model"], 4),
        "rtf_plain": round(best["plain_apply_model"] / duration, 3),
        "machinery_rtf_pass_through_5min": round(machinery_wall / 300, 4),
        "machinery_cpu_rtf_pass_through_5min": round(machinery_cpu / 300, 4),
        "long_file_chunking": chunking_compute_overhead(engine),
        "long_file_chunking_trained_segment_7_8s": chunking_compute_overhead(
            DemucsEngine(model, shifts=0, segment=7.8)),
    }
    # long files: the machinery's share of the model time plus the overlap's extra model compute
    out["estimated_long_file_overhead"] = round(
        out["machinery_rtf_pass_through_5min"] / out["rtf_plain"]
        + out["long_file_chunking"]["extra_model_compute"], 4)
    return out


# --- (d) memory --------------------------------------------------------------------------------

class PassThroughEngine:
    """Streaming machinery only: stems are fixed fractions of the input (no model)."""

    name = "pass-through"

    def separate(self, audio: Any, progress: Callable[[float], None] | None = None) -> Any:
        from soundmosaic.audio.separate import Separation, Stem
        from soundmosaic.audio.signal import Audio

        stems = [Stem("vocals", Audio(audio.samples * 0.5, audio.sample_rate)),
                 Stem("other", Audio(audio.samples * 0.5, audio.sample_rate))]
        return Separation(stems, "pass-through (bench)", "none", offline=True)


def _peak_rss_mib() -> float:
    """Peak resident memory of this process image.

    ``VmHWM`` rather than ``ru_maxrss``: Linux carries ``ru_maxrss`` over ``fork``/``exec``, so a
    child started by a big parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def memory_child(engine_name: str, source: str, out_dir: str) -> None:
    """Run in a fresh process: separate ``source`` and print wall time and peak RSS as JSON."""
    from soundmosaic.audio.separate import get_engine, separate_file

    engine: Any = PassThroughEngine() if engine_name == "pass-through" else get_engine(engine_name)
    if engine_name == "spleeter-hpss":
        _ = engine.model  # load the weights before the baseline
    before = _peak_rss_mib()
    trace: list[tuple[float, float]] = []  # (window seconds, peak RSS so far) after each window
    separate_window = engine.separate

    def traced(audio: Any, progress: Any = None) -> Any:
        result = separate_window(audio, progress)
        trace.append((round(audio.duration_s, 2), _peak_rss_mib()))
        return result

    engine.separate = traced
    start = time.perf_counter()
    paths = separate_file(source, Path(out_dir), engine)
    wall = time.perf_counter() - start
    longest = max(w for w, _ in trace)
    print(json.dumps({"wall_s": round(wall, 2), "peak_rss_mib": _peak_rss_mib(),
                      "peak_rss_before_separation_mib": before, "windows": len(trace),
                      "longest_window_s": longest,
                      # the peak once all but the last window ran (the last one may be up to 1.5 chunks)
                      "peak_rss_before_last_window_mib": trace[-2][1] if len(trace) > 1 else None,
                      "window_trace": trace if len(trace) <= 12 else trace[:4] + trace[-8:],
                      "output_bytes": sum(os.path.getsize(p) for p in paths.values())}))


def _loop_file(seed_wav: Path, seconds: float, out: Path) -> Path:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(seed_wav),
                    "-t", str(seconds), "-c:a", "flac", str(out)], check=True)
    return out


def _measure(engine: str, source: Path, tmp: Path) -> dict[str, Any]:
    out = tmp / f"out-{engine}-{source.stem}"
    command = [sys.executable, "-m", "bench.audio_separation", "--memory-child", engine, str(source),
               str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for wav in out.glob("*.wav"):
        wav.unlink()
    return result


def part_memory(quick: bool, long_minutes: float) -> dict[str, Any]:
    from soundmosaic.audio.signal import Audio, write_wav
    from soundmosaic_local.fixtures import known_mixes as km

    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        mix = km.build_mix(60.0, vocal="sung", seed=4)
        seed_wav = write_wav(tmp / "seed.wav", Audio(mix.mix, mix.rate))
        plans = [("spleeter-hpss", 1.0), ("spleeter-hpss", 3.0 if quick else long_minutes / 2),
                 ("spleeter-hpss", 3.0 if quick else long_minutes),
                 ("pass-through", 1.0), ("pass-through", 10.0), ("pass-through", 10.0 if quick else 120.0)]
        for engine, minutes in plans:
            source = _loop_file(seed_wav, minutes * 60, tmp / f"in-{minutes:g}min.flac")
            result = _measure(engine, source, tmp)
            result.update(engine=engine, input_minutes=minutes,
                          rtf=round(result["wall_s"] / (minutes * 60), 3))
            rows.append(result)
            log(f"memory {engine} {minutes:g} min: {result['peak_rss_mib']} MiB peak, {result['wall_s']} s")
            source.unlink()
    return {"runs": rows, "input": "a 60-s 44.1 kHz stereo known mix looped with ffmpeg into FLAC",
            "chunk_s": 60.0, "overlap_s": 2.0}


# --- report ------------------------------------------------------------------------------------

def markdown(result: dict[str, Any]) -> str:
    lines = ["## Separation (`python -m bench.audio_separation`)", "",
             f"Machine: {machine_line(result['machine'])}", ""]
    if "sdr" in result:
        s = result["sdr"]
        rows = [[r["mix"], r["vocals_sdr"], r["vocals_sdr_mixture"], r["accompaniment_sdr"], r["drums_sdr"],
                 r["drums_sdr_mixture"], r["bass_sdr"], r["other_sdr"]] for r in s["mixes"]]
        lines += ["### SDR of the offline engine on built mixes (dB)", "",
                  table(["mix", "vocals", "vocals (mixture)", "accomp.", "drums", "drums (mixture)",
                         "bass", "other"], rows), "",
                  f"Mean improvement over the mixture: {s['mean_improvement_over_mixture_db']}", ""]
    if "rtf" in result:
        r = result["rtf"]
        lines += ["### Real-time factor, offline engine", "",
                  table(["track", "in memory", "separate_file", "U-Net only", "HPSS"],
                        [[f"{r['track_s']:.0f} s", r["rtf_in_memory"], r["rtf_separate_file"],
                          r["rtf_unet_only"], round(r["hpss_s"] / r["track_s"], 3)]]), ""]
    if "demucs" in result:
        d = result["demucs"]
        lines += ["### Full-size HTDemucs: separate_file vs. plain apply_model", "",
                  f"{d['audio_s']:.0f} s of audio; overhead {d['overhead_wall']:+.1%} wall, "
                  f"{d['overhead_cpu']:+.1%} CPU, {d.get('overhead_outside_model', 0):+.1%} outside the "
                  f"model call; RTF {d['rtf_plain']}. Extra model compute from chunking a "
                  f"2-hour file: {d['long_file_chunking']['extra_model_compute']:+.2%} (segment 10 s), "
                  f"{d['long_file_chunking_trained_segment_7_8s']['extra_model_compute']:+.2%} (7.8 s).", ""]
    if "memory" in result:
        lines += ["### Peak memory of separate_file", "",
                  table(["engine", "input", "windows", "longest window (s)", "peak RSS (MiB)",
                         "peak before the last window (MiB)", "wall (s)"],
                        [[m["engine"], f"{m['input_minutes']:g} min", m.get("windows"),
                          m.get("longest_window_s"), m.get("peak_rss_mib"),
                          m.get("peak_rss_before_last_window_mib"), m["wall_s"]]
                         for m in result["memory"]["runs"]]), ""]
    return "\n".join(lines)


def run(parts: list[str], quick: bool = False, repeats: int = 3,
        long_minutes: float = 10.0) -> dict[str, Any]:
    previous = json.loads(RESULT_FILE.read_text()) if RESULT_FILE.exists() else {}
    result: dict[str, Any] = {k: v for k, v in previous.items() if k in ("sdr", "rtf", "demucs", "memory")}
    result["machine"] = machine()
    import torch

    for part in parts:
        log(f"== {part}")
        start = time.perf_counter()
        if part == "sdr":
            result["sdr"] = part_sdr(quick)
        elif part == "rtf":
            result["rtf"] = part_rtf(quick)
        elif part == "demucs":
            result["demucs"] = part_demucs(quick, repeats)
        elif part == "memory":
            result["memory"] = part_memory(quick, long_minutes)
        else:
            raise SystemExit(f"unknown part {part}")
        result[part]["bench_wall_s"] = round(time.perf_counter() - start, 1)
        result[part]["machine"] = machine() | {"torch_threads": torch.get_num_threads(), "quick": quick}
    return result


def run_all(full: bool = False, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Entry point for ``bench.run``: every part; short inputs unless ``full`` (about 15 min)."""
    return run(["sdr", "rtf", "demucs", "memory"], quick=not full, repeats=3 if full else 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="sdr,rtf,demucs,memory")
    parser.add_argument("--quick", action="store_true", help="shorter inputs, for a smoke run")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side in the Demucs comparison")
    parser.add_argument("--long-minutes", type=float, default=10.0,
                        help="long input for the offline engine's memory run")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch intra-op threads (0: torch's default, one per core)")
    parser.add_argument("--memory-child", nargs=3, metavar=("ENGINE", "SOURCE", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
        os.environ["SOUNDMOSAIC_BENCH_TORCH_THREADS"] = str(args.threads)  # for the memory children
    elif os.environ.get("SOUNDMOSAIC_BENCH_TORCH_THREADS"):
        import torch

        torch.set_num_threads(int(os.environ["SOUNDMOSAIC_BENCH_TORCH_THREADS"]))
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    result = run(args.parts.split(","), args.quick, args.repeats, args.long_minutes)
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
