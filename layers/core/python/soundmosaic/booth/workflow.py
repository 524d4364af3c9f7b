"""The steps of the booth's workflows (``booth_swap``, ``booth_background``; docs/booth.md, "Flow").

plan -> one step per chunk of frames (a Map) -> encode (concatenate, upscale to 1080p, the
template's or clip's audio as AAC) -> print image (swap) -> ready. Every step's output is an S3
object keyed by the job and the chunk under ``booth/<event>/<participant>/work/<job>/``, written
whole (uploaded after it is made), and every step first looks for its output: a step retried after
its worker died mid-work redoes only what has no output yet, and a step that already finished
changes nothing. The work objects go once the result is recorded. States carry ids and counts only.

These steps name participants by their opaque id: they never open the sealed record (the function
has no ``kms:Decrypt``), and the print image carries only that id (``printimage``).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from soundmosaic.booth import access, clips, service, store
from soundmosaic.booth.errors import BadMedia
from soundmosaic.platform import aws, resources, untrusted_media
from soundmosaic.platform.jobs import JobStore

# 15 s -> 5 chunks in the Map: parallel workers, and a retry redoes 3 s at most. BOOTH_CHUNK_SECONDS
# changes it (tests use short clips cut in several chunks).
CHUNK_SECONDS = 3.0
VIDEO_HEIGHT = 1080
KINDS = ("swap", "background")


def template_prefix(event_id: str, template_id: str) -> str:
    return f"booth-templates/{event_id}/{template_id}/"


def work_prefix(event_id: str, participant_id: str, job_id: str) -> str:
    return f"{service.media_prefix(event_id, participant_id)}work/{job_id}/"


def _exists(key: str) -> bool:
    objects = aws.client("s3").list_objects_v2(Bucket=service.media_bucket(), Prefix=key, MaxKeys=1)
    return any(o["Key"] == key for o in objects.get("Contents", []))


def _download(key: str, path: Path, max_bytes: int = clips.MAX_CLIP_BYTES) -> Path:
    """An object into ``path``; one over ``max_bytes`` is refused before it is fetched."""
    s3 = aws.client("s3")
    try:
        size = int(s3.head_object(Bucket=service.media_bucket(), Key=key)["ContentLength"])
    except s3.exceptions.ClientError as err:
        raise BadMedia(f"{Path(key).name} was not uploaded") from err
    if size > max_bytes:
        raise BadMedia(
            f"{Path(key).name} is {size / 1024**2:.0f} MiB; at most {max_bytes // 1024**2} MiB is accepted"
        )
    s3.download_file(service.media_bucket(), key, str(path))
    return path


def _upload(path: Path, key: str, retention_days: int, content_type: str) -> None:
    aws.client("s3").upload_file(
        str(path),
        service.media_bucket(),
        key,
        ExtraArgs={
            "ContentType": content_type,
            "Tagging": f"{resources.BOOTH_RETENTION_TAG}={retention_days}",
        },
    )


def _event(event_id: str) -> dict[str, Any]:
    event = store.get(store.event_pk(event_id), "meta")
    if event is None:
        raise access.EventNotFound(f"no event {event_id}")
    return event


def _source(event_id: str, participant_id: str, kind: str) -> str:
    name = service.MEDIA_FILES["photo" if kind == "swap" else "clip"]
    return service.media_prefix(event_id, participant_id) + name


def prepared_template(event_id: str, template_id: str, work: Path) -> Path:
    """The template trimmed to 15 s (made once, kept beside its source), downloaded into ``work``."""
    from soundmosaic.booth import templates

    record = store.get(store.event_pk(event_id), f"template#{template_id}")
    if record is None:
        raise service.TemplateNotFound(f"no template {template_id}")
    prefix = template_prefix(event_id, template_id)
    key = prefix + "template.mp4"
    if not _exists(key):
        source = _download(record["source_key"], work / "template-source")
        made = templates.trim(source, work / "trimmed.mp4") if record["kind"] == "musician" else source
        aws.client("s3").upload_file(str(made), service.media_bucket(), key)
    return _download(key, work / "template.mp4")


def plan(event_id: str, participant_id: str, job_id: str, template_id: str, kind: str) -> dict[str, Any]:
    """Check the inputs (a photo with one usable face, a clip of at most 15 s), cut the work
    into chunks of ``CHUNK_SECONDS``; the plan is kept under the job's work prefix."""
    from soundmosaic.booth import faceswap

    if kind not in KINDS:
        raise ValueError(f"unknown booth job kind {kind!r}")
    key = work_prefix(event_id, participant_id, job_id) + "plan.json"
    if _exists(key):
        return _plan_reply(json.loads(_read(key)))
    with tempfile.TemporaryDirectory(prefix="booth-") as tmp:
        work = Path(tmp)
        cap = faceswap.MAX_PHOTO_BYTES if kind == "swap" else clips.MAX_CLIP_BYTES
        source = _download(_source(event_id, participant_id, kind), work / "source", cap)
        template = prepared_template(event_id, template_id, work)
        if kind == "swap":
            faceswap.participant(source.read_bytes())  # NoFace, TwoFaces, FaceTooSmall, BadMedia now
            timeline = clips.probe(template)
        else:
            timeline = clips.probe(source)
            clips.probe(template, max_seconds=clips.MAX_CLIP_SECONDS * 4)
    count = max(1, round(timeline.seconds / float(os.environ.get("BOOTH_CHUNK_SECONDS", CHUNK_SECONDS))))
    step = timeline.seconds / count
    chunks = [{"index": i, "start": round(i * step, 4), "seconds": round(step, 4)} for i in range(count)]
    record = {
        "kind": kind,
        "template_id": template_id,
        "fps": timeline.fps,
        "seconds": timeline.seconds,
        "chunks": chunks,
    }
    aws.client("s3").put_object(Bucket=service.media_bucket(), Key=key, Body=json.dumps(record).encode())
    return _plan_reply(record)


