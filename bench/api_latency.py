"""Local API latency: ``GET /api/tracks`` with 10,000 tracks for one artist, p50/p95.

The whole local stack runs in this process (``LocalStack``: the moto server, the HTTP front door
that turns requests into API Gateway v2 events for the real ``api`` handler). One artist gets
10,000 tracks, written straight to the tracks table with ``batch_writer``; the time to seed is
reported. Then each case is requested over HTTP with a dev token, round-robin, so load that
comes and goes hits every case alike.

References in the same run:
- ``GET /api/health`` on the same server: the HTTP front door and handler with no DynamoDB.
- ``TrackStore().page(...)`` called directly (no HTTP, no handler), for the same page.
The ratios ``HTTP / direct`` and ``HTTP / health`` show what the front door plus the handler
add on top of the data access, and what the data access adds on top of a bare request.

Search cases: titles carry ``ballad`` on every 10th track (a page of 50 matches reads about 500
items), and ``zephyr`` on the oldest track only (the whole partition is read to fill the page).
DynamoDB applies the filter after reading, so search cost grows with what it must read, not with
what it returns.

Everything shares one interpreter (client, HTTP server, handler, moto), so its numbers include
GIL contention that separate processes in AWS would not have; they are for comparing runs and
finding regressions, not for predicting latency in AWS.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import machine, machine_line, ratio, summary, table

ARTIST = "bench-artist"
COMMON_WORD = "ballad"  # every 10th track
RARE_WORD = "zephyr"  # the oldest track only
_WORDS = ("groove", "anthem", "nocturne", "reverie", "lullaby", "overture", "serenade", "shuffle",
          "fanfare", "requiem", "elegy", "rhapsody", "interlude")
_MOODS = ("amber", "velvet", "neon", "hollow", "golden", "quiet", "midnight", "restless")
HEALTH = "GET /api/health"
LIST_HTTP, LIST_DIRECT = "GET /api/tracks?limit=50", "TrackStore.page limit=50"
COMMON_HTTP, COMMON_DIRECT = f"GET /api/tracks?limit=50&q={COMMON_WORD}", f"TrackStore.page q={COMMON_WORD}"
RARE_HTTP = f"GET /api/tracks?limit=50&q={RARE_WORD}"
_CODECS = (("pcm_s16le", "wav"), ("mp3", "mp3"), ("flac", "flac"), ("aac", "mp4"))


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "http" or "direct"
    call: Callable[[], int]  # returns the number of items it got
    every: int = 1  # measured in one round of every ``every``; 0: once, after the loop
    expected_items: int | None = None


def make_track(i: int, base_ms: int) -> Any:
    from soundmosaic.library.keys import original_key
    from soundmosaic.library.tracks import Track

    # Time-ordered ids like paging.new_id, strictly increasing with i: track 0 is the oldest.
    track_id = f"{base_ms + i:012x}{os.urandom(6).hex()}"
    word = COMMON_WORD if i % 10 == 0 else _WORDS[(i + i // 10) % len(_WORDS)]
    title = f"{_MOODS[i % len(_MOODS)]} {word} no {i}" + (f" {RARE_WORD}" if i == 0 else "")
    codec, ext = _CODECS[i % len(_CODECS)]
    filename = f"take-{i:05d}.{ext}"
    return Track(
        artist_id=ARTIST, track_id=track_id, title=title, filename=filename,
        media_key=original_key(ARTIST, track_id, filename), size_bytes=1_000_000 + 37 * i,
        facts={"duration_s": 60.0 + (i % 240) + 0.25, "sample_rate": 44100 if i % 3 else 48000,
               "channels": 2, "codec": codec, "container": ext, "bit_rate": 320000,
               "title": title, "artist": "Bench Artist", "album": None, "has_video": False},
        artist_name="Bench Artist", tags=["bench", _MOODS[i % len(_MOODS)]], source="upload",
    )


def seed(n_tracks: int) -> float:
    """Write ``n_tracks`` for ``ARTIST`` straight to the table; returns seconds taken."""
    from soundmosaic.library.tracks import TrackStore

    base_ms = int(time.time() * 1000) - n_tracks
    items = [make_track(i, base_ms).to_item() for i in range(n_tracks)]
    started = time.perf_counter()
    with TrackStore().table.batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    TrackStore().reindex(ARTIST)  # listing and search read the tracks index (docs/samples.md)
    return time.perf_counter() - started


@contextlib.contextmanager
def _preserved_environment() -> Iterator[None]:
    """LocalStack points this process's environment at its moto server; undo that after."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from soundmosaic.platform import aws

        aws.reset()


