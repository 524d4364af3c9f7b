"""Build the sample classifier's data sets, train it, evaluate it on the held-out set, ship it.

    python -m soundmosaic_local.training.train            # ~5 minutes on 2 cores

Writes ``model.npz`` next to this file, ``bench/results/samples_training.json`` (data set sizes,
held-out metrics, timings) and the results section of ``docs/sample-classifier.md``. Everything
is seeded: the same seed on the same machine gives the same model.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import time
from collections.abc import Sequence
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from soundmosaic.audio.samples import CLASSES, features
from soundmosaic.audio.samples.model import MLP, MODEL_PATH, MODEL_VERSION, save, single_threaded_blas

from soundmosaic_local.evaluation.machine import cpu_model
from soundmosaic_local.evaluation.samples import evaluate, heldout_features
from soundmosaic_local.training import dataset

REPO_ROOT = Path(__file__).resolve().parents[3]
RESULTS = REPO_ROOT / "bench" / "results" / "samples_training.json"
REPORT = REPO_ROOT / "docs" / "sample-classifier.md"
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"

_CLIPS: list[dataset.Clip] = []


def _example(job: Job) -> np.ndarray:
    """Features of clip ``i``: clean when ``augment`` is false, else variant ``k`` (seeded)."""
    i, k, seed, augment = job
    clip = _CLIPS[i]
    x = clip.audio
    if augment:
        rng = np.random.default_rng([seed, i, k])
        pool = _CLIPS

        def bleed() -> np.ndarray:
            return pool[int(rng.integers(len(pool)))].audio

        x = dataset.augment(x, clip.label, rng, bleed=bleed)
    return features.extract(x)


Job = tuple[int, int, int, bool]  # (clip index, variant, seed, augment)


def featurise(clips: list[dataset.Clip], jobs: Sequence[Job], workers: int) -> np.ndarray:
    global _CLIPS
    _CLIPS = clips
    if workers <= 1:
        with single_threaded_blas():
            return np.stack([_example(j) for j in jobs])
    with get_context("fork").Pool(workers, initializer=_worker_init) as pool:
        return np.stack(pool.map(_example, jobs, chunksize=64))


def _worker_init() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def train_mlp(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, seed: int,
              hidden: Sequence[int] = (256, 128), epochs: int = 70, log: Any = print) -> MLP:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-3
    xt = torch.tensor((x - mean) / scale, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    xv = torch.tensor((x_val - mean) / scale, dtype=torch.float32)
    sizes = [x.shape[1], *hidden, len(CLASSES)]
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers += [nn.ReLU(), nn.Dropout(0.3)]
    net = nn.Sequential(*layers)
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float64)
    weights = torch.tensor(counts.sum() / (len(CLASSES) * np.maximum(counts, 1)), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=0.05)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    steps = epochs * ((len(xt) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    gen = torch.Generator().manual_seed(seed)
    best: tuple[float, dict[str, torch.Tensor]] = (-1.0, {})
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(xt), generator=gen)
        for start in range(0, len(xt), 256):
            idx = order[start:start + 256]
            batch = xt[idx] + 0.05 * torch.randn(len(idx), xt.shape[1], generator=gen)
            opt.zero_grad()
            loss = loss_fn(net(batch), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        with torch.no_grad():
            pred = net(xv).argmax(dim=1).numpy()
        f1 = _macro_f1(y_val, pred)
        if f1 >= best[0]:
            best = (f1, {k: v.detach().clone() for k, v in net.state_dict().items()})
        if epoch % 10 == 9 or epoch == epochs - 1:
            log(f"  epoch {epoch + 1}: loss {loss.item():.3f}, validation macro-F1 {f1:.3f}")
    net.load_state_dict(best[1])
    linears = [m for m in net if isinstance(m, nn.Linear)]
    return MLP(classes=CLASSES, mean=mean.astype(np.float32), scale=scale.astype(np.float32),
               weights=tuple(m.weight.detach().numpy().T.copy() for m in linears),
               biases=tuple(m.bias.detach().numpy().copy() for m in linears), version=MODEL_VERSION)


def _macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, average="macro", labels=list(range(len(CLASSES))), zero_division=0))


def jobs_for(clips: list[dataset.Clip], seed: int, augmented: int, heldout: bool) -> list[Job]:
    if heldout:  # every held-out clip once; half of them through the augmentation
        rng = np.random.default_rng([seed, 99])
        return [(i, 0, seed + 1000, bool(rng.random() < 0.5)) for i in range(len(clips))]
    return [(i, k, seed, k > 0) for i in range(len(clips)) for k in range(augmented + 1)]


def sizes(clips: list[dataset.Clip], copies: int) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {c: {} for c in CLASSES}
    for clip, n in collections.Counter((c.label, c.source) for c in clips).items():
        table[clip[0]][clip[1]] = n * copies
    return table


def render_report(result: dict[str, Any]) -> str:
    """The generated results section of docs/sample-classifier.md."""
    held = result["heldout"]
    lines = [MARK_START, "", f"Model `{result['model_version']}` (features `{result['feature_version']}`), "
             f"seed {result['seed']}, trained in {result['timings_s']['total']:.0f} s on "
             f"{result['machine']['cpu']} ({result['machine']['cores']} cores); artifact "
             f"{result['artifact_bytes'] / 1024:.0f} KiB.", "",
             f"**Held-out set: accuracy {held['accuracy']:.3f}, macro-F1 {held['macro_f1']:.3f}** "
             f"({sum(v['support'] for v in held['per_class'].values())} examples). In-domain validation "
             f"(unseen clips of the training sources): accuracy {result['validation']['accuracy']:.3f}, "
             f"macro-F1 {result['validation']['macro_f1']:.3f}.", "",
             "### Per class (held-out)", "", "| class | precision | recall | F1 | support |",
             "|---|---|---|---|---|"]
    for c, m in held["per_class"].items():
        lines.append(f"| {c} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    lines += ["", "### Accuracy per held-out source", "", "| source | examples | accuracy |", "|---|---|---|"]
    for src, m in held["per_source"].items():
        lines.append(f"| {src} | {m['n']} | {m['accuracy']:.3f} |")
    short = {"closed_hat": "c_hat", "open_hat": "o_hat", "percussion": "perc"}
    lines += ["", "### Confusion matrix (held-out; rows: true class, columns: predicted)", "",
              "| true \\ pred | " + " | ".join(short.get(c, c) for c in CLASSES) + " |",
              "|---" * (len(CLASSES) + 1) + "|"]
    for c, row in zip(CLASSES, held["confusion"], strict=True):
        lines.append(f"| **{c}** | " + " | ".join(f"**{v}**" if i == CLASSES.index(c) else str(v)
                                                   for i, v in enumerate(row)) + " |")
    for split in ("train", "heldout"):
        table = result["sizes"][split]
        srcs = sorted({s for row in table.values() for s in row})
        title = ("Training set (examples after augmentation, per class and source)" if split == "train"
                 else "Held-out set (examples per class and source)")
        lines += ["", f"### {title}", "", "| class | " + " | ".join(srcs) + " | total |",
                  "|---" * (len(srcs) + 2) + "|"]
        for c in CLASSES:
            row = table[c]
            cells = " | ".join(str(row.get(s, 0)) for s in srcs)
            lines.append(f"| {c} | {cells} | {sum(row.values())} |")
        totals = [sum(table[c].get(s, 0) for c in CLASSES) for s in srcs]
        lines.append("| **all** | " + " | ".join(str(t) for t in totals) + f" | {sum(totals)} |")
    lines += ["", "Timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in result["timings_s"].items()) + ".",
              "", MARK_END]
    return "\n".join(lines)


def write_report(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else f"# Sample classifier\n\n{MARK_START}\n{MARK_END}\n"
    if MARK_START not in text:
        text += f"\n{MARK_START}\n{MARK_END}\n"
    head, rest = text.split(MARK_START, 1)
    tail = rest.split(MARK_END, 1)[1] if MARK_END in rest else ""
    path.write_text(head + section + tail)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0, help="data set size multiplier (0.2 for a smoke run)")
    ap.add_argument("--augmented", type=int, default=2, help="augmented copies per training clip")
    ap.add_argument("--epochs", type=int, default=70)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--model", type=Path, default=MODEL_PATH)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--report", type=Path, default=REPORT)
    ap.add_argument("--features-cache", type=Path, default=None,
                    help="npz of computed features: written when missing, reused when present")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", flush=True)

    if args.features_cache and args.features_cache.exists():
        log(f"features from {args.features_cache}")
        with np.load(args.features_cache, allow_pickle=False) as cached:
            x, y, x_held, y_held = cached["x"], cached["y"], cached["x_held"], cached["y_held"]
            train_src, held_src = [str(s) for s in cached["train_src"]], [str(s) for s in cached["held_src"]]
            train_clip = cached["train_clip"]
            size_tables = json.loads(str(cached["sizes"]))
    else:
        log("building the training clips")
        train_clips = dataset.build("train", args.seed, scale=args.scale, log=log)
        log("building the held-out clips")
        held_clips = dataset.build("heldout", args.seed, scale=args.scale, log=log)
        timings["build"] = time.perf_counter() - t0
        t = time.perf_counter()
        train_jobs = jobs_for(train_clips, args.seed, args.augmented, heldout=False)
        log(f"features of {len(train_jobs)} training examples")
        x = featurise(train_clips, train_jobs, args.workers)
        y = np.array([CLASSES.index(train_clips[j[0]].label) for j in train_jobs])
        train_src = [train_clips[j[0]].source for j in train_jobs]
        train_clip = np.array([j[0] for j in train_jobs])
        log(f"features of {len(held_clips)} held-out examples")
        x_held, y_held, held_src = heldout_features(held_clips, args.seed, args.workers)
        size_tables = {"train": sizes(train_clips, args.augmented + 1), "heldout": sizes(held_clips, 1)}
        timings["features"] = time.perf_counter() - t
        if args.features_cache:
            np.savez(args.features_cache, x=x, y=y, x_held=x_held, y_held=y_held,
                     train_src=np.array(train_src), held_src=np.array(held_src), train_clip=train_clip,
                     sizes=np.array(json.dumps(size_tables)))

    t = time.perf_counter()
    rng = np.random.default_rng([args.seed, 5])
    val_clip = rng.random(int(train_clip.max()) + 1) < 0.1  # split by clip: no variant leaks across
    val = val_clip[train_clip]
    log(f"training the MLP on {int((~val).sum())} examples, validating on {int(val.sum())}")
    net = train_mlp(x[~val], y[~val], x[val], y[val], args.seed, epochs=args.epochs, log=log)
    timings["train"] = time.perf_counter() - t

    args.model.parent.mkdir(parents=True, exist_ok=True)
    save(args.model, net)
    from soundmosaic.audio.samples.model import load

    shipped = load(args.model)  # evaluate exactly what ships (float16 weights)
    with single_threaded_blas():
        pred_held = shipped.predict_proba(x_held).argmax(axis=1)
        pred_val = shipped.predict_proba(x[val]).argmax(axis=1)
    held = evaluate(y_held, pred_held, held_src)
    validation = evaluate(y[val], pred_val, [s for s, v in zip(train_src, val, strict=True) if v])
    timings["total"] = time.perf_counter() - t0
    result = {
        "model_version": MODEL_VERSION,
        "feature_version": features.FEATURE_VERSION,
        "seed": args.seed,
        "scale": args.scale,
        "augmented_copies": args.augmented,
        "epochs": args.epochs,
        "artifact": str(args.model.name),
        "artifact_bytes": args.model.stat().st_size,
        "n_features": int(x.shape[1]),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()},
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "sizes": size_tables,
        "validation": validation,
        "heldout": held,
    }
    log(f"held-out accuracy {held['accuracy']:.3f}, macro-F1 {held['macro_f1']:.3f}; "
        f"validation accuracy {validation['accuracy']:.3f}")
    for src, m in held["per_source"].items():
        log(f"  {src}: {m['accuracy']:.3f} on {m['n']}")
    for c, m in held["per_class"].items():
        log(f"  {c:<11} P {m['precision']:.2f} R {m['recall']:.2f} F1 {m['f1']:.2f}")
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(result, indent=1) + "\n")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        write_report(args.report, render_report(result))
    log(f"wrote {args.model} ({result['artifact_bytes']} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
