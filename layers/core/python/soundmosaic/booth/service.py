"""The booth's use cases: events, capture, the organiser's views, erasure, codes, prints, collages.

Every function takes the ``BoothCaller`` (from the token's claims) and checks its role against
the event first (``access``); an event that is not the caller's answers as if it did not exist.
PII is sealed at capture (``crypto``) and opened only in ``participants`` and ``export_rows`` for
the organiser and in ``delivery`` for the participant's own mail; everything else, including job
records, S3 keys and logs, names participants by their opaque id (docs/booth.md, "Privacy").
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from soundmosaic.booth import access, participants, store
from soundmosaic.booth.access import BoothCaller, EventNotFound, NotOrganiser, ParticipantNotFound
from soundmosaic.library.media import presigned_get
from soundmosaic.platform import aws, config, resources

MEDIA_BUCKET_ENV = "MEDIA_BUCKET"
TEMPLATE_KINDS = {"musician": "swap", "background": "background"}  # template kind -> job kind
PUBLIC_URL_ENV = "BOOTH_PUBLIC_URL"  # the SPA's origin: download links are <origin>/booth/p/<code>
DEFAULT_CONSENTS = (
    participants.ConsentText(
        "media",
        "I agree that my photo is used to make my personal video and print "
        "image, kept for this event's retention period and then deleted.",
        True,
    ),
    participants.ConsentText(
        "collage",
        "I agree that my swapped face may appear in the event's collage video shown on the big screen.",
        False,
    ),
)
URL_TTL_S = 3600
MEDIA_FILES = {"photo": "photo.jpg", "clip": "clip.mp4", "video": "video.mp4", "image": "print.jpg"}
MEDIA_TYPES = {"photo": "image/jpeg", "clip": "video/mp4"}
MAX_EVENT_NAME = 120


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def media_bucket() -> str:
    return config.resource(MEDIA_BUCKET_ENV)


def media_prefix(event_id: str, participant_id: str) -> str:
    """Where a participant's media live: opaque ids only, under the expiring booth prefix."""
    return f"{resources.BOOTH_MEDIA_PREFIX}{event_id}/{participant_id}/"


def download_url(code: str) -> str:
    return f"{os.environ.get(PUBLIC_URL_ENV, 'http://localhost:8080').rstrip('/')}/booth/p/{code}"


# Events ------------------------------------------------------------------------------------------


def create_event(
    caller: BoothCaller, name: str, consents: list[dict[str, Any]] | None, retention_days: int
) -> dict[str, Any]:
    if caller.role != access.ORGANISER:
        raise NotOrganiser("only an organiser creates events")
    name = " ".join(name.split())
    if not name or len(name) > MAX_EVENT_NAME:
        raise ValueError(f"an event name is 1-{MAX_EVENT_NAME} characters")
    if retention_days not in resources.BOOTH_RETENTION_CHOICES:
        raise ValueError(f"retention is one of {', '.join(map(str, resources.BOOTH_RETENTION_CHOICES))} days")
    asked = [participants.ConsentText(**c) for c in consents] if consents else list(DEFAULT_CONSENTS)
    if not any(c.key == "media" and c.required for c in asked):
        raise ValueError("an event must ask the required consent 'media' (the swap uses the photo)")
    if len({c.key for c in asked}) != len(asked):
        raise ValueError("consent keys must differ")
    event_id = access.new_event_id()
    event: dict[str, Any] = {
        "pk": store.event_pk(event_id),
        "event_id": event_id,
        "sk": "meta",
        "name": name,
        "organiser": caller.subject,
        "retention_days": retention_days,
        "created_at": _now(),
        "consents": [{"key": c.key, "text": c.text, "required": c.required} for c in asked],
    }
    store.put(event, new=True)
    store.put(
        {
            "pk": f"organiser#{caller.subject}",
            "sk": f"event#{event['event_id']}",
            "event_id": event["event_id"],
            "name": name,
            "created_at": event["created_at"],
        }
    )
    return _event_view(event)


def _event_view(event: dict[str, Any]) -> dict[str, Any]:
    return {k: event[k] for k in ("event_id", "name", "retention_days", "created_at", "consents")}


