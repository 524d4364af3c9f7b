"""The booth's use cases on moto: sealing, roles and tenancy, codes, erasure, export, prints,
collages. Hostile callers tried: an operator of another event, an organiser of another event, a
token without a booth role, guessed and malformed codes, a flood of lookups, moved ciphertexts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from soundmosaic.booth import access, crypto, export, service, store
from soundmosaic.booth.access import BoothCaller, EventNotFound, NotOrganiser, ParticipantNotFound
from soundmosaic.platform import aws

from .conftest import PII, form, operator, organiser


def _raw_table() -> str:
    return json.dumps(aws.client("dynamodb").scan(TableName=store.table().name)["Items"], ensure_ascii=False)


def test_capture_seals_the_pii(event: dict[str, Any]) -> None:
    got = service.capture(operator(event["event_id"]), event["event_id"], form(event))
    assert len(got["code"]) == 32 and got["download_url"].endswith("/booth/p/" + got["code"])
    assert got["photo_upload"]["key"] == f"booth/{event['event_id']}/{got['participant_id']}/photo.jpg"
    raw = _raw_table()
    for value in (*PII.values(), got["code"]):
        assert value not in raw  # only ciphertext and the code's hash are stored
    rows = service.participants_of(organiser(), event["event_id"])
    assert [(r["name"], r["email"], r["phone"]) for r in rows] == [tuple(PII.values())]
    assert rows[0]["consent_texts"]["media"] == event["consents"][0]["text"]


def test_sealed_record_moved_to_another_participant_does_not_open(event: dict[str, Any]) -> None:
    sealed = crypto.seal(PII, event_id=event["event_id"], participant_id="p_" + "a" * 20)
    with pytest.raises(aws.client("kms").exceptions.InvalidCiphertextException):
        crypto.open_sealed(sealed, event_id=event["event_id"], participant_id="p_" + "b" * 20)
    assert crypto.open_sealed(sealed, event_id=event["event_id"], participant_id="p_" + "a" * 20) == PII


def test_tenancy_between_events(event: dict[str, Any]) -> None:
    other = service.create_event(organiser("org-b"), "Another festival", None, 7)
    service.capture(operator(event["event_id"]), event["event_id"], form(event))
    b = other["event_id"]
    strangers = [operator(event["event_id"]), organiser("org-a"), BoothCaller("kiosk-x", "operator", None)]
    for caller in strangers:
        for call in (
            lambda c: service.participants_of(c, b),
            lambda c: service.capture(c, b, form(other)),
            lambda c: service.print_queue(c, b),
            lambda c: service.export_rows(c, b),
        ):
            with pytest.raises(EventNotFound):
                call(caller)
    with pytest.raises(access.NotBoothStaff):
        service.participants_of(BoothCaller("fan", None, None), b)
    assert service.list_events(organiser("org-b")) == [
        {"event_id": b, "name": "Another festival", "created_at": other["created_at"]}
    ]
    assert [e["event_id"] for e in service.list_events(operator(b))] == [b]


def test_operator_sees_no_pii_and_cannot_export_or_erase(event: dict[str, Any]) -> None:
    kiosk = operator(event["event_id"])
    pid = service.capture(kiosk, event["event_id"], form(event))["participant_id"]
    rows = service.participants_of(kiosk, event["event_id"])
    assert rows[0]["participant_id"] == pid and "name" not in rows[0] and "email" not in rows[0]
    for call in (service.export_rows, service.audit_log, service.collages):
        with pytest.raises(NotOrganiser):
            call(kiosk, event["event_id"])
    with pytest.raises(NotOrganiser):
        service.erase(kiosk, event["event_id"], pid)
    with pytest.raises(NotOrganiser):
        service.create_event(kiosk, "mine now", None, 3)


def test_export_csv_neutralises_formulas(event: dict[str, Any]) -> None:
    kiosk = operator(event["event_id"])
    service.capture(kiosk, event["event_id"], form(event, email="=cmd@example.com"))
    rows = service.export_rows(organiser(), event["event_id"])
    text = export.to_csv(rows, ["media", "collage"])
    header, line = text.strip().split("\r\n")
    assert header == "participant_id,name,email,phone,consent_media,consent_collage,status,download_url"
    assert "'=cmd@example.com" in line and "'+5521987654321" in line and "/booth/p/" in line


def test_code_gives_own_media_only_and_cannot_be_enumerated(event: dict[str, Any]) -> None:
    kiosk = operator(event["event_id"])
    one = service.capture(kiosk, event["event_id"], form(event))
    two = service.capture(kiosk, event["event_id"], form(event, name="Other Person"))
    s3 = aws.client("s3")
    for who in (one, two):
        key = service.media_prefix(event["event_id"], who["participant_id"])
        s3.put_object(
            Bucket=service.media_bucket(), Key=key + "video.mp4", Body=b"v" + who["participant_id"].encode()
        )
        service.media_ready(event["event_id"], who["participant_id"], {"video": key + "video.mp4"})
    got = service.by_code(one["code"], "203.0.113.7")
    assert set(got["media"]) == {"video"}
    assert (
        one["participant_id"] in got["media"]["video"] and two["participant_id"] not in got["media"]["video"]
    )
    wrong = [
        one["code"][:-1] + ("A" if one["code"][-1] != "A" else "B"),
        "x" * 32,
        "../" * 11,
        one["code"] + "=",
        "",
        "' OR 1=1 --",
    ]
    for guess in wrong:
        with pytest.raises(ParticipantNotFound):
            service.by_code(guess, "203.0.113.8")
    for _ in range(access.LOOKUPS_PER_MINUTE - len(wrong)):
        with pytest.raises(ParticipantNotFound):
            service.by_code("y" * 32, "203.0.113.8")
    with pytest.raises(access.TooManyLookups):  # even the right code, once the client is over the limit
        service.by_code(two["code"], "203.0.113.8")
    assert service.by_code(two["code"], "198.51.100.1")["status"] == "ready"  # another client is not


def test_erasure_removes_pii_media_and_collage_frames(event: dict[str, Any]) -> None:
    eid, kiosk = event["event_id"], operator(event["event_id"])
    people = [service.capture(kiosk, eid, form(event, name=f"Person {chr(65 + i)}")) for i in range(5)]
    s3 = aws.client("s3")
    for who in people:
        prefix = service.media_prefix(eid, who["participant_id"])
        for name in ("photo.jpg", "video.mp4", "print.jpg", "frames/000001.png"):
            s3.put_object(Bucket=service.media_bucket(), Key=prefix + name, Body=b"x")
        service.media_ready(
            eid, who["participant_id"], {"video": prefix + "video.mp4", "image": prefix + "print.jpg"}
        )
    collage = service.request_collage(organiser(), eid, 5)
    gone = people[2]
    audit = service.erase(organiser(), eid, gone["participant_id"])
    assert audit["objects_deleted"] == 4 and audit["collages_changed"] == [collage["collage_id"]]
    left = s3.list_objects_v2(
        Bucket=service.media_bucket(), Prefix=service.media_prefix(eid, gone["participant_id"])
    )
    assert left["KeyCount"] == 0
    assert gone["participant_id"] not in service.collages(organiser(), eid)[0]["participant_ids"]
    with pytest.raises(ParticipantNotFound):
        service.by_code(gone["code"], "192.0.2.1")
    assert [r["participant_id"] for r in service.participants_of(organiser(), eid)] == sorted(
        p["participant_id"] for p in people if p is not gone
    )
    log = service.audit_log(organiser(), eid)
    assert [(a["action"], a["participant_id"], a["by"]) for a in log] == [
        ("erased", gone["participant_id"], "org-a")
    ]
    assert "Person C" not in _raw_table()
    assert service.erase(organiser(), eid, gone["participant_id"])["had_record"] is False  # repeatable


def test_collage_only_of_consenting_participants(event: dict[str, Any]) -> None:
    eid, kiosk = event["event_id"], operator(event["event_id"])
    for i in range(6):
        who = service.capture(kiosk, eid, form(event, collage=i % 2 == 0))
        prefix = service.media_prefix(eid, who["participant_id"])
        service.media_ready(eid, who["participant_id"], {"video": prefix + "video.mp4"})
    with pytest.raises(ValueError, match="only 3 participants consented"):
        service.request_collage(organiser(), eid, 4)
    with pytest.raises(ValueError):
        service.request_collage(organiser(), eid, 101)


def test_print_queue(event: dict[str, Any]) -> None:
    eid, kiosk = event["event_id"], operator(event["event_id"])
    who = service.capture(kiosk, eid, form(event))
    pid = who["participant_id"]
    assert service.print_queue(kiosk, eid) == []
    service.media_ready(eid, pid, {"image": service.media_prefix(eid, pid) + "print.jpg"})
    assert [p["participant_id"] for p in service.print_queue(kiosk, eid)] == [pid]
    assert service.mark_printed(kiosk, eid, pid)["count"] == 1
    assert service.print_queue(kiosk, eid) == []
    with pytest.raises(ValueError):
        service.mark_printed(kiosk, eid, pid)
    service.reprint(kiosk, eid, pid)
    assert service.mark_printed(kiosk, eid, pid)["count"] == 2
    with pytest.raises(ValueError):  # the workflow may only point at the participant's own prefix
        service.media_ready(eid, pid, {"image": "booth/other/print.jpg"})


BAD_EVENTS = [
    ("", 30, None),
    ("x" * 121, 30, None),
    ("ok", 0, None),
    ("ok", 366, None),
    ("ok", 31, None),
    ("ok", 30, [{"key": "collage", "text": "t", "required": False}]),
    (
        "ok",
        30,
        [{"key": "media", "text": "a", "required": True}, {"key": "media", "text": "b", "required": True}],
    ),
]


def test_bad_events(aws_env: None) -> None:
    for name, days, consents in BAD_EVENTS:  # one moto setup for all: each case alone would cost 1 s
        with pytest.raises(ValueError):
            service.create_event(organiser(), name, consents, days)


def test_a_job_finishing_after_erasure_leaves_nothing(event: dict[str, Any]) -> None:
    from soundmosaic.booth import workflow

    eid = event["event_id"]
    pid = service.capture(operator(eid), eid, form(event))["participant_id"]
    service.erase(organiser(), eid, pid)
    s3 = aws.client("s3")
    late = [
        workflow.work_prefix(eid, pid, "job-1") + "chunk-0000.mp4",
        service.media_prefix(eid, pid) + "video.mp4",
    ]
    for key in late:  # what a job still running wrote after the erasure
        s3.put_object(Bucket=service.media_bucket(), Key=key, Body=b"x")
    assert workflow.ready(eid, pid, "job-1", "swap")["erased"] is True
    listed = s3.list_objects_v2(Bucket=service.media_bucket(), Prefix=service.media_prefix(eid, pid))
    assert listed["KeyCount"] == 0