def _cases(client: httpx.Client, common_every: int) -> list[Case]:
    from soundmosaic.library.tracks import TrackStore

    def http(params: dict[str, Any] | None, path: str = "/api/tracks") -> Callable[[], int]:
        def call() -> int:
            reply = client.get(path, params=params)
            reply.raise_for_status()
            return len(reply.json().get("items", [])) if path == "/api/tracks" else 1
        return call

    def direct(query: str | None) -> Callable[[], int]:
        def call() -> int:
            return len(TrackStore().page(ARTIST, limit=50, query=query)[0])
        return call

    return [
        Case(HEALTH, "http", http(None, "/api/health"), expected_items=1),
        Case(LIST_DIRECT, "direct", direct(None), expected_items=50),
        Case(LIST_HTTP, "http", http({"limit": 50}), expected_items=50),
        Case(COMMON_DIRECT, "direct", direct(COMMON_WORD), every=common_every, expected_items=50),
        Case(COMMON_HTTP, "http", http({"limit": 50, "q": COMMON_WORD}), every=common_every,
             expected_items=50),
        # Reads the whole partition: timed once, after the loop (see ``run``).
        Case(RARE_HTTP, "http", http({"limit": 50, "q": RARE_WORD}), every=0, expected_items=1),
    ]


class _QueryCounter:
    """Counts DynamoDB Query calls made through the process's shared boto3 resource."""

    def __init__(self) -> None:
        from soundmosaic.library.tracks import TrackStore

        self.calls = 0
        TrackStore().table.meta.client.meta.events.register("before-call.dynamodb.Query", self._count)

    def _count(self, **_: Any) -> None:
        self.calls += 1

    def measure(self, call: Callable[[], int]) -> tuple[int, int, float]:
        """(items, Query calls, ms) of one call."""
        before = self.calls
        t0 = time.perf_counter()
        items = call()
        return items, self.calls - before, (time.perf_counter() - t0) * 1000


def _check_same_page(client: httpx.Client) -> bool:
    """The HTTP page and the direct page are the same tracks, newest first."""
    from soundmosaic.library.tracks import TrackStore

    over_http = [t["track_id"] for t in client.get("/api/tracks", params={"limit": 50}).json()["items"]]
    direct = [t.track_id for t in TrackStore().page(ARTIST, limit=50)[0]]
    return over_http == direct and over_http == sorted(over_http, reverse=True)


