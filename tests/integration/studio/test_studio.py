"""The asset studio end to end on the local stack, over HTTP: names -> pick -> artistDNA,
artwork candidates -> refine -> pick, a CSV batch with its contact sheet, a provider that goes
down mid-batch (the Replicate fake), a video loop with the track's audio, and tenancy.

The engines are the real offline ones (and the Replicate client against its fake server); the
workflows are the real ASL files executed by moto.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.audio import tone
from tests.fakes import FakeReplicate

pytestmark = pytest.mark.integration

BRIEF = {"artist_name": "Nova Lux", "genre": "synthwave", "mood": "nostalgic", "themes": ["night", "city"]}


def _base() -> dict:
    return {k: BRIEF[k] for k in ("artist_name", "genre", "mood")}


def wait(api, job_id: str, timeout: float = 300, watch=None) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = api.http.get(f"/jobs/{job_id}").json()
        seen.append((job["stage"], job["percent"]))
        if watch:
            watch(job)
        if job["status"] in ("succeeded", "failed"):
            job["seen"] = seen
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {seen[-3:]}")


def png_of(url: str) -> Image.Image:
    reply = httpx.get(url)
    assert reply.status_code == 200, reply.text
    image = Image.open(io.BytesIO(reply.content))
    assert image.format == "PNG"
    return image


@pytest.fixture(scope="module")
def track_id(api, tmp_path_factory) -> str:
    path = tone(tmp_path_factory.mktemp("studio") / "demo take.wav", seconds=4)
    job = api.job_for(api.upload(path)["key"])
    assert job["status"] == "succeeded", job
    return str(job["result"]["track_id"])


@pytest.fixture(scope="module")
def artwork(api):
    """One interactive generation with a reference image: two candidates."""
    picture = io.BytesIO()
    Image.new("RGB", (320, 200), (230, 40, 120)).save(picture, "PNG")
    data = picture.getvalue()
    upload = api.http.post("/studio/references", json={"filename": "../mood board.png",
                                                        "content_type": "image/png", "size_bytes": len(data)})
    assert upload.status_code == 201, upload.text
    reference = upload.json()
    assert reference["key"].startswith("artists/artist-a/studio/references/")
    assert reference["key"].endswith("/mood board.png")  # no path tricks in the key
    put = httpx.put(reference["url"], content=data, headers=reference["headers"])
    assert put.status_code == 200, put.text
    started = api.http.post("/studio/artwork", json={
        "prompt": "rain on neon signs, reflections", **_base(), "title": "Neon Rain", "count": 2,
        "seed": 42, "reference_keys": [reference["key"]]})
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == "artwork"
    job = wait(api, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    (artwork_id,) = job["result"]["artwork_ids"]
    return artwork_id, job


def test_names_are_checked_picked_into_the_dna_and_rename_the_track(api, track_id):
    reply = api.http.post("/studio/names", json={**BRIEF, "count": 6, "seed": 5, "track_id": track_id})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["offline"] is True and body["engine"] == "offline:offline-names-v1"
    assert len(body["candidates"]) == 6
    assert all({"name", "rationale", "flags", "ok"} <= set(c) for c in body["candidates"])
    chosen = next(c for c in body["candidates"] if c["ok"])
    before = api.http.get("/studio/dna").json()["version"]
    picked = api.http.post("/studio/names/pick", json={
        "name": chosen["name"], "brief": BRIEF, "rationale": chosen["rationale"], "track_id": track_id})
    assert picked.status_code == 200, picked.text
    version = picked.json()["dna_version"]
    assert version == before + 1
    dna = api.http.get("/studio/dna").json()
    assert dna["version"] == version and dna["names"][-1]["name"] == chosen["name"]
    assert dna["names"][-1]["track_id"] == track_id and dna["names"][-1]["brief"]["genre"] == "synthwave"
    assert api.http.get(f"/tracks/{track_id}").json()["title"] == chosen["name"]
    history = api.http.get("/studio/dna/history").json()
    assert history[0]["version"] == version and chosen["name"] in history[0]["change"]
    # The same brief and seed again: the name is now the artist's own.
    again = api.http.post("/studio/names", json={**BRIEF, "count": 6, "seed": 5}).json()
    same = next(c for c in again["candidates"] if c["name"] == chosen["name"])
    assert same["ok"] is False and "used_by_artist" in same["flags"]


def test_names_validate_their_input(api, other, track_id):
    assert api.http.post("/studio/names", json={**BRIEF, "count": 0}).status_code == 422
    assert api.http.post("/studio/names", json={**BRIEF, "themes": ["x" * 61]}).status_code == 422
    hostile = api.http.post("/studio/names", json={**BRIEF, "artist_name": "\u202e\x00"})
    assert hostile.status_code == 400 and "artist_name is required" in hostile.json()["message"]
    assert other.http.post("/studio/names", json={**BRIEF, "track_id": track_id}).status_code == 404


def test_artwork_candidates_are_pngs_with_their_facts(api, artwork):
    artwork_id, job = artwork
    assert job["percent"] == 100 and job["result"]["images"] == 2
    details = api.http.get(f"/studio/artwork/{artwork_id}").json()
    assert details["brief"]["title"] == "Neon Rain" and details["status"] == "ok"
    assert [c["seed"] for c in details["candidates"]] == [42, 43]
    assert all(c["offline"] and c["provider"] == "offline" for c in details["candidates"])
    (reference,) = details["references"]
    assert reference["offline"] and reference["description"]
    assert "reference image 1" in details["final_prompt"]
    assert details["final_prompt"].startswith("rain on neon signs, reflections")
    for candidate in details["candidates"]:
        assert png_of(candidate["url"]).size == (1024, 1024)
    listed = api.http.get("/studio/artwork", params={"limit": 50}).json()["items"]
    assert artwork_id in [a["artwork_id"] for a in listed]


def test_refine_keeps_the_seed_or_varies_near_it_and_pick_writes_the_dna(api, artwork):
    artwork_id, _ = artwork
    parent = {"artwork_id": artwork_id, "candidate_id": "c02"}
    base = _base()
    kept = api.http.post("/studio/artwork", json={"prompt": "rain on neon signs, wider, more blue", **base,
                                                  "title": "Neon Rain", "parent": parent})
    assert kept.status_code == 202, kept.text
    job = wait(api, kept.json()["job_id"])
    assert job["status"] == "succeeded", job
    refined = api.http.get(f"/studio/artwork/{job['result']['artwork_ids'][0]}").json()
    assert [c["seed"] for c in refined["candidates"]] == [43]  # c02's seed, kept
    assert refined["parent"] == parent and refined["final_prompt"].startswith("rain on neon signs, wider")
    varied = wait(api, api.http.post("/studio/artwork", json={
        "prompt": "rain on neon signs", **base, "parent": parent, "variation": True, "count": 2,
    }).json()["job_id"])
    seeds = [c["seed"] for c in api.http.get(f"/studio/artwork/{varied['result']['artwork_ids'][0]}")
             .json()["candidates"]]
    assert seeds == [44, 45]

    before = api.http.get("/studio/dna").json()["version"]
    picked = api.http.post(f"/studio/artwork/{refined['artwork_id']}/pick", json={"candidate_id": "c01"})
    assert picked.status_code == 200, picked.text
    after = picked.json()["dna_version"]
    entry = api.http.get("/studio/dna").json()["artworks"][-1]
    assert entry["seed"] == 43 and entry["parent"] == parent and entry["provider"] == "offline"
    assert entry["prompt"] == "rain on neon signs, wider, more blue"
    changes = api.http.get("/studio/dna/diff", params={"from": before, "to": after}).json()
    assert any(c["op"] == "add" and c["path"].startswith("/artworks/") for c in changes)
    assert api.http.post(f"/studio/artwork/{refined['artwork_id']}/pick",
                         json={"candidate_id": "c09"}).status_code == 404


def test_style_is_versioned_and_read_back_into_new_prompts(api):
    reply = api.http.put("/studio/dna/style", json={"palette": ["#0AF", "#101020"], "fonts": ["Futura"],
                                                    "moods": ["icy", "nocturnal"]})
    assert reply.status_code == 200, reply.text
    dna = api.http.get("/studio/dna").json()
    assert dna["style"]["palette"] == ["#00aaff", "#101020"]
    assert api.http.put("/studio/dna/style", json={"palette": ["red"]}).status_code == 400
    old = api.http.get("/studio/dna", params={"version": 1}).json()
    assert old["version"] == 1
    assert api.http.get("/studio/dna", params={"version": 999}).status_code == 404
    started = api.http.post("/studio/artwork", json={"prompt": "a lighthouse", "artist_name": "Nova Lux",
                                                      "count": 1})
    job = wait(api, started.json()["job_id"])
    final = api.http.get(f"/studio/artwork/{job['result']['artwork_ids'][0]}").json()["final_prompt"]
    assert "#00aaff" in final and "icy" in final


def test_a_csv_batch_makes_every_artwork_and_a_contact_sheet(api):
    csv = ("title,artist_name,genre,mood,prompt\n"
           + "".join(f"Track {n},Nova Lux,synthwave,dreamy,\"scene {n}, neon\"\n" for n in range(1, 4)))
    started = api.http.post("/studio/artwork/batch", json={"csv": csv})
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == "artwork_batch"
    job = wait(api, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["items"] == 3 and len(job["result"]["artwork_ids"]) == 3 and job["result"]["ok"] == 3
    assert job["result"]["contact_sheet_key"].endswith(f"/batches/{job['job_id']}/contact-sheet.png")
    percents = [p for _, p in job["seen"]]
    assert percents == sorted(percents)
    report = api.http.get(f"/studio/batches/{job['job_id']}").json()
    assert report["finished"] and [i["title"] for i in report["items"]] == ["Track 1", "Track 2", "Track 3"]
    sheet = png_of(report["contact_sheet_url"])
    assert sheet.width >= 3 * 256
    assert png_of(report["items"][0]["urls"]["c01"]).size == (1024, 1024)


def test_cli_artwork_batch_prints_the_contact_sheet_last(tmp_path):
    """The CLI with no stack running starts its own in its own process (as a user's would)."""
    csv = tmp_path / "tracks.csv"
    csv.write_text("title,artist_name,genre,mood,prompt\nOne,Nova,pop,sad,rain\nTwo,Nova,pop,happy,sun\n")
    data = str(tmp_path / "data")
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", data,
                           "artwork", "batch", str(csv), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sheet = Path(done.stdout.strip().splitlines()[-1])
    assert sheet.parent == (tmp_path / "out").resolve() and sheet.name.startswith("contact-sheet-")
    assert Image.open(sheet).format == "PNG"
    assert "2 images for 2 of 2 tracks" in done.stderr


def test_bad_batches_are_refused_with_the_reason(api):
    missing = api.http.post("/studio/artwork/batch", json={"csv": "title,prompt\nA,B\n"})
    assert missing.status_code == 400 and "missing columns" in missing.json()["message"]
    rows = "title,artist_name,genre,mood,prompt\n" + "T,N,g,m,p\n" * 501
    too_many = api.http.post("/studio/artwork/batch", json={"csv": rows})
    assert too_many.status_code == 400 and "more than 500 rows" in too_many.json()["message"]
    both = api.http.post("/studio/artwork/batch", json={"csv": "x", "items": []})
    assert both.status_code == 400 and "either" in both.json()["message"]


class GoesDown(FakeReplicate):
    """Replicate's fake that serves ``up_for`` predictions, then answers 500 to every new one."""

    def __init__(self, up_for: int) -> None:
        super().__init__()
        self.up_for = up_for

    def route(self, request):
        creating = request.method == "POST" and request.path.endswith("/predictions")
        if creating and len(self.predictions) >= self.up_for:
            return self.error(500, "Replicate is down (injected outage)")
        return super().route(request)


def _use(monkeypatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the stack runs its handlers in this process


def test_a_provider_down_mid_batch_keeps_finished_items(api, monkeypatch):
    items = [{"title": f"Song {n}", "artist_name": "Nova Lux", "prompt": f"scene {n}"} for n in range(1, 6)]
    with GoesDown(up_for=2) as fake:
        _use(monkeypatch, {**fake.env(), "SOUNDMOSAIC_PROVIDER_IMAGE": "replicate"})
        fake.refuse_next(1)  # the first image is flagged NSFW, the second is made, then the outage
        started = api.http.post("/studio/artwork/batch", json={"items": items})
        assert started.status_code == 202, started.text
        job = wait(api, started.json()["job_id"])
    assert job["status"] == "succeeded", job  # something was made: the job succeeds...
    result = job["result"]
    assert (result["ok"], result["refused"], result["failed"]) == (1, 1, 3)
    report = api.http.get(f"/studio/batches/{job['job_id']}").json()
    by_status = {s: [i for i in report["items"] if i["status"] == s] for s in ("ok", "refused", "failed")}
    assert "NSFW" in by_status["refused"][0]["refused"][0]["reason"]
    assert all("500" in i["error"] and "replicate" in i["error"] for i in by_status["failed"])
    (made,) = by_status["ok"]
    assert png_of(made["urls"]["c01"])
    facts = api.http.get(f"/studio/artwork/{made['artwork_id']}").json()["candidates"][0]
    assert facts["provider"] == "replicate" and facts["offline"] is False and facts["cost_usd"] == "0.04"
    assert {p["status"] for p in result["problems"]} == {"refused", "failed"}
    assert png_of(report["contact_sheet_url"])  # failed and refused items have their tiles too
    # ...and when nothing at all can be made, the job fails with the reason.
    with GoesDown(up_for=0) as fake:
        _use(monkeypatch, fake.env())
        failed = wait(api, api.http.post("/studio/artwork", json={"prompt": "x", "artist_name": "Nova",
                                                                  "count": 1}).json()["job_id"])
    assert failed["status"] == "failed" and "nothing was made" in failed["error"]
    assert "500" in failed["error"]


def _frames(path: Path) -> np.ndarray:
    """Every frame, small: (frames, 108, 192, 3)."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", "scale=192:108", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, 108, 192, 3).astype(np.int16)


def test_a_video_loop_from_the_chosen_artwork_with_the_tracks_audio(api, artwork, track_id, tmp_path):
    artwork_id, _ = artwork
    started = time.monotonic()
    reply = api.http.post("/studio/video", json={"artwork_id": artwork_id, "candidate_id": "c01",
                                                 "track_id": track_id})
    assert reply.status_code == 202, reply.text
    job = wait(api, reply.json()["job_id"])
    elapsed = time.monotonic() - started
    assert job["status"] == "succeeded", job
    print(f"\n10 s 1080p loop with audio rendered in {elapsed:.1f} s")  # recorded, not asserted
    result = job["result"]
    assert result["audio"] is True and result["seconds"] == pytest.approx(10, abs=0.1)
    path = tmp_path / "loop.mp4"
    path.write_bytes(httpx.get(result["video_url"]).content)
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                                       "-show_format", str(path)], capture_output=True, check=True).stdout)
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    audio = next(s for s in probe["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 1920, 1080)
    assert audio["codec_name"] == "aac"
    assert float(probe["format"]["duration"]) == pytest.approx(10, abs=0.1)
    # Seamless: the last frame leads back into the first as smoothly as any two neighbours.
    frames = _frames(path)
    assert len(frames) == 300
    steps = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    wrap = np.abs(frames[0] - frames[-1]).mean()
    assert wrap <= max(3 * np.median(steps), 2.0), (wrap, np.median(steps))
    assert steps.max() > 0  # it moves
    entry = api.http.get("/studio/dna").json()["videos"][-1]
    assert entry["video_id"] == result["video_id"] and entry["track_id"] == track_id and entry["audio"]
    assert api.http.get(f"/studio/video/{result['video_id']}").json()["video_url"].startswith("http")


def test_a_short_silent_loop(api, artwork, tmp_path):
    artwork_id, _ = artwork
    reply = api.http.post("/studio/video", json={"artwork_id": artwork_id, "candidate_id": "c02",
                                                 "seconds": 1})
    job = wait(api, reply.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["audio"] is False and "track_id" not in job["result"]
    path = tmp_path / "short.mp4"
    path.write_bytes(httpx.get(job["result"]["video_url"]).content)
    assert len(_frames(path)) == 30


def test_video_requests_are_checked(api, artwork):
    artwork_id, _ = artwork
    unknown = api.http.post("/studio/video", json={"artwork_id": artwork_id, "candidate_id": "c07"})
    assert unknown.status_code == 404
    assert api.http.post("/studio/video", json={"artwork_id": artwork_id, "candidate_id": "c01",
                                                "seconds": 31}).status_code == 422


def test_another_artist_cannot_read_or_use_any_of_it(api, other, artwork, track_id):
    artwork_id, job = artwork
    assert other.http.get(f"/studio/artwork/{artwork_id}").status_code == 404
    assert other.http.get("/studio/artwork").json()["items"] == []
    pick = other.http.post(f"/studio/artwork/{artwork_id}/pick", json={"candidate_id": "c01"})
    assert pick.status_code == 404
    assert other.http.post("/studio/video", json={"artwork_id": artwork_id, "candidate_id": "c01"}
                           ).status_code == 404
    assert other.http.get(f"/studio/batches/{job['job_id']}").status_code == 404
    assert other.http.get(f"/jobs/{job['job_id']}").status_code == 404
    assert other.http.get("/studio/dna").json()["version"] == 0
    assert other.http.get("/studio/dna/history").json() == []
    reference = api.http.get(f"/studio/artwork/{artwork_id}").json()["references"][0]["key"]
    stolen = other.http.post("/studio/artwork", json={"prompt": "x", "artist_name": "B",
                                                      "reference_keys": [reference]})
    assert stolen.status_code == 404
    parent = {"artwork_id": artwork_id, "candidate_id": "c01"}
    refine = other.http.post("/studio/artwork", json={"prompt": "x", "artist_name": "B", "parent": parent})
    assert refine.status_code == 404
    assert other.http.post("/studio/names/pick", json={"name": "Mine", "brief": BRIEF,
                                                       "track_id": track_id}).status_code == 404
    assert other.http.get("/studio/artwork/..%2F..%2Fartist-a").status_code == 404


def test_the_studio_routes_are_in_the_openapi_document(api):
    paths = api.http.get("/openapi.json").json()["paths"]
    assert {"/studio/names", "/studio/artwork", "/studio/artwork/batch", "/studio/video",
            "/studio/dna/diff", "/studio/batches/{job_id}"} <= set(paths)
    params = {p["name"] for p in paths["/studio/dna/diff"]["get"]["parameters"]}
    assert params == {"from", "to"}