def _event(caller: BoothCaller, event_id: str, *, organise: bool = False) -> dict[str, Any]:
    caller.require_staff()
    event = store.get(store.event_pk(event_id), "meta") if access.EVENT_ID.match(event_id) else None
    if event is None or not caller.operates(event):
        raise EventNotFound(f"no event {event_id}")
    if organise and not caller.organises(event):
        raise NotOrganiser("only the event's organiser may do this")
    return event


def get_event(caller: BoothCaller, event_id: str) -> dict[str, Any]:
    return _event_view(_event(caller, event_id))


def list_events(caller: BoothCaller) -> list[dict[str, Any]]:
    caller.require_staff()
    if caller.role == access.OPERATOR:
        return [get_event(caller, caller.event_id)] if caller.event_id else []
    rows = store.query(f"organiser#{caller.subject}", "event#")
    return [{k: r[k] for k in ("event_id", "name", "created_at")} for r in rows]


def _asked(event: dict[str, Any]) -> tuple[participants.ConsentText, ...]:
    return tuple(participants.ConsentText(**c) for c in event["consents"])


# Capture -----------------------------------------------------------------------------------------


def capture(caller: BoothCaller, event_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate the form, seal the PII, record the participant; the code is returned once."""
    event = _event(caller, event_id)
    form = participants.validate(raw, _asked(event))
    pid, code = access.new_participant_id(), access.new_code()
    from soundmosaic.booth import crypto  # here: the workflow's image never seals or opens PII

    sealed = crypto.seal(
        {"name": form.name, "email": form.email, "phone": form.phone, "code": code},
        event_id=event_id,
        participant_id=pid,
    )
    store.put(
        {
            "pk": f"code#{access.code_hash(code)}",
            "sk": "code",
            "event_id": event_id,
            "participant_id": pid,
            "code_hash": access.code_hash(code),
        },
        new=True,
    )
    store.put(
        {
            "pk": store.event_pk(event_id),
            "sk": f"participant#{pid}",
            "participant_id": pid,
            "event_id": event_id,
            "pii": sealed.to_item(),
            "code_hash": access.code_hash(code),
            "consents": [{"key": c.key, "text": c.text, "accepted": c.accepted} for c in form.consents],
            "status": "captured",
            "media": {},
            "print": {"status": "none", "count": 0},
            "created_at": _now(),
        },
        new=True,
    )
    prefix, retention = media_prefix(event_id, pid), int(event["retention_days"])
    return {
        "participant_id": pid,
        "code": code,
        "download_url": download_url(code),
        "photo_upload": _presigned_put(prefix + MEDIA_FILES["photo"], MEDIA_TYPES["photo"], retention),
        "clip_upload": _presigned_put(prefix + MEDIA_FILES["clip"], MEDIA_TYPES["clip"], retention),
    }


def _presigned_put(key: str, content_type: str, retention_days: int | None = None) -> dict[str, Any]:
    """A presigned PUT; booth media carry their event's retention as a tag (the lifecycle rule's)."""
    params = {"Bucket": media_bucket(), "Key": key, "ContentType": content_type}
    headers = {"content-type": content_type}
    if retention_days is not None:
        params["Tagging"] = headers["x-amz-tagging"] = f"{resources.BOOTH_RETENTION_TAG}={retention_days}"
    url = aws.client("s3").generate_presigned_url("put_object", ExpiresIn=URL_TTL_S, Params=params)
    return {"key": key, "url": url, "method": "PUT", "headers": headers}


def _participant(event_id: str, participant_id: str) -> dict[str, Any]:
    found = (
        store.get(store.event_pk(event_id), f"participant#{participant_id}")
        if access.PARTICIPANT_ID.match(participant_id)
        else None
    )
    if found is None:
        raise ParticipantNotFound(f"no participant {participant_id}")
    return found


def _public(p: dict[str, Any]) -> dict[str, Any]:
    """What staff see of a participant without opening PII: the opaque id and the state."""
    return {
        "participant_id": p["participant_id"],
        "status": p["status"],
        "created_at": p["created_at"],
        "consents": {c["key"]: c["accepted"] for c in p["consents"]},
        "media": sorted(p["media"]),
        "print": p["print"],
    }


def _opened(p: dict[str, Any]) -> dict[str, str]:
    from soundmosaic.booth import crypto

    return crypto.open_sealed(
        crypto.Sealed.from_item(p["pii"]), event_id=p["event_id"], participant_id=p["participant_id"]
    )


def participants_of(caller: BoothCaller, event_id: str) -> list[dict[str, Any]]:
    """The event's participants: with name, e-mail, phone for its organiser, opaque for operators."""
    event = _event(caller, event_id)
    rows = store.query(store.event_pk(event_id), "participant#")
    if not caller.organises(event):
        return [_public(p) for p in rows]
    out = []
    for p in rows:
        pii = _opened(p)
        out.append(
            {
                **_public(p),
                "name": pii["name"],
                "email": pii["email"],
                "phone": pii["phone"],
                "download_url": download_url(pii["code"]),
                "consent_texts": {c["key"]: c["text"] for c in p["consents"]},
            }
        )
    return out


