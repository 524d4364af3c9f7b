"""A fake Replicate API that the official ``replicate`` client talks to.

Endpoints (``Authorization: Bearer <api_key>`` required, else 401):

- ``POST /v1/models/{owner}/{name}/predictions``       an official model
- ``POST /v1/predictions`` with ``{"version": ...}``     a pinned version
- ``POST /v1/deployments/{owner}/{name}/predictions``  a deployment
- ``GET  /v1/predictions/{id}``                          ``processing`` for the first ``polls`` GETs,
  then ``succeeded`` with output URL(s) served by this server, and ``metrics.predict_time``
- ``POST /v1/predictions/{id}/cancel``
- ``GET  /files/{id}/{name}``                            the outputs (no auth, like replicate.delivery)

A prediction is a video (an MP4 clip) when its model, version or deployment is in ``video_refs``
or its input has an ``image``; else an image of the input's ``width`` x ``height`` in its
``output_format`` (webp by default, as flux). ``num_outputs`` > 1 gives a list of URLs.
A prediction is music (a WAV tone of the input's ``duration``, 32 kHz stereo 16-bit, or an MP3
when ``output_format`` is ``mp3``) when its model or version is in ``audio_refs`` (MusicGen).
The booth's models: an input with ``target_video`` (roop face swap) or ``input_video`` (Robust
Video Matting) answers a clip; one with ``image`` and ``scale`` (Real-ESRGAN) a PNG of 64 x 48
times the scale.
``refuse_next()`` makes the next predictions end ``failed`` with Replicate's NSFW message.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.fakes import media
from tests.fakes.base import FakeServer, Recorded, Response

COGVIDEOX_MODEL = "cuuupid/cogvideox-5b"
COGVIDEOX_VERSION = "5b14e2c2c648efecc8d36c6353576552f8a124e690587212f8e8bb17ecda3d8c"
MUSICGEN_MODEL = "meta/musicgen"
MUSICGEN_VERSION = "671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb"
NSFW_ERROR = "NSFW content detected. Try running it again, or try a different prompt."

_MODEL = re.compile(r"^/v1/models/([^/]+)/([^/]+)/predictions$")
_DEPLOYMENT = re.compile(r"^/v1/deployments/([^/]+)/([^/]+)/predictions$")
_PREDICTION = re.compile(r"^/v1/predictions/([0-9a-z]+)(/cancel)?$")
_FILE = re.compile(r"^/files/([0-9a-z]+)/([^/]+)$")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


class FakeReplicate(FakeServer):
    """See the module docstring. ``predictions`` holds every prediction by id."""

    name = "replicate"

    def __init__(self, api_key: str = "r8_fake_token", *, polls: int = 1, predict_time: float = 2.5,
                 clip: tuple[int, int, int, float] = (720, 480, 8, 1.0),
                 video_refs: set[str] | None = None, audio_refs: set[str] | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.polls = polls  # GETs answered "processing" before a prediction ends
        self.predict_time = predict_time
        self.clip = clip  # width, height, fps, seconds of generated clips
        self.video_refs = {COGVIDEOX_MODEL, COGVIDEOX_VERSION} if video_refs is None else video_refs
        self.versions: dict[str, str] = {COGVIDEOX_VERSION: COGVIDEOX_MODEL}  # version id -> model
        self.audio_refs = {MUSICGEN_MODEL, MUSICGEN_VERSION} if audio_refs is None else audio_refs
        self.versions[MUSICGEN_VERSION] = MUSICGEN_MODEL
        self.predictions: dict[str, dict[str, Any]] = {}
        self._files: dict[str, tuple[bytes, str]] = {}
        self._state: dict[str, dict[str, Any]] = {}
        self._plock = threading.Lock()

    def env(self) -> dict[str, str]:
        return {"REPLICATE_API_TOKEN": self.api_key, "REPLICATE_BASE_URL": self.url,
                "REPLICATE_POLL_INTERVAL": "0.01"}

    def error(self, status: int, message: str) -> Response:
        # Replicate answers problems as RFC 7807 details.
        return Response.of_json({"title": message, "detail": message, "status": status}, status)

    def route(self, request: Recorded) -> Response:
        if (match := _FILE.match(request.path)) and request.method == "GET":
            data, content_type = self._files.get(request.path, (b"", ""))
            return Response(200, data, content_type) if data else self.error(404, "no such file")
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self.error(401, "You did not pass a valid authentication token")
        if request.method == "POST" and (match := _MODEL.match(request.path)):
            return self._create(request, model=f"{match[1]}/{match[2]}", version=None)
        if request.method == "POST" and (match := _DEPLOYMENT.match(request.path)):
            return self._create(request, model=f"{match[1]}/{match[2]}", version=None,
                                deployment=f"{match[1]}/{match[2]}")
        if request.method == "POST" and request.path == "/v1/predictions":
            version = request.json().get("version")
            if not version:
                return self.error(422, "version is required")
            return self._create(request, model=self.versions.get(version, "unknown/model"), version=version)
        if match := _PREDICTION.match(request.path):
            if match[1] not in self.predictions:
                return self.error(404, "Not found")
            if match[2] and request.method == "POST":
                return Response.of_json(self._cancel(match[1]))
            if request.method == "GET":
                return Response.of_json(self._advance(match[1]))
        return self.error(404, f"no route for {request.method} {request.path}")

    # --- predictions ------------------------------------------------------------------------------

    def _create(self, request: Recorded, *, model: str, version: str | None,
                deployment: str | None = None) -> Response:
        body = request.json()
        inputs = body.get("input") or {}
        pid = secrets.token_hex(10)
        refs = {model, version, deployment}
        kind = "video" if refs & self.video_refs or "image" in inputs else "image"
        if refs & self.audio_refs:
            kind = "audio"
        if "target_video" in inputs or "input_video" in inputs:
            kind = "video"
        elif "image" in inputs and "scale" in inputs:
            kind = "upscaled"
        prediction = {
            "id": pid, "model": model, "version": version or secrets.token_hex(32), "input": inputs,
            "status": "starting", "output": None, "error": None, "logs": "", "metrics": {},
            "created_at": _now(), "started_at": None, "completed_at": None, "data_removed": False,
            "urls": {"get": f"{self.url}/v1/predictions/{pid}",
                     "cancel": f"{self.url}/v1/predictions/{pid}/cancel"},
        }
        if deployment:
            prediction["deployment"] = deployment
        with self._plock:
            self.predictions[pid] = prediction
            self._state[pid] = {"polls": self.polls, "refused": self.take_refusal(), "kind": kind}
        return Response.of_json(prediction, 201)

    def _advance(self, pid: str) -> dict[str, Any]:
        with self._plock:
            prediction, state = self.predictions[pid], self._state[pid]
            if prediction["status"] in ("succeeded", "failed", "canceled"):
                return prediction
            if state["polls"] > 0:
                state["polls"] -= 1
                prediction.update(status="processing", started_at=prediction["started_at"] or _now(),
                                  logs="  40%|####      | 20/50 [00:02<00:03]")
                return prediction
            prediction.update(completed_at=_now(), metrics={"predict_time": self.predict_time})
            if state["refused"]:
                prediction.update(status="failed", error=NSFW_ERROR)
            else:
                output = self._outputs(pid, prediction["input"], state["kind"])
                prediction.update(status="succeeded", output=output)
            return prediction

    def _cancel(self, pid: str) -> dict[str, Any]:
        with self._plock:
            prediction = self.predictions[pid]
            if prediction["status"] not in ("succeeded", "failed"):
                prediction.update(status="canceled", completed_at=_now())
            return prediction

    def _outputs(self, pid: str, inputs: dict[str, Any], kind: str) -> str | list[str]:
        count = int(inputs.get("num_outputs") or 1)
        urls = []
        for i in range(count):
            if kind == "video":
                ext, data = "mp4", media.mp4(*self.clip)
            elif kind == "upscaled":
                scale = int(inputs["scale"])
                ext, data = "png", media.image(64 * scale, 48 * scale, i, "upscaled", "png")
            elif kind == "audio":
                ext = "mp3" if inputs.get("output_format") == "mp3" else "wav"
                data = _tone(float(inputs.get("duration") or 8), int(inputs.get("seed") or 0), ext)
            else:
                ext = str(inputs.get("output_format") or "webp")
                data = media.image(int(inputs.get("width") or 64), int(inputs.get("height") or 64),
                                   int(inputs.get("seed") or 0) + i, str(inputs.get("prompt", "")), ext)
            path = f"/files/{pid}/out-{i}.{ext}"
            self._files[path] = (data, {"wav": "audio/wav", "mp3": "audio/mpeg"}.get(ext)
                                 or media.CONTENT_TYPES[ext])
            urls.append(self.url + path)
        return urls[0] if count == 1 else urls


def _tone(seconds: float, seed: int, ext: str) -> bytes:
    """A stereo 16-bit 32 kHz tone (MusicGen's rate) whose pitch follows the seed; MP3 via ffmpeg."""
    import io
    import subprocess
    import wave

    import numpy as np

    rate = 32000
    t = np.arange(int(seconds * rate)) / rate
    mono = (0.3 * np.sin(2 * np.pi * (220 + seed % 200) * t) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.repeat(mono, 2).tobytes())
    if ext == "wav":
        return buffer.getvalue()
    return subprocess.run(["ffmpeg", "-v", "error", "-f", "wav", "-i", "-", "-f", "mp3", "-"],
                          input=buffer.getvalue(), capture_output=True, check=True).stdout


@contextmanager
def replicate_server(**options: Any) -> Iterator[FakeReplicate]:
    """A running FakeReplicate; ``options`` go to its constructor."""
    with FakeReplicate(**options) as fake:
        yield fake
