"""Where the audio lab's time goes on one evaluation-set song, measured three ways in one run.

1. model load: each model loaded cold in this process (Whisper base, the Spleeter U-Net, Basic
   Pitch's ONNX session, the sample classifier), once; every later call reuses it, in the direct
   calls and in the local stack alike (its Lambda handlers run in this process).
2. compute: the pipeline's compute functions on local files (decode, analyse, separate, MIDI,
   lyrics and samples per stem), no S3: the work itself; run twice, the first pass (one-time
   imports and JIT compilation) reported apart.
3. stages: ``pipeline.run`` per stage as the state machine's Tasks call it (S3 in and out).
4. stack: ``POST /tracks/{id}/process`` to "succeeded" through the local stack's state machine.

Transfers and bookkeeping = stages - compute; orchestration = stack - stages. Real-time factor
= seconds / song seconds. Run: ``python -m bench.audio_stack_speed [--song NAME]`` (default the
40-s ``a-minor-ballad``; ``--song bb-major-long`` for the 3-minute song).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, machine


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn(*args)
    return round(time.perf_counter() - started, 2), out


def model_loads() -> dict[str, float]:
    from soundmosaic.audio import lyrics, midi
    from soundmosaic.audio.samples.model import shipped
    from soundmosaic.audio.separate.spleeter_unet import cached_model

    return {"whisper": _timed(lyrics.load_model)[0], "spleeter": _timed(cached_model)[0],
            "basic_pitch": _timed(midi._load_model)[0], "sample_classifier": _timed(shipped)[0]}


def compute(mix: Path, folder: Path) -> dict[str, float]:
    from soundmosaic.audio import lyrics, midi, samples, separate
    from soundmosaic.audio.analysis import analyse
    from soundmosaic.audio.signal import to_wav24

    folder.mkdir(parents=True, exist_ok=True)
    wav = folder / "audio.wav"
    times = {"decode": _timed(lambda: to_wav24(mix, wav, 2))[0], "analyse": _timed(lambda: analyse(wav))[0]}
    engine = separate.get_engine()
    times["separate"], stems = _timed(lambda: separate.separate_file(wav, folder / "stems", engine))
    times["midi"] = times["samples"] = 0.0
    for stem, path in stems.items():
        if stem != "drums":
            times["midi"] += _timed(midi.transcribe, path, midi.settings_for(stem))[0]
        out = folder / "samples" / stem
        times["samples"] += _timed(samples.slice_file, path, stem, samples.SliceSettings(), out)[0]
    times["lyrics"] = _timed(lambda: lyrics.transcribe(stems["vocals"]))[0]
    return times


def run(song_name: str = "a-minor-ballad") -> dict[str, Any]:
    from soundmosaic.audio import pipeline
    from soundmosaic_local.evaluation.audio_quality_set import song
    from soundmosaic_local.runtime.stack import LocalStack

    from bench.audio_pipeline import stack_get
    from tests.integration.audio.test_audio_lab import wait
    from tests.integration.conftest import Api

    chosen = song(song_name)
    seconds = float(chosen.recipe.seconds)
    result: dict[str, Any] = {"machine": machine(), "song": song_name, "song_s": seconds}
    result["model_load_s"] = model_loads()
    with tempfile.TemporaryDirectory() as tmp:
        # The first pass pays one-time costs (imports, numba JIT in librosa, torch warm-up) that a
        # warm worker has paid already: reported, then measured again warm.
        result["compute_first_call_s"] = compute(chosen.mix, Path(tmp) / "first")
        result["compute_s"] = compute(chosen.mix, Path(tmp) / "direct")
        with LocalStack(Path(tmp) / "data", port=0, background=False) as stack:
            api = Api(stack, "bench")
            job = api.job_for(api.upload(chosen.mix, f"{song_name}.flac")["key"], timeout=600)
            track_id = job["result"]["track_id"]
            event = {"artist_id": "bench", "track_id": track_id, "job_id": "bench"}
            stages: dict[str, float] = {}
            for action in ("decode", "analyse", "separate"):
                stages[action] = _timed(pipeline.run, action, event)[0]
            stems = json.loads(stack_get(track_id, "stems/separation.json"))["stems"]
            for action in ("midi", "lyrics", "samples"):
                stages[action] = 0.0
                for stem in stems:
                    stages[action] += _timed(pipeline.run, action, {**event, "stem": stem})[0]
            stages["export"] = _timed(lambda: pipeline.run("export", event))[0]
            result["stages_s"] = stages
            started = time.perf_counter()
            job_id = api.http.post(f"/tracks/{track_id}/process", json={}).json()["job_id"]
            finished = wait(api, job_id, timeout=1800)
            result["stack_s"] = round(time.perf_counter() - started, 2)
            result["stack_status"] = finished["status"]
    total_compute = sum(result["compute_s"].values())
    total_stages = sum(result["stages_s"].values())
    result["summary"] = {
        "compute_rtf": round(total_compute / seconds, 3), "stages_rtf": round(total_stages / seconds, 3),
        "stack_rtf": round(result["stack_s"] / seconds, 3),
        "transfers_s": round(total_stages - total_compute, 2),
        "orchestration_s": round(result["stack_s"] - total_stages, 2),
        "stack_over_stages": round(result["stack_s"] / total_stages, 3),
        "stack_over_compute": round(result["stack_s"] / total_compute, 3),
        "model_load_total_s": round(sum(result["model_load_s"].values()), 2),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audio_stack_speed", description=__doc__)
    parser.add_argument("--song", default="a-minor-ballad")
    args = parser.parse_args()
    result = run(args.song)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"audio_stack_speed-{args.song}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
