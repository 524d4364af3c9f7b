"""Concurrent API requests of two artists never see each other's data (one environment each)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.audio import tone

pytestmark = pytest.mark.integration


def test_parallel_requests_of_two_artists_stay_apart(api, other, tmp_path):
    mine = api.job_for(api.upload(tone(tmp_path / "mine.wav", seconds=1))["key"])["result"]["track_id"]

    def ask(client):
        reply = client.http.get("/tracks", params={"limit": 200})
        return client, reply.status_code, {t["track_id"] for t in reply.json()["items"]}

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, [api, other] * 40))
    for client, status, ids in results:
        assert status == 200
        assert (mine in ids) == (client is api)
