"""Separate a file of any length in bounded memory: decode in chunks, overlap, cross-fade, append.

Each window the engine sees is ``overlap`` frames of the previous chunk followed by the next
chunk. The engine's output for those shared frames is blended with what the previous window
produced for them (linear cross-fade: the weights sum to one, so a signal both windows agree
on passes unchanged), and every stem is appended to its 24-bit WAV as soon as it is final.
Only one window of audio (plus a look-ahead buffer of half a chunk) is held at a time, so memory
does not grow with the duration.

The last chunk absorbs a short remainder (< half a chunk) instead of becoming its own tiny
window, and engines that work in fixed model segments may trim the window (``plan_window``) so
that no model compute is spent on padding.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from soundmosaic.platform import untrusted_media

from ..signal import Audio, iter_chunks, probe_stream
from .base import SeparationEngine

WAV_LIMIT_BYTES = 0xFFFFFFFF - 1_000_000  # plain RIFF/WAV sizes are 32-bit; beyond that use RF64
READ_BLOCK_S = 5.0


def _release_memory() -> None:
    """Hand freed heap back to the OS between windows (glibc keeps it otherwise: the arenas of
    the model's worker threads fragment, and resident memory creeps up window after window)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def probe_duration(source: str | Path) -> float | None:
    """Duration in seconds from the container (None when ffprobe cannot tell)."""
    done = untrusted_media.run(["ffprobe", "-v", "error", *untrusted_media.input_options(source),
                                "-show_entries", "format=duration", "-of", "csv=p=0", str(source)],
                               capture_output=True, text=True)
    try:
        value = float(done.stdout.strip().splitlines()[0])
    except (IndexError, ValueError):
        return None
    return value if value > 0 else None


def _chunks(blocks: Iterator[Audio], chunk: int, lookahead: int) -> Iterator[np.ndarray]:
    """Re-cut decoded blocks into chunks of ``chunk`` frames; the last one takes the remainder
    when it is shorter than ``lookahead`` (so it is between ``lookahead`` and ``chunk + lookahead``)."""
    pending: list[np.ndarray] = []
    held = 0
    for block in blocks:
        pending.append(block.samples)
        held += block.frames
        while held >= chunk + lookahead:
            data = np.concatenate(pending, axis=1)
            yield data[:, :chunk]
            pending, held = [data[:, chunk:]], data.shape[1] - chunk
    if held:
        yield np.concatenate(pending, axis=1)


class _StemWriters:
    """One open 24-bit WAV (or RF64 past 4 GiB) per stem, appended to as frames become final."""

    def __init__(self, out_dir: Path, rate: int, channels: int, expected_frames: int | None) -> None:
        self.out_dir, self.rate, self.channels = out_dir, rate, channels
        big = expected_frames is not None and expected_frames * channels * 3 > WAV_LIMIT_BYTES
        self.format = "RF64" if big else "WAV"
        self.files: dict[str, sf.SoundFile] = {}
        self.paths: dict[str, Path] = {}

    def write(self, stems: dict[str, np.ndarray]) -> None:
        for name, samples in stems.items():
            if name not in self.files:
                path = self.out_dir / f"{name}.wav"
                self.files[name] = sf.SoundFile(str(path), "w", samplerate=self.rate, channels=self.channels,
                                                subtype="PCM_24", format=self.format)
                self.paths[name] = path
            if samples.shape[1]:
                self.files[name].write(np.clip(samples, -1.0, 1.0).T)

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def separate_file(source: str | Path, out_dir: Path, engine: SeparationEngine, chunk_s: float = 60.0,
                  overlap_s: float = 2.0,
                  progress: Callable[[float], None] | None = None) -> dict[str, Path]:
    """Separate ``source`` chunk by chunk into ``out_dir/<stem>.wav`` (24-bit, source rate).

    Memory is bounded by ``chunk_s`` (about 1.5 chunks of audio plus one engine window),
    whatever the duration. Returns stem name -> path. Every stem has exactly the source's
    frame count.
    """
    assert chunk_s > 0 and overlap_s >= 0, "chunk_s must be > 0 and overlap_s >= 0"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rate, channels = probe_stream(source)
    duration = probe_duration(source)
    total_frames = round(duration * rate) if duration else None

    plan = getattr(engine, "plan_window", None)
    window_s = plan(chunk_s + overlap_s) if callable(plan) else chunk_s + overlap_s
    if window_s - overlap_s < max(overlap_s, 0.25 * chunk_s):  # planning must not starve the chunk
        window_s = chunk_s + overlap_s
    chunk = max(1, int((window_s - overlap_s) * rate))
    overlap = int(overlap_s * rate)
    block_s = min(READ_BLOCK_S, max(0.05, chunk / rate / 4))

    writers = _StemWriters(out_dir, rate, channels, total_frames)
    tail_in = np.zeros((channels, 0), dtype=np.float32)  # input frames whose output is pending
    pending: dict[str, np.ndarray] = {}  # output for tail_in, not yet written
    done = 0
    try:
        for piece in _chunks(iter_chunks(source, block_s), chunk, chunk // 2):
            window = np.concatenate([tail_in, piece], axis=1) if tail_in.shape[1] else piece
            shared = tail_in.shape[1]

            def sub_progress(fraction: float, start: int = done, size: int = piece.shape[1]) -> None:
                if progress and total_frames:
                    progress(min(0.99, (start + fraction * size) / max(total_frames, start + size)))

            separation = engine.separate(Audio(np.ascontiguousarray(window), rate), sub_progress)
            stems = {stem.name: stem.audio.samples for stem in separation.stems}
            keep = min(overlap, window.shape[1])
            if shared:
                fade = np.linspace(0.0, 1.0, shared + 2, dtype=np.float32)[1:-1]
                for name, samples in stems.items():
                    samples[:, :shared] = pending[name] * (1.0 - fade) + samples[:, :shared] * fade
            writers.write({name: samples[:, :window.shape[1] - keep] for name, samples in stems.items()})
            pending = {name: samples[:, window.shape[1] - keep:].copy() for name, samples in stems.items()}
            tail_in = window[:, window.shape[1] - keep:].copy()
            done += piece.shape[1]
            del separation, stems, window
            _release_memory()
        if not writers.files:
            raise ValueError(f"{source} holds no audio frames to separate")
        writers.write(pending)
    finally:
        writers.close()
    if progress:
        progress(1.0)
    return dict(writers.paths)
