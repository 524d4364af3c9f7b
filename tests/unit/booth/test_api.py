"""The booth routes through the API handler (API Gateway v2 events, moto), with the claims a
token carries. Hostile requests tried: another event's operator and organiser (404, nothing
read), an operator exporting or erasing (403), a token with no booth role (403), a forged event id
(422), unknown and oversized fields (422), a bad form (400 with per-field errors), a code lookup
without a token (allowed, the one public route) and with a guessed code (404), a flood (429)."""

from __future__ import annotations

import json
from typing import Any

from soundmosaic_local.runtime.dispatcher import LocalContext
from soundmosaic_local.runtime.http_api import to_v2_event

from .conftest import PII

ORG_A = {"sub": "org-a", "custom:booth_role": "organiser"}
ORG_B = {"sub": "org-b", "custom:booth_role": "organiser"}


def kiosk(event_id: str) -> dict[str, str]:
    return {"sub": "kiosk-1", "custom:booth_role": "operator", "custom:booth_event": event_id}


def call(
    claims: dict[str, str] | None, method: str, path: str, body: Any = None, ip: str = "10.0.0.1"
) -> tuple[int, Any, dict[str, str]]:
    from functions.api.app import handler

    raw = json.dumps(body).encode() if body is not None else b""
    event = to_v2_event(method, f"/api{path}", "", {"content-type": "application/json"}, raw, claims, ip)
    context = LocalContext("api", 512, 30, "req-1", "arn:aws:lambda:us-east-1:123456789012:function:api")
    reply = handler(event, context)
    text = reply.get("body") or ""
    is_json = reply.get("headers", {}).get("Content-Type", "").startswith("application/json")
    return reply["statusCode"], json.loads(text) if text and is_json else text, reply.get("headers", {})


def answers(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": c["key"], "text": c["text"], "accepted": True} for c in event["consents"]]


def test_booth_routes_roles_and_tenancy(aws_env: None) -> None:
    status, a, _ = call(ORG_A, "POST", "/booth/events", {"name": "Festival A", "retention_days": 14})
    assert status == 201, a
    b = call(ORG_B, "POST", "/booth/events", {"name": "Festival B"})[1]
    ea, eb = a["event_id"], b["event_id"]
    assert call(kiosk(ea), "GET", f"/booth/events/{ea}")[1]["consents"] == a["consents"]

    status, bad, _ = call(
        kiosk(ea),
        "POST",
        f"/booth/events/{ea}/participants",
        {"name": "<b>x</b>", "email": "nope", "phone": "123", "consents": answers(a)},
    )
    assert status == 400 and set(bad["errors"]) == {"name", "email", "phone"}
    assert (
        call(
            kiosk(ea),
            "POST",
            f"/booth/events/{ea}/participants",
            {**PII, "consents": answers(a), "role": "organiser"},
        )[0]
        == 422
    )  # unknown field
    assert (
        call(
            kiosk(ea),
            "POST",
            f"/booth/events/{ea}/participants",
            {**PII, "name": "x" * 401, "consents": answers(a)},
        )[0]
        == 422
    )  # oversized
    status, got, _ = call(
        kiosk(ea), "POST", f"/booth/events/{ea}/participants", {**PII, "consents": answers(a)}
    )
    assert status == 201, got
    pid = got["participant_id"]

    # Another event's staff: 404 on every route; a fan's token: 403; a forged id: 422.
    for claims in (kiosk(eb), ORG_B):
        for method, path in (
            ("GET", f"/booth/events/{ea}"),
            ("GET", f"/booth/events/{ea}/participants"),
            ("GET", f"/booth/events/{ea}/export"),
            ("GET", f"/booth/events/{ea}/prints"),
            ("DELETE", f"/booth/events/{ea}/participants/{pid}"),
        ):
            status, reply, _ = call(claims, method, path)
            assert status == 404, (claims, path, reply)
            assert PII["name"] not in json.dumps(reply)
    assert call({"sub": "fan"}, "GET", f"/booth/events/{ea}/participants")[0] == 403
    assert call(ORG_A, "GET", "/booth/events/ev_../../x/participants")[0] in (404, 422)
    assert call(None, "GET", f"/booth/events/{ea}/participants")[0] == 401  # no token at all

    # The kiosk sees opaque rows; only the organiser exports, erases.
    rows = call(kiosk(ea), "GET", f"/booth/events/{ea}/participants")[1]
    assert rows[0]["participant_id"] == pid and "email" not in rows[0]
    assert call(kiosk(ea), "GET", f"/booth/events/{ea}/export")[0] == 403
    assert call(kiosk(ea), "DELETE", f"/booth/events/{ea}/participants/{pid}")[0] == 403
    status, csv_text, headers = call(ORG_A, "GET", f"/booth/events/{ea}/export")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert PII["email"] in csv_text and got["download_url"] in csv_text

    # The participant's page: no token, the code is the credential; guesses are 404, floods 429.
    status, mine, _ = call(None, "GET", f"/booth/public/media/{got['code']}")
    assert status == 200 and mine == {"status": "captured", "media": {}}
    assert call(None, "GET", "/booth/public/media/" + "A" * 32, ip="10.9.9.9")[0] == 404
    statuses = [call(None, "GET", "/booth/public/media/" + "B" * 32, ip="10.9.9.9")[0] for _ in range(20)]
    assert statuses[-1] == 429 and statuses[0] == 404

    status, audit, _ = call(ORG_A, "DELETE", f"/booth/events/{ea}/participants/{pid}")
    assert status == 200 and audit["participant_id"] == pid and audit["action"] == "erased"
    assert call(None, "GET", f"/booth/public/media/{got['code']}", ip="10.1.1.1")[0] == 404
    assert call(ORG_A, "GET", f"/booth/events/{ea}/participants")[1] == []
