"""The offline engines behind the adapter interface: no key, no network, always available.

text   ``task="track_names"``: ``offline.names.generate`` as JSON ``[{"name", "rationale"}]``
       (``data``: artist_name, genre, mood, themes, and optionally count (8) and trends)
vision ``offline.vision.describe``
image  ``offline.artwork.render``
video  ``offline.loop.render_loop``
faceswap, upscale, matting   the booth's engines (``soundmosaic.booth``; docs/booth.md)
music  ``offline.music.generate`` (weighted symbolic model, FluidSynth)

The engines are imported on first use: each pulls in numpy, Pillow or ffmpeg plumbing.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Mapping
from typing import TYPE_CHECKING

from soundmosaic.providers.adapters import Adapter
from soundmosaic.providers.types import (
    FaceSwapRequest,
    ImageRequest,
    MattingRequest,
    MusicReply,
    MusicRequest,
    ProviderError,
    Reply,
    TextRequest,
    UpscaleRequest,
    Usage,
    VideoRequest,
    VisionRequest,
)

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

FREE = Usage(calls=0)


class OfflineAdapter(Adapter):
    provider = "offline"

    def __init__(self, env: Mapping[str, str]) -> None:
        del env  # the offline engines read no keys

    def text(self, entry: Entry, request: TextRequest) -> Reply[str]:
        if request.task != "track_names":
            raise ProviderError(self.provider, entry.capability,
                                f"the offline text engine only writes track names (task 'track_names'), "
                                f"not {request.task!r}; configure ANTHROPIC_API_KEY or OPENAI_API_KEY")
        from soundmosaic.providers.offline.names import generate

        data = dict(request.data)
        count = int(data.pop("count", 8))
        trends = data.pop("trends", None)
        # No seed asked: fresh names on every call, as an LLM would give.
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        candidates = generate(data, count, seed, trends)
        return Reply(json.dumps(candidates, ensure_ascii=False), FREE)

    def vision(self, entry: Entry, request: VisionRequest) -> Reply[str]:
        from soundmosaic.providers.offline.vision import describe

        return Reply(describe(request.image, request.question), FREE)

    def image(self, entry: Entry, request: ImageRequest) -> Reply[bytes]:
        from soundmosaic.providers.offline.artwork import render

        return Reply(render(request.prompt, dict(request.data), request.width, request.height,
                            request.seed or 0), FREE)

    def video(self, entry: Entry, request: VideoRequest) -> Reply[bytes]:
        from soundmosaic.providers.offline.loop import render_loop

        return Reply(render_loop(request.image, request.prompt, request.seconds, request.fps,
                                 request.width, request.height, request.seed or 0), FREE)

    def music(self, entry: Entry, request: MusicRequest) -> MusicReply:
        from soundmosaic.providers.offline.music import RATE, generate

        try:
            made = generate(request)
        except (OSError, subprocess.SubprocessError) as exc:  # FluidSynth, ffmpeg or the soundfont
            detail = getattr(exc, "stderr", None) or b""
            raise ProviderError(self.provider, entry.capability, f"rendering failed: {exc} "
                                f"{detail.decode(errors='replace')[-300:]}".strip()) from exc
        return MusicReply(made.audio, FREE, sample_rate=RATE, influence=made.influence, midi=made.midi,
                          details=made.details)

    def faceswap(self, entry: Entry, request: FaceSwapRequest) -> Reply[bytes]:
        import tempfile
        from pathlib import Path

        from soundmosaic.booth.faceswap import swap_video

        with tempfile.TemporaryDirectory(prefix="faceswap-") as tmp:
            photo, video = Path(tmp) / "face", Path(tmp) / "target.mp4"
            photo.write_bytes(request.face)
            video.write_bytes(request.video)
            result = swap_video(photo, video, Path(tmp) / "out", height=None)
            return Reply(result.video_path.read_bytes(), FREE)

    def upscale(self, entry: Entry, request: UpscaleRequest) -> Reply[bytes]:
        import io

        import numpy as np
        from PIL import Image

        from soundmosaic.booth.faceswap import read_photo
        from soundmosaic.booth.upscale import upscale_image

        rgb = read_photo(request.image)
        big = upscale_image(rgb, max(rgb.shape[:2]) * request.scale)
        out = io.BytesIO()
        Image.fromarray(np.asarray(big)).save(out, format="PNG")
        return Reply(out.getvalue(), FREE)

    def matting(self, entry: Entry, request: MattingRequest) -> Reply[bytes]:
        import tempfile
        from pathlib import Path

        from soundmosaic.booth.background import alpha_video

        with tempfile.TemporaryDirectory(prefix="matting-") as tmp:
            video = Path(tmp) / "in.mp4"
            video.write_bytes(request.video)
            return Reply(alpha_video(video, Path(tmp) / "alpha.mp4").read_bytes(), FREE)
