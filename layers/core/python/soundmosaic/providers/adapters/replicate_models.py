"""Replicate through its official client: images (flux-1.1-pro), video clips (CogVideoX), music
(MusicGen, melody-conditioned) and custom deployments by name.

A prediction is created for the entry's model (``/v1/models/{owner}/{name}/predictions``), pinned
version (``/v1/predictions``) or deployment (``/v1/deployments/{owner}/{name}/predictions``),
polled until it ends or the entry's ``timeout_s`` runs out (then it is cancelled), and its output
file(s) downloaded with httpx. Music sends the prompt, ``duration``, ``seed`` and as
``input_audio`` (a data URL: melody conditioning) the request's ``conditioning`` clip (every
reference's segment, its length by weight), else the most heavily weighted reference's audio;
a WAV answer is cut or padded to the requested length. MusicGen's internal influence cannot be
measured: the result's ``influence`` is the request's (references by weight, and the model's
training data as ``training_data(entry)`` with ``catalog_weight``). Images come back as PNGs of the
requested size; clips go through ``offline.loop.make_seamless`` so every video is a seamless loop
of the requested length and size.

Environment variables
---------------------
REPLICATE_API_TOKEN
    The key, sent as ``Authorization: Bearer``; never sent to output file hosts.
REPLICATE_BASE_URL
    API root (default ``https://api.replicate.com``); tests point it at a local fake.
REPLICATE_POLL_INTERVAL
    Seconds between status polls (default 0.5; the client's own variable).
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import wave
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import replicate
from replicate.exceptions import ReplicateError
from replicate.prediction import Prediction

from soundmosaic.providers.adapters import Adapter, as_png, data_url, status_error
from soundmosaic.providers.types import (
    FaceSwapRequest,
    ImageRequest,
    MattingRequest,
    MusicReply,
    MusicRequest,
    ProviderError,
    ProviderRefused,
    ProviderTimeout,
    Reply,
    UpscaleRequest,
    Usage,
    VideoRequest,
)

if TYPE_CHECKING:
    from soundmosaic.providers.registry import Entry

DEFAULT_BASE_URL = "https://api.replicate.com"
# How Replicate's safety checkers word a flagged input or output (E005 is flux's code).
_FLAGGED = re.compile(r"nsfw|flagged as sensitive|\(E005\)|safety (checker|filter)", re.I)
_DONE = ("succeeded", "failed", "canceled")
MELODY_INPUT = "input_audio"  # MusicGen's melody-conditioning input


class _Bounded(httpx.HTTPTransport):
    """Gives every request the entry's timeout where the client set none.

    The replicate client sends prediction creates with ``timeout=None`` (no limit at all) unless
    it uses ``Prefer: wait``; a hanging create must still end after ``timeout_s``.
    """

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self._limits = httpx.Timeout(timeout_s).as_dict()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        given = request.extensions.get("timeout") or {}
        request.extensions["timeout"] = {k: v if given.get(k) is None else given[k]
                                         for k, v in self._limits.items()}
        return super().handle_request(request)


def training_data(entry: Entry) -> str:
    """The influence id of a model's own training data, e.g. ``meta/musicgen:training-data``."""
    return f"{entry.model}:training-data"


def wav_rate(data: bytes) -> int:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getframerate()


def _expect_mp4(provider: str, entry: Entry, data: bytes) -> bytes:
    # An ISO media file starts with a box whose type is "ftyp".
    if data[4:8] != b"ftyp":
        raise ProviderError(provider, entry.capability, "the output is not an MP4 video")
    return data