def participant_view(caller: BoothCaller, event_id: str, participant_id: str) -> dict[str, Any]:
    _event(caller, event_id)
    return _public(_participant(event_id, participant_id))


# Media and the participant's page ----------------------------------------------------------------


def media_ready(event_id: str, participant_id: str, media: dict[str, str], status: str = "ready") -> None:
    """The workflow's result: keys of the video and the print image (opaque keys only)."""
    p = _participant(event_id, participant_id)
    prefix = media_prefix(event_id, participant_id)
    for kind, key in media.items():
        if kind not in MEDIA_FILES or not key.startswith(prefix):
            raise ValueError(f"media {kind!r} must be under the participant's prefix")
    values: dict[str, Any] = {"media": {**p["media"], **media}, "status": status}
    if "image" in media and p["print"]["status"] == "none":
        values["print"] = {**p["print"], "status": "ready", "ready_at": _now()}
    store.update(store.event_pk(event_id), f"participant#{participant_id}", values)


def by_code(code: str, source_ip: str) -> dict[str, Any]:
    """The participant's own media through their code: rate-limited, constant-time compared."""
    window = access.minute_window()
    if store.count_hit(access.client_key(source_ip), window) > access.LOOKUPS_PER_MINUTE:
        raise access.TooManyLookups("too many lookups: wait a minute")
    not_found = ParticipantNotFound("no media for this code")
    if not access.CODE.match(code):
        raise not_found
    hashed = access.code_hash(code)
    entry = store.get(f"code#{hashed}", "code")
    if entry is None or not access.same_hash(str(entry["code_hash"]), code):
        raise not_found
    p = _participant(str(entry["event_id"]), str(entry["participant_id"]))
    bucket = media_bucket()
    links = {
        kind: presigned_get(bucket, key, URL_TTL_S, filename=f"booth-{kind}{os.path.splitext(key)[1]}")
        for kind, key in sorted(p["media"].items())
        if kind in ("video", "image")
    }
    return {"status": p["status"], "media": links}


def notify(event_id: str, participant_id: str) -> dict[str, Any]:
    """Mail the participant their link (the ``booth-notify`` function: it may open the record)."""
    from soundmosaic.booth import delivery

    event = store.get(store.event_pk(event_id), "meta")
    p = _participant(event_id, participant_id)
    if event is None:
        raise EventNotFound(f"no event {event_id}")
    pii = _opened(p)
    engine = delivery.from_setting().send(
        delivery.compose(pii["email"], download_url(pii["code"]), event["name"])
    )
    store.update(store.event_pk(event_id), f"participant#{participant_id}", {"mailed_at": _now()})
    return {"participant_id": participant_id, "mailed": True, "engine": engine}


# Templates and jobs ------------------------------------------------------------------------------


class TemplateNotFound(LookupError):
    pass


TEMPLATE_ID = re.compile(r"^t_[a-f0-9]{20}$")
TEMPLATE_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}


def add_template(
    caller: BoothCaller, event_id: str, kind: str, title: str, content_type: str
) -> dict[str, Any]:
    """A musician clip or a background video for the event: the record and where to PUT the file.
    The first job that uses it trims it to 15 s (``workflow.prepared_template``)."""
    _event(caller, event_id, organise=True)
    if kind not in TEMPLATE_KINDS:
        raise ValueError("a template is a 'musician' clip or a 'background' video")
    if content_type not in TEMPLATE_TYPES:
        raise ValueError(f"a template is one of {', '.join(TEMPLATE_TYPES)}")
    template_id = "t_" + access.new_participant_id()[2:]
    key = f"booth-templates/{event_id}/{template_id}/source.{TEMPLATE_TYPES[content_type]}"
    record = {
        "pk": store.event_pk(event_id),
        "sk": f"template#{template_id}",
        "template_id": template_id,
        "kind": kind,
        "title": " ".join(title.split())[:120],
        "source_key": key,
        "created_at": _now(),
    }
    store.put(record, new=True)
    return {**_template_view(record), "upload": _presigned_put(key, content_type)}


