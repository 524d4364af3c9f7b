"""Takes from ten matched demo songs, step by step on moto: notes, generation, render, provenance.

The offline music engine really runs (music21 catalog + FluidSynth), and so does Basic Pitch on
the mixes; the demo songs are cut to 6 s to keep the transcription short.
"""

from __future__ import annotations

import io
import json
import subprocess
import wave
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from soundmosaic.generation import notes, projects, takes
from soundmosaic.generation.compose import GenerationRefused
from soundmosaic.generation.projects import ProjectNotFound, ProjectStore, Song
from soundmosaic.library.keys import original_key
from soundmosaic.library.tracks import Track, TrackStore
from soundmosaic.platform import aws
from soundmosaic.platform.config import resource
from soundmosaic.platform.jobs import JobStore
from soundmosaic.platform.resources import STATE_MACHINES
from soundmosaic.royalties.tenancy import TenantProvenance
from soundmosaic_local.fixtures import demo_catalog
from soundmosaic_local.runtime import provision

ARTIST = "artist-a"
CLIP_S = 6


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[demo_catalog.DemoSong, Path]]:
    """Ten demo songs (the shared render folder) and a short WAV clip of each."""
    demo = demo_catalog.songs(tmp_path_factory.getbasetemp() / "demo-catalog", count=10)
    folder = tmp_path_factory.mktemp("clips")
    out = []
    for song in demo:
        clip = folder / song.audio.name
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(song.audio), "-t", str(CLIP_S), str(clip)],
                       check=True)
        out.append((song, clip))
    return out


@pytest.fixture(scope="module", autouse=True)
def caches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDMOSAIC_CACHE_DIR", str(tmp_path_factory.mktemp("music-cache")))
        for name in ("REPLICATE_API_TOKEN", "SOUNDMOSAIC_REGISTRY"):
            patch.delenv(name, raising=False)  # the offline engine
        yield


def match_of(song: demo_catalog.DemoSong) -> dict[str, Any]:
    rec = song.recording
    return {"recording_id": rec.recording_id, "title": rec.title, "artists": list(rec.artists),
            "isrc": rec.isrc, "work_id": rec.work.work_id,
            "holders": {h: str(s) for h, s in rec.shares().items()},
            "holder_names": dict(rec.holder_names), "confidence": 1.0, "by": "hand"}


def add_song(store: ProjectStore, project_id: str, song: demo_catalog.DemoSong, clip: Path,
             artist: str = ARTIST) -> Song:
    """A library track with the clip as its original, and a song matched to its recording."""
    track_id = f"t{song.recording.recording_id[-2:]}{project_id[:6]}"
    key = original_key(artist, track_id, clip.name)
    aws.client("s3").upload_file(str(clip), resource("MEDIA_BUCKET"), key)
    TrackStore().put(Track(artist, track_id, song.recording.title, clip.name, key, clip.stat().st_size,
                           {"duration_s": CLIP_S}))
    [added] = store.add_songs(artist, project_id, [Song(artist, project_id, f"s{track_id}", track_id,
                                                        song.recording.title, status=projects.MATCHED,
                                                        match=match_of(song))])
    return added


@pytest.fixture
def project(royalty_tables: dict[str, str], clips: list[tuple[demo_catalog.DemoSong, Path]]) -> str:
    store = ProjectStore()
    made = store.create(ARTIST, "Ten songs")
    for song, clip in clips:
        add_song(store, made.project_id, song, clip)
    return made.project_id


@pytest.fixture
def workflow(aws_env: None) -> str:
    """The song_generation state machine in moto (executions are recorded, not run)."""
    machine = next(m for m in STATE_MACHINES if m.key == "song_generation")
    aws.client("stepfunctions").create_state_machine(
        name=provision.physical_name("unit", machine.key), roleArn=provision.STATES_ROLE,
        definition=provision.render_definition(machine, "unit"))
    return resource("SONG_GENERATION_STATE_MACHINE")


def event(project_id: str, take_id: str, **extra: Any) -> dict[str, Any]:
    return {"artist_id": ARTIST, "job_id": "job-1", "project_id": project_id, "take_id": take_id,
            "correlation_id": "c-1", **extra}


def run_steps(project_id: str, take_id: str) -> dict[str, Any]:
    checked = takes.check_step(event(project_id, take_id))
    prepared = [takes.prepare_step(event(project_id, take_id, song_id=s)) for s in checked["song_ids"]]
    takes.generate_step(event(project_id, take_id))
    takes.render_step(event(project_id, take_id))
    stored = takes.store_step(event(project_id, take_id))
    return {"checked": checked, "prepared": prepared, "stored": stored}


