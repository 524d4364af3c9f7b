"""Listing, paging, search, delete, and the wall between artists."""

from __future__ import annotations

import boto3
import httpx
import pytest
from soundmosaic.platform.resources import physical_name

from tests.audio import tone

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def three_tracks(api, tmp_path_factory):
    folder = tmp_path_factory.mktemp("paging")
    ids = []
    for name in ("Alpha Song.wav", "Beta Song.wav", "Gamma Tune.wav"):
        job = api.job_for(api.upload(tone(folder / name, seconds=1))["key"])
        ids.append(job["result"]["track_id"])
    return ids


def test_paging_walks_every_track_once_newest_first(api, three_tracks):
    seen, cursor = [], None
    while True:
        page = api.http.get("/tracks", params={"limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        seen.extend(t["track_id"] for t in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    assert set(three_tracks) <= set(seen)
    assert seen == sorted(seen, reverse=True)


def test_search_matches_title_case_insensitively(api, three_tracks):
    found = api.http.get("/tracks", params={"q": "SONG"}).json()["items"]
    titles = {t["title"] for t in found}
    assert {"Alpha Song", "Beta Song"} <= titles and "Gamma Tune" not in titles


def test_another_artist_sees_and_touches_nothing(api, other, three_tracks):
    track_id = three_tracks[0]
    assert other.http.get("/tracks").json()["items"] == []
    assert other.http.get(f"/tracks/{track_id}").status_code == 404
    assert other.http.delete(f"/tracks/{track_id}").status_code == 404
    mine = api.http.get("/jobs").json()["items"][0]["job_id"]
    assert other.http.get(f"/jobs/{mine}").status_code == 404
    # A cursor names a key; one from artist A's listing must not open artist B's partition.
    cursor = api.http.get("/tracks", params={"limit": 1}).json()["next_cursor"]
    assert other.http.get("/tracks", params={"cursor": cursor}).status_code == 400
    # Nor can B finish a multipart upload under A's key.
    reply = other.http.post("/uploads/complete", json={
        "key": f"uploads/artist-a/x/{track_id}.wav", "s3_upload_id": "u",
        "parts": [{"part_number": 1, "etag": "e"}]})
    assert reply.status_code == 400
    assert api.http.get(f"/tracks/{track_id}").status_code == 200


def test_delete_removes_the_record_and_every_derived_object(api, three_tracks):
    track_id = three_tracks[-1]
    track = api.http.get(f"/tracks/{track_id}").json()
    s3 = boto3.client("s3")
    media = physical_name("local", "media")
    s3.put_object(Bucket=media, Key=f"artists/artist-a/tracks/{track_id}/stems/vocals.wav", Body=b"x")
    reply = api.http.delete(f"/tracks/{track_id}").json()
    assert reply["objects_deleted"] == 2
    assert api.http.get(f"/tracks/{track_id}").status_code == 404
    listing = s3.list_objects_v2(Bucket=media, Prefix=f"artists/artist-a/tracks/{track_id}/")
    assert listing.get("KeyCount", 0) == 0
    assert httpx.get(track["media_url"]).status_code == 404


def test_hostile_names_and_queries_are_harmless(api, tmp_path):
    path = tone(tmp_path / "x.wav", seconds=1)
    upload = api.upload(path, name="../../etc/passwd<script>.wav")
    assert upload["key"].startswith("uploads/artist-a/") and ".." not in upload["key"].split("/")
    job = api.job_for(upload["key"])
    assert job["status"] == "succeeded"
    weird = api.http.get("/tracks", params={"q": "') OR 1=1 --\u0000"})
    assert weird.status_code == 200 and weird.json()["items"] == []
    assert api.http.get("/tracks", params={"cursor": "not-a-cursor"}).status_code == 400
    assert api.http.get("/tracks", params={"limit": 100000}).status_code == 422
