"""The collage (phase 2): a grid video of N participants' swapped clips for the big screen.

``render_collage`` lays out 4 to 100 clips in the smallest near-square grid (columns = ceil of
the square root) on a 1920x1080 canvas, each scaled to fit its cell and looped to ``seconds``,
in one ffmpeg run (``xstack``; unused cells are black). Consent is the caller's job: it passes
only the clips of participants who consented to the collage (docs/booth.md, "Engines").
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from soundmosaic.booth import clips
from soundmosaic.platform import untrusted_media

MIN_CLIPS, MAX_CLIPS = 4, 100
ENGINE = "offline-ffmpeg-xstack"


@dataclass(frozen=True)
class Grid:
    columns: int
    rows: int
    cell_width: int
    cell_height: int


def grid(count: int, width: int = 1920, height: int = 1080) -> Grid:
    if not MIN_CLIPS <= count <= MAX_CLIPS:
        raise ValueError(f"a collage takes {MIN_CLIPS} to {MAX_CLIPS} clips, got {count}")
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    # Even cell sizes: yuv420p needs them.
    return Grid(columns, rows, width // columns // 2 * 2, height // rows // 2 * 2)


def render_collage(
    clip_paths: Sequence[str | Path],
    out_path: str | Path,
    *,
    seconds: float = 15.0,
    fps: int = 25,
    width: int = 1920,
    height: int = 1080,
) -> Path:
    """The grid video (H.264, no audio) of ``clip_paths``, in their order, row by row."""
    layout = grid(len(clip_paths), width, height)
    for path in clip_paths:
        clips.probe(path)  # caps and a readable video, before ffmpeg opens 100 of them
    inputs: list[str] = []
    chains: list[str] = []
    cells: list[str] = []
    for i, path in enumerate(clip_paths):
        inputs += ["-stream_loop", "-1", *untrusted_media.input_args(path)]
        cw, ch = layout.cell_width, layout.cell_height
        chains.append(
            f"[{i}:v]fps={fps},scale={cw}:{ch}:force_original_aspect_ratio=decrease,"
            f"pad={cw}:{ch}:(ow-iw)/2:(oh-ih)/2,setsar=1,trim=duration={seconds:g}[c{i}]"
        )
        cells.append(f"{i % layout.columns * cw}_{i // layout.columns * ch}")
    stacked = "".join(f"[c{i}]" for i in range(len(clip_paths)))
    graph = (
        ";".join(chains) + f";{stacked}xstack=inputs={len(clip_paths)}:layout={'|'.join(cells)}:fill=black,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2[out]"
    )
    done = untrusted_media.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            *inputs,
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-t",
            f"{seconds:g}",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "22",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(out_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"ffmpeg could not render the collage: {done.stderr.decode(errors='replace')[-400:]}"
        )
    return Path(out_path)
