"""The named catalogs over HTTP on the local stack, with the fake Apple Music API: which catalogs
are in use, Apple Music search beside the local one, matching by hand to an Apple Music song whose
rights are unknown (the project waits), and the royalty admins' rights form.

Hostile input tried: a search of a catalog without keys (409), an unknown source (422), a query
over 200 characters (422), the rights routes as an artist (403), an unknown field in the form
(422), a form without a reason or with a blank one (422), a role not in the list (422), shares
that do not sum to 1 (400), another artist matching a song of this project (404).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from soundmosaic.generation import projects
from soundmosaic.generation.projects import ProjectStore

from tests.fakes.apple_music_server import AppleSong, FakeAppleMusic

pytestmark = pytest.mark.integration
ARTIST = "artist-a"
UNKNOWN_ISRC = "QZABC2600098"


@pytest.fixture
def apple(monkeypatch: pytest.MonkeyPatch, demo_songs: list[Any]) -> Iterator[FakeAppleMusic]:
    known = demo_songs[1].recording
    songs = [AppleSong("2000000001", known.title, known.artists[0], str(known.isrc)),
             AppleSong("2000000002", "Harbour Static", "Nobody Known", UNKNOWN_ISRC)]
    with FakeAppleMusic(songs) as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)  # the local stack's API runs in this process
        yield fake


def admin_client(stack: Any) -> httpx.Client:
    token = stack.dev_token("ops-admin", None, ("royalty-admins",))
    return httpx.Client(base_url=stack.api_url + "/api", timeout=60,
                        headers={"Authorization": f"Bearer {token}"})


def test_without_keys_the_local_catalog_only(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APPLE_MUSIC_KEY_ID", "APPLE_MUSIC_TEAM_ID", "APPLE_MUSIC_PRIVATE_KEY", "ACOUSTID_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert api.http.get("/generation/catalog/sources").json() == {"sources": ["local"]}
    reply = api.http.get("/generation/catalog/external", params={"source": "apple-music", "q": "harbour"})
    assert reply.status_code == 409 and "not configured" in reply.json()["message"]


def test_apple_music_search_match_and_the_rights_form(api: Any, other: Any, stack: Any,
                                                      apple: FakeAppleMusic) -> None:
    assert api.http.get("/generation/catalog/sources").json() == {"sources": ["local", "apple-music"]}
    search = "/generation/catalog/external"
    for params in ({"source": "spotify", "q": "x"}, {"source": "apple-music", "q": "x" * 201}):
        assert api.http.get(search, params=params).status_code == 422
    found = api.http.get(search, params={"source": "apple-music", "q": "harbour static"})
    assert found.status_code == 200, found.text
    (item,) = found.json()["items"]
    assert (item["recording_id"], item["rights"], item["isrc"]) == (
        "apple-music:2000000002", "needed", UNKNOWN_ISRC)

    store = ProjectStore()
    project = store.create(ARTIST, "Apple matches")
    store.put_song(projects.Song(ARTIST, project.project_id, "s-9", "t-9", "My upload",
                                 status=projects.UNMATCHED))
    path = f"/generation/projects/{project.project_id}/songs/s-9/match"
    assert other.http.put(path, json={"recording_id": "apple-music:2000000002"}).status_code == 404
    song = api.http.put(path, json={"recording_id": "apple-music:2000000002"})
    assert song.status_code == 200, song.text
    assert song.json()["status"] == "needs_rights" and song.json()["external"]["title"] == "Harbour Static"
    detail = api.http.get(f"/generation/projects/{project.project_id}").json()
    assert detail["ready"] is False and "a royalty admin must add them" in detail["songs"][0]["error"]

    assert api.http.get("/generation/rights/pending").status_code == 403
    refused = {"recording_id": "apple-music:2000000002", "holders": {"h:1": "1"}, "reason": "mine"}
    assert api.http.post("/generation/rights", json=refused).status_code == 403
    admin = admin_client(stack)
    pending = admin.get("/generation/rights/pending").json()["items"]
    assert "apple-music:2000000002" in [p["recording_id"] for p in pending]
    body = {"recording_id": "apple-music:2000000002", "holders": {"holder:hs-1": "1/2", "holder:hs-2": "1/2"},
            "holder_names": {"holder:hs-1": "Hana Static"}, "reason": "publisher split sheet"}
    assert admin.post("/generation/rights", json={**body, "title": "mine"}).status_code == 422
    unexplained = {k: v for k, v in body.items() if k != "reason"}
    assert admin.post("/generation/rights", json=unexplained).status_code == 422
    assert admin.post("/generation/rights", json={**body, "reason": "    "}).status_code == 422
    unknown_role = {**body, "holder_roles": {"holder:hs-1": "owner"}}
    assert admin.post("/generation/rights", json=unknown_role).status_code == 422
    bad = admin.post("/generation/rights", json={**body, "holders": {"holder:hs-1": "1/2"}})
    assert bad.status_code == 400 and "not exactly 1" in bad.json()["message"]
    added = admin.post("/generation/rights", json=body)
    assert added.status_code == 201, added.text
    assert added.json()["title"] == "Harbour Static" and added.json()["audit_operation"]

    song = api.http.put(path, json={"recording_id": "apple-music:2000000002"})
    assert song.json()["status"] == "matched"
    assert song.json()["match"]["holder_names"] == {"holder:hs-1": "Hana Static"}