def run(n_tracks: int = 10_000, rounds: int = 200, common_every: int = 5, warmup: int = 1,
        max_seconds: float = 75.0, full: bool = False, log: Any = print) -> dict[str, Any]:
    """Seed, then time the cases round-robin for ``rounds`` rounds or ``max_seconds``.

    ``full`` also times one snapshot of the seeded state (what the stack's snapshot loop does
    after any write); it takes about a minute at 10,000 tracks, so it is off by default.
    """
    from soundmosaic_local.runtime.stack import LocalStack

    started = time.perf_counter()
    info = machine()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with _preserved_environment(), tempfile.TemporaryDirectory(prefix="sm-bench-") as tmp:
        t0 = time.perf_counter()
        # Snapshots follow writes; a long interval keeps the one after seeding out of the timings.
        stack = LocalStack(Path(tmp), port=0, background=False, snapshot_s=3600).start()
        stack_start_s = time.perf_counter() - t0
        try:
            log(f"api_latency: stack up in {stack_start_s:.1f} s; seeding {n_tracks} tracks")
            seed_s = seed(n_tracks)
            log(f"api_latency: seeded in {seed_s:.1f} s")
            snapshot_s = None
            if full:
                t0 = time.perf_counter()
                stack.snapshotter.snapshot()
                snapshot_s = round(time.perf_counter() - t0, 2)
                log(f"api_latency: one snapshot of the seeded state took {snapshot_s:.1f} s")
            counter = _QueryCounter()
            headers = {"Authorization": f"Bearer {stack.dev_token(ARTIST)}"}
            with httpx.Client(base_url=stack.api_url, headers=headers, timeout=600,
                              trust_env=False) as client:
                t0 = time.perf_counter()
                client.get("/api/health").raise_for_status()
                first_request_ms = (time.perf_counter() - t0) * 1000
                cases = _cases(client, common_every)
                looped = [c for c in cases if c.every]
                query_calls: dict[str, int] = {}
                for _ in range(warmup):
                    for case in looped:
                        got, query_calls[case.name], _ms = counter.measure(case.call)
                        assert got == case.expected_items, f"{case.name}: {got} items"
                same_page = _check_same_page(client)
                samples: dict[str, list[float]] = {c.name: [] for c in cases}
                measured_rounds = 0
                loop_started = time.perf_counter()
                for round_no in range(rounds):
                    for case in looped:
                        if round_no % case.every == 0:
                            samples[case.name].append(counter.measure(case.call)[2])
                    measured_rounds += 1
                    if round_no % 25 == 24:
                        log(f"api_latency: {round_no + 1}/{rounds} rounds")
                    if time.perf_counter() - loop_started > max_seconds:
                        log(f"api_latency: {measured_rounds} rounds in the {max_seconds:.0f} s budget")
                        break
                for case in (c for c in cases if not c.every):
                    log(f"api_latency: timing {case.name} once")
                    got, query_calls[case.name], ms = counter.measure(case.call)
                    assert got == case.expected_items, f"{case.name}: {got} items"
                    samples[case.name].append(ms)
        finally:
            # The data directory is thrown away: skip the final snapshot on stop (``full`` times one).
            stack.snapshotter.snapshot = lambda: None  # type: ignore[method-assign]
            stack.stop()
    stats: dict[str, dict[str, Any]] = {
        c.name: {"kind": c.kind, "query_calls": query_calls[c.name], **summary(samples[c.name])}
        for c in cases}

    def p(name: str, key: str = "p50_ms") -> float:
        return float(stats[name][key])

    ratios = {
        "list_http_vs_direct_p50": ratio(p(LIST_HTTP), p(LIST_DIRECT)),
        "list_http_vs_direct_p95": ratio(p(LIST_HTTP, "p95_ms"), p(LIST_DIRECT, "p95_ms")),
        "list_http_minus_direct_p50_ms": round(p(LIST_HTTP) - p(LIST_DIRECT), 2),
        "list_http_vs_health_p50": ratio(p(LIST_HTTP), p(HEALTH)),
        "search_common_http_vs_direct_p50": ratio(p(COMMON_HTTP), p(COMMON_DIRECT)),
        "search_common_vs_list_http_p50": ratio(p(COMMON_HTTP), p(LIST_HTTP)),
        "search_rare_vs_list_http_p50": ratio(p(RARE_HTTP), p(LIST_HTTP)),
    }
    return {
        "benchmark": "api_latency",
        "machine": info,
        "method": {"tracks": n_tracks, "artist": ARTIST, "rounds": measured_rounds,
                   "rounds_requested": rounds, "max_seconds": max_seconds,
                   "common_search_every": common_every, "full": full, "warmup_rounds": warmup,
                   "interleaved": True, "page_limit": 50, "client": "httpx.Client (keep-alive)",
                   "references": ["GET /api/health (same server, no DynamoDB)",
                                  "TrackStore().page(...) direct (no HTTP, no handler)"]},
        "setup": {"stack_start_s": round(stack_start_s, 2), "seed_s": round(seed_s, 2),
                  "seed_items_per_s": round(n_tracks / seed_s),
                  "first_request_ms": round(first_request_ms, 1),
                  "snapshot_of_seeded_state_s": snapshot_s},
        "checks": {"http_page_equals_direct_page_newest_first": same_page},
        "results": stats,
        "ratios": ratios,
        "duration_s": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    m, s, r = result["method"], result["setup"], result["ratios"]
    stats = result["results"]
    snapshot = s["snapshot_of_seeded_state_s"]
    snapshot = "not measured (`--full` measures it)" if snapshot is None else f"{snapshot} s"
    health, direct_list = stats[HEALTH], stats[LIST_DIRECT]
    rows = [[f"`{name}`", st["kind"], st["n"], st["query_calls"], st["p50_ms"],
             st["p95_ms"] if st["n"] > 1 else "-", st["max_ms"],
             f"{ratio(st['p50_ms'], health['p50_ms']):.2f}x",
             f"{ratio(st['p50_ms'], direct_list['p50_ms']):.2f}x"]
            for name, st in stats.items()]
    main = table(["case", "kind", "n", "DynamoDB Query calls", "p50 ms", "p95 ms", "max ms",
                  "vs health (p50)", "vs direct page (p50)"], rows)
    ratio_rows = [
        ["list: HTTP / direct page (p50)", f"**{r['list_http_vs_direct_p50']:.2f}x**",
         f"front door + handler add {r['list_http_minus_direct_p50_ms']} ms"],
        ["list: HTTP / direct page (p95)", f"{r['list_http_vs_direct_p95']:.2f}x", ""],
        ["list: HTTP / health (p50)", f"{r['list_http_vs_health_p50']:.2f}x", "what the data access adds"],
        [f"search `{COMMON_WORD}` (every 10th track): HTTP / direct (p50)",
         f"{r['search_common_http_vs_direct_p50']:.2f}x", ""],
        [f"search `{COMMON_WORD}` / list, HTTP (p50)", f"{r['search_common_vs_list_http_p50']:.2f}x",
         f"{stats[COMMON_HTTP]['query_calls']} Query calls for one page"],
        [f"search `{RARE_WORD}` (1 track) / list, HTTP", f"**{r['search_rare_vs_list_http_p50']:.2f}x**",
         f"{stats[RARE_HTTP]['query_calls']} Query calls: the whole partition, 50 items at a time"],
    ]
    return "\n".join([
        "## API latency: `GET /api/tracks` with 10,000 tracks",
        "",
        f"What it measures: latency of `GET /api/tracks` (first page, `limit=50`, and searches `q=`) "
        f"for one artist with {m['tracks']:,} tracks, on the local stack (`LocalStack`: moto server, "
        "HTTP front door and the real `api` handler, all in one process), over HTTP with a dev token "
        "and a keep-alive httpx client. References in the same run: `GET /api/health` (same server, "
        "no DynamoDB) and `TrackStore().page(...)` called directly (no HTTP, no handler). Cases run "
        f"round-robin ({m['rounds']} rounds in a {m['max_seconds']:.0f} s budget after "
        f"{m['warmup_rounds']} warm-up; the `{COMMON_WORD}` search every {m['common_search_every']}th "
        f"round; the `{RARE_WORD}` search, which reads the whole partition, once). One interpreter "
        "holds client, servers and moto, so GIL contention is included: compare ratios, not ms.",
        "",
        f"Command: `python -m bench.run api_latency{' --full' if m['full'] else ''}`",
        "",
        f"Machine: {machine_line(result['machine'])}",
        "",
        f"Setup: stack start {s['stack_start_s']} s; seeding {m['tracks']:,} tracks with `batch_writer` "
        f"{s['seed_s']} s ({s['seed_items_per_s']} items/s); first request (imports the handler "
        f"in-process) {s['first_request_ms']} ms; one snapshot of the seeded state (what the snapshot "
        f"loop does after any write) {snapshot}. HTTP page equals direct page, newest first: "
        f"{result['checks']['http_page_equals_direct_page_newest_first']}.",
        "",
        main,
        "",
        table(["ratio", "value", "note"], ratio_rows),
        "",
    ])


def main() -> None:
    from bench import run as runner

    runner.main(["api_latency"])


if __name__ == "__main__":
    main()
