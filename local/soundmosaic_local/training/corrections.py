"""Users' re-class corrections as training data for the sample classifier, and their effect.

A re-class in the samples library (``PATCH /samples/{id}`` with ``class``) writes
``artists/<artist>/samples/corrections/<sample id>.json`` (docs/samples.md). ``fine_tune`` goes
on training the shipped MLP on corrected examples (all layers, a small learning rate, the
weights pulled back towards the shipped ones so a few hundred corrections do not undo the rest);
``load`` turns an artist's corrections into features and labels.

    python -m soundmosaic_local.training.corrections --measure

measures the effect: corrections are simulated on a set of sounds the model never saw (a
held-out-style build of another seed: every example the shipped model gets wrong is "corrected"
to its true class, as a user would), the model is fine-tuned on them, and held-out accuracy
(``evaluation.samples``, seed 7, the set the shipped model is scored on) is compared before and
after. Writes ``bench/results/samples_corrections.json``. ``--artist A --out model.npz`` fine-tunes
on an artist's real corrections from the local stack (``SOUNDMOSAIC_SAMPLE_MODEL`` loads it).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from soundmosaic.audio.samples import CLASSES, features
from soundmosaic.audio.samples.model import MLP, feature_matrix, save, shipped

REPO_ROOT = Path(__file__).resolve().parents[3]
RESULTS = REPO_ROOT / "bench" / "results" / "samples_corrections.json"


def fine_tune(model: MLP, x: np.ndarray, y: np.ndarray, epochs: int = 40, lr: float = 3e-4,
              anchor: float = 1e-2, seed: int = 0) -> MLP:
    """``model`` trained further on ``x`` (raw features) and ``y`` (class indices)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    linears = [nn.Linear(w.shape[0], w.shape[1]) for w in model.weights]
    with torch.no_grad():
        for layer, w, b in zip(linears, model.weights, model.biases, strict=True):
            layer.weight.copy_(torch.tensor(w.T))
            layer.bias.copy_(torch.tensor(b))
    start = [p.detach().clone() for layer in linears for p in layer.parameters()]
    modules: list[nn.Module] = []
    for i, layer in enumerate(linears):
        modules.append(layer)
        if i < len(linears) - 1:
            modules.append(nn.ReLU())
    net = nn.Sequential(*modules)
    xt = torch.tensor((x - model.mean) / model.scale, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=gen)
        for first in range(0, len(xt), 64):
            idx = order[first:first + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(xt[idx]), yt[idx])
            # Stay near the shipped weights: corrections teach, they do not retrain from scratch.
            drift = sum(((p - s) ** 2).sum() for p, s in zip(net.parameters(), start, strict=True))
            loss = loss + anchor * drift
            loss.backward()
            opt.step()
    return MLP(classes=model.classes, mean=model.mean, scale=model.scale,
               weights=tuple(layer.weight.detach().numpy().T.copy() for layer in linears),
               biases=tuple(layer.bias.detach().numpy().copy() for layer in linears),
               version=f"{model.version}+corrections")


def load(artist_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and corrected labels of an artist's corrections (the stack's S3)."""
    import io

    import soundfile as sf
    from soundmosaic.platform.config import resource
    from soundmosaic.platform.s3json import S3Json

    store = S3Json(resource("MEDIA_BUCKET"))
    signals, labels = [], []
    for key in store.keys(f"artists/{artist_id}/samples/corrections/"):
        record = json.loads(store.get_bytes(key))
        audio, rate = sf.read(io.BytesIO(store.get_bytes(record["file"])), dtype="float32", always_2d=True)
        signals.append(features.to_analysis(audio.T, rate))
        labels.append(CLASSES.index(record["corrected"]))
    return feature_matrix(signals), np.asarray(labels)


def measure(pool_seed: int = 11, heldout_seed: int = 7, scale: float = 1.0, workers: int = 2,
            log: Any = print) -> dict[str, Any]:
    from soundmosaic_local.evaluation.samples import heldout_features
    from soundmosaic_local.training import dataset

    started = time.perf_counter()
    model = shipped()
    test_clips = dataset.build("heldout", heldout_seed, log=log)
    x_test, y_test, _ = heldout_features(test_clips, heldout_seed, workers)
    x_pool, y_pool, _ = heldout_features(dataset.build("heldout", pool_seed, scale=scale, log=log), pool_seed,
                                         workers)
    wrong = model.predict_proba(x_pool).argmax(axis=1) != y_pool
    # A user corrects what they see wrong; the right ones they leave (kept as confirmations).
    x_fix, y_fix = x_pool[wrong], y_pool[wrong]
    x_train = np.concatenate([x_fix, x_pool[~wrong]])
    y_train = np.concatenate([y_fix, y_pool[~wrong]])
    tuned = fine_tune(model, x_train, y_train)
    only_fixes = fine_tune(model, x_fix, y_fix)  # a user who corrects but never confirms

    def accuracy(m: MLP) -> float:
        return float((m.predict_proba(x_test).argmax(axis=1) == y_test).mean())

    before, after, after_fixes_only = accuracy(model), accuracy(tuned), accuracy(only_fixes)
    result = {
        "benchmark": "samples_corrections",
        "method": {"heldout_seed": heldout_seed, "pool_seed": pool_seed, "pool_scale": scale,
                   "corrections": int(wrong.sum()), "confirmed": int((~wrong).sum()),
                   "fine_tune": "all layers, Adam lr 3e-4, 40 epochs, L2 anchor 1e-2 to the shipped weights"},
        "heldout_examples": len(y_test),
        "accuracy_before": round(before, 4),
        "accuracy_after": round(after, 4),
        "accuracy_after_corrections_only": round(after_fixes_only, 4),
        "note": "the pool is drawn like the held-out set (its sound fonts, synth ranges and voices, "
                "another seed), not like the training set: the gain is what corrections of sounds "
                "like the ones scored bring, i.e. adaptation to a user's own material",
        "pool_accuracy_before": round(float(1 - wrong.mean()), 4),
        "duration_s": round(time.perf_counter() - started, 1),
    }
    log(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", action="store_true", help="the effect of simulated corrections")
    parser.add_argument("--artist", help="fine-tune on this artist's corrections (the local stack)")
    parser.add_argument("--out", type=Path, help="where to write the fine-tuned model.npz")
    args = parser.parse_args()
    if args.measure:
        RESULTS.write_text(json.dumps(measure(), indent=2) + "\n")
    elif args.artist and args.out:
        x, y = load(args.artist)
        if not len(y):
            raise SystemExit(f"{args.artist} has no corrections")
        save(args.out, fine_tune(shipped(), x, y))
        print(f"fine-tuned on {len(y)} corrections: {args.out}")
    else:
        parser.error("--measure, or --artist and --out")


if __name__ == "__main__":
    main()
