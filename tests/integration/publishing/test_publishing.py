"""Publishing a kept take on the local stack, over HTTP: the publish queue's consumer packages the
release into S3 and submits it to the sandbox distributor, through outages (500s, a hang), and a
statement naming the assigned ISRC is split 67/33 over the ten songs' holders and the catalog.

The take is made here without the generation workflow: a FluidSynth-rendered WAV in the media
bucket, its provenance recorded (ten demo-catalog works, the other six as training data) and a
ready, kept take record, as the ``store`` step leaves them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import httpx
import pytest
from soundmosaic.generation import projects
from soundmosaic.generation.projects import ProjectStore, Song, Take
from soundmosaic.platform import aws
from soundmosaic.platform.paging import new_id
from soundmosaic.royalties.provenance import Influence, Provenance, pro_rata
from soundmosaic.royalties.tenancy import TenantProvenance

from tests.integration.royalties.test_royalties import client, wait

pytestmark = pytest.mark.integration
ARTIST = "artist-a"  # the ``api`` fixture's artist


def make_take(stack: Any, demo_songs: list[Any], influence: dict[int, int] | None = None) -> Take:
    """Ten matched demo songs, the take's master (a demo song's WAV) and its provenance."""
    ten, rest = demo_songs[:10], demo_songs[10:]
    store = ProjectStore()
    project = store.create(ARTIST, "Publishing")
    for n, song in enumerate(ten):
        rec = song.recording
        store.put_song(Song(ARTIST, project.project_id, f"s{n:02d}", f"trk-{n}", rec.title,
                            status=projects.MATCHED, match={
                                "recording_id": rec.recording_id, "title": rec.title,
                                "artists": list(rec.artists), "isrc": rec.isrc, "work_id": rec.work.work_id,
                                "holders": {h: str(s) for h, s in rec.shares().items()},
                                "holder_names": dict(rec.holder_names), "confidence": 1.0, "by": "hand"}))
    weights = pro_rata({s.recording.work.work_id: (influence or {}).get(i, i + 1) for i, s in enumerate(ten)})
    training = pro_rata({s.recording.work.work_id: s.recording.duration_ms for s in rest})
    take_id = new_id()
    prov = Provenance(f"gen-{take_id}",
                      tuple(Influence(s.recording.work, weights[s.recording.work.work_id]) for s in ten),
                      tuple(Influence(s.recording.work, training[s.recording.work.work_id]) for s in rest))
    recorded = TenantProvenance(ARTIST).record_owned(prov, f"platform:generation:{ARTIST}")
    key = f"artists/{ARTIST}/generation/{project.project_id}/takes/{take_id}/master.wav"
    aws.client("s3").put_object(Bucket=os.environ["MEDIA_BUCKET"], Key=key,
                                Body=demo_songs[-1].audio.read_bytes(), ContentType="audio/wav")
    return store.put_take(Take(ARTIST, project.project_id, take_id, seed=11, seconds=20.0,
                               influence="85/100", status=projects.READY, engine="offline test",
                               offline=True, audio_key=key, duration_s=20.0,
                               provenance_track_id=prov.track_id, provenance_version=recorded.version,
                               kept=True))


def path(take: Take, tail: str) -> str:
    return f"/generation/projects/{take.project_id}/takes/{take.take_id}/{tail}"


def follow(api: Any, take: Take, done: Callable[[dict[str, Any]], bool], timeout: float = 45) -> list[str]:
    """Poll the publication until ``done``; every status seen, in order (repeats dropped)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = api.http.get(path(take, "publication"))
        assert reply.status_code == 200, reply.text
        pub = reply.json()
        if not seen or seen[-1] != pub["status"]:
            seen.append(pub["status"])
        if done(pub):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"publication did not finish: {seen}")


def submitted(pub: dict[str, Any]) -> bool:
    return pub["status"] in ("submitted", "failed")