def s3_bytes(key: str) -> bytes:
    return bytes(aws.client("s3").get_object(Bucket=resource("MEDIA_BUCKET"), Key=key)["Body"].read())


def test_a_take_from_ten_songs_end_to_end(project: str, workflow: str, tmp_path: Path) -> None:
    take, job = takes.start_take(ARTIST, project, seed=11, seconds=10, correlation_id="c-1")
    assert (take.status, take.influence, take.seconds, job.kind) == ("generating", "85/100", 10.0,
                                                                     "song_generation")
    started = aws.client("stepfunctions").list_executions(stateMachineArn=workflow)["executions"]
    assert [e["name"] for e in started] == [job.job_id]
    payload = json.loads(aws.client("stepfunctions").describe_execution(
        executionArn=started[0]["executionArn"])["input"])
    assert payload == {"project_id": project, "take_id": take.take_id, "artist_id": ARTIST,
                       "job_id": job.job_id, "correlation_id": "c-1"}
    assert JobStore().get(ARTIST, job.job_id).subject == {"project_id": project, "take_id": take.take_id}

    done = run_steps(project, take.take_id)
    assert len(done["checked"]["song_ids"]) == 10
    assert all(p["source"] == notes.FROM_MIX and p["notes"] > 0 for p in done["prepared"])
    song_notes = json.loads(s3_bytes(takes.notes_key(ARTIST, project, done["checked"]["song_ids"][0])))
    assert song_notes["source"] == "Basic Pitch on the mix"
    assert song_notes["tempo_bpm"] > 0 and song_notes["key"]
    assert all(len(n) == 4 and n[0] < CLIP_S for n in song_notes["parts"][0])

    ready = ProjectStore().take(ARTIST, project, take.take_id)
    assert ready.status == "ready" and ready.offline is True and ready.engine
    assert "offline" in ready.engine
    assert ready.duration_s == pytest.approx(10, abs=0.2)
    # The master is a loudness-normalised 44.1 kHz stereo WAV; the preview an MP3 ffprobe reads.
    with wave.open(io.BytesIO(s3_bytes(ready.audio_key or ""))) as master:
        assert (master.getframerate(), master.getnchannels()) == (44100, 2)
    preview = tmp_path / "preview.mp3"
    preview.write_bytes(s3_bytes(ready.preview_key or ""))
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(preview)],
        capture_output=True, text=True, check=True).stdout)
    assert probe["streams"][0]["codec_name"] == "mp3"

    # Provenance: recorded, owned by the artist, the ten demo works with their holders.
    recorded = TenantProvenance(ARTIST).latest(takes.provenance_track_id(take.take_id))
    assert recorded is not None and recorded.version == ready.provenance_version == 1
    assert {i.work.work_id for i in recorded.reference} == {f"work:demo-{i:02d}" for i in range(1, 11)}
    assert sum(recorded.holder_weights().values()) == 1
    assert TenantProvenance("artist-b").latest(recorded.track_id) is None  # not another tenant's

    shown = takes.view(ready)
    assert shown["status"] == "ready" and shown["audio_url"] and shown["preview_url"] and shown["midi_url"]
    assert 700 <= len(shown["peaks"]) <= 800 and max(shown["peaks"]) > 0.3
    assert all(0 <= p <= 1 for p in shown["peaks"])
    assert len(shown["provenance"]["reference"]) == 10
    titles = {s.match["work_id"]: s.title for s in ProjectStore().songs(ARTIST, project) if s.match}
    assert {r["title"] for r in shown["provenance"]["reference"]} == set(titles.values())
    assert shown["provenance"]["training_works"] > 0
    shown_weights = shown["provenance"]["holder_weights"].values()
    assert sum(Fraction(w) for w in shown_weights) == pytest.approx(1, abs=1e-4)

    # Every step again (Step Functions retries): nothing changes, no second provenance version.
    again = run_steps(project, take.take_id)
    assert all(p["reused"] for p in again["prepared"])
    assert again["stored"]["version"] == 1
    assert TenantProvenance(ARTIST).latest(recorded.track_id).version == 1  # type: ignore[union-attr]

    # A second take with another seed reuses the notes and sounds different; keeping moves.
    second, _ = takes.start_take(ARTIST, project, seed=12, seconds=10, influence="9/10")
    done2 = run_steps(project, second.take_id)
    assert all(p["reused"] for p in done2["prepared"])
    other = ProjectStore().take(ARTIST, project, second.take_id)
    assert s3_bytes(other.audio_key or "") != s3_bytes(ready.audio_key or "")
    assert takes.keep(ARTIST, project, take.take_id).kept
    assert takes.keep(ARTIST, project, second.take_id).kept
    assert ProjectStore().take(ARTIST, project, take.take_id).kept is False
    assert ProjectStore().get(ARTIST, project).kept_take_id == second.take_id


