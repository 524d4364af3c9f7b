"""The audio lab's samples stage streams a stem from S3 a chunk at a time (moto in-process).

A stem longer than two chunks must give the samples one in-memory pass gives: same count,
same classes, same times. The stem repeats three sounds, so repeats across chunks must fold.
"""

from __future__ import annotations

import json

import numpy as np
from soundmosaic.audio import pipeline
from soundmosaic.audio.samples import slice_audio
from soundmosaic.audio.signal import Audio, write_wav
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic_local.training import synth

SR = 44100


def _stem(seconds: float) -> Audio:
    rng = np.random.default_rng(11)
    hits = {k: synth.generate(k, rng, "heldout") for k in ("kick", "snare", "closed_hat")}
    out = np.zeros(int(seconds * SR), dtype=np.float32)
    pattern = ["kick", "closed_hat", "snare", "closed_hat"]
    for i, t in enumerate(np.arange(0.0, seconds - 1.0, 0.37)):  # off the 1 s grid: hits straddle chunks
        hit = hits[pattern[i % 4]][: int(0.3 * 22050)]
        hit = np.interp(np.arange(int(hit.size * SR / 22050)) * 22050 / SR, np.arange(hit.size), hit)
        a = round(t * SR)
        out[a:a + hit.size] += 0.8 * hit.astype(np.float32)
    return Audio(np.stack([out, 0.7 * out]), SR)


def test_streamed_stage_matches_one_pass(aws_env, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "SAMPLES_CHUNK_S", 5.0)
    stem = _stem(12.5)
    files = pipeline.TrackFiles("artist-a", "track-1", tmp_path)
    files.put("stems/drums.wav", write_wav(tmp_path / "drums.wav", stem, subtype="FLOAT"), "audio/wav")

    summary = pipeline.run("samples", {"artist_id": "artist-a", "track_id": "track-1", "job_id": "j",
                                       "stem": "drums"})

    expected = slice_audio(stem, "drums")
    listing = json.loads(aws.client("s3").get_object(
        Bucket=resource("MEDIA_BUCKET"), Key=files.key("samples/drums.json"))["Body"].read())["samples"]
    assert summary["samples"] == len(listing) == len(expected) == 3  # kick, snare, hat
    assert sorted(s["label"] for s in listing) == sorted(s.label for s in expected)
    # which take of a repeated sound is kept may differ by a sample's length; every kept take is a
    # hit the one pass found too
    takes = np.array([t for s in expected for t in (s.start_s, *s.duplicate_starts_s)])
    assert all(np.abs(takes - s["start_s"]).min() <= 0.002 for s in listing)
    stored = set(files.list("samples/drums/"))
    assert stored == {s["key"] for s in listing}