BODY = {"title": "Tessellate", "artist": "The Tiles", "genre": "Electronic", "release_date": "2026-12-04",
        "label": "Mosaic Records"}


@pytest.fixture(scope="module")
def published(stack, api, demo_songs) -> dict[str, Any]:
    take = make_take(stack, demo_songs)
    reply = api.http.post(path(take, "publish"), json=BODY)
    assert reply.status_code == 202, reply.text
    statuses = follow(api, take, submitted)
    pub = api.http.get(path(take, "publication")).json()
    return {"take": take, "first": reply.json(), "statuses": statuses, "pub": pub}


def test_publish_packages_the_release_and_submits_it_to_the_sandbox(stack, api, published):
    take, pub, first = published["take"], published["pub"], published["first"]
    assert first["status"] in ("queued", "packaging", "sending", "submitted")  # the consumer is async
    assert pub["status"] == "submitted" and pub["attempts"] == 1, pub
    assert pub["isrc"].startswith("ZZSMG") and len(pub["isrc"]) == 12
    assert pub["artwork"]["source"] == "offline"  # no studio artwork picked: the offline engine's cover
    rid = f"smg-{take.take_id}"
    assert pub["release_id"] == rid and pub["package_prefix"] == f"artists/{ARTIST}/releases/{rid}/"
    files = {f["name"]: f["url"] for f in pub["package_files"]}
    assert set(files) == {f"{rid}.xml", "manifest.json", f"resources/{pub['isrc']}.wav",
                          f"resources/{rid}.png"}
    xml = httpx.get(files[f"{rid}.xml"]).content
    assert b"NewReleaseMessage" in xml and pub["isrc"].encode() in xml and b"Tessellate" in xml
    audio = httpx.get(files[f"resources/{pub['isrc']}.wav"]).content
    assert audio[:4] == b"RIFF" and len(audio) == pub["release"]["audio"]["size"]
    assert httpx.get(files[f"resources/{rid}.png"]).content[:8] == b"\x89PNG\r\n\x1a\n"
    assert stack.distributor.releases[rid]["status"] == "submitted"
    assert sorted(stack.distributor.releases[rid]["files"]) == ["artwork", "audio"]


def test_publishing_again_returns_the_same_publication(stack, api, published):
    take, pub = published["take"], published["pub"]
    creates = stack.distributor.requests.count(("POST", "/v1/releases"))
    again = api.http.post(path(take, "publish"), json={**BODY, "title": "Something else"})
    assert again.status_code == 202
    same = (again.json()["release_id"], again.json()["content_hash"])
    assert same == (pub["release_id"], pub["content_hash"])
    assert again.json()["status"] == "submitted"
    time.sleep(0.5)  # nothing was queued: the sandbox sees no new release
    assert stack.distributor.requests.count(("POST", "/v1/releases")) == creates
    retry = api.http.post(path(take, "publication/retry"))
    assert retry.status_code == 409 and "only a failed publication" in retry.json()["message"]


def test_another_artist_cannot_see_or_publish_the_take(other, published):
    take = published["take"]
    assert other.http.get(path(take, "publication")).status_code == 404
    assert other.http.post(path(take, "publish"), json=BODY).status_code == 404
    assert other.http.post(path(take, "publication/retry")).status_code == 404


def test_unkept_takes_and_bad_input_are_refused(stack, api, demo_songs):
    take = make_take(stack, demo_songs)
    ProjectStore().set_take(ARTIST, take.project_id, take.take_id, kept=False)
    reply = api.http.post(path(take, "publish"), json=BODY)
    assert reply.status_code == 409 and "not kept" in reply.json()["message"]
    assert api.http.get(path(take, "publication")).status_code == 404
    ProjectStore().set_take(ARTIST, take.project_id, take.take_id, kept=True)
    bad = api.http.post(path(take, "publish"), json={**BODY, "isrc": "NOT-AN-ISRC"})
    assert bad.status_code == 400 and "not an ISRC" in bad.json()["message"]
    assert api.http.post(path(take, "publish"), json={"title": "x"}).status_code == 422  # no genre


