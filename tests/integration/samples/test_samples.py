"""The samples library over HTTP on the local stack: search, similar sounds, the map, managing
samples and stems, and tenancy.

Two tracks are seeded through the domain code: a track record, a synthesised drum stem (kicks,
snares and hats from the classifier's training synthesiser, the same kick in both tracks) and the
audio lab's real ``samples`` stage on it (slicing, the shipped classifier, vectors, sidecars, index).
Hostile input tried: another artist's ids, cursors and stems; ids with path characters; unknown
classes and fields; overlong names and tag lists; an inverted range; a forged cursor.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import boto3
import httpx
import numpy as np
import pytest
from soundmosaic.audio import pipeline
from soundmosaic.audio.signal import Audio, write_wav
from soundmosaic.library.tracks import Track, TrackStore
from soundmosaic.platform.paging import new_id
from soundmosaic.platform.resources import physical_name
from soundmosaic_local.training import synth

from tests.integration.conftest import Api

pytestmark = pytest.mark.integration
SR = 44100


def drum_stem(kick: np.ndarray, seed: int) -> Audio:
    """Two bars: kick, hat, snare, hat on each beat pair, a second apart."""
    rng = np.random.default_rng(seed)
    hits = [
        kick,
        synth.generate("closed_hat", rng),
        synth.generate("snare", rng),
        synth.generate("closed_hat", rng),
    ] * 2
    out = np.zeros(SR * (len(hits) + 1), np.float32)
    for n, hit in enumerate(hits):
        hit = np.asarray(hit, np.float32)[: SR // 2]
        out[n * SR + SR // 4 : n * SR + SR // 4 + len(hit)] += (
            0.8 * hit / max(1e-6, float(np.abs(hit).max()))
        )
    return Audio(out[None, :], SR)


def seed_track(artist: str, title: str, kick: np.ndarray, seed: int, tmp: Path) -> str:
    track_id = new_id()
    TrackStore().put(
        Track(
            artist_id=artist,
            track_id=track_id,
            title=title,
            filename=f"{title}.wav",
            media_key=f"artists/{artist}/tracks/{track_id}/original.wav",
            size_bytes=1,
            facts={"duration_s": 9.0},
            bpm=96.0,
            key="A minor",
        )
    )
    files = pipeline.TrackFiles(artist, track_id, tmp / track_id)
    stem = write_wav(tmp / track_id / "drums.wav", drum_stem(kick, seed))
    files.put("stems/drums.wav", stem, "audio/wav")
    files.put("stems/other.wav", stem, "audio/wav")
    files.put_json("stems/separation.json", {"stems": ["drums", "other"], "engine": "test"})
    request = pipeline.StageRequest(artist, track_id, "job", stages=["samples"], stem="drums")
    pipeline.samples(request, files)
    return track_id


@pytest.fixture(scope="module")
def library(stack, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("samples")
    kick = synth.generate("kick", np.random.default_rng(7))
    first = seed_track("sampler-a", "Night Drive", kick, 1, tmp)
    second = seed_track("sampler-a", "Morning Run", kick, 2, tmp)
    return {"first": first, "second": second, "a": Api(stack, "sampler-a"), "b": Api(stack, "sampler-b")}


def ids_of(items: list[dict]) -> list[str]:
    return [i["sample_id"] for i in items]


def all_samples(api: Api, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.http.get(
            "/samples", params={**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


def test_every_sample_is_listed_once_with_its_facts_and_filters_narrow(library):
    api = library["a"]
    items = all_samples(api)
    ids = [i["sample_id"] for i in items]
    assert len(ids) == len(set(ids)) >= 6  # repeated hits fold into one sample
    assert {i["track_id"] for i in items} == {library["first"], library["second"]}
    for item in items:
        assert set(item) >= {"sample_id", "track_id", "stem", "class", "confidence", "duration_s", "url"}
        assert item["kind"] == "sample" and item["stem"] == "drums" and item["key"] == "A minor"
    for item in items[:3]:  # the fast presigned URLs open on the stack's S3
        audio = httpx.get(item["url"])
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    kicks = all_samples(api, **{"class": "kick"})
    assert kicks and all(i["class"] == "kick" for i in kicks)
    assert ids_of(all_samples(api, q="kick")) == ids_of(kicks)  # the class is a word too
    assert [i["track_id"] for i in all_samples(api, track_id=library["first"])] == [
        i["track_id"] for i in items if i["track_id"] == library["first"]
    ]
    assert len(all_samples(api, bpm_min=90, bpm_max=100, key="a minor")) == len(items)
    assert all_samples(api, bpm_min=120) == []
    assert ids_of(all_samples(api, q="night")) == ids_of(
        [i for i in items if i["track_id"] == library["first"]]
    )
    stems = all_samples(api, kind="stem")
    assert sorted(s["stem"] for s in stems) == ["drums", "drums", "other", "other"]


def test_similar_sounds_come_nearest_first_and_the_same_kick_is_found_in_the_other_track(library):
    api = library["a"]
    kick = next(i for i in all_samples(api, track_id=library["first"]) if i["class"] == "kick")
    similar = api.http.get(f"/samples/{kick['sample_id']}/similar", params={"limit": 5}).json()["items"]
    scores = [i["similarity"] for i in similar]
    assert scores == sorted(scores, reverse=True) and kick["sample_id"] not in [
        i["sample_id"] for i in similar
    ]
    same = api.http.get(f"/samples/{kick['sample_id']}/similar", params={"other_tracks": "true"}).json()[
        "items"
    ]
    assert same and same[0]["track_id"] == library["second"] and same[0]["class"] == "kick"
    ranked = api.http.get("/samples", params={"similar_to": kick["sample_id"], "limit": 3}).json()["items"]
    assert [i["sample_id"] for i in ranked] == [i["sample_id"] for i in similar[:3]]
    points = api.http.get("/samples/map").json()["points"]
    assert len(points) == len(all_samples(api)) and all(
        -1 <= p["x"] <= 1 and -1 <= p["y"] <= 1 for p in points
    )


def test_a_sample_pack_has_the_daw_exports_layout_and_manifest(library):
    api = library["a"]
    chosen = all_samples(api)[:4]
    reply = api.http.post("/samples/pack", json={"sample_ids": [i["sample_id"] for i in chosen]})
    assert reply.status_code == 201 and reply.json()["samples"] == 4, reply.text
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(reply.json()["url"]).content))
    names = archive.namelist()
    wavs = [n for n in names if n.endswith(".wav")]
    assert len(wavs) == 4 and all("/Samples/" in n or n.startswith("Samples/") for n in wavs)
    assert all(archive.read(n)[:4] == b"RIFF" for n in wavs)
    manifests = [json.loads(archive.read(n)) for n in names if n.endswith("manifest.json")]
    assert sorted(s["sample_id"] for m in manifests for s in m["samples"]) == sorted(
        i["sample_id"] for i in chosen
    )
    other = library["b"].http.post("/samples/pack", json={"sample_ids": [chosen[0]["sample_id"]]})
    assert other.status_code == 404


def test_rename_retag_star_and_reclass_are_kept_and_searchable(library, stack):
    api = library["a"]
    hat = next(i for i in all_samples(api, track_id=library["second"]) if i["class"] != "fx")
    reply = api.http.patch(
        f"/samples/{hat['sample_id']}",
        json={"name": "Crispy Thing", "tags": ["lofi", " dusty "], "starred": True, "class": "fx"},
    )
    assert reply.status_code == 200, reply.text
    edited = reply.json()
    assert (edited["name"], edited["tags"], edited["starred"], edited["class"], edited["auto_class"]) == (
        "Crispy Thing",
        ["dusty", "lofi"],
        True,
        "fx",
        hat["class"],
    )
    assert [i["sample_id"] for i in all_samples(api, q="crispy")] == [hat["sample_id"]]
    assert [i["sample_id"] for i in all_samples(api, tag="dusty", starred="true")] == [hat["sample_id"]]
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint)
    bucket = physical_name("local", "media")
    correction = s3.get_object(
        Bucket=bucket, Key=f"artists/sampler-a/samples/corrections/{hat['sample_id']}.json"
    )
    assert b'"corrected": "fx"' in correction["Body"].read()
    assets = api.http.get(f"/tracks/{library['second']}/assets").json()["samples"]
    assert any(s["label"] == "fx" and s["key"] == hat["file"] for s in assets)


def test_deleting_a_sample_removes_its_file_listing_and_index_row(library, stack):
    api = library["a"]
    victim = all_samples(api, track_id=library["first"])[-1]
    reply = api.http.delete(f"/samples/{victim['sample_id']}")
    assert reply.status_code == 200 and reply.json()["deleted"], reply.text
    assert api.http.get(f"/samples/{victim['sample_id']}").status_code == 404
    assert victim["sample_id"] not in [i["sample_id"] for i in all_samples(api)]
    assets = api.http.get(f"/tracks/{library['first']}/assets").json()["samples"]
    assert victim["file"] not in [s["key"] for s in assets]
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint)
    listed = s3.list_objects_v2(
        Bucket=physical_name("local", "media"),
        Prefix=f"artists/sampler-a/tracks/{library['first']}/{victim['file']}",
    )
    assert listed.get("KeyCount", 0) == 0


def test_a_stem_is_renamed_then_deleted_with_everything_made_from_it(library):
    api = library["a"]
    track = library["second"]
    renamed = api.http.patch(f"/tracks/{track}/stems/other", json={"name": "Pads", "starred": True})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Pads", renamed.text
    gone = api.http.delete(f"/tracks/{track}/stems/drums")
    assert gone.status_code == 200 and gone.json()["samples_deleted"] > 0, gone.text
    assets = api.http.get(f"/tracks/{track}/assets").json()
    assert [s["name"] for s in assets["stems"]] == ["other"] and assets["samples"] == []
    assert all(i["track_id"] != track for i in all_samples(api))
    assert api.http.delete(f"/tracks/{track}/stems/drums").status_code == 404


def test_another_artist_reaches_nothing(library):
    a, b = library["a"], library["b"]
    sample = all_samples(a)[0]
    sid, track = sample["sample_id"], sample["track_id"]
    assert b.http.get("/samples").json() == {"items": [], "next_cursor": None}
    for call in (
        b.http.get(f"/samples/{sid}"),
        b.http.get(f"/samples/{sid}/similar"),
        b.http.patch(f"/samples/{sid}", json={"name": "mine"}),
        b.http.delete(f"/samples/{sid}"),
        b.http.patch(f"/tracks/{track}/stems/drums", json={"name": "x"}),
        b.http.delete(f"/tracks/{track}/stems/drums"),
    ):
        assert call.status_code == 404, call.text
    cursor = a.http.get("/samples", params={"limit": 1}).json()["next_cursor"]
    assert b.http.get("/samples", params={"cursor": cursor}).status_code == 400
    assert a.http.get(f"/samples/{sid}").json()["name"] != "mine"


@pytest.mark.parametrize(
    "method,path,body,status",
    [
        ("get", "/samples?class=banjo", None, 422),
        ("get", "/samples?bpm_min=120&bpm_max=90", None, 400),
        ("get", "/samples?cursor=not-a-cursor", None, 400),
        ("get", "/samples/..%2F..%2Fetc", None, 404),  # no route takes it
        ("patch", "/samples/{sid}", {"class": "banjo"}, 422),
        ("patch", "/samples/{sid}", {"name": "x" * 201}, 422),
        ("patch", "/samples/{sid}", {"tags": ["t"] * 31}, 422),
        ("patch", "/samples/{sid}", {"owner": "sampler-b"}, 422),
        (
            "patch",
            "/tracks/{track}/stems/..",
            {"name": "x"},
            422,
        ),  # the client resolves it to the track: no stem field there
        ("patch", "/tracks/{track}/stems/DRUMS%20x", {"name": "x"}, 422),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(library, method, path, body, status):
    api = library["a"]
    before = all_samples(api)
    sample = before[0]
    url = path.format(sid=sample["sample_id"], track=sample["track_id"])
    reply = getattr(api.http, method)(url, **({"json": body} if body is not None else {}))
    assert reply.status_code == status, reply.text
    assert all_samples(api) == [
        {**i, "url": j["url"]} for i, j in zip(before, all_samples(api), strict=True)
    ]
