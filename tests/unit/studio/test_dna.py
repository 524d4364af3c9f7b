"""ArtistDNA on S3 (moto): versions, the If-None-Match race, schema, history and diff."""

from __future__ import annotations

import json
import threading

import pytest
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.studio import dna
from soundmosaic.studio.dna import DnaStore, DnaVersionNotFound, diff


def _name(text):
    return {"name": text, "rationale": "", "brief": {"artist_name": "Nova"},
            "chosen_at": "2025-01-01T00:00:00.000Z"}


def test_an_artist_without_dna_has_an_empty_version_zero(aws_env):
    store = DnaStore()
    document = store.get("nova")
    assert document["version"] == 0 and document["names"] == []
    assert store.history("nova") == []
    with pytest.raises(DnaVersionNotFound):
        store.get("nova", 3)


def test_each_update_is_a_new_immutable_version(aws_env):
    store = DnaStore()
    assert store.update("nova", "first name", lambda d: d["names"].append(_name("Glass"))) == 1
    assert store.update("nova", "second name", lambda d: d["names"].append(_name("Rain"))) == 2
    s3 = aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=resource("MEDIA_BUCKET"),
                                                  Prefix="artists/nova/dna/")["Contents"]]
    assert keys == ["artists/nova/dna/v000001.json", "artists/nova/dna/v000002.json"]
    assert [n["name"] for n in store.get("nova", 1)["names"]] == ["Glass"]
    latest = store.get("nova")
    assert latest["version"] == 2 and latest["change"] == "second name"
    assert [h["version"] for h in store.history("nova")] == [2, 1]
    assert store.history("nova")[0]["change"] == "second name"
    # Another artist's document is another prefix.
    assert DnaStore().get("someone-else")["version"] == 0


def test_a_writer_that_loses_the_race_rereads_and_writes_the_next_version(aws_env):
    store = DnaStore()
    store.update("nova", "start", lambda d: None)
    calls = []

    def mutate(document):
        calls.append(document["version"])
        if len(calls) == 1:
            # Another writer wins version 2 between our read and our write.
            rival = {**document, "version": 2, "change": "rival",
                     "names": [*document["names"], _name("Rival")]}
            aws.client("s3").put_object(Bucket=resource("MEDIA_BUCKET"), Key=dna.version_key("nova", 2),
                                        Body=json.dumps(rival).encode(), IfNoneMatch="*")
        document["names"].append(_name("Mine"))

    assert store.update("nova", "mine", mutate) == 3
    assert calls == [1, 2]  # re-applied to the rival's version
    assert [n["name"] for n in store.get("nova")["names"]] == ["Rival", "Mine"]
    assert store.get("nova", 2)["change"] == "rival"  # the winner's version is untouched


def test_concurrent_writers_all_land(aws_env):
    store = DnaStore()
    errors = []

    def writer(who):
        try:
            for n in range(5):
                store.update("nova", f"{who} {n}", lambda d, w=who, n=n: d["names"].append(_name(f"{w}{n}")))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(w,)) for w in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    latest = store.get("nova")
    assert latest["version"] == 15
    assert sorted(n["name"] for n in latest["names"]) == sorted(f"{w}{n}" for w in "abc" for n in range(5))
    assert store.versions("nova") == list(range(1, 16))


def test_an_invalid_document_is_never_written(aws_env):
    store = DnaStore()
    with pytest.raises(ValueError, match="/style/palette/0"):
        store.update("nova", "bad", lambda d: d["style"].update(palette=["red"]))
    with pytest.raises(ValueError, match="Additional properties"):
        store.update("nova", "bad", lambda d: d.update(secret="x"))
    with pytest.raises(ValueError, match="/names/0"):
        store.update("nova", "bad", lambda d: d["names"].append({"name": "x"}))
    assert store.versions("nova") == []


def test_the_schema_itself_is_valid_and_describes_a_full_document(aws_env):
    store = DnaStore()
    artwork = {"artwork_id": "0" * 24, "candidate_id": "c01", "prompt": "p", "final_prompt": "fp", "seed": 7,
               "provider": "offline", "model": "m", "offline": True, "cost_usd": "0",
               "media_key": "artists/nova/studio/artwork/x/c01.png", "chosen_at": "2025-01-01T00:00:00Z"}
    video = {"video_id": "1" * 24, "artwork_id": "0" * 24, "candidate_id": "c01", "prompt": "fp", "seed": 7,
             "provider": "offline", "model": "m", "offline": True, "media_key": "k", "seconds": 10,
             "created_at": "2025-01-01T00:00:00Z"}

    def fill(document):
        document["style"] = {"palette": ["#112233"], "fonts": ["Futura"], "moods": ["dreamy"], "notes": "n"}
        document["names"].append(_name("Glass"))
        document["artworks"].append(artwork)
        document["videos"].append(video)

    assert store.update("nova", "everything", fill) == 1


def test_diff_names_paths_and_operations(aws_env):
    store = DnaStore()
    store.update("nova", "style", lambda d: d["style"].update(palette=["#000000"], moods=["dark"]))
    store.update("nova", "more", lambda d: (d["style"].update(palette=["#ffffff"], moods=[]),
                                            d["names"].append(_name("Glass"))))
    changes = store.diff("nova", 1, 2)
    assert {"path": "/style/palette/0", "op": "change", "before": "#000000", "after": "#ffffff"} in changes
    assert {"path": "/style/moods/0", "op": "remove", "before": "dark", "after": None} in changes
    added = next(c for c in changes if c["path"] == "/names/0")
    assert added["op"] == "add" and added["after"]["name"] == "Glass"
    assert not any(c["path"] in ("/version", "/created_at", "/change") for c in changes)
    assert store.diff("nova", 2, 2) == []
    assert any(c["op"] == "add" for c in store.diff("nova", 0, 1))  # from nothing


def test_diff_of_plain_values():
    assert diff({"a/b": 1, "c": [1]}, {"a/b": 2, "c": [1], "d": None}) == [
        {"path": "/a~1b", "op": "change", "before": 1, "after": 2},
        {"path": "/d", "op": "add", "before": None, "after": None},
    ]
    assert diff({"x": 1}, {"x": "1"}) == [{"path": "/x", "op": "change", "before": 1, "after": "1"}]
