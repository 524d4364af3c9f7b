"""Job state rules and paging over moto in-process."""

from __future__ import annotations

import pytest
from soundmosaic.library.tracks import Track, TrackStore
from soundmosaic.platform import jobs
from soundmosaic.platform.paging import BadCursor


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
