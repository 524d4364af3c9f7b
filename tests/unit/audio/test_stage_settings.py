"""Stage settings are typed and bounded: no model path, device or worker count from a request."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from soundmosaic.audio.settings import StageSettings


def test_known_values_pass_and_unset_ones_stay_out_of_the_event() -> None:
    settings = StageSettings.model_validate({"separate": {"engine": "htdemucs", "shifts": 2},
                                             "midi": {"onset_threshold": 0.6}, "lyrics": {"language": "de"}})
    assert settings.as_event() == {"separate": {"engine": "htdemucs", "shifts": 2},
                                   "midi": {"onset_threshold": 0.6}, "lyrics": {"language": "de"}}
    assert settings.of("samples") == {}


@pytest.mark.parametrize("hostile", [
    {"separate": {"engine": "htdemucs", "models": "/etc"}},            # a weights folder: torch.load
    {"separate": {"checkpoint": "/tmp/evil.ckpt"}},                     # the spleeter checkpoint
    {"separate": {"engine": "htdemucs", "device": "cuda:7"}},
    {"separate": {"engine": "htdemucs", "num_workers": 512}},
    {"separate": {"engine": "htdemucs", "shifts": 1000}},               # a thousand full passes
    {"separate": {"engine": "../../weights"}},
    {"separate": {"shifts": 2}},                                        # a Demucs knob, default engine
    {"separate": {"engine": "htdemucs", "hpss_margin": 2.0}},          # a spleeter knob on Demucs
    {"lyrics": {"model": "/home/someone/model"}},
    {"lyrics": {"language": "english; rm -rf"}},
    {"midi": {"onset_threshold": 1.5}},
    {"midi": {"program": 300}},
    {"samples": {"max_slices": 10**9}},
    {"export": {"anything": 1}},
    {"separate": "htdemucs"},
])
def test_hostile_or_unbounded_values_are_refused(hostile: dict) -> None:
    with pytest.raises(ValidationError):
        StageSettings.model_validate(hostile)
