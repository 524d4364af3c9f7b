"""Artwork on moto with the real engines: the offline ones, and Replicate through its fake
server for refusals and outages; references, style from the artistDNA, picks, contact sheets."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import Job, JobStore
from soundmosaic.platform.paging import new_id
from soundmosaic.providers import ModelMosaic
from soundmosaic.studio import artwork, batch, store
from soundmosaic.studio.artwork import compose_prompt, plan_seeds
from soundmosaic.studio.briefs import Brief
from soundmosaic.studio.dna import DnaStore

from tests.fakes import replicate_server

ARTIST = "nova"


@pytest.fixture
def studio(aws_env, monkeypatch):
    monkeypatch.setenv("SOUNDMOSAIC_ARTWORK_SIZE", "128")  # small candidates: same code, less CPU
    return ModelMosaic.from_env(env={})


def _png(colour=(200, 30, 90), side=300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, "PNG")
    return out.getvalue()


def _put(key: str, data: bytes) -> None:
    aws.client("s3").put_object(Bucket=resource("MEDIA_BUCKET"), Key=key, Body=data)


def _get(key: str) -> bytes:
    return aws.client("s3").get_object(Bucket=resource("MEDIA_BUCKET"), Key=key)["Body"].read()


def _new(brief=None, seeds=(1, 2), references=(), job_id=None):
    brief = brief or Brief.create("Nova Lux", "synthwave", "dreamy", prompt="neon rain over a harbour",
                                  title="Neon Rain")
    return artwork.create(ARTIST, brief, list(seeds), list(references), job_id or new_id())


def test_seed_plans():
    assert plan_seeds(3, seed=10) == [10, 11, 12]
    assert plan_seeds(4, parent_seed=99) == [99]  # kept: one candidate
    assert plan_seeds(2, parent_seed=99, variation=True) == [100, 101]
    assert plan_seeds(1, seed=2**31 - 1) == [2**31 - 1]
    randoms = plan_seeds(4)
    assert len(set(randoms)) == 4 and all(0 <= s < 2**31 for s in randoms)
    with pytest.raises(ValueError):
        plan_seeds(9)


def test_final_prompt_folds_in_brief_style_and_references():
    brief = Brief.create("Nova Lux", "synthwave", "dreamy", prompt="neon rain", title="Neon Rain")
    style = {"palette": ["#ff0088", "#101020"], "fonts": ["Futura"], "moods": ["nocturnal"],
             "previous_prompts": ["chrome skyline at dusk"]}
    prompt = compose_prompt(brief, style, ["a pink sky over water"])
    assert prompt.startswith("neon rain. Album cover artwork for \"Neon Rain\" by Nova Lux")
    for part in ("synthwave music", "dreamy mood", "#ff0088", "Futura", "nocturnal",
                 "chrome skyline at dusk", "reference image 1: a pink sky over water"):
        assert part in prompt
    assert len(compose_prompt(brief, style, ["x" * 400] * 20)) <= artwork.MAX_FINAL_PROMPT


def test_generate_makes_each_candidate_once_with_its_facts(studio):
    artwork_id = _new(seeds=(5, 6))
    outcome, thumbs = artwork.generate(studio, ARTIST, artwork_id)
    assert outcome.status == "ok" and outcome.made == ["c01", "c02"]
    assert set(thumbs) == {"c01", "c02"}
    for number, seed in ((1, 5), (2, 6)):
        key = store.candidate_key(ARTIST, artwork_id, f"c0{number}", "png")
        with Image.open(io.BytesIO(_get(key))) as image:
            assert image.format == "PNG" and image.size == (128, 128)
        facts = json.loads(_get(key.replace(".png", ".json")))
        assert facts["seed"] == seed and facts["offline"] is True and facts["provider"] == "offline"
        assert facts["cost_usd"] == "0" and "neon rain over a harbour" in facts["prompt"]
    calls = len(studio.records)
    again, _ = artwork.generate(studio, ARTIST, artwork_id)  # a retried step
    assert again.made == ["c01", "c02"] and len(studio.records) == calls
    details = artwork.details(ARTIST, artwork_id)
    assert [c["seed"] for c in details["candidates"]] == [5, 6]
    assert details["candidates"][0]["url"].startswith("http")


def test_reference_images_are_described_and_feed_the_prompt(studio):
    key = f"{store.references_prefix(ARTIST)}{new_id()}/pink.png"
    _put(key, _png())
    artwork_id = _new(seeds=(1,), references=[key])
    outcome, _ = artwork.generate(studio, ARTIST, artwork_id)
    assert outcome.status == "ok"
    details = artwork.details(ARTIST, artwork_id)
    (reference,) = details["references"]
    assert reference["key"] == key and reference["offline"] is True and reference["description"]
    assert "reference image 1: " + reference["description"][:40] in details["final_prompt"]
    assert [r.capability for r in studio.records] == ["vision", "image"]


def test_an_unreadable_reference_fails_the_item_clearly(studio):
    key = f"{store.references_prefix(ARTIST)}{new_id()}/fake.png"
    _put(key, b"this is not an image")
    outcome, _ = artwork.generate(studio, ARTIST, _new(references=[key]))
    assert outcome.status == "failed" and "fake.png is not a readable" in outcome.error


def test_the_artists_style_and_picks_keep_generations_on_style(studio):
    DnaStore().update(ARTIST, "style", lambda d: d["style"].update(palette=["#00ffaa"], moods=["icy"]))
    first = _new(seeds=(3,))
    artwork.generate(studio, ARTIST, first)
    version = artwork.pick(ARTIST, first, "c01")
    picked = DnaStore().get(ARTIST)["artworks"][-1]
    assert version == 2 and picked["seed"] == 3 and picked["media_key"].endswith("/c01.png")
    assert picked["prompt"] == "neon rain over a harbour" and "#00ffaa" in picked["final_prompt"]
    second = _new(Brief.create("Nova Lux", prompt="a lighthouse", title="Beacon"), seeds=(4,))
    artwork.generate(studio, ARTIST, second)
    final = artwork.details(ARTIST, second)["final_prompt"]
    assert "#00ffaa" in final and "icy" in final and "neon rain over a harbour" in final
    with pytest.raises(store.StudioNotFound):
        artwork.pick(ARTIST, second, "c02")
    with pytest.raises(store.StudioNotFound):
        artwork.pick("someone-else", second, "c01")  # not theirs


def _replicate(fake, **extra):
    env = {**fake.env(), "SOUNDMOSAIC_PROVIDER_IMAGE": "replicate", **extra}
    return ModelMosaic.from_env(env=env, sleep=lambda s: None)


def test_a_refusal_skips_one_candidate_and_an_outage_keeps_what_was_made(aws_env, monkeypatch):
    monkeypatch.setenv("SOUNDMOSAIC_ARTWORK_SIZE", "128")
    with replicate_server() as fake:
        fake.refuse_next(1)
        outcome, _ = artwork.generate(_replicate(fake), ARTIST, _new(seeds=(1, 2)))
        assert outcome.status == "partial" and outcome.made == ["c02"]
        assert outcome.refused[0]["candidate_id"] == "c01" and "NSFW" in outcome.refused[0]["reason"]
        facts = json.loads(_get(store.candidate_key(ARTIST, outcome.artwork_id, "c02", "json")))
        assert facts["provider"] == "replicate" and facts["offline"] is False
        assert facts["model"] == "black-forest-labs/flux-1.1-pro" and facts["cost_usd"] == "0.04"

        fake.fail_next(100, 503)
        down, _ = artwork.generate(_replicate(fake), ARTIST, _new(seeds=(1, 2)))
        assert down.status == "failed" and down.made == [] and "503" in down.error
        fake.reset()


def test_a_batch_finishes_with_a_contact_sheet_and_a_per_item_report(studio):
    job = JobStore().create(Job(artist_id=ARTIST, job_id=new_id(), kind="artwork_batch"))
    made = _new(seeds=(1, 2))
    refused = _new(Brief.create("Nova", prompt="p", title="Refused"), seeds=(3,))
    crashed = _new(Brief.create("Nova", prompt="p", title="Crashed"), seeds=(4,))
    silent = _new(Brief.create("Nova", prompt="p", title="Silent"), seeds=(5,))
    batch.write_manifest(ARTIST, job.job_id, "artwork_batch", [
        {"index": i, "artwork_id": a, "title": t}
        for i, (a, t) in enumerate([(made, "Neon Rain"), (refused, "Refused"), (crashed, "Crashed"),
                                    (silent, "Silent")])])
    batch.run_item(studio, ARTIST, job.job_id, 0, made, 4)
    assert JobStore().get(ARTIST, job.job_id).percent == 5 + 85 // 4
    batch.record_item(ARTIST, job.job_id, 1, {"artwork_id": refused, "title": "Refused", "status": "refused",
                                              "made": [], "error": None,
                                              "refused": [{"candidate_id": "c01", "seed": 3,
                                                           "reason": "NSFW content detected"}]}, {})
    batch.record_failure(ARTIST, job.job_id, 2, crashed,
                         {"Error": "MemoryError", "Cause": json.dumps({"errorMessage": "out of memory",
                                                                       "stackTrace": ["..."]})})
    result = batch.finish(ARTIST, job.job_id)
    assert result["artwork_ids"] == [made] and result["images"] == 2 and result["items"] == 4
    assert (result["ok"], result["refused"], result["failed"]) == (1, 1, 2)
    reasons = {p["title"]: p["reason"] for p in result["problems"]}
    assert reasons == {"Refused": "NSFW content detected", "Crashed": "MemoryError: out of memory",
                       "Silent": "the item reported nothing"}
    with Image.open(io.BytesIO(_get(result["contact_sheet_key"]))) as sheet:
        assert sheet.format == "PNG" and sheet.width >= 4 * 256
        # Thumbnails are pasted in: the sheet is not just the dark background.
        assert len(set(sheet.convert("RGB").getdata())) > 100
    report = batch.report(ARTIST, job.job_id)
    assert report["finished"] and report["contact_sheet_url"].startswith("http")
    assert set(report["items"][0]["urls"]) == {"c01", "c02"}


def test_a_batch_that_made_nothing_fails_with_the_reasons(studio):
    job_id = new_id()
    nothing = _new(seeds=(1,))
    batch.write_manifest(ARTIST, job_id, "artwork",
                         [{"index": 0, "artwork_id": nothing, "title": "Neon Rain"}])
    batch.record_item(ARTIST, job_id, 0, {"artwork_id": nothing, "title": "Neon Rain", "status": "failed",
                                          "made": [], "refused": [],
                                          "error": "replicate image: HTTP 503"}, {})
    with pytest.raises(batch.NothingMade, match=r"item 1 \(Neon Rain\): replicate image: HTTP 503"):
        batch.finish(ARTIST, job_id)
    assert batch.report(ARTIST, job_id)["finished"]  # the report is written all the same


def test_contact_sheet_handles_long_unicode_titles_and_many_tiles():
    tiles = [artwork.Tile("Ünïcødé — " + "very long title " * 5, "ok", _png(side=64)) for _ in range(60)]
    tiles.append(artwork.Tile("Failed one", "failed: provider down", None))
    with Image.open(io.BytesIO(artwork.contact_sheet("sheet", tiles))) as sheet:
        assert sheet.width == 12 + 10 * (160 + 12)  # 10 columns of 160 px for big batches
        assert sheet.height > 7 * 160


def test_artworks_page_newest_first(studio):
    made = [_new(seeds=(n,)) for n in range(3)]
    first, cursor = artwork.page(ARTIST, 2, None)
    assert [a["artwork_id"] for a in first] == made[::-1][:2] and cursor == made[1]
    rest, end = artwork.page(ARTIST, 2, cursor)
    assert [a["artwork_id"] for a in rest] == [made[0]] and end is None
    assert first[0]["status"] == "queued" and first[0]["thumbnail_url"] is None
    assert artwork.page("someone-else", 10, None) == ([], None)
    with pytest.raises(store.StudioNotFound):
        artwork.page(ARTIST, 2, "../etc")
