"""``media.presigned_gets`` signs like botocore: each URL equals ``presigned_get``'s for its key
(keys with spaces, accents, plus signs and deep paths; with and without a session token)."""

from __future__ import annotations

import pytest
from soundmosaic.library import media

KEYS = ["artists/a/tracks/t/samples/drums/kick/001.wav", "a b/ü+é (1).wav", "x", "deep/" * 20 + "~tilde.wav"]


@pytest.mark.parametrize("token", [None, "session-token/with+chars="])
def test_every_url_is_the_one_botocore_makes(aws_env, monkeypatch, token):
    from soundmosaic.platform import aws

    if token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", token)
        aws.reset()
    for _ in range(5):  # both must fall in the same second (X-Amz-Date)
        fast = media.presigned_gets("bucket-1", KEYS)
        slow = [media.presigned_get("bucket-1", k) for k in KEYS]
        if fast[0] == slow[0]:
            break
    assert fast == slow
    assert media.presigned_gets("bucket-1", []) == []
