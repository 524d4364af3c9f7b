"""What a request may set for each audio lab stage: typed, bounded, nothing else.

A request's settings reach model loaders and compute knobs, so they are never passed on as an
untyped dict: no path to a model or checkpoint (Demucs loads ``.th`` files with ``torch.load``,
which unpickles), no device, no worker count, and every number within a range the engines
handle in reasonable time. Unknown names are refused (``extra="forbid"``). The API declares
these models, so the OpenAPI document shows them and a bad value is a 422 naming the field;
the pipeline validates again, because Step Functions input can come from elsewhere.

Model weights and devices are the deployment's choice (``SOUNDMOSAIC_DEMUCS_MODELS``,
``SOUNDMOSAIC_WHISPER_MODEL``, ``SOUNDMOSAIC_SEPARATION_ENGINE``), never the caller's.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Every stage the pipeline knows (StageRequest checks names against this list).
STAGES = ("decode", "separate", "analyse", "midi", "lyrics", "samples", "export")
Stage = Literal["decode", "separate", "analyse", "midi", "lyrics", "samples", "export"]
Engine = Literal["spleeter-hpss", "htdemucs", "htdemucs_ft", "htdemucs_6s"]


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeparateSettings(_Settings):
    engine: Engine | None = Field(default=None, description="default: the deployment's engine")
    shifts: int | None = Field(default=None, ge=0, le=4, description="Demucs: random shifts averaged "
                               "(each one more full pass)")
    overlap: float | None = Field(default=None, ge=0.0, le=0.75, description="Demucs: window overlap")
    mask_extension: Literal["average", "zeros"] | None = Field(
        default=None, description="spleeter-hpss: how the 2-stem mask covers frequencies above 11 kHz")
    hpss_margin: float | None = Field(default=None, ge=1.0, le=8.0, description="spleeter-hpss: HPSS "
                                      "separation margin")

    @model_validator(mode="after")
    def _knobs_fit_the_engine(self) -> SeparateSettings:
        demucs = {"shifts", "overlap"} & self.model_fields_set
        spleeter = {"mask_extension", "hpss_margin"} & self.model_fields_set
        if demucs and self.engine in (None, "spleeter-hpss"):
            raise ValueError(f"{sorted(demucs)} apply to the Demucs engines only: name one in 'engine'")
        if spleeter and self.engine not in (None, "spleeter-hpss"):
            raise ValueError(f"{sorted(spleeter)} apply to spleeter-hpss only")
        return self


class MidiStageSettings(_Settings):
    onset_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)
    frame_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)
    minimum_note_length_ms: float | None = Field(default=None, ge=0.0, le=5000.0)
    minimum_frequency: float | None = Field(default=None, ge=20.0, le=20000.0)
    maximum_frequency: float | None = Field(default=None, ge=20.0, le=20000.0)
    multiple_pitch_bends: bool | None = None
    melodia_trick: bool | None = None
    program: int | None = Field(default=None, ge=0, le=127, description="General MIDI program, 0-based")


class LyricsSettings(_Settings):
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$",
                                 description="ISO 639-1 code such as 'en' (default: detected)")


class SamplesSettings(_Settings):
    onset_delta: float | None = Field(default=None, ge=0.0, le=1.0)
    min_length_s: float | None = Field(default=None, ge=0.01, le=10.0)
    max_length_s: float | None = Field(default=None, ge=0.05, le=30.0)
    trim_db: float | None = Field(default=None, ge=10.0, le=120.0)
    fade_in_ms: float | None = Field(default=None, ge=0.0, le=1000.0)
    fade_out_ms: float | None = Field(default=None, ge=0.0, le=5000.0)
    target_lufs: float | None = Field(default=None, ge=-40.0, le=0.0)
    peak_ceiling_db: float | None = Field(default=None, ge=-20.0, le=0.0)
    normalise: bool | None = None
    dedupe_threshold: float | None = Field(default=None, ge=0.0, le=1.01, description="above 1: keep "
                                           "near-duplicates")
    silence_db: float | None = Field(default=None, ge=-120.0, le=0.0)
    max_slices: int | None = Field(default=None, ge=1, le=5000)


class StageSettings(_Settings):
    """Per stage, e.g. ``{"separate": {"engine": "htdemucs"}, "midi": {"onset_threshold": 0.6}}``."""

    separate: SeparateSettings | None = None
    midi: MidiStageSettings | None = None
    lyrics: LyricsSettings | None = None
    samples: SamplesSettings | None = None

    def of(self, stage: str) -> dict[str, Any]:
        """The values set for ``stage`` (nothing unset), as the engines take them."""
        chosen = getattr(self, stage, None)
        return chosen.model_dump(exclude_none=True) if chosen is not None else {}

    def as_event(self) -> dict[str, dict[str, Any]]:
        """What travels in the workflow's input: only the stages and values that were set."""
        return {stage: values for stage in ("separate", "midi", "lyrics", "samples")
                if (values := self.of(stage))}
