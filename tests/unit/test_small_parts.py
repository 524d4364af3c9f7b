"""Auth tokens, key layout, schedules, the event shape of the local gateway, error reasons."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from soundmosaic.library import keys
from soundmosaic.platform import auth
from soundmosaic.platform.jobs import reason_from_error
from soundmosaic_local import dev_tokens
from soundmosaic_local.runtime.http_api import from_v2_response, to_v2_event
from soundmosaic_local.runtime.persistence import _is_write
from soundmosaic_local.runtime.scheduler import next_fire
from soundmosaic_local.runtime.snapshots import _binary

SECRET = "unit-test-secret-of-32-bytes-or-more"


def test_dev_tokens_verify_and_carry_the_artist():
    token = dev_tokens.mint(SECRET, "artist-1")
    assert auth.artist_from_claims(dev_tokens.verify(SECRET, token)) == "artist-1"
    with pytest.raises(auth.Unauthorized):
        dev_tokens.verify(SECRET[::-1], token)
    with pytest.raises(auth.Unauthorized):
        dev_tokens.verify(SECRET, dev_tokens.mint(SECRET, "artist-1", ttl_s=-10))
    with pytest.raises(ValueError):
        dev_tokens.mint(SECRET, "../etc")


def test_claims_prefer_the_custom_artist_attribute():
    assert auth.artist_from_claims({"sub": "u-1", "custom:artist_id": "band"}) == "band"
    with pytest.raises(auth.Unauthorized):
        auth.artist_from_claims({"sub": "a/b"})


@pytest.mark.parametrize("name, safe", [
    ("song.wav", "song.wav"),
    ("../../etc/passwd", "passwd"),
    ("C:\\music\\take 1.mp3", "take 1.mp3"),
    ("\x00\x1f<script>.ogg", "_script_.ogg"),
    ("...", "upload"),
])
def test_file_names_become_one_safe_key_segment(name, safe):
    assert keys.safe_filename(name) == safe


def test_incoming_keys_resolve_to_their_owner():
    assert keys.parse_incoming("uploads/a1/u1/x.wav") == keys.IncomingObject("a1", "x.wav", "upload", "u1")
    assert keys.parse_incoming("drop/a1/x.wav") == keys.IncomingObject("a1", "x.wav", "drop")
    for key in ("uploads/a1/x.wav", "drop/x.wav", "other/a1/u/x.wav", "uploads/a1//x.wav"):
        assert keys.parse_incoming(key) is None


def test_eventbridge_expressions():
    monday_3am = next_fire("cron(0 3 ? * MON *)", datetime(2026, 11, 23, 4, 0, tzinfo=UTC))
    assert monday_3am == datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert next_fire("rate(5 minutes)", datetime(2026, 1, 1, tzinfo=UTC)).minute == 5
    with pytest.raises(ValueError):
        next_fire("cron(0 3 * *)", datetime(2026, 1, 1, tzinfo=UTC))


def test_local_gateway_builds_api_gateway_v2_events():
    event = to_v2_event("GET", "/api/tracks", "q=a&q=b&limit=5", {"host": "h"}, b"",
                        {"sub": "a1"}, "10.0.0.1")
    assert event["version"] == "2.0" and event["rawPath"] == "/api/tracks"
    assert event["queryStringParameters"] == {"q": "a,b", "limit": "5"}
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {"sub": "a1"}
    assert to_v2_event("POST", "/x", "", {}, b"\xff\xfe", None, "1")["isBase64Encoded"] is True
    status, _, body = from_v2_response({"statusCode": 201, "body": json.dumps({"a": 1}),
                                              "headers": {"Content-Type": "application/json"}})
    assert status.startswith("201") and json.loads(body) == {"a": 1}


def test_only_s3_and_dynamodb_writes_mark_state_dirty():
    presigned = "X-Amz-Credential=k%2F2026%2Fus-east-1%2Fs3%2Faws4_request"
    s3_put = {"REQUEST_METHOD": "PUT", "QUERY_STRING": presigned}
    assert _is_write(s3_put)
    assert _is_write({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"})
    assert not _is_write({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.Query"})
    assert not _is_write({"REQUEST_METHOD": "GET"})
    signed = "AWS4-HMAC-SHA256 Credential=k/d/r/sqs/aws4_request"
    sqs = {"REQUEST_METHOD": "POST", "HTTP_AUTHORIZATION": signed}
    assert not _is_write(sqs)


def test_workflow_errors_become_readable_reasons():
    cause = json.dumps({"errorType": "InvalidAudio", "errorMessage": "no audio stream found"})
    reason = reason_from_error({"Error": "InvalidAudio", "Cause": cause})
    assert reason == "InvalidAudio: no audio stream found"
    assert reason_from_error({"Error": "States.Timeout"}) == "States.Timeout"


def test_snapshots_keep_binary_attributes_as_base64_and_restore_the_bytes():
    item = {"pk": {"S": "FP#01"}, "fp": {"B": b"\x00\xff\x10"}, "set": {"BS": [b"a", b"\x80"]},
            "nested": {"M": {"B": {"S": "an attribute named B"}, "raw": {"B": b"\x01"}}},
            "list": {"L": [{"B": b"\x02"}, {"N": "1"}]}}
    saved = _binary(item, True)
    assert json.loads(json.dumps(saved)) == saved  # plain JSON now
    assert saved["fp"] == {"B": "AP8Q"}
    assert saved["nested"]["M"]["B"] == {"S": "an attribute named B"}
    assert _binary(saved, False) == item