def fit_size(width: int, height: int, max_side: int | None, multiple: int) -> tuple[int, int]:
    """The size to ask the model for: within ``max_side``, multiples of ``multiple``, same shape."""
    scale = min(1.0, max_side / max(width, height)) if max_side else 1.0
    return (max(multiple, int(width * scale) // multiple * multiple),
            max(multiple, int(height * scale) // multiple * multiple))


class ReplicateAdapter(Adapter):
    provider = "replicate"

    def __init__(self, env: Mapping[str, str]) -> None:
        self._token = env.get("REPLICATE_API_TOKEN", "")
        self._base_url = env.get("REPLICATE_BASE_URL") or DEFAULT_BASE_URL
        self._poll_s = float(env.get("REPLICATE_POLL_INTERVAL") or 0.5)
        self._clients: dict[float, replicate.Client] = {}
        self._files = httpx.Client(follow_redirects=True)

    def image(self, entry: Entry, request: ImageRequest) -> Reply[bytes]:
        width, height = fit_size(request.width, request.height, entry.max_side, entry.size_multiple)
        inputs = {**entry.params, "prompt": request.prompt, "seed": request.seed,
                  "width": width, "height": height}
        files, usage = self._predict(entry, inputs)
        try:
            png = as_png(files[0], request.width, request.height)
        except OSError as exc:  # Pillow: not an image
            raise ProviderError(self.provider, entry.capability,
                                f"the output is not an image: {exc}") from exc
        return Reply(png, usage)

    def video(self, entry: Entry, request: VideoRequest) -> Reply[bytes]:
        from soundmosaic.providers.offline.loop import make_seamless

        inputs: dict[str, Any] = {**entry.params, "prompt": request.prompt, "seed": request.seed}
        if entry.image_input:
            inputs[entry.image_input] = data_url(request.image, "image/png")
        files, usage = self._predict(entry, inputs)
        try:
            mp4 = make_seamless(files[0], request.seconds, request.fps, request.width, request.height)
        except Exception as exc:  # ffmpeg could not read the clip the vendor sent
            raise ProviderError(self.provider, entry.capability,
                                f"the clip could not be made into a loop: {exc}") from exc
        return Reply(mp4, usage)

    def music(self, entry: Entry, request: MusicRequest) -> MusicReply:
        from soundmosaic.providers.offline.music import fit

        inputs: dict[str, Any] = {**entry.params, "prompt": request.prompt, "seed": request.seed,
                                  "duration": max(1, round(request.seconds)), "output_format": request.format}
        conditioned = [r for r in request.references if r.audio]
        melody: Any = None
        if request.conditioning:
            inputs[MELODY_INPUT] = data_url(request.conditioning, "audio/wav")
            melody = [{"work_id": w, "seconds": s} for w, s in request.conditioning_plan]
        elif conditioned:
            heaviest = max(conditioned, key=lambda r: r.weight)
            assert heaviest.audio is not None
            inputs[MELODY_INPUT] = data_url(heaviest.audio, heaviest.audio_content_type)
            melody = heaviest.work_id
        files, usage = self._predict(entry, inputs)
        audio, rate = files[0], 0
        if request.format == "wav":
            try:
                rate = wav_rate(audio)
                audio = fit(audio, request.seconds)
            except (wave.Error, EOFError, AssertionError) as exc:
                raise ProviderError(self.provider, entry.capability,
                                    f"the output is not a 16-bit WAV: {exc}") from exc
        elif not (audio[:3] == b"ID3" or audio[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
            raise ProviderError(self.provider, entry.capability, "the output is not an MP3")
        weights = request.reference_influence()
        if request.catalog_weight:
            weights[training_data(entry)] = request.catalog_weight
        return MusicReply(audio, usage, sample_rate=rate or 32000, influence=weights,
                          details={"melody_conditioning": melody,
                                   "influence": "requested weights; MusicGen's internal influence "
                                                "cannot be measured"})

    # --- the booth (roop face swap, Real-ESRGAN, Robust Video Matting; see registry.toml) --------

    def faceswap(self, entry: Entry, request: FaceSwapRequest) -> Reply[bytes]:
        inputs = {**entry.params, "swap_image": data_url(request.face, request.face_content_type),
                  "target_video": data_url(request.video, "video/mp4")}
        files, usage = self._predict(entry, inputs)
        return Reply(_expect_mp4(self.provider, entry, files[0]), usage)

    def upscale(self, entry: Entry, request: UpscaleRequest) -> Reply[bytes]:
        inputs = {**entry.params, "image": data_url(request.image, "image/png"), "scale": request.scale}
        files, usage = self._predict(entry, inputs)
        try:
            from PIL import Image

            with Image.open(io.BytesIO(files[0])) as image:
                size = image.size
        except OSError as exc:
            raise ProviderError(self.provider, entry.capability,
                                f"the output is not an image: {exc}") from exc
        return Reply(as_png(files[0], *size), usage)

    def matting(self, entry: Entry, request: MattingRequest) -> Reply[bytes]:
        inputs = {**entry.params, "input_video": data_url(request.video, "video/mp4"),
                  "output_type": "alpha-mask"}
        files, usage = self._predict(entry, inputs)
        return Reply(_expect_mp4(self.provider, entry, files[0]), usage)

    def close(self) -> None:
        self._files.close()

    # --- one prediction -------------------------------------------------------------------------

    def _predict(self, entry: Entry, inputs: dict[str, Any]) -> tuple[list[bytes], Usage]:
        deadline = time.monotonic() + entry.timeout_s
        client = self._client(entry.timeout_s)
        try:
            if entry.deployment:
                prediction = client.predictions.create(deployment=entry.deployment, input=inputs)
            elif entry.version:
                prediction = client.predictions.create(version=entry.version, input=inputs)
            else:
                prediction = client.predictions.create(model=entry.model, input=inputs)
            while prediction.status not in _DONE:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._cancel(client, prediction)
                    raise ProviderTimeout(self.provider, entry.capability,
                                          f"prediction {prediction.id} still {prediction.status} after "
                                          f"{entry.timeout_s:g} s")
                time.sleep(min(self._poll_s, left))
                prediction.reload()
        except ReplicateError as exc:
            raise status_error(self.provider, entry.capability, exc.status or 0,
                               exc.detail or exc.title or "") from exc
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(self.provider, entry.capability,
                                  f"no answer within {entry.timeout_s:g} s") from exc
        except httpx.TransportError as exc:
            raise ProviderError(self.provider, entry.capability, f"connection failed: {exc}", True) from exc
        predict_time = (prediction.metrics or {}).get("predict_time") or 0
        if prediction.status != "succeeded":
            # A failed prediction is still billed for its GPU time, not per output.
            cost = entry.price.per_second * Decimal(str(predict_time))
            error = str(prediction.error or prediction.status)
            if _FLAGGED.search(error):
                raise ProviderRefused(self.provider, entry.capability, error, cost_usd=cost)
            raise ProviderError(self.provider, entry.capability,
                                f"prediction {prediction.id} {prediction.status}: {error}", cost_usd=cost)
        output = prediction.output if isinstance(prediction.output, list) else [prediction.output]
        urls = [u for u in output if isinstance(u, str) and u]
        if not urls or len(urls) != len(output):
            raise ProviderError(self.provider, entry.capability,
                                f"prediction {prediction.id} has no output file URL")
        usage = Usage(calls=len(urls), seconds=Decimal(str(predict_time)))
        return [self._download(entry, url, deadline) for url in urls], usage

    def _download(self, entry: Entry, url: str, deadline: float) -> bytes:
        try:
            # No auth header: output files live on a delivery host, not on the API.
            reply = self._files.get(url, timeout=max(0.1, deadline - time.monotonic()))
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(self.provider, entry.capability, "the output download timed out") from exc
        except httpx.TransportError as exc:
            raise ProviderError(self.provider, entry.capability, f"output download failed: {exc}",
                                True) from exc
        if reply.status_code != 200:
            raise status_error(self.provider, entry.capability, reply.status_code, "output download failed",
                               reply.headers.get("retry-after"))
        return reply.content

    def _cancel(self, client: replicate.Client, prediction: Prediction) -> None:
        # Best effort: the timeout is what the caller hears about.
        with contextlib.suppress(ReplicateError, httpx.HTTPError):
            client.predictions.cancel(prediction.id)

    def _client(self, timeout_s: float) -> replicate.Client:
        # One client (one connection pool) per timeout; the registry has a handful.
        if timeout_s not in self._clients:
            self._clients[timeout_s] = replicate.Client(api_token=self._token, base_url=self._base_url,
                                                        timeout=httpx.Timeout(timeout_s),
                                                        transport=_Bounded(timeout_s))
        return self._clients[timeout_s]
