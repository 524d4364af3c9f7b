"""Where each audio lab stage runs: the ``audio`` Lambda, the container task (ECS Fargate) or the GPU.

A Lambda has hard limits: 900 s, 10 GiB of ``/tmp``, 10 GiB of memory. A 2-hour file breaks
them (its separation took 899 s of 900 in ``bench/audio_long.py``; its stems and zip are ~11 GB).
From the probed facts of the track (duration, size, channels, sample rate) and the deployment's
limits this module estimates each stage's time, local disk and memory and picks ``lambda`` when
all three fit within ``headroom`` of the limit, ``container`` otherwise, with the reason. The
audio state machine asks for the plan first (action ``route``) and takes the container branch of
a stage's Choice when the plan says so. With a GPU endpoint (``-c gpu=true``) its stages go
there instead (``on_gpu``). See docs/compute.md.

Estimates
---------
time    duration x the stage's real-time factor (``REAL_TIME_FACTORS``: the larger of the 3-minute
        and the 2-hour figure measured by bench/audio_long.py, a test holds them to the recorded
        results) x ``SOUNDMOSAIC_ROUTE_SLOWDOWN`` (the Lambda's CPU against the bench machine).
disk    the decoded WAV (24-bit, at most stereo) is the unit: a stage holds its input and
        outputs in ``/tmp`` (separation: the mix and up to four stems); the export streams from S3
        into S3 multipart and needs no disk.
memory  the stage's peak resident memory in the bench (bounded: it does not grow with length).

Environment variables (typed in ``Limits.from_env``; the local tests scale them down)
---------------------
SOUNDMOSAIC_LAMBDA_TIMEOUT_S     the audio function's timeout (default 900)
SOUNDMOSAIC_LAMBDA_TMP_BYTES     its ephemeral storage (default 10 GiB)
SOUNDMOSAIC_LAMBDA_MEMORY_MB     its memory (default 10240)
SOUNDMOSAIC_ROUTE_HEADROOM       the fraction of each limit a stage may plan to use (default 0.6)
SOUNDMOSAIC_ROUTE_SLOWDOWN       Lambda CPU time per bench CPU time (default 1.0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any, Literal

from soundmosaic.audio.settings import STAGES

Place = Literal["lambda", "container", "gpu"]
LAMBDA: Place = "lambda"
CONTAINER: Place = "container"
GPU: Place = "gpu"  # the SageMaker async endpoint, when the deployment has one (remote.py)

# Seconds of compute per second of audio, from bench/results/audio_long.json (the larger of the
# 3-minute and the 2-hour run). tests/unit/audio/test_routing.py fails if a re-run exceeds them.
REAL_TIME_FACTORS = {"decode": 0.011, "analyse": 0.025, "separate": 0.122, "midi": 0.069,
                     "lyrics": 0.10, "samples": 0.046, "export": 0.009}
# lyrics: 3.5 x the 0.029 measured before the stage also heard the mix (the stem-and-mix lyrics
# took 3.2-4.3 x the raw mix's time per song in bench/results/audio_quality.json); to be
# replaced by the next audio_long run.
# Peak resident memory of each stage in the same bench (MiB), rounded up.
PEAK_MEMORY_MB = {"decode": 130, "analyse": 360, "separate": 1220, "midi": 630, "lyrics": 850,
                  "samples": 470, "export": 130}
MAX_STEMS = 6  # htdemucs_6s writes six stems; the others four or fewer
# Local disk a stage needs, in decoded-WAV units: inputs + outputs it keeps at once in /tmp.
DISK_UNITS = {"decode": 1.0, "analyse": 1.0, "separate": 1.0 + MAX_STEMS, "midi": 1.0,
              "lyrics": 2.0, "samples": 2.0, "export": 0.0}  # lyrics: the vocals stem and the mix


@dataclass(frozen=True)
class Limits:
    """What one invocation of the audio Lambda may use."""

    timeout_s: float
    tmp_bytes: int
    memory_mb: int
    headroom: float = 0.6
    slowdown: float = 1.0

    @staticmethod
    def from_env() -> Limits:
        limits = Limits(
            timeout_s=float(os.environ.get("SOUNDMOSAIC_LAMBDA_TIMEOUT_S") or 900),
            tmp_bytes=int(os.environ.get("SOUNDMOSAIC_LAMBDA_TMP_BYTES") or 10 * 1024**3),
            memory_mb=int(os.environ.get("SOUNDMOSAIC_LAMBDA_MEMORY_MB") or 10240),
            headroom=float(os.environ.get("SOUNDMOSAIC_ROUTE_HEADROOM") or 0.6),
            slowdown=float(os.environ.get("SOUNDMOSAIC_ROUTE_SLOWDOWN") or 1.0),
        )
        if min(limits.timeout_s, limits.tmp_bytes, limits.memory_mb) <= 0 or not 0 < limits.headroom <= 1 \
                or limits.slowdown <= 0:
            raise ValueError(f"routing limits must be positive, headroom in (0, 1]: {limits}")
        return limits


@dataclass(frozen=True)
class Facts:
    """The probed facts routing needs (``library.probe.AudioFacts`` + the upload's size)."""

    duration_s: float
    sample_rate: int
    channels: int
    size_bytes: int = 0

    @staticmethod
    def of_track(facts: dict[str, Any], size_bytes: int = 0) -> Facts:
        return Facts(duration_s=float(facts.get("duration_s") or 0),
                     sample_rate=int(facts.get("sample_rate") or 48000),
                     channels=int(facts.get("channels") or 2), size_bytes=int(size_bytes or 0))

    @property
    def wav_bytes(self) -> int:
        """Size of the decoded 24-bit WAV (the pipeline keeps at most two channels)."""
        return int(self.duration_s * self.sample_rate * min(max(self.channels, 1), 2) * 3)


@dataclass(frozen=True)
class Decision:
    stage: str
    place: Place
    reason: str
    seconds: float
    disk_bytes: int
    memory_mb: int


def decide(stage: str, facts: Facts, limits: Limits) -> Decision:
    """Where ``stage`` runs for a track with ``facts``, and why."""
    if stage not in REAL_TIME_FACTORS:
        raise ValueError(f"unknown stage {stage!r}; choose from {list(STAGES)}")
    seconds = facts.duration_s * REAL_TIME_FACTORS[stage] * limits.slowdown
    disk = int(facts.wav_bytes * DISK_UNITS[stage]) + (facts.size_bytes if stage == "decode" else 0)
    memory = PEAK_MEMORY_MB[stage]
    over = []
    if seconds > limits.timeout_s * limits.headroom:
        over.append(f"about {seconds:.0f} s of compute against a {limits.timeout_s:.0f} s timeout")
    if disk > limits.tmp_bytes * limits.headroom:
        over.append(f"about {disk / 1e9:.2f} GB of local files against "
                    f"{limits.tmp_bytes / 1e9:.2f} GB of /tmp")
    if memory > limits.memory_mb * limits.headroom:
        over.append(f"about {memory} MiB of memory against {limits.memory_mb} MiB")
    place, reason = (CONTAINER, "; ".join(over)) if over else (
        LAMBDA, f"fits: about {seconds:.0f} s, {disk / 1e9:.2f} GB of /tmp, {memory} MiB")
    return Decision(stage, place, reason, round(seconds, 1), disk, memory)


def on_gpu(decision: Decision) -> Decision:
    """A GPU stage goes to the deployment's GPU endpoint, when it has one, whatever its size:
    the endpoint is the faster place (hours of audio are minutes of GPU) and has no /tmp limit."""
    from soundmosaic.audio import remote

    if remote.endpoint_for(decision.stage) is None:
        return decision
    return replace(decision, place=GPU, reason=f"GPU endpoint ({decision.reason})")


def plan(facts: Facts, limits: Limits | None = None) -> dict[str, Any]:
    """The decision for every stage, as the state machine reads it: ``{"separate": "container",
    ..., "reasons": {"separate": "..."}}``."""
    limits = limits or Limits.from_env()
    decisions = [on_gpu(decide(stage, facts, limits)) for stage in STAGES]
    return {**{d.stage: d.place for d in decisions}, "reasons": {d.stage: d.reason for d in decisions},
            "duration_s": facts.duration_s}


def plan_collection(tracks: list[Facts], limits: Limits | None = None) -> dict[str, Any]:
    """A collection's zip is one export over all its tracks' stems: their durations add up."""
    total = Facts(duration_s=sum(t.duration_s for t in tracks),
                  sample_rate=max((t.sample_rate for t in tracks), default=48000),
                  channels=2, size_bytes=0)
    decision = decide("export", total, limits or Limits.from_env())
    return {"export": decision.place, "reasons": {"export": decision.reason}, "duration_s": total.duration_s}
