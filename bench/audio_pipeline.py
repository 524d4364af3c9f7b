"""Real-time factor of each audio lab stage and of the whole pipeline on a 3-minute song.

The song is built here (FluidSynth band + espeak-ng voice, ``tests/songs.py``), ingested into a
local stack, and every stage is run through ``pipeline.run`` exactly as the state machine's
Tasks run it (S3 in and out), one after the other, timed. Real-time factor = stage seconds /
song seconds (below 1 is faster than real time). Run: ``python -m bench.audio_pipeline``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, machine


def run(bars: int = 90) -> dict[str, Any]:
    from soundmosaic.audio import pipeline
    from soundmosaic_local.runtime.stack import LocalStack

    from tests.integration.conftest import Api
    from tests.songs import TEMPO, song

    results: dict[str, Any] = {"machine": machine(), "stages": {}}
    with tempfile.TemporaryDirectory() as tmp, LocalStack(Path(tmp) / "data", port=0,
                                                          background=False) as stack:
        path = song(Path(tmp) / "song", "three-minutes.wav", bars=bars)
        api = Api(stack, "bench")
        job = api.job_for(api.upload(path)["key"], timeout=600)
        track_id = job["result"]["track_id"]
        duration = api.http.get(f"/tracks/{track_id}").json()["facts"]["duration_s"]
        event = {"artist_id": "bench", "track_id": track_id, "job_id": "bench"}

        def timed(action: str, **extra: Any) -> float:
            start = time.perf_counter()
            pipeline.run(action, {**event, **extra})
            return time.perf_counter() - start

        stages: dict[str, float] = {}
        for action in ("decode", "analyse", "separate"):
            stages[action] = timed(action)
        stems = json.loads(stack_get(track_id, "stems/separation.json"))["stems"]
        for action in ("midi", "lyrics", "samples"):
            stages[action] = sum(timed(action, stem=stem) for stem in stems)
        stages["export"] = timed("export")
        total = sum(stages.values())
        results.update({"song_s": duration, "bpm_truth": TEMPO, "stems": stems,
                        "total_s": round(total, 2), "total_rtf": round(total / duration, 3)})
        results["stages"] = {k: {"seconds": round(v, 2), "rtf": round(v / duration, 3)}
                             for k, v in stages.items()}
    (RESULTS_DIR / "audio_pipeline.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def stack_get(track_id: str, relative: str) -> bytes:
    from soundmosaic.library.keys import track_prefix
    from soundmosaic.platform import aws
    from soundmosaic.platform.config import resource

    body = aws.client("s3").get_object(Bucket=resource("MEDIA_BUCKET"),
                                       Key=track_prefix("bench", track_id) + relative)["Body"]
    return bytes(body.read())


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