def _plan_reply(record: dict[str, Any]) -> dict[str, Any]:
    return {"chunks": [c["index"] for c in record["chunks"]], "count": len(record["chunks"])}


def _read(key: str) -> bytes:
    body: bytes = aws.client("s3").get_object(Bucket=service.media_bucket(), Key=key)["Body"].read()
    return body


def _cut(source: Path, out: Path, start: float, seconds: float, fps: float, *, loop: bool = False) -> Path:
    """``seconds`` of ``source`` from ``start`` (frame-exact: re-encoded, no audio)."""
    frames = max(1, round(seconds * fps))
    done = untrusted_media.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-y",
            *(["-stream_loop", "-1"] if loop else []),
            *untrusted_media.input_args(source),
            "-ss",
            f"{start:.4f}",
            "-frames:v",
            str(frames),
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "14",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=300,
    )
    if done.returncode != 0:
        raise BadMedia("a chunk of the clip could not be cut: it is not a readable video")
    return out


def run_chunk(event_id: str, participant_id: str, job_id: str, index: int) -> dict[str, Any]:
    """Swap (or matte) one chunk; a chunk whose output exists is not made again."""
    prefix = work_prefix(event_id, participant_id, job_id)
    done_key = f"{prefix}chunk-{index:04d}.json"
    if _exists(done_key):
        return {"index": index, **json.loads(_read(done_key)), "reused": True}
    record = json.loads(_read(prefix + "plan.json"))
    chunk = record["chunks"][index]
    with tempfile.TemporaryDirectory(prefix="booth-") as tmp:
        work = Path(tmp)
        source = _download(_source(event_id, participant_id, record["kind"]), work / "source")
        template = prepared_template(event_id, record["template_id"], work)
        if record["kind"] == "swap":
            from soundmosaic.booth import faceswap

            part = _cut(template, work / "part.mp4", chunk["start"], chunk["seconds"], record["fps"])
            made = faceswap.swap_video(source, part, work / "out", participant_id=participant_id, height=None)
            outputs = {"mp4": made.video_path, "jpg": made.image_path}
            summary = {"frames": made.frames, "swapped_frames": made.swapped_frames, "engine": made.engine}
        else:
            from soundmosaic.booth import background

            part = _cut(source, work / "part.mp4", chunk["start"], chunk["seconds"], record["fps"])
            scene = _cut(
                template, work / "scene.mp4", chunk["start"], chunk["seconds"] + 1, record["fps"], loop=True
            )
            result = background.replace_background(part, scene, work / "out.mp4")
            outputs = {"mp4": result.path}
            summary = {"frames": result.frames, "engine": result.engine}
        s3 = aws.client("s3")
        for ext, path in outputs.items():
            s3.upload_file(str(path), service.media_bucket(), f"{prefix}chunk-{index:04d}.{ext}")
        # Written last: its presence says every output of the chunk is complete.
        s3.put_object(Bucket=service.media_bucket(), Key=done_key, Body=json.dumps(summary).encode())
    _progress(event_id, job_id, prefix, len(record["chunks"]))
    return {"index": index, **summary, "reused": False}


def _progress(event_id: str, job_id: str, prefix: str, total: int) -> None:
    listed = aws.client("s3").list_objects_v2(Bucket=service.media_bucket(), Prefix=prefix + "chunk-")
    done = sum(o["Key"].endswith(".json") for o in listed.get("Contents", []))
    JobStore().advance(event_id, job_id, "swap", 10 + int(70 * done / total))


