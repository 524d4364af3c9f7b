"""Numpy synthesis of labelled one-shots: the second sound source of the classifier's data.

Every generator takes a ``numpy.random.Generator`` and a ``variant``: ``"train"`` draws each
continuous parameter from an inner range, ``"heldout"`` from the strips outside it (values the
model never saw), and a few sound types exist only in the held-out variant. Output is mono
float32 at :data:`SR`, peak about 0.9.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.signal import butter, istft, lfilter, sosfilt

SR = 22050
Range = tuple[float, float]


def param(rng: np.random.Generator, variant: str, inner: Range, outer: Range) -> float:
    """A value from ``inner`` (train) or from ``outer`` minus ``inner`` (heldout)."""
    if variant == "train":
        return float(rng.uniform(*inner))
    low, high = inner[0] - outer[0], outer[1] - inner[1]
    if rng.random() < low / (low + high):
        return float(rng.uniform(outer[0], inner[0]))
    return float(rng.uniform(inner[1], outer[1]))


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * SR)) / SR


def _band(x: np.ndarray, lo: float | None, hi: float | None, order: int = 2) -> np.ndarray:
    nyq = SR / 2
    if lo is not None and hi is not None:
        lo, hi = max(lo, 20.0), min(hi, nyq * 0.95)
        if hi <= lo * 1.05:
            hi = min(lo * 1.5, nyq * 0.98)
        sos = butter(order, [lo / nyq, hi / nyq], btype="bandpass", output="sos")
    elif lo is not None:
        sos = butter(order, min(lo, nyq * 0.95) / nyq, btype="highpass", output="sos")
    elif hi is not None:
        sos = butter(order, min(hi, nyq * 0.95) / nyq, btype="lowpass", output="sos")
    else:
        return x
    return np.asarray(sosfilt(sos, x))


def _norm(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    out = x / peak * 0.9 if peak > 0 else x
    fade = min(64, out.size // 4)
    if fade:
        out[-fade:] *= np.linspace(1, 0, fade)
    return out.astype(np.float32)


def _adsr(n: int, attack: float, decay: float, sustain: float, release: float, hold: float) -> np.ndarray:
    t = np.arange(n) / SR
    env = np.where(t < attack, t / max(attack, 1e-4), 0.0)
    after = t >= attack
    env[after] = sustain + (1 - sustain) * np.exp(-(t[after] - attack) / max(decay, 1e-3))
    released = t >= hold
    if released.any():
        level = env[np.argmax(released)]
        env[released] = level * np.exp(-(t[released] - hold) / max(release, 1e-3))
    return env


def kick(rng: np.random.Generator, v: str) -> np.ndarray:
    f1 = param(rng, v, (45, 60), (36, 72))
    ratio = param(rng, v, (2.5, 4.5), (1.8, 6.0))
    tp = param(rng, v, (0.02, 0.05), (0.01, 0.08))
    decay = param(rng, v, (0.15, 0.6), (0.08, 1.2))
    click = param(rng, v, (0.05, 0.4), (0.0, 0.6))
    drive = param(rng, v, (1.0, 2.5), (0.6, 4.0))
    t = _t(min(decay * 5, 1.3))
    freq = f1 + f1 * (ratio - 1) * np.exp(-t / tp)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / decay)
    transient = _band(rng.standard_normal(t.size), 1500, None) * np.exp(-t / 0.004) * click
    return _norm(np.tanh(drive * (body + transient)))


def snare(rng: np.random.Generator, v: str) -> np.ndarray:
    ft = param(rng, v, (170, 240), (130, 300))
    tone_decay = param(rng, v, (0.04, 0.1), (0.02, 0.16))
    noise_decay = param(rng, v, (0.1, 0.22), (0.05, 0.35))
    centre = param(rng, v, (1500, 4000), (900, 7000))
    mix = param(rng, v, (0.45, 0.75), (0.3, 0.9))
    t = _t(min(noise_decay * 6, 1.0))
    freq = ft * (1 + 0.15 * np.exp(-t / 0.01))
    phase = 2 * np.pi * np.cumsum(freq) / SR
    tone = (np.sin(phase) + 0.5 * np.sin(1.6 * phase)) * np.exp(-t / tone_decay)
    noise = _band(rng.standard_normal(t.size), centre * 0.35, centre * 2.5) * np.exp(-t / noise_decay)
    noise /= np.max(np.abs(noise)) + 1e-9
    return _norm((1 - mix) * tone + mix * noise)


def clap(rng: np.random.Generator, v: str) -> np.ndarray:
    bursts = int(rng.integers(3, 5)) if v == "train" else int(rng.choice([2, 5, 6]))
    spacing = param(rng, v, (0.008, 0.014), (0.004, 0.02))
    centre = param(rng, v, (1000, 1800), (700, 2600))
    tail = param(rng, v, (0.1, 0.2), (0.05, 0.35))
    t = _t(bursts * spacing + tail * 6)
    env = np.zeros_like(t)
    for k in range(bursts):
        start = k * spacing * rng.uniform(0.8, 1.2)
        on = t >= start
        decay = tail if k == bursts - 1 else 0.004
        env[on] += np.exp(-(t[on] - start) / decay) * (0.7 + 0.3 * rng.random())
    noise = _band(rng.standard_normal(t.size), centre / 1.7, centre * 1.7)
    return _norm(noise * env)


def _metal(rng: np.random.Generator, t: np.ndarray, scale: float) -> np.ndarray:
    base = np.array([205.3, 304.4, 369.6, 522.7, 540.0, 800.0]) * scale
    base = base * rng.uniform(0.97, 1.03, base.size)
    return np.sign(np.sin(2 * np.pi * base[:, None] * t[None, :])).sum(axis=0)


def _hat(rng: np.random.Generator, v: str, decay: float) -> np.ndarray:
    hp = param(rng, v, (5000, 8500), (3500, 9800))
    t = _t(min(decay * 6, 1.4) + 0.01)
    method = rng.random()
    if method < 0.35:  # 808-style: six detuned square waves
        src = _metal(rng, t, param(rng, v, (0.9, 1.3), (0.7, 1.6)))
        src = src + rng.standard_normal(t.size) * rng.uniform(0.0, 2.0)
    elif method < 0.7:  # acoustic-style: a dense cluster of inharmonic partials plus noise; real
        # hats keep plenty of energy between 1 and 5 kHz, so this one is often far darker
        n = int(rng.integers(30, 60))
        low = param(rng, v, (900, 3000), (600, 4500))
        freqs = np.exp(rng.uniform(np.log(low), np.log(10500), n))
        amps = (freqs / low) ** -rng.uniform(0.0, 0.8)
        phases = rng.uniform(0, 2 * np.pi, n)
        src = amps @ np.sin(2 * np.pi * freqs[:, None] * t[None, :] + phases[:, None]) / np.sqrt(n)
        src = src + _band(rng.standard_normal(t.size), low, None) * rng.uniform(0.3, 1.5)
        hp = low * 0.8
    else:
        src = rng.standard_normal(t.size)
    env = np.exp(-t / decay) * (1 - np.exp(-t / 0.0008))
    return _norm(_band(src, hp, None, order=4) * env)


def closed_hat(rng: np.random.Generator, v: str) -> np.ndarray:
    return _hat(rng, v, param(rng, v, (0.025, 0.07), (0.012, 0.1)))


def open_hat(rng: np.random.Generator, v: str) -> np.ndarray:
    return _hat(rng, v, param(rng, v, (0.25, 0.5), (0.16, 0.8)))


def cymbal(rng: np.random.Generator, v: str) -> np.ndarray:
    decay = param(rng, v, (0.9, 2.0), (0.6, 3.0))
    t = _t(min(decay * 2.5, 1.4)).astype(np.float32)
    n_partials = int(rng.integers(40, 80))
    freqs = np.exp(rng.uniform(np.log(300), np.log(10000), n_partials))
    amps = rng.uniform(0.2, 1.0, n_partials) / np.sqrt(freqs / 300)
    decays = decay * rng.uniform(0.3, 1.2, n_partials)
    phases = rng.uniform(0, 2 * np.pi, n_partials)
    partials = np.sin((2 * np.pi * freqs[:, None]).astype(np.float32) * t[None, :]
                      + phases[:, None].astype(np.float32))
    partials *= np.exp(-t[None, :] / decays[:, None].astype(np.float32))
    out = (amps.astype(np.float32) @ partials).astype(np.float64)
    out /= np.max(np.abs(out)) + 1e-9
    wash = _band(rng.standard_normal(t.size), param(rng, v, (2500, 4500), (1500, 6000)), None)
    wash *= np.exp(-t / (decay * 0.7))
    wash /= np.max(np.abs(wash)) + 1e-9
    out = out + rng.uniform(0.3, 1.0) * wash
    if rng.random() < 0.35:  # ride: a bell ping on top
        ping = sum(np.sin(2 * np.pi * f * t) for f in rng.uniform(2000, 5000, 3)) * np.exp(-t / (decay * 0.8))
        out = out + rng.uniform(0.3, 0.8) * ping / 3
    attack = 1 - np.exp(-t / rng.uniform(0.0005, 0.004))
    return _norm(out * attack)


def tom(rng: np.random.Generator, v: str) -> np.ndarray:
    f = param(rng, v, (90, 200), (65, 300))
    drop = param(rng, v, (1.15, 1.6), (1.03, 1.9))
    decay = param(rng, v, (0.18, 0.45), (0.1, 0.7))
    t = _t(min(decay * 5, 1.3))
    freq = f * (1 + (drop - 1) * np.exp(-t / 0.04))
    phase = 2 * np.pi * np.cumsum(freq) / SR
    body = (np.sin(phase) + rng.uniform(0.1, 0.4) * np.sin(1.59 * phase)) * np.exp(-t / decay)
    stick = _band(rng.standard_normal(t.size), 800, 6000) * np.exp(-t / 0.01) * rng.uniform(0.05, 0.3)
    return _norm(np.tanh(1.5 * (body + stick)))


def percussion(rng: np.random.Generator, v: str) -> np.ndarray:
    kinds = ["cowbell", "block", "shaker", "conga"] + (["triangle", "tambourine"] if v == "heldout" else [])
    kind = str(rng.choice(kinds))
    if kind == "cowbell":
        decay = param(rng, v, (0.08, 0.25), (0.05, 0.4))
        t = _t(decay * 5)
        s = param(rng, v, (0.85, 1.15), (0.7, 1.35))
        src = np.sign(np.sin(2 * np.pi * 540 * s * t)) + np.sign(np.sin(2 * np.pi * 800 * s * t))
        return _norm(_band(src, 400, 3500) * np.exp(-t / decay))
    if kind == "block":
        f = param(rng, v, (900, 2500), (600, 3500))
        decay = param(rng, v, (0.015, 0.06), (0.008, 0.09))
        t = _t(max(decay * 6, 0.08))
        tone = np.sin(2 * np.pi * f * t) + rng.uniform(0.2, 0.6) * np.sin(2 * np.pi * f * 2.7 * t)
        return _norm(tone * np.exp(-t / decay))
    if kind == "shaker":
        attack = param(rng, v, (0.01, 0.04), (0.003, 0.06))
        decay = param(rng, v, (0.05, 0.15), (0.03, 0.25))
        t = _t(attack + decay * 5)
        env = np.where(t < attack, t / attack, np.exp(-(t - attack) / decay))
        return _norm(_band(rng.standard_normal(t.size), 3000, 9000, order=3) * env)
    if kind == "conga":
        f = param(rng, v, (180, 450), (140, 600))
        decay = param(rng, v, (0.08, 0.25), (0.05, 0.35))
        t = _t(decay * 5)
        freq = f * (1 + 0.05 * np.exp(-t / 0.02))
        phase = 2 * np.pi * np.cumsum(freq) / SR
        slap = _band(rng.standard_normal(t.size), 1000, 5000) * np.exp(-t / 0.006) * rng.uniform(0.1, 0.6)
        return _norm((np.sin(phase) + 0.3 * np.sin(2.3 * phase)) * np.exp(-t / decay) + slap)
    if kind == "triangle":
        f = rng.uniform(2000, 5000)
        decay = rng.uniform(0.4, 1.2)
        t = _t(min(decay * 3, 1.5))
        tone = np.sum([rng.uniform(0.3, 1) * np.sin(2 * np.pi * f * r * t) for r in (1, 2.76, 5.4)], axis=0)
        return _norm(tone * np.exp(-t / decay))
    decay = rng.uniform(0.1, 0.3)  # tambourine
    t = _t(decay * 5)
    jingles = sum(np.sin(2 * np.pi * f * t) for f in rng.uniform(5000, 9500, 12))
    noise = _band(rng.standard_normal(t.size), 4000, 10000)
    return _norm((jingles / 6 + noise) * np.exp(-t / decay))


def _harmonic(t: np.ndarray, f0: np.ndarray | float, n: int, tilt: float, rng: np.random.Generator,
              inharmonic: float = 0.0) -> np.ndarray:
    f = np.broadcast_to(np.asarray(f0, dtype=float), t.shape)
    base_phase = 2 * np.pi * np.cumsum(f) / SR
    out = np.zeros_like(t)
    for k in range(1, n + 1):
        if np.max(f) * k * (1 + inharmonic * k * k) >= SR / 2 * 0.95:
            break
        out += rng.uniform(0.6, 1.0) / k ** tilt * np.sin(k * (1 + inharmonic * k * k) * base_phase)
    return out


def _karplus(rng: np.random.Generator, f0: float, seconds: float, damping: float) -> np.ndarray:
    period = max(2, int(SR / f0))
    n = int(seconds * SR)
    out = np.zeros(n)
    buf = rng.uniform(-1, 1, period)
    for start in range(0, n, period):
        chunk = buf[: min(period, n - start)]
        out[start:start + chunk.size] = chunk
        buf = damping * 0.5 * (buf + np.roll(buf, -1))
    return out


def _voice_kind(rng: np.random.Generator, f0: float, dur: float, v: str, bass: bool) -> np.ndarray:
    kinds = (["saw", "square", "pluck", "fm", "sine"] if bass
             else ["piano", "organ", "pad", "pluck", "bell", "lead"])
    kind = str(rng.choice(kinds))
    t = _t(dur + 0.3)
    n = t.size
    if kind == "pluck":
        x = _karplus(rng, f0, dur + 0.3, rng.uniform(0.985, 0.999))
        return _band(x, None, f0 * rng.uniform(6, 20)) if bass else x
    if kind in ("saw", "lead"):
        vib = 1 + (0.004 * np.sin(2 * np.pi * 5.5 * t) if kind == "lead" else 0)
        x = _harmonic(t, f0 * vib, 40, 1.0, rng)
    elif kind == "square":
        x = _harmonic(t, f0, 40, 1.0, rng) - _harmonic(t, 2 * f0, 20, 1.0, rng) / 2  # odd harmonics
    elif kind == "sine":
        x = np.sin(2 * np.pi * f0 * t) + 0.2 * np.tanh(3 * np.sin(2 * np.pi * f0 * t))
    elif kind == "fm":
        ratio = float(rng.choice([1.0, 2.0, 0.5]))
        index = rng.uniform(1, 5) * np.exp(-t / rng.uniform(0.05, 0.4))
        x = np.sin(2 * np.pi * f0 * t + index * np.sin(2 * np.pi * f0 * ratio * t))
    elif kind == "piano":
        x = _harmonic(t, f0, 20, 1.3, rng, inharmonic=0.0004) * np.exp(-t / rng.uniform(0.4, 1.5))
    elif kind == "organ":
        x = sum(a * np.sin(2 * np.pi * f0 * r * t) for r, a in zip((0.5, 1, 2, 3, 4), rng.uniform(0, 1, 5),
                                                                   strict=True))
    elif kind == "pad":
        x = np.sum([_harmonic(t, f0 * (1 + d), 20, 1.0, rng) for d in rng.uniform(-0.008, 0.008, 3)], axis=0)
        x = _band(x, None, rng.uniform(800, 4000))
    else:  # bell
        ratio = rng.uniform(1.4, 3.6)
        index = rng.uniform(1, 4) * np.exp(-t / 0.5)
        x = np.sin(2 * np.pi * f0 * t + index * np.sin(2 * np.pi * f0 * ratio * t))
        x *= np.exp(-t / rng.uniform(0.5, 1.5))
    attack = rng.uniform(0.05, 0.3) if kind == "pad" else rng.uniform(0.002, 0.02)
    env = _adsr(n, attack, rng.uniform(0.1, 0.6), rng.uniform(0.3, 0.9), rng.uniform(0.05, 0.25), dur)
    x = x * env
    if bass:
        x = _band(x, None, param(rng, v, (300, 1200), (150, 2500)))
    return x


def bass(rng: np.random.Generator, v: str) -> np.ndarray:
    midi = param(rng, v, (33, 47), (26, 55))
    dur = param(rng, v, (0.3, 1.0), (0.15, 1.5))
    return _norm(_voice_kind(rng, 440 * 2 ** ((midi - 69) / 12), dur, v, bass=True))


def tonal(rng: np.random.Generator, v: str) -> np.ndarray:
    midi = param(rng, v, (55, 79), (45, 92))
    dur = param(rng, v, (0.3, 1.2), (0.2, 2.0))
    x = _voice_kind(rng, 440 * 2 ** ((midi - 69) / 12), dur, v, bass=False)
    if rng.random() < 0.35:  # a chord
        for step in rng.choice([3, 4, 5, 7, 10, 12], size=int(rng.integers(1, 4)), replace=False):
            y = _voice_kind(rng, 440 * 2 ** ((midi + step - 69) / 12), dur, v, bass=False)
            m = min(x.size, y.size)
            x = x[:m] + y[:m]
    return _norm(x)


VOWELS = {  # F1..F4 (Hz) and bandwidths, adult male; scaled for other voices
    "a": ((730, 1090, 2440, 3400), (80, 90, 120, 130)),
    "e": ((530, 1840, 2480, 3500), (60, 100, 120, 130)),
    "i": ((270, 2290, 3010, 3600), (50, 100, 120, 130)),
    "o": ((570, 840, 2410, 3300), (70, 80, 100, 120)),
    "u": ((300, 870, 2240, 3200), (50, 80, 100, 120)),
    "ae": ((660, 1720, 2410, 3400), (70, 100, 120, 130)),
}


def _formants(src: np.ndarray, freqs: np.ndarray, bands: tuple[float, ...]) -> np.ndarray:
    out = src
    for f, bw in zip(freqs, bands, strict=True):
        if f >= SR / 2 * 0.95:
            continue
        r = np.exp(-np.pi * bw / SR)
        a = [1, -2 * r * np.cos(2 * np.pi * f / SR), r * r]
        out = lfilter([1 - r], a, out)
    return out


def vocal(rng: np.random.Generator, v: str) -> np.ndarray:
    female = rng.random() < 0.5
    f0 = param(rng, v, (180, 300), (150, 420)) if female else param(rng, v, (95, 160), (70, 180))
    dur = param(rng, v, (0.3, 1.0), (0.2, 1.6))
    scale = (1.17 if female else 1.0) * param(rng, v, (0.95, 1.08), (0.85, 1.18))
    rate, depth = param(rng, v, (4.5, 6.0), (3.5, 7.5)), param(rng, v, (20, 60), (0, 100))
    t = _t(dur + 0.15)
    f = f0 * 2 ** (depth / 1200 * np.sin(2 * np.pi * rate * t) * np.clip(t / 0.3, 0, 1))
    src = _harmonic(t, f, 60, 1.0, rng) + rng.standard_normal(t.size) * param(rng, v, (0.02, 0.1), (0.0, 0.2))
    names = list(VOWELS)
    first = VOWELS[str(rng.choice(names))]
    y = _formants(src, np.array(first[0]) * scale, first[1])
    if rng.random() < 0.3:  # a diphthong: glide into a second vowel
        second = VOWELS[str(rng.choice(names))]
        z = _formants(src, np.array(second[0]) * scale, second[1])
        w = np.clip((t - dur * 0.4) / (dur * 0.3), 0, 1)
        y = (1 - w) * y + w * z
    env = _adsr(t.size, rng.uniform(0.02, 0.08), 0.3, rng.uniform(0.6, 0.95), rng.uniform(0.04, 0.12), dur)
    y = y * env
    if rng.random() < 0.4:  # a consonant: fricative or plosive noise before the vowel
        c = _band(rng.standard_normal(int(rng.uniform(0.03, 0.12) * SR)), rng.uniform(2500, 5000), None)
        c *= np.hanning(c.size) * rng.uniform(0.05, 0.3) * np.max(np.abs(y))
        y = np.concatenate([c, y])
    return _norm(y)


def _sweep_noise(rng: np.random.Generator, seconds: float, f_start: float, f_end: float,
                 width: float) -> np.ndarray:
    n_fft = 512
    frames = int(seconds * SR / (n_fft // 4)) + 1
    freqs = np.linspace(0, SR / 2, n_fft // 2 + 1)
    centres = np.exp(np.linspace(np.log(f_start), np.log(f_end), frames))
    mag = np.exp(-0.5 * (np.log(freqs[:, None] + 1) - np.log(centres[None, :])) ** 2 / width ** 2)
    spec = mag * np.exp(1j * rng.uniform(0, 2 * np.pi, mag.shape))
    _, x = istft(spec, fs=SR, nperseg=n_fft, noverlap=n_fft * 3 // 4)
    return np.asarray(x[: int(seconds * SR)])


def fx(rng: np.random.Generator, v: str) -> np.ndarray:
    kinds = ["riser", "downlifter", "zap", "siren", "wash", "reverse", "glitch"]
    kind = str(rng.choice(kinds))
    if kind in ("riser", "downlifter"):
        dur = param(rng, v, (0.8, 1.6), (0.5, 2.0))
        lo, hi = param(rng, v, (200, 600), (80, 1000)), param(rng, v, (3000, 8000), (1500, 10000))
        a, b = (lo, hi) if kind == "riser" else (hi, lo)
        x = _sweep_noise(rng, dur, a, b, rng.uniform(0.1, 0.5))
        t = _t(dur)[: x.size]
        env = (t / dur) ** rng.uniform(0.5, 2) if kind == "riser" else np.exp(-t / (dur * 0.4))
        return _norm(x * env)
    if kind == "zap":
        dur = param(rng, v, (0.08, 0.3), (0.04, 0.6))
        t = _t(dur)
        f = param(rng, v, (1500, 4000), (800, 7000)) * np.exp(-t / (dur * rng.uniform(0.2, 0.5))) + 60
        phase = 2 * np.pi * np.cumsum(f) / SR
        x = np.sign(np.sin(phase)) if rng.random() < 0.5 else np.sin(phase)
        return _norm(x * (1 - t / dur))
    if kind == "siren":
        dur = param(rng, v, (0.6, 1.5), (0.3, 2.0))
        t = _t(dur)
        f = param(rng, v, (500, 1200), (300, 2000)) * (1 + 0.3 * np.sin(2 * np.pi * rng.uniform(2, 12) * t))
        return _norm(np.sin(2 * np.pi * np.cumsum(f) / SR) * _adsr(t.size, 0.05, 0.3, 0.8, 0.1, dur * 0.9))
    if kind == "wash":
        dur = param(rng, v, (0.8, 1.8), (0.4, 2.0))
        t = _t(dur)
        x = _band(rng.standard_normal(t.size), rng.uniform(100, 1000), rng.uniform(2000, 10000))
        return _norm(x * np.sin(np.pi * t / dur) ** rng.uniform(0.5, 2))
    if kind == "reverse":
        return _norm(cymbal(rng, v)[::-1].copy())
    dur = param(rng, v, (0.3, 0.9), (0.15, 1.4))  # glitch: sample-and-hold bursts and bit crushing
    out = np.zeros(int(dur * SR))
    pos = 0
    while pos < out.size:
        seg = int(rng.uniform(0.01, 0.08) * SR)
        hold = int(rng.integers(1, 24))
        values = np.repeat(rng.uniform(-1, 1, seg // hold + 1), hold)[:seg]
        if rng.random() < 0.5:
            values = np.sin(2 * np.pi * rng.uniform(100, 3000) * np.arange(seg) / SR)
        levels = 2 ** int(rng.integers(2, 6))
        out[pos:pos + seg] = np.round(values * levels)[: out.size - pos] / levels
        pos += seg
    return _norm(out)


GENERATORS: dict[str, Callable[[np.random.Generator, str], np.ndarray]] = {
    "kick": kick, "snare": snare, "clap": clap, "closed_hat": closed_hat, "open_hat": open_hat,
    "cymbal": cymbal, "tom": tom, "percussion": percussion, "vocal": vocal, "bass": bass, "tonal": tonal,
    "fx": fx,
}


def generate(label: str, rng: np.random.Generator, variant: str = "train") -> np.ndarray:
    assert variant in ("train", "heldout"), variant
    return GENERATORS[label](rng, variant)
