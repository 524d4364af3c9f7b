"""The notes routes through the API handler (API Gateway v2 events, moto): the room's member check
guards every route, a role decides who changes whose note, and hostile requests are refused.

Hostile input tried: a caller outside the room (every route: 404, nothing written), a forged room
id, a writer editing another's note (403), unknown and oversized fields (422), a bad tag (400).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from soundmosaic.writers import rooms
from soundmosaic.writers.store import WritersStore
from soundmosaic_local.runtime.dispatcher import LocalContext
from soundmosaic_local.runtime.http_api import to_v2_event


@pytest.fixture
def room(aws_env: None) -> str:
    """A room of ana (admin) with ben (writer) and eve (editor); mallory is in no room."""
    store = WritersStore()
    room_id = str(rooms.create(store, "ana", "Unter Uns", "de")["room_id"])
    rooms.set_member(store, "ana", room_id, "ben", "writer")
    rooms.set_member(store, "ana", room_id, "eve", "editor")
    return room_id


def call(user: str, method: str, path: str, body: Any = None, query: str = "") -> tuple[int, Any]:
    from functions.api.app import handler

    raw = json.dumps(body).encode() if body is not None else b""
    event = to_v2_event(method, f"/api{path}", query, {"content-type": "application/json"}, raw,
                        {"sub": user}, "10.0.0.1")
    context = LocalContext("api", 512, 30, "req-1", "arn:aws:lambda:us-east-1:123456789012:function:api")
    reply = handler(event, context)
    return reply["statusCode"], json.loads(reply["body"]) if reply.get("body") else None


def test_members_write_search_and_change_notes_by_role(room: str) -> None:
    notes = f"/writers/rooms/{room}/notes"
    status, note = call("ben", "POST", notes, {"title": "Lena's secret", "body": "the letter",
                                               "tags": ["Cliffhanger"], "episodes": [12],
                                               "characters": ["Lena"]})
    assert status == 201, note
    assert (note["author"], note["tags"], note["episodes"]) == ("ben", ["cliffhanger"], [12])
    call("ana", "POST", notes, {"title": "Rent", "tags": ["money"], "episodes": [2], "characters": ["Petra"]})

    status, listed = call("eve", "GET", notes, query="q=LETTER&episode=12")
    assert status == 200
    assert [n["title"] for n in listed["items"]] == ["Lena's secret"]
    assert listed["total"] == 1 and listed["tags"] == {"cliffhanger": 1, "money": 1}
    assert call("eve", "GET", notes, query="character=petra")[1]["total"] == 1

    one = f"{notes}/{note['note_id']}"
    status, refused = call("ana", "PATCH", one, {"title": "x"})  # an admin may
    assert status == 200 and refused["title"] == "x"
    call("ben", "POST", notes, {"title": "ben's own"})
    ana_note = next(n for n in call("ben", "GET", notes)[1]["items"] if n["title"] == "Rent")
    status, refused = call("ben", "PATCH", f"{notes}/{ana_note['note_id']}", {"title": "mine now"})
    assert status == 403, refused  # a writer may not change another's note
    assert call("ben", "DELETE", f"{notes}/{ana_note['note_id']}")[0] == 403
    assert call("eve", "DELETE", f"{notes}/{ana_note['note_id']}")[0] == 204  # an editor may
    assert call("eve", "DELETE", f"{notes}/{ana_note['note_id']}")[0] == 404


def test_a_caller_outside_the_room_reaches_nothing(room: str) -> None:
    notes = f"/writers/rooms/{room}/notes"
    status, note = call("ana", "POST", notes, {"title": "secret"})
    one = f"{notes}/{note['note_id']}"
    for method, path, body in (("GET", notes, None), ("POST", notes, {"title": "intruder"}),
                               ("PATCH", one, {"title": "defaced"}), ("DELETE", one, None)):
        status, reply = call("mallory", method, path, body)
        assert status == 404, (method, reply)
        assert "secret" not in json.dumps(reply)
    # a forged or malformed room id answers the same
    for bad in ("nope", "..%2F..", "R%23x"):
        assert call("ana", "GET", f"/writers/rooms/{bad}/notes")[0] == 404
    status, listed = call("ana", "GET", notes)
    assert [n["title"] for n in listed["items"]] == ["secret"]  # nothing written, nothing lost


@pytest.mark.parametrize("body,status", [
    ({"title": "ok", "author": "ana"}, 422),  # the author is the token's, never the body's
    ({"title": "ok", "room_id": "other"}, 422),
    ({"title": ""}, 422),
    ({"title": "x" * 201}, 422),
    ({"title": "ok", "tags": ["t"] * 21}, 422),
    ({"title": "ok", "episodes": [-1]}, 422),
    ({"title": "ok", "body": "x" * 20_001}, 422),
    ({"title": "ok", "tags": ["<script>"]}, 400),
    ({"title": "   "}, 400),
])
def test_hostile_bodies_are_refused(room: str, body: dict[str, Any], status: int) -> None:
    got, reply = call("ben", "POST", f"/writers/rooms/{room}/notes", body)
    assert got == status, reply
    assert call("ben", "GET", f"/writers/rooms/{room}/notes")[1]["total"] == 0
