"""The offline engine's four stems on the evaluation set, and what each of its steps buys.

``python -m bench.audio_stems [--songs NAME ...]``

For every short song of ``soundmosaic_local.evaluation.audio_quality_set`` (the 180-s one is left
out to keep the run short) the default engine (``separate.get_engine()``, what the pipeline
runs) separates the mix in memory; SI-SDR of ``vocals``, ``drums``, ``bass`` and ``other``
against the true stems. The same Spleeter output is then split again without the Wiener step
(``wiener_iterations=0``) and with a fixed 250-Hz low-pass in place of the bass tracking, so
the figures say what the tracking and the Wiener step each add. Vocals are the pretrained
model's output in every variant (and the engine's before the bass stem: "today").

Results: ``bench/results/audio_stems.json`` and a section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.common import DOCS_FILE, RESULTS_DIR, machine, machine_line, replace_section, table

STEMS = ("vocals", "drums", "bass", "other")
LOWPASS_HZ = 250.0


def _lowpass_split(harmonic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bass, other) by a fixed 8th-order-like low-pass at ``LOWPASS_HZ`` (the simple alternative)."""
    import librosa

    n_fft, hop = 8192, 2048
    spec = librosa.stft(harmonic, n_fft=n_fft, hop_length=hop)
    freqs = librosa.fft_frequencies(sr=44100, n_fft=n_fft)
    mask = (1.0 / (1.0 + (freqs / LOWPASS_HZ) ** 8))[:, None]
    bass = np.stack([librosa.istft(spec[c] * mask, n_fft=n_fft, hop_length=hop, length=harmonic.shape[-1])
                     for c in range(harmonic.shape[0])]).astype(np.float32)
    return bass, harmonic - bass


def score_song(song: Any) -> dict[str, Any]:
    from soundmosaic.audio import separate
    from soundmosaic.audio.separate import spleeter_unet as su
    from soundmosaic.audio.separate.bass import split_bass
    from soundmosaic.audio.separate.offline import refine, split_drums
    from soundmosaic.audio.signal import Audio
    from soundmosaic_local.evaluation.separation import si_sdr

    mix = song.read("mix")
    truth = {name: song.read(name) for name in STEMS}
    engine = separate.get_engine()
    started = time.perf_counter()
    result = engine.separate(Audio(mix, 44100))
    seconds = time.perf_counter() - started
    row: dict[str, Any] = {"song": song.recipe.name, "seconds": song.recipe.seconds,
                           "engine": engine.name, "rtf": round(seconds / song.recipe.seconds, 3)}
    row["si_sdr"] = {n: round(si_sdr(truth[n], result.stem(n).audio.samples), 2) for n in STEMS}
    row["si_sdr_mixture"] = {n: round(si_sdr(truth[n], mix), 2) for n in STEMS}
    # ablations from one Spleeter pass
    parts = su.separate_stereo(su.cached_model(), mix)
    drums, harmonic = split_drums(parts["accompaniment"])
    bass, other = split_bass(harmonic)
    low_bass, low_other = _lowpass_split(harmonic)
    lowpass = refine(parts["accompaniment"], [drums, low_bass, low_other], 1)
    variants = {"no_wiener": (drums, bass, other), "lowpass_bass_with_wiener": tuple(lowpass)}
    row["variants"] = {name: {n: round(si_sdr(truth[n], x), 2) for n, x in zip(STEMS[1:], stems, strict=True)}
                       for name, stems in variants.items()}
    return row


def run(names: Sequence[str] = ()) -> dict[str, Any]:
    from soundmosaic_local.evaluation.audio_quality_set import SHORT, song

    recipes = [r for r in SHORT if r.name in names] if names else list(SHORT)
    result: dict[str, Any] = {"machine": machine(), "songs": []}
    for recipe in recipes:
        row = score_song(song(recipe))
        print(f"  {row['song']}: {row['si_sdr']} variants {row['variants']}", flush=True)
        result["songs"].append(row)
    rows = result["songs"]
    def mean(key: str) -> dict[str, float]:
        return {n: round(float(np.mean([r[key][n] for r in rows])), 2) for n in STEMS}

    result["average"] = {
        "si_sdr": mean("si_sdr"),
        "si_sdr_mixture": mean("si_sdr_mixture"),
        "variants": {v: {n: round(float(np.mean([r["variants"][v][n] for r in rows])), 2) for n in STEMS[1:]}
                     for v in rows[0]["variants"]},
        "rtf": round(float(np.mean([r["rtf"] for r in rows])), 3),
    }
    return result


def markdown(result: dict[str, Any]) -> str:
    avg = result["average"]
    rows = [[r["song"], *(r["si_sdr"][n] for n in STEMS), r["variants"]["no_wiener"]["drums"],
             r["variants"]["no_wiener"]["bass"], r["variants"]["lowpass_bass_with_wiener"]["bass"]]
            for r in result["songs"]]
    rows.append(["**average**", *(avg["si_sdr"][n] for n in STEMS), avg["variants"]["no_wiener"]["drums"],
                 avg["variants"]["no_wiener"]["bass"], avg["variants"]["lowpass_bass_with_wiener"]["bass"]])
    return "\n".join([
        "## Offline stems on the evaluation set (`python -m bench.audio_stems`)", "",
        f"Machine: {machine_line(result['machine'])}", "",
        "SI-SDR in dB of the default offline engine's four stems (in memory), and of two ablations "
        "from the same Spleeter pass: without the Wiener step, and with a fixed 250-Hz low-pass "
        f"instead of the bass tracking. The mixture itself scores {avg['si_sdr_mixture']} on average.", "",
        table(["song", "vocals", "drums", "bass", "other", "drums (no Wiener)", "bass (no Wiener)",
               "bass (250-Hz low-pass)"], rows), ""])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audio_stems", description=__doc__)
    parser.add_argument("--songs", nargs="*", default=())
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.songs)
    section = markdown(result)
    print(section)
    if args.no_record:
        return
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "audio_stems.json").write_text(json.dumps(result, indent=2) + "\n")
    replace_section(DOCS_FILE, "audio_stems", section, "# Benchmarks\n")


if __name__ == "__main__":
    main()
