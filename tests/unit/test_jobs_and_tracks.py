"""Job state rules and paging over moto in-process."""

from __future__ import annotations

import json
import os

import pytest
from soundmosaic.library import ingest
from soundmosaic.library.tracks import Track, TrackStore
from soundmosaic.platform import aws, jobs
from soundmosaic.platform.paging import BadCursor
from soundmosaic_local.runtime import provision


def _job(artist: str = "a1") -> jobs.Job:
    return jobs.Job(artist_id=artist, job_id=jobs.new_job_id(), kind="ingest")


def test_a_finished_job_never_moves_again(aws_env):
    store = jobs.JobStore()
    job = store.create(_job())
    assert store.advance("a1", job.job_id, "validating", 10).status == "running"
    assert store.fail("a1", job.job_id, "bad file").status == "failed"
    assert store.advance("a1", job.job_id, "recording", 60) is None
    assert store.succeed("a1", job.job_id, {"track_id": "t"}) is None
    stored = store.get("a1", job.job_id)
    assert (stored.status, stored.error, stored.percent) == ("failed", "bad file", 10)


def test_creating_the_same_job_twice_keeps_the_first(aws_env):
    store = jobs.JobStore()
    job = store.create(_job())
    store.advance("a1", job.job_id, "validating", 10)
    again = store.create(jobs.Job(artist_id="a1", job_id=job.job_id, kind="ingest"))
    assert again.stage == "validating"


def test_progress_never_goes_backwards(aws_env):
    store = jobs.JobStore()
    job = store.create(_job())
    store.advance("a1", job.job_id, "midi vocals", 70)
    assert store.advance("a1", job.job_id, "samples drums", 60) is None
    assert store.get("a1", job.job_id).percent == 70
    assert store.advance("a1", job.job_id, "export", 88).stage == "export"


def test_percent_is_clamped(aws_env):
    store = jobs.JobStore()
    job = store.create(_job())
    assert store.advance("a1", job.job_id, "x", 250).percent == 100


def test_unknown_job_updates_are_ignored(aws_env):
    assert jobs.JobStore().advance("a1", "nope", "x", 1) is None
    with pytest.raises(jobs.JobNotFound):
        jobs.JobStore().get("a1", "nope")


def _track(artist: str, title: str) -> Track:
    from soundmosaic.platform.paging import new_id

    return Track(artist_id=artist, track_id=new_id(), title=title, filename=f"{title}.wav",
                 media_key="k", size_bytes=1, facts={"duration_s": 1.5}, tags=["Drums"])


def test_paging_with_a_filter_fills_pages_and_skips_nothing(aws_env):
    store = TrackStore()
    made = [store.put(_track("a1", f"{'match' if i % 3 == 0 else 'other'} {i}")) for i in range(40)]
    store.put(_track("a2", "match elsewhere"))
    expected = [t.track_id for t in reversed(made) if t.title.startswith("match")]
    seen, cursor = [], None
    while True:
        page, cursor = store.page("a1", limit=4, cursor=cursor, query="MATCH")
        assert len(page) <= 4
        seen.extend(t.track_id for t in page)
        if not cursor:
            break
    assert seen == expected


def test_floats_survive_the_round_trip_and_tags_are_searchable(aws_env):
    store = TrackStore()
    track = store.put(_track("a1", "Song"))
    assert store.get("a1", track.track_id).facts == {"duration_s": 1.5}
    assert [t.track_id for t in store.page("a1", query="drums")[0]] == [track.track_id]


def test_a_cursor_cannot_cross_into_another_artist(aws_env):
    store = TrackStore()
    for i in range(3):
        store.put(_track("a1", f"t{i}"))
    _, cursor = store.page("a1", limit=1)
    assert cursor
    with pytest.raises(BadCursor):
        store.page("a2", limit=1, cursor=cursor)
    with pytest.raises(BadCursor):
        store.page("a1", cursor="!!!")


# -- ingest: the key parsed once, a track id of its own, started through start_workflow ------------


@pytest.fixture
def ingest_machine(aws_env) -> str:
    """A state machine at the ingest workflow's ARN (moto does not run it: starts are recorded)."""
    arn = aws.client("stepfunctions").create_state_machine(
        name=os.environ[ingest.MACHINE].rsplit(":", 1)[1], roleArn=provision.STATES_ROLE,
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )["stateMachineArn"]
    assert arn == os.environ[ingest.MACHINE]
    return arn


