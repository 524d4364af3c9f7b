"""Routing by size: a 2-hour file against the real Lambda limits, a 3-minute one, hostile facts.

The real-time factors and memory peaks routing uses must cover what bench/audio_long.py last
measured (bench/results/audio_long.json): a slower re-run fails here until they are raised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from soundmosaic.audio import routing

RESULTS = Path(__file__).resolve().parents[3] / "bench" / "results" / "audio_long.json"
TWO_HOURS = routing.Facts(duration_s=2 * 3600, sample_rate=44100, channels=2, size_bytes=170 * 1024**2)
LAMBDA = routing.Limits(timeout_s=900, tmp_bytes=10 * 1024**3, memory_mb=10240)


def test_factors_cover_the_recorded_bench():
    recorded = json.loads(RESULTS.read_text())
    for run in ("reference", "long"):
        for stage, figures in recorded[run]["stages"].items():
            assert routing.REAL_TIME_FACTORS[stage] >= figures["rtf"], (run, stage)
            assert routing.PEAK_MEMORY_MB[stage] >= figures["peak_rss_mib"], (run, stage)


def test_a_two_hour_file_sends_separation_to_the_container():
    plan = routing.plan(TWO_HOURS, LAMBDA)
    assert plan["separate"] == "container"
    reason = plan["reasons"]["separate"]
    assert "timeout" in reason and "/tmp" in reason  # 878 s of 900, and ~13 GB of stems
    # What fits stays on Lambda; the export streams and needs no /tmp.
    assert plan["decode"] == plan["analyse"] == plan["export"] == "lambda"
    assert routing.decide("export", TWO_HOURS, LAMBDA).disk_bytes == 0


def test_a_three_minute_file_stays_on_lambda():
    plan = routing.plan(routing.Facts(duration_s=180, sample_rate=44100, channels=2), LAMBDA)
    assert {plan[s] for s in routing.STAGES} == {"lambda"}


def test_more_channels_or_a_higher_rate_weigh_more_but_only_two_channels_are_kept():
    mono = routing.Facts(duration_s=60, sample_rate=48000, channels=1)
    surround = routing.Facts(duration_s=60, sample_rate=48000, channels=6)
    assert surround.wav_bytes == 2 * mono.wav_bytes


def test_a_collection_adds_its_tracks_up():
    hour = routing.Facts(duration_s=3600, sample_rate=44100, channels=2)
    small = routing.Limits(timeout_s=60, tmp_bytes=10 * 1024**3, memory_mb=10240)
    assert routing.plan_collection([hour], small)["export"] == "lambda"
    assert routing.plan_collection([hour] * 3, small)["export"] == "container"


@pytest.mark.parametrize("env", [
    {"SOUNDMOSAIC_LAMBDA_TIMEOUT_S": "-1"}, {"SOUNDMOSAIC_ROUTE_HEADROOM": "2"},
    {"SOUNDMOSAIC_LAMBDA_TMP_BYTES": "lots"}, {"SOUNDMOSAIC_ROUTE_SLOWDOWN": "0"}])
def test_bad_limits_are_refused(monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        routing.Limits.from_env()


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="unknown stage"):
        routing.decide("mine-bitcoin", TWO_HOURS, LAMBDA)
