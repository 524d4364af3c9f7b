"""Key and tempo of short rendered clips (``soundmosaic.audio.analysis``).

Clips are made like the evaluation set's songs (FluidSynth stems, an espeak-ng line), but
shorter and with other progressions, sounds and tempos than the set's, so these tests are not
the set the weights were chosen on. Hostile cases: a minor progression that starts on the
relative major's chords' notes (Am F C G is also C major's I vi IV V material), a power drum kit
whose pitched hits coloured the old chroma, distorted keys whose overtones push the old estimate
a fifth up, silence and a clip shorter than a beat window. Known limit (docs/audio-separation.md):
the power kit playing four-on-the-floor under quiet minor-key keys still wins over the harmony.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundmosaic.audio.analysis import KeyEvidence, analyse
from soundmosaic_local.evaluation.audio_quality_set import RATE, Recipe, render

BASE = Recipe("clip", 10, 100, "A", "minor", "i VI III VII", "roots", "rock", 16, 0, 48, 33, "timgm6mb",
              "en-us", "spoken", -3.0, lines=1, seed=101)
CLIPS = {
    # The relative-major trap: the same notes as C major, tonic A only by the bass and the ends.
    "a-minor": replace(BASE, name="a-minor"),
    "c-major": replace(BASE, name="c-major", tonic="C", mode="major", progression="I vi IV V", bpm=112,
                       keys=4, pad=89, seed=102),
    "f-minor": replace(BASE, name="f-minor", tonic="F", mode="minor", progression="i VII VI VII", bpm=140,
                       bass="eighths", drums="four", kit=0, keys=29, pad=50, bass_program=38, seed=103),
    "d-major": replace(BASE, name="d-major", tonic="D", mode="major", progression="I IV V IV", bpm=76,
                       bass="root-fifth", drums="halftime", kit=0, keys=30, seed=104),
}


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Recipe, object]]:
    folder = tmp_path_factory.mktemp("clips")
    out = {}
    for name, recipe in CLIPS.items():
        stems, _ = render(recipe)
        path = folder / f"{name}.wav"
        sf.write(str(path), sum(stems.values()).T, RATE)
        out[name] = (recipe, analyse(path))
    return out


@pytest.mark.parametrize("name", list(CLIPS))
def test_key_of_rendered_clips(analysed: dict[str, tuple[Recipe, object]], name: str) -> None:
    recipe, found = analysed[name]
    assert found.key == recipe.key, (name, found.key)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(CLIPS))
def test_tempo_within_two_percent_or_its_double(analysed: dict[str, tuple[Recipe, object]],
                                                name: str) -> None:
    recipe, found = analysed[name]
    bpm = found.bpm  # type: ignore[attr-defined]
    assert bpm is not None
    assert min(abs(bpm / (f * recipe.bpm) - 1) for f in (0.5, 1.0, 2.0)) <= 0.02, (name, bpm)


def test_silence_and_a_too_short_clip_give_no_key_or_tempo(tmp_path: Path) -> None:
    for seconds in (0.5, 5.0):
        path = tmp_path / f"quiet-{seconds}.wav"
        sf.write(str(path), np.zeros((int(seconds * RATE), 2), np.float32), RATE)
        found = analyse(path)
        assert (found.key, found.bpm, found.key_confidence) == (None, None, 0.0)
    assert KeyEvidence().key() == (None, 0.0)