def _template_view(t: dict[str, Any]) -> dict[str, Any]:
    return {k: t[k] for k in ("template_id", "kind", "title", "created_at")}


def templates_of(caller: BoothCaller, event_id: str) -> list[dict[str, Any]]:
    _event(caller, event_id)
    bucket = media_bucket()
    return [
        {**_template_view(t), "preview_url": presigned_get(bucket, t["source_key"], URL_TTL_S)}
        for t in store.query(store.event_pk(event_id), "template#")
    ]


def start_job(
    caller: BoothCaller,
    event_id: str,
    participant_id: str,
    template_id: str,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """Start the participant's swap (musician template) or background job; asking again for the
    same participant and template gives the same job (its id is made of them), never a second."""
    from soundmosaic.platform import jobs

    _event(caller, event_id)
    _participant(event_id, participant_id)
    template = (
        store.get(store.event_pk(event_id), f"template#{template_id}")
        if TEMPLATE_ID.match(template_id)
        else None
    )
    if template is None:
        raise TemplateNotFound(f"no template {template_id}")
    kind = TEMPLATE_KINDS[template["kind"]]
    source = media_prefix(event_id, participant_id) + MEDIA_FILES["photo" if kind == "swap" else "clip"]
    listed = aws.client("s3").list_objects_v2(Bucket=media_bucket(), Prefix=source, MaxKeys=1)
    if not any(o["Key"] == source for o in listed.get("Contents", [])):
        raise ValueError(f"upload the participant's {'photo' if kind == 'swap' else 'clip'} first")
    job = jobs.Job(
        artist_id=event_id,
        job_id=f"{kind}-{participant_id}-{template_id}",
        kind=f"booth_{kind}",
        correlation_id=correlation_id,
        subject={"event_id": event_id, "participant_id": participant_id, "template_id": template_id},
    )
    store_ = jobs.JobStore()
    try:
        existing = store_.get(event_id, job.job_id)
    except jobs.JobNotFound:
        existing = None
    if existing is None:
        machine = "BOOTH_SWAP_STATE_MACHINE" if kind == "swap" else "BOOTH_BACKGROUND_STATE_MACHINE"
        jobs.start_workflow(
            job,
            machine,
            {
                "event_id": event_id,
                "participant_id": participant_id,
                "template_id": template_id,
                "kind": kind,
            },
        )
        store.update(store.event_pk(event_id), f"participant#{participant_id}", {"status": "processing"})
    return asdict(existing or store_.get(event_id, job.job_id))


def jobs_of(caller: BoothCaller, event_id: str) -> list[dict[str, Any]]:
    """The event's jobs, newest first: the operator's queue with live progress."""
    from soundmosaic.platform import jobs

    _event(caller, event_id)
    found, _ = jobs.JobStore().page(event_id, limit=100)
    return [asdict(j) for j in found]


# Prints ------------------------------------------------------------------------------------------


def print_queue(caller: BoothCaller, event_id: str, status: str = "ready") -> list[dict[str, Any]]:
    _event(caller, event_id)
    rows = [
        p
        for p in store.query(store.event_pk(event_id), "participant#")
        if p["print"]["status"] == status and "image" in p["media"]
    ]
    bucket = media_bucket()
    return [
        {
            "participant_id": p["participant_id"],
            "print": p["print"],
            "image_url": presigned_get(bucket, p["media"]["image"], URL_TTL_S),
        }
        for p in rows
    ]


def mark_printed(caller: BoothCaller, event_id: str, participant_id: str) -> dict[str, Any]:
    _event(caller, event_id)
    p = _participant(event_id, participant_id)
    if p["print"]["status"] != "ready":
        raise ValueError("this image is not waiting to be printed")
    printed = {**p["print"], "status": "printed", "count": int(p["print"]["count"]) + 1, "printed_at": _now()}
    store.update(store.event_pk(event_id), f"participant#{participant_id}", {"print": printed})
    return printed


def reprint(caller: BoothCaller, event_id: str, participant_id: str) -> dict[str, Any]:
    _event(caller, event_id)
    p = _participant(event_id, participant_id)
    if "image" not in p["media"]:
        raise ValueError("this participant has no print image yet")
    again = {**p["print"], "status": "ready", "ready_at": _now()}
    store.update(store.event_pk(event_id), f"participant#{participant_id}", {"print": again})
    return again


# Collages ----------------------------------------------------------------------------------------

COLLAGE_MIN, COLLAGE_MAX = 4, 100


def request_collage(caller: BoothCaller, event_id: str, size: int) -> dict[str, Any]:
    """A collage of the ``size`` latest participants who consented to it and have a video."""
    _event(caller, event_id, organise=True)
    if not COLLAGE_MIN <= size <= COLLAGE_MAX:
        raise ValueError(f"a collage has {COLLAGE_MIN}-{COLLAGE_MAX} participants")
    eligible = [
        p
        for p in store.query(store.event_pk(event_id), "participant#")
        if "video" in p["media"] and any(c["key"] == "collage" and c["accepted"] for c in p["consents"])
    ]
    if len(eligible) < size:
        raise ValueError(f"only {len(eligible)} participants consented to the collage and have a video")
    chosen = sorted(eligible, key=lambda p: p["created_at"])[-size:]
    collage_id = "c_" + access.new_participant_id()[2:]
    record = {
        "pk": store.event_pk(event_id),
        "sk": f"collage#{collage_id}",
        "collage_id": collage_id,
        "participant_ids": [p["participant_id"] for p in chosen],
        "status": "pending",
        "created_at": _now(),
    }
    store.put(record, new=True)
    return {k: record[k] for k in ("collage_id", "participant_ids", "status", "created_at")}


def collages(caller: BoothCaller, event_id: str) -> list[dict[str, Any]]:
    _event(caller, event_id, organise=True)
    return [
        {k: c[k] for k in ("collage_id", "participant_ids", "status", "created_at")}
        for c in store.query(store.event_pk(event_id), "collage#")
    ]


# Erasure -----------------------------------------------------------------------------------------


def erase(caller: BoothCaller, event_id: str, participant_id: str) -> dict[str, Any]:
    """Right to erasure: PII, code, media and derived media, their place in collages not yet
    rendered; an audit record (who, when, the opaque id) stays. Safe to repeat."""
    _event(caller, event_id, organise=True)
    if not access.PARTICIPANT_ID.match(participant_id):
        raise ParticipantNotFound(f"no participant {participant_id}")
    p = store.get(store.event_pk(event_id), f"participant#{participant_id}")
    removed = delete_prefix(media_bucket(), media_prefix(event_id, participant_id))
    withdrawn = []
    for c in store.query(store.event_pk(event_id), "collage#"):
        if c["status"] == "pending" and participant_id in c["participant_ids"]:
            store.update(
                c["pk"],
                c["sk"],
                {"participant_ids": [x for x in c["participant_ids"] if x != participant_id]},
            )
            withdrawn.append(c["collage_id"])
    if p is not None:
        store.delete(f"code#{p['code_hash']}", "code")
        store.delete(store.event_pk(event_id), f"participant#{participant_id}")
    audit = {
        "pk": store.event_pk(event_id),
        "sk": f"audit#{_now()}#{participant_id}",
        "action": "erased",
        "participant_id": participant_id,
        "by": caller.subject,
        "at": _now(),
        "objects_deleted": removed,
        "collages_changed": withdrawn,
        "had_record": p is not None,
    }
    store.put(audit)
    return {k: v for k, v in audit.items() if k not in ("pk", "sk")}


def audit_log(caller: BoothCaller, event_id: str) -> list[dict[str, Any]]:
    _event(caller, event_id, organise=True)
    return [
        {k: v for k, v in a.items() if k not in ("pk", "sk")}
        for a in store.query(store.event_pk(event_id), "audit#")
    ]


def delete_prefix(bucket: str, prefix: str) -> int:
    s3 = aws.client("s3")
    count = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        objects = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            count += len([v for v in page.get("Versions", [])])
    return count


def export_rows(caller: BoothCaller, event_id: str) -> list[dict[str, Any]]:
    """The organiser's export: one row per participant, decrypted (``export.to_csv`` writes it)."""
    _event(caller, event_id, organise=True)
    return participants_of(caller, event_id)