def test_an_upload_key_is_parsed_once_into_an_upload_with_its_own_track_id():
    upload = ingest.Upload.parse("b", "uploads/a1/u1/Song One.wav", 12)
    assert upload is not None
    assert (upload.artist_id, upload.filename, upload.source, upload.upload_id, upload.size_bytes) == (
        "a1", "Song One.wav", "upload", "u1", 12)
    assert ingest.Upload.from_dict({**upload.as_dict(), "extra": 1}) == upload
    dropped = ingest.Upload.parse("b", "drop/a1/x.wav", 1)
    assert dropped is not None and (dropped.source, dropped.upload_id) == ("drop", None)
    assert dropped.track_id != upload.track_id
    assert ingest.Upload.parse("b", "uploads/a1/x.wav", 1) is None


def test_start_records_the_job_and_starts_the_execution_named_after_it(ingest_machine):
    job = ingest.start("uploads-bucket", "uploads/a1/u1/take.wav", 99, correlation_id="msg-1")
    assert job is not None
    upload = ingest.Upload.from_dict(job.subject)
    assert upload.track_id != job.job_id and (upload.key, upload.size_bytes) == ("uploads/a1/u1/take.wav", 99)
    assert job.correlation_id == "u1"  # the upload id wins over the queue message id
    stored = jobs.JobStore().get("a1", job.job_id)
    assert (stored.kind, stored.status, stored.subject["filename"]) == ("ingest", "queued", "take.wav")
    sfn = aws.client("stepfunctions")
    [execution] = sfn.list_executions(stateMachineArn=ingest_machine)["executions"]
    assert execution["name"] == job.job_id
    started = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    assert started == {"artist_id": "a1", "job_id": job.job_id, "correlation_id": "u1",
                       "upload": upload.as_dict()}
    assert ingest.start("uploads-bucket", "elsewhere/a1/take.wav", 1) is None


def test_a_start_that_fails_fails_the_job(aws_env):
    with pytest.raises(Exception, match="StateMachineDoesNotExist"):
        ingest.start("uploads-bucket", "drop/a1/x.wav", 1)
    [job], _ = jobs.JobStore().page("a1")
    assert job.status == "failed" and "could not start the workflow" in (job.error or "")


def test_record_makes_the_track_of_the_upload_under_its_own_id(aws_env):
    s3 = aws.client("s3")
    upload = ingest.Upload.parse(os.environ["UPLOADS_BUCKET"], "uploads/a1/u1/My Take.WAV", 4)
    assert upload is not None
    s3.put_object(Bucket=upload.bucket, Key=upload.key, Body=b"RIFF")
    made = ingest.record("job-1", upload, {"duration_s": 1.0, "title": None}, 4)
    assert made == {"track_id": upload.track_id, "title": "My Take"}
    track = TrackStore().get("a1", upload.track_id)
    assert (track.job_id, track.source, track.filename) == ("job-1", "upload", "My Take.WAV")
    assert track.media_key == f"artists/a1/tracks/{upload.track_id}/original.wav"
    assert s3.get_object(Bucket=os.environ["MEDIA_BUCKET"], Key=track.media_key)["Body"].read() == b"RIFF"
    assert s3.list_objects_v2(Bucket=upload.bucket).get("KeyCount") == 0


def test_a_restart_redrives_unfinished_ingest_jobs_with_the_upload_they_recorded(ingest_machine):
    from soundmosaic_local.runtime.stack import resume_ingest_jobs

    s3, sfn, bucket = aws.client("s3"), aws.client("stepfunctions"), os.environ["UPLOADS_BUCKET"]
    s3.put_object(Bucket=bucket, Key="uploads/a1/u1/kept.wav", Body=b"x")
    kept = ingest.start(bucket, "uploads/a1/u1/kept.wav", 1)
    gone = ingest.start(bucket, "uploads/a1/u2/gone.wav", 1)
    # A job an older version recorded: no parsed upload in its subject, so it gets a track id now.
    s3.put_object(Bucket=bucket, Key="drop/a1/old.wav", Body=b"x")
    subject = {"bucket": bucket, "key": "drop/a1/old.wav", "filename": "old.wav", "size_bytes": 1,
               "source": "drop"}
    old = jobs.JobStore().create(jobs.Job(artist_id="a1", job_id=jobs.new_job_id(), kind="ingest",
                                          subject=subject))
    assert kept and gone
    assert sorted(resume_ingest_jobs()) == sorted([kept.job_id, old.job_id])
    assert jobs.JobStore().get("a1", gone.job_id).status == "failed"
    inputs = {}
    for execution in sfn.list_executions(stateMachineArn=ingest_machine)["executions"]:
        if "-resumed-" in execution["name"]:
            started = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
            inputs[started["job_id"]] = started["upload"]
    assert inputs[kept.job_id] == kept.subject
    assert inputs[old.job_id]["key"] == "drop/a1/old.wav" and inputs[old.job_id]["track_id"]