def test_distributor_500s_are_retried_until_submitted(stack, api, demo_songs, monkeypatch):
    monkeypatch.setenv("SOUNDMOSAIC_PUBLISH_BACKOFF_S", "1")
    take = make_take(stack, demo_songs)
    stack.distributor.fail_next(2, 500, path="/v1/releases")
    assert api.http.post(path(take, "publish"), json=BODY).status_code == 202
    statuses = follow(api, take, submitted)
    pub = api.http.get(path(take, "publication")).json()
    assert "failed_retrying" in statuses and statuses[-1] == "submitted", statuses
    assert pub["attempts"] == 3 and pub["last_error"] is None


def test_a_hanging_distributor_times_out_and_is_retried(stack, api, demo_songs, monkeypatch):
    monkeypatch.setenv("SOUNDMOSAIC_PUBLISH_BACKOFF_S", "1")
    monkeypatch.setenv("SOUNDMOSAIC_DISTRIBUTOR_TIMEOUT_S", "1")
    take = make_take(stack, demo_songs)
    stack.distributor.hang_next(1, 4.0, path="/v1/releases")
    assert api.http.post(path(take, "publish"), json=BODY).status_code == 202
    seen_error: list[str] = []

    def done(pub: dict[str, Any]) -> bool:
        if pub.get("last_error"):
            seen_error.append(pub["last_error"])
        return submitted(pub)

    statuses = follow(api, take, done)
    assert "failed_retrying" in statuses and statuses[-1] == "submitted", statuses
    assert any("timed out" in e for e in seen_error), seen_error
    rid = f"smg-{take.take_id}"
    assert stack.distributor.releases[rid]["submissions"] == 1  # the timed-out call was not done twice


def test_a_statement_naming_the_isrc_splits_67_33(stack, published, demo_songs):
    pub = published["pub"]
    tenant = client(stack, ARTIST)
    text = ("track,territory,store,period,plays,amount,currency\n"
            f"{pub['isrc']},US,spotify,2026-12,1000,100.000000,USD\n")
    upload = tenant.post("/royalties/statements/uploads",
                         json={"filename": "dec.csv", "size_bytes": len(text)})
    assert upload.status_code == 201, upload.text
    put = httpx.put(upload.json()["url"], content=text.encode(), headers=upload.json()["headers"])
    assert put.status_code == 200
    started = tenant.post("/royalties/imports", json={"key": upload.json()["key"], "source": "publish-test"})
    assert started.status_code == 202, started.text
    job = wait(tenant, started.json()["job_id"])
    assert job["status"] == "succeeded" and job["result"]["imported"] == 1, job
    # The expected weights, computed here from the catalog: 67/100 over the ten songs' works by
    # influence (1..10 pro rata), 33/100 over the six others by duration.
    ten, rest = demo_songs[:10], demo_songs[10:]
    influence = pro_rata({s.recording.work.work_id: i + 1 for i, s in enumerate(ten)})
    training = pro_rata({s.recording.work.work_id: s.recording.duration_ms for s in rest})
    expected: dict[str, Fraction] = {}
    for pool, part, songs in ((influence, Fraction(67, 100), ten), (training, Fraction(33, 100), rest)):
        for song in songs:
            weight = part * pool[song.recording.work.work_id]
            for holder, share in song.recording.shares().items():
                expected[holder] = expected.get(holder, Fraction(0)) + weight * share
    track = next(t for t in tenant.get("/royalties/holders").json()
                 if t["track_id"] == published["take"].provenance_track_id)
    assert track["isrc"] == pub["isrc"]
    allocated = {a["holder"]: a["amount_micros"] for a in track["allocated"] if a["currency"] == "USD"}
    assert sum(allocated.values()) == 100_000_000
    for holder, weight in expected.items():
        assert abs(allocated.get(holder, 0) - weight * 100_000_000) < 1, holder