def encode(event_id: str, participant_id: str, job_id: str) -> dict[str, Any]:
    """The chunks in order, upscaled to 1080p (offline: Lanczos + unsharp), with the audio (AAC)."""
    from soundmosaic.booth import upscale

    prefix = work_prefix(event_id, participant_id, job_id)
    record = json.loads(_read(prefix + "plan.json"))
    kind = record["kind"]
    out_key = service.media_prefix(event_id, participant_id) + (
        "video.mp4" if kind == "swap" else "composite.mp4"
    )
    marker = prefix + "encoded.json"
    if _exists(marker):
        return json.loads(_read(marker))
    retention = int(_event(event_id)["retention_days"])
    with tempfile.TemporaryDirectory(prefix="booth-") as tmp:
        work = Path(tmp)
        parts = [
            _download(f"{prefix}chunk-{c['index']:04d}.mp4", work / f"chunk-{c['index']:04d}.mp4")
            for c in record["chunks"]
        ]
        audio = (
            prepared_template(event_id, record["template_id"], work)
            if kind == "swap"
            else _download(_source(event_id, participant_id, kind), work / "source")
        )
        listing = work / "chunks.txt"
        listing.write_text("".join(f"file '{p.name}'\n" for p in parts))
        out = work / "video.mp4"
        done = untrusted_media.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                *untrusted_media.input_args(audio),
                "-map",
                "0:v",
                "-map",
                "1:a:0?",
                "-vf",
                upscale.video_filter(VIDEO_HEIGHT),
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "20",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "160k",
                "-movflags",
                "+faststart",
                "-shortest",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"ffmpeg could not encode the video: {done.stderr.decode(errors='replace')[-300:]}"
            )
        _upload(out, out_key, retention, "video/mp4")
    result = {"video": out_key, "upscale": upscale.ENGINE}
    aws.client("s3").put_object(Bucket=service.media_bucket(), Key=marker, Body=json.dumps(result).encode())
    JobStore().advance(event_id, job_id, "encode", 90)
    return result


def print_image(event_id: str, participant_id: str, job_id: str) -> dict[str, Any]:
    """The print file: the chunk print with the most swapped frames (each is >= 3000 px, 300 dpi,
    sRGB, the opaque participant id in its XMP and EXIF: ``printimage``)."""
    prefix = work_prefix(event_id, participant_id, job_id)
    record = json.loads(_read(prefix + "plan.json"))
    summaries = [json.loads(_read(f"{prefix}chunk-{c['index']:04d}.json")) for c in record["chunks"]]
    best = max(range(len(summaries)), key=lambda i: summaries[i].get("swapped_frames", 0))
    key = service.media_prefix(event_id, participant_id) + "print.jpg"
    retention = int(_event(event_id)["retention_days"])
    aws.client("s3").copy_object(
        Bucket=service.media_bucket(),
        Key=key,
        CopySource={"Bucket": service.media_bucket(), "Key": f"{prefix}chunk-{best:04d}.jpg"},
        ContentType="image/jpeg",
        MetadataDirective="REPLACE",
        TaggingDirective="REPLACE",
        Tagging=f"{resources.BOOTH_RETENTION_TAG}={retention}",
    )
    return {"image": key}


def ready(event_id: str, participant_id: str, job_id: str, kind: str) -> dict[str, Any]:
    """Record the media on the participant, drop the work objects; the job's result (ids, keys).

    A participant erased while their job ran has no record any more: what the job made under
    their prefix is deleted here, so erasure holds even against a job in flight."""
    prefix = work_prefix(event_id, participant_id, job_id)
    base = service.media_prefix(event_id, participant_id)
    if store.get(store.event_pk(event_id), f"participant#{participant_id}") is None:
        removed = service.delete_prefix(service.media_bucket(), base)
        return {"event_id": event_id, "participant_id": participant_id, "erased": True,
                "objects_deleted": removed}
    record = json.loads(_read(prefix + "plan.json")) if _exists(prefix + "plan.json") else None
    media = (
        {"video": base + "video.mp4", "image": base + "print.jpg"}
        if kind == "swap"
        else {"video": base + "composite.mp4"}
    )
    engines = set()
    if record is not None:
        for c in record["chunks"]:
            engines.add(json.loads(_read(f"{prefix}chunk-{c['index']:04d}.json"))["engine"])
    service.media_ready(event_id, participant_id, media)
    service.delete_prefix(service.media_bucket(), prefix)
    return {"event_id": event_id, "participant_id": participant_id, **media, "engines": sorted(engines)}
