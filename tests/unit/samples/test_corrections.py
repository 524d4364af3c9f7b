"""Corrections as training data: fine-tuning the shipped classifier on corrected sounds makes it
say the corrected class for them, and stays near the shipped model elsewhere."""

from __future__ import annotations

import numpy as np
from soundmosaic.audio.samples import CLASSES, features
from soundmosaic.audio.samples.model import feature_matrix, shipped
from soundmosaic_local.training import synth
from soundmosaic_local.training.corrections import fine_tune


def test_fine_tuning_on_corrections_learns_them_without_forgetting_the_rest():
    rng = np.random.default_rng(3)
    model = shipped()

    def feats(label: str, n: int) -> np.ndarray:
        clips = [synth.generate(label, rng)[None, :].astype(np.float32) for _ in range(n)]
        return feature_matrix([features.to_analysis(c, synth.SR) for c in clips])

    # The user says these kicks are toms (a house style of naming): 24 corrections.
    corrected = feats("kick", 24)
    others = {label: feats(label, 6) for label in ("snare", "closed_hat", "vocal")}
    tuned = fine_tune(model, corrected, np.full(24, CLASSES.index("tom")))
    fresh = feats("kick", 12)
    assert (tuned.predict_proba(fresh).argmax(axis=1) == CLASSES.index("tom")).mean() > 0.8
    for label, x in others.items():
        same = tuned.predict_proba(x).argmax(axis=1) == model.predict_proba(x).argmax(axis=1)
        assert same.mean() >= 0.8, label