def test_refused_unless_ten_distinct_matched_songs(project: str, workflow: str) -> None:
    store = ProjectStore()
    songs = store.songs(ARTIST, project)
    store.remove_song(songs[-1])
    with pytest.raises(GenerationRefused, match="exactly 10 matched songs; the project has 9"):
        takes.start_take(ARTIST, project)
    assert store.takes(ARTIST, project) == []  # nothing recorded, no workflow started
    with pytest.raises(ProjectNotFound):
        takes.check_step(event(project, "t-none"))
    assert aws.client("stepfunctions").list_executions(stateMachineArn=workflow)["executions"] == []

    # Ten again, but two of them the same work: refused with both titles.
    store.put_song(Song(ARTIST, project, "dup", songs[0].track_id, "Copy", status=projects.MATCHED,
                        match=songs[0].match))
    with pytest.raises(GenerationRefused, match="same work"):
        takes.start_take(ARTIST, project)
    # The check step refuses the same way (the workflow does not retry GenerationRefused).
    pending = store.put_take(projects.Take(ARTIST, project, "t-pending", seed=1, seconds=30,
                                           influence="85/100"))
    with pytest.raises(GenerationRefused, match="same work"):
        takes.check_step(event(project, pending.take_id))

    store.set_song(ARTIST, project, "dup", status=projects.DOUBTFUL, match=None)
    with pytest.raises(GenerationRefused, match="not matched to a catalog entry yet: Copy"):
        takes.start_take(ARTIST, project)


def test_bad_requests_and_other_artists(project: str, workflow: str) -> None:
    for kwargs, message in (({"seconds": 9}, "seconds must be 10"), ({"seconds": 121}, "seconds must be 10"),
                            ({"influence": "1/2"}, "more than 1/2"), ({"influence": "1"}, "less than 1"),
                            ({"influence": "lots"}, "not an exact fraction"), ({"seed": -1}, "seed must be"),
                            ({"prompt": "x" * 501}, "longer than 500")):
        with pytest.raises(takes.TakeInputError, match=message):
            takes.start_take(ARTIST, project, **kwargs)
    with pytest.raises(ProjectNotFound):
        takes.start_take("artist-b", project)
    take, _ = takes.start_take(ARTIST, project, influence="0.9")
    assert take.influence == "9/10" and 0 <= take.seed < 2**31
    with pytest.raises(takes.TakeNotReady, match="only a ready take"):
        takes.keep(ARTIST, project, take.take_id)
    with pytest.raises(ProjectNotFound):
        takes.keep("artist-b", project, take.take_id)
    shown = takes.view(take)
    assert shown["status"] == "generating" and shown["audio_url"] is None and shown["provenance"] is None


def test_failure_marks_the_take_with_the_reason(project: str, workflow: str) -> None:
    take, _ = takes.start_take(ARTIST, project, seed=1)
    with pytest.raises(ValueError, match="has no generated audio to render"):
        takes.render_step(event(project, take.take_id))
    cause = json.dumps({"errorMessage": "no notes were found in 'X'", "errorType": "GenerationRefused"})
    reply = takes.take_failed_step(event(project, take.take_id,
                                         error={"Error": "GenerationRefused", "Cause": cause}))
    assert reply["reason"] == "GenerationRefused: no notes were found in 'X'"
    failed = ProjectStore().take(ARTIST, project, take.take_id)
    assert (failed.status, failed.error) == ("failed", "GenerationRefused: no notes were found in 'X'")
    assert takes.view(failed)["error"] == failed.error


def test_notes_come_from_the_audio_lab_midi_when_the_track_was_processed(
        project: str, clips: list[tuple[demo_catalog.DemoSong, Path]]) -> None:
    song = ProjectStore().songs(ARTIST, project)[0]
    demo = next(d for d, _ in clips if d.recording.recording_id == song.match["recording_id"])  # type: ignore[index]
    prefix = f"artists/{ARTIST}/tracks/{song.track_id}/"
    aws.client("s3").upload_file(str(demo.audio.with_suffix(".mid")), resource("MEDIA_BUCKET"),
                                 prefix + "midi/other.mid")
    TrackStore().set_analysis(ARTIST, song.track_id, 101.5, "D minor")
    song_notes = notes.song_notes(ARTIST, song.track_id, song.title)
    assert song_notes["source"] == "audio lab MIDI"
    assert (song_notes["tempo_bpm"], song_notes["key"]) == (101.5, "D minor")
    assert len(song_notes["parts"]) >= 2  # the demo MIDI's melodic instruments, drums left out
    assert all(n[0] < notes.SPAN_S for part in song_notes["parts"] for n in part)
