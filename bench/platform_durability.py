"""Local durability: writes/s with the write-ahead journal against without it, and restart time with
1,000,000 items.

Every stack here is a child process that runs ``LocalStack`` as ``soundmosaic up`` does (drop
folder and scheduler threads, snapshot loop, the HTTP API on a free port, no demo catalog), so a
``kill -9`` is a real one and the timings hold the whole process.

(a) Writes/s. Two stacks run side by side: one journals (the default), the reference runs with
    ``SOUNDMOSAIC_JOURNAL=off`` (snapshots only; a crash loses up to one snapshot interval).
    Each case runs with ``clients`` concurrent clients for ``window`` seconds per stack, the two
    stacks alternating (on, off, off, on, ...) for ``rounds`` rounds, so load that comes and goes
    hits both alike:
    - ``PATCH /api/tracks/{id}`` (rename: the API handler reads the track and writes it back);
    - DynamoDB ``PutItem`` straight to moto (boto3): the journal's cost without a handler;
    - S3 ``PutObject`` of 256 KiB straight to moto (the body is journaled as sent).
(b) Restart with ``items`` items (default 1,000,000; ``--items``): the tracks table's snapshot
    (1,000 artists) is written with the same ``SnapshotStore`` the stack uses, then:
    - a start on an empty data folder: the reference, the stack's fixed cost;
    - a start on the snapshot: time until the API answers, and the restore alone;
    - 100 tracks renamed 3 times each, then one snapshot: its cost with the big table, against
      the same renames on the empty stack (a snapshot costs what changed, not the table);
    - one full snapshot of everything (``snapshot(full=True)``: what every snapshot cost when
      snapshots rewrote whole tables);
    - ``replay`` renames with snapshots held off, ``kill -9``, a start: the restore plus the
      replay of every journal record.

Command: ``python -m bench.platform_durability`` (``--items 200000`` for a smaller table,
``--no-record`` to print only).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import httpx

from bench.common import (
    DOCS_FILE,
    REPO_ROOT,
    RESULTS_DIR,
    add_index_row,
    machine,
    machine_line,
    ratio,
    replace_section,
    summary,
    table,
)

NAME = "platform_durability"
RESULT_FILE = RESULTS_DIR / f"{NAME}.json"
INDEX_ROW = ("| local durability: writes/s with the write-ahead journal vs without, restart with "
             "1,000,000 items | `python -m bench.platform_durability` | "
             "`bench/results/platform_durability.json` | below |")
STAGE = "local"
TRACKS_TABLE, MEDIA_BUCKET = f"soundmosaic-{STAGE}-tracks", f"soundmosaic-{STAGE}-media"
ARTISTS = 1_000
BENCH_ARTIST = "bench-writer"
CASES = ("PATCH /api/tracks/{id}", "DynamoDB PutItem (direct)", "S3 PutObject 256 KiB (direct)")
S3_BODY = 256 * 1024
RENAMED_TRACKS, RENAMES_EACH = 100, 3

Log = Callable[[str], None]


# -- the child: one local stack, driven over stdin -------------------------------------------------


def child(data_dir: Path) -> None:
    """Run a stack on ``data_dir``; print its facts as one JSON line, then obey stdin.

    Commands: ``snapshot`` (take one now), ``full`` (snapshot everything), ``history`` (the
    snapshots taken so far), ``stop``. A ``kill -9`` from the parent needs no command.
    """
    import logging

    from soundmosaic_local.runtime import persistence
    from soundmosaic_local.runtime.stack import LocalStack

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    timings: dict[str, float] = {}
    restore = persistence.Snapshotter.restore

    def timed_restore(self: persistence.Snapshotter, *args: Any, **kwargs: Any) -> dict[str, int]:
        t0 = time.perf_counter()
        try:
            return restore(self, *args, **kwargs)
        finally:
            timings["restore_s"] = time.perf_counter() - t0

    persistence.Snapshotter.restore = timed_restore  # type: ignore[method-assign]
    replay = persistence.DirtyTracker.replay

    def timed_replay(self: persistence.DirtyTracker, *args: Any, **kwargs: Any) -> int:
        t0 = time.perf_counter()
        try:
            return replay(self, *args, **kwargs)
        finally:
            timings["replay_s"] = time.perf_counter() - t0

    persistence.DirtyTracker.replay = timed_replay  # type: ignore[method-assign]
    t0 = time.perf_counter()
    stack = LocalStack(data_dir, port=0).start()
    start_s = time.perf_counter() - t0
    snapshotter = stack.snapshotter
    history: list[dict[str, Any]] = []
    take = snapshotter.snapshot

    def recorded(full: bool = False) -> None:
        before = snapshotter.last
        take(full)
        if snapshotter.last is not before:
            history.append(dict(snapshotter.last))

    snapshotter.snapshot = recorded  # type: ignore[method-assign]
    _say({"api_url": stack.api_url, "aws_endpoint": stack.aws_endpoint, "start_s": round(start_s, 3),
          "restore_s": round(timings.get("restore_s", 0.0), 3),
          "replay_s": round(timings.get("replay_s", 0.0), 3), "rss_mib": _rss_mib(),
          "journal": persistence.journal_enabled()})
    for line in sys.stdin:
        command = line.strip()
        if command == "snapshot":
            snapshotter.snapshot()
            _say({"last": snapshotter.last})
        elif command == "full":
            t0 = time.perf_counter()
            snapshotter.snapshot(full=True)
            _say({"last": snapshotter.last, "wall_s": round(time.perf_counter() - t0, 3)})
        elif command == "history":
            _say({"history": history, "rss_mib": _rss_mib()})
        elif command == "stop":
            t0 = time.perf_counter()
            stack.stop()
            _say({"stop_s": round(time.perf_counter() - t0, 3)})
            return


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def _rss_mib() -> float | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


class Stack:
    """A child stack process and the clients to talk to it."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.platform_durability", "--child", str(data_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
            env={**os.environ, "SOUNDMOSAIC_DEMO_CATALOG": "off", **env})
        self.info = self._read()
        self.ready_s = time.perf_counter() - started  # interpreter, imports, start
        secret = (data_dir / "dev-jwt-secret").read_text().strip()
        from soundmosaic_local import dev_tokens

        self.token = dev_tokens.mint(secret, BENCH_ARTIST)
        self.api = httpx.Client(base_url=self.info["api_url"], timeout=120,
                                headers={"Authorization": f"Bearer {self.token}"})
        self.api.get("/api/health").raise_for_status()
        self.ready_s = time.perf_counter() - started

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the stack on {self.data_dir} exited ({self.proc.wait()})")
        return dict(json.loads(line))

    def ask(self, command: str) -> dict[str, Any]:
        stdin: IO[str] | None = self.proc.stdin
        assert stdin is not None
        stdin.write(command + "\n")
        stdin.flush()
        return self._read()

    def aws(self, service: str, resource: bool = False) -> Any:
        import boto3
        from botocore.config import Config

        make: Any = boto3.resource if resource else boto3.client
        return make(service, endpoint_url=self.info["aws_endpoint"], region_name="us-east-1",
                    aws_access_key_id="local", aws_secret_access_key="local",
                    config=Config(max_pool_connections=32, retries={"max_attempts": 0}))

    def stop(self) -> dict[str, Any]:
        self.api.close()
        answer = self.ask("stop")
        self.proc.wait(timeout=120)
        return answer

    def kill(self) -> None:
        self.api.close()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


# -- (a) writes/s ------------------------------------------------------------------------------


def _seed_writer_tracks(stack: Stack, count: int) -> list[str]:
    from soundmosaic.library.tracks import Track

    tracks = stack.aws("dynamodb", resource=True).Table(TRACKS_TABLE)
    names = [f"w-{i:04d}" for i in range(count)]
    with tracks.batch_writer() as writer:
        for name in names:
            writer.put_item(Item=Track(artist_id=BENCH_ARTIST, track_id=name, title=f"{name} v0",
                                       filename=f"{name}.wav", media_key=f"m/{name}.wav", size_bytes=1,
                                       facts={"codec": "pcm_s16le"}).to_item())
    return names


def _window(stack: Stack, case: str, clients: int, seconds: float, tracks: list[str],
            tag: str) -> tuple[int, list[float]]:
    """Run ``case`` with ``clients`` threads for ``seconds``; (writes done, latencies ms)."""
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    body = os.urandom(S3_BODY)
    ddb, s3 = stack.aws("dynamodb"), stack.aws("s3")

    def client(n: int) -> None:
        mine = tracks[n::clients]
        http = httpx.Client(base_url=stack.info["api_url"], timeout=120,
                            headers={"Authorization": f"Bearer {stack.token}"})
        try:
            i = 0
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                if case == CASES[0]:
                    track = mine[i % len(mine)]
                    renamed = http.patch(f"/api/tracks/{track}", json={"title": f"{track} {tag} {i}"})
                    renamed.raise_for_status()
                elif case == CASES[1]:
                    ddb.put_item(TableName=TRACKS_TABLE, Item={
                        "artist_id": {"S": "bench-direct"}, "track_id": {"S": f"{tag}-{n}-{i}"},
                        "title": {"S": f"direct {i}"}, "n": {"N": str(i)}})
                else:
                    s3.put_object(Bucket=MEDIA_BUCKET, Key=f"bench/{tag}/{n}/{i % 20}", Body=body)
                latencies[n].append((time.perf_counter() - t0) * 1000)
                i += 1
        except BaseException as err:
            errors.append(err)
        finally:
            http.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    flat = [ms for per in latencies for ms in per]
    return len(flat), flat


def writes(root: Path, rounds: int, window_s: float, clients: int, log: Log) -> dict[str, Any]:
    stacks = {"journal": Stack(root / "writes-journal"),
              "no journal": Stack(root / "writes-no-journal", SOUNDMOSAIC_JOURNAL="off")}
    try:
        assert stacks["journal"].info["journal"] and not stacks["no journal"].info["journal"]
        tracks = {mode: _seed_writer_tracks(stack, clients * 8) for mode, stack in stacks.items()}
        done: dict[str, dict[str, list[float]]] = {c: {m: [] for m in stacks} for c in CASES}
        counts: dict[str, dict[str, int]] = {c: dict.fromkeys(stacks, 0) for c in CASES}
        for round_no in range(rounds + 1):  # round 0 warms both up and is not counted
            order = list(stacks) if round_no % 2 else list(reversed(stacks))
            for case in CASES:
                for mode in order:
                    n, latencies = _window(stacks[mode], case, clients, window_s if round_no else 1.0,
                                           tracks[mode], f"r{round_no}")
                    if round_no:
                        counts[case][mode] += n
                        done[case][mode] += latencies
            if round_no:
                log(f"{NAME}: writes round {round_no}/{rounds}: " + "; ".join(
                    f"{case.split(' (')[0]} {counts[case]['journal']}/{counts[case]['no journal']}"
                    for case in CASES))
        histories = {mode: stack.ask("history")["history"] for mode, stack in stacks.items()}
    finally:
        for stack in stacks.values():
            stack.stop()
    seconds = rounds * window_s
    result: dict[str, Any] = {}
    for case in CASES:
        per = {mode: {"writes": counts[case][mode], "writes_per_s": round(counts[case][mode] / seconds, 1),
                      **summary(done[case][mode])} for mode in stacks}
        result[case] = {**per, "journal_vs_no_journal_writes_per_s":
                        ratio(per["journal"]["writes_per_s"], per["no journal"]["writes_per_s"])}
    snapshots = [h for h in histories["journal"] if h.get("records")]
    return {"cases": result, "seconds_per_mode_and_case": seconds,
            "journal_stack_snapshots": len(snapshots),
            "journal_stack_snapshot_held_ms_max": max((h["held_ms"] for h in snapshots), default=None)}


# -- (b) restart -------------------------------------------------------------------------------


def _track_key(i: int, base_ms: int) -> tuple[str, str]:
    """(artist, track id) of seeded track ``i``: time-ordered ids, as ``paging.new_id`` makes."""
    return f"artist-{i % ARTISTS:04d}", f"{base_ms + i:012x}{i:012x}"


def _track_rows(count: int, base_ms: int) -> Iterator[tuple[str, str, str]]:
    """(table, key, item JSON) of ``count`` tracks over ``ARTISTS`` artists, in the snapshot's format.

    One real track is serialised once; the rest vary the fields that differ between tracks
    (``api_latency.make_track`` for each would take minutes for a million).
    """
    from boto3.dynamodb.types import TypeSerializer
    from soundmosaic.library.tracks import Track

    serialize = TypeSerializer().serialize
    template = {k: serialize(v) for k, v in Track(
        artist_id="a", track_id="t", title="t", filename="f.wav", media_key="m", size_bytes=1,
        facts={"duration_s": 187.25, "sample_rate": 44100, "channels": 2, "codec": "pcm_s16le",
               "container": "wav", "bit_rate": 1411200, "title": None, "artist": "Bench Artist",
               "album": None, "has_video": False},
        artist_name="Bench Artist", tags=["bench", "restart"], source="upload").to_item().items()}
    moods = ("amber", "velvet", "neon", "hollow", "golden", "quiet", "midnight", "restless")
    for i in range(count):
        artist, track_id = _track_key(i, base_ms)
        title = f"{moods[i % len(moods)]} take {i}"
        filename = f"take-{i:07d}.wav"
        item = {**template, "artist_id": {"S": artist}, "track_id": {"S": track_id},
                "title": {"S": title}, "filename": {"S": filename},
                "media_key": {"S": f"originals/{artist}/{track_id}/{filename}"},
                "size_bytes": {"N": str(1_000_000 + i)},
                "search": {"S": f"{title} bench artist {filename} bench restart"}}
        key = json.dumps([item["artist_id"], item["track_id"]], sort_keys=True)
        yield TRACKS_TABLE, key, json.dumps(item, sort_keys=True, separators=(",", ":"))


def seed_snapshot(data_dir: Path, count: int, base_ms: int, log: Log) -> dict[str, Any]:
    from soundmosaic_local.runtime.snapshots import Captured, SnapshotStore

    t0 = time.perf_counter()
    store = SnapshotStore(data_dir / "state")
    batch: list[tuple[str, str, str | None]] = []
    for n, row in enumerate(_track_rows(count, base_ms), start=1):
        batch.append(row)
        if len(batch) == 100_000:
            store.commit(Captured(items=batch), 0)
            log(f"{NAME}: seeded {n:,} items")
            batch = []
    if batch:
        store.commit(Captured(items=batch), 0)
    store.close()
    size = sum(p.stat().st_size for p in (data_dir / "state").glob("snapshot.sqlite3*"))
    return {"seed_s": round(time.perf_counter() - t0, 2), "snapshot_mib": round(size / 2**20, 1)}


def _rename_and_snapshot(stack: Stack, tracks: list[tuple[str, str]]) -> dict[str, Any]:
    """Rename each track ``RENAMES_EACH`` times over the API, then snapshot what is left.

    The snapshot loop may save some of the renames on its own while they run: every snapshot
    taken from the first rename on is counted.
    """
    before = len(stack.ask("history")["history"])

    def rename(job: tuple[int, tuple[str, str]]) -> None:
        round_no, (artist, track_id) = job
        stack.api.patch(f"/api/tracks/{track_id}", json={"title": f"renamed {round_no}"},
                        headers={"Authorization": "Bearer " + _token(stack.data_dir, artist)}
                        ).raise_for_status()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:  # one track per client at a time
        for round_no in range(RENAMES_EACH):
            list(pool.map(rename, [(round_no, track) for track in tracks]))
    renames_s = time.perf_counter() - t0
    stack.ask("snapshot")
    taken = stack.ask("history")["history"][before:]
    return {"renames": len(tracks) * RENAMES_EACH, "renames_s": round(renames_s, 2),
            "snapshots": len(taken), "records": sum(h["records"] for h in taken),
            "total_ms": round(sum(h["total_ms"] for h in taken), 1),
            "held_ms_max": max((h["held_ms"] for h in taken), default=0.0)}


def _some_tracks(items: int, base_ms: int, count: int) -> list[tuple[str, str]]:
    """``count`` seeded tracks spread over the table, by key: moto's Query sorts the whole
    table on every call (seconds each with a million items), so the bench never queries it."""
    return [_track_key((n * 7919) % items, base_ms) for n in range(count)]


def _seed_small(stack: Stack, count: int) -> list[tuple[str, str]]:
    table = stack.aws("dynamodb", resource=True).Table(TRACKS_TABLE)
    rows = [json.loads(item) for _, _, item in _track_rows(count, int(time.time() * 1000))]
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer().deserialize
    with table.batch_writer() as writer:
        for row in rows:
            writer.put_item(Item={k: plain(v) for k, v in row.items()})
    stack.ask("snapshot")
    return [(r["artist_id"]["S"], r["track_id"]["S"]) for r in rows]


def restart(root: Path, items: int, replay: int, full_snapshot: bool, log: Log) -> dict[str, Any]:
    out: dict[str, Any] = {"items": items}
    # Reference: the same stack on an empty data folder, and the same renames.
    # Started twice (the faster counts): a start is mostly imports and provisioning, and noisy.
    first = Stack(root / "restart-empty-1")
    first.stop()
    empty = Stack(root / "restart-empty")
    fastest = min((first, empty), key=lambda s: s.ready_s)
    out["empty"] = {"ready_s": round(fastest.ready_s, 2), "start_s": fastest.info["start_s"],
                    "restore_s": fastest.info["restore_s"], "rss_mib": empty.info["rss_mib"],
                    "ready_s_both": [round(first.ready_s, 2), round(empty.ready_s, 2)]}
    out["empty"]["renames"] = _rename_and_snapshot(empty, _seed_small(empty, RENAMED_TRACKS))
    empty.stop()
    log(f"{NAME}: empty stack ready in {out['empty']['ready_s']} s")

    data = root / "restart-big"
    log(f"{NAME}: writing a snapshot of {items:,} tracks")
    base_ms = int(time.time() * 1000) - items
    out["seed"] = seed_snapshot(data, items, base_ms, log)
    big = Stack(data)
    out["big"] = {"ready_s": round(big.ready_s, 2), "start_s": big.info["start_s"],
                  "restore_s": big.info["restore_s"], "rss_mib": big.info["rss_mib"]}
    log(f"{NAME}: {items:,}-item stack ready in {out['big']['ready_s']} s "
        f"(restore {out['big']['restore_s']} s, {out['big']['rss_mib']} MiB)")
    picked = _some_tracks(items, base_ms, RENAMED_TRACKS)
    check = big.api.get(f"/api/tracks/{picked[0][1]}", headers={
        "Authorization": "Bearer " + _token(data, picked[0][0])})
    out["big"]["restored_track_answers"] = check.status_code == 200
    out["big"]["renames"] = _rename_and_snapshot(big, picked)
    if full_snapshot:
        log(f"{NAME}: one full snapshot of {items:,} items")
        full = big.ask("full")
        out["big"]["full_snapshot"] = {"wall_s": full["wall_s"], **full["last"]}
    out["big"]["stop_s"] = big.stop()["stop_s"]

    # Writes the snapshot loop does not compact: kill -9, then restore + replay them all.
    crashed = Stack(data, SOUNDMOSAIC_SNAPSHOT_SECONDS="3600")
    rng = random.Random(7)
    chosen = [picked[1 + rng.randrange(len(picked) - 1)] for _ in range(replay - 1)]
    last_artist, last_track = picked[0]  # renamed last, and checked after the crash

    def rename(job: tuple[int, tuple[str, str]]) -> None:
        i, (artist, track_id) = job
        crashed.api.patch(f"/api/tracks/{track_id}", json={"title": f"before the crash {i}"},
                          headers={"Authorization": "Bearer " + _token(data, artist)}).raise_for_status()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(rename, enumerate(chosen)))
    crashed.api.patch(f"/api/tracks/{last_track}", json={"title": "the last rename"},
                      headers={"Authorization": "Bearer " + _token(data, last_artist)}).raise_for_status()
    writes_s = time.perf_counter() - t0
    journal_mib = sum(p.stat().st_size for p in (data / "state" / "journal").glob("*.wal")) / 2**20
    crashed.kill()
    again = Stack(data)
    last = again.api.get(f"/api/tracks/{last_track}", headers={
        "Authorization": "Bearer " + _token(data, last_artist)}).json()
    out["replay"] = {"renames": replay, "renames_s": round(writes_s, 2), "journal_mib": round(journal_mib, 2),
                     "ready_s": round(again.ready_s, 2), "start_s": again.info["start_s"],
                     "restore_s": again.info["restore_s"], "replay_s": again.info["replay_s"],
                     "last_rename_there": last.get("title") == "the last rename"}
    again.stop()
    log(f"{NAME}: after kill -9 with {replay} journaled renames: ready in {out['replay']['ready_s']} s")
    return out


def _token(data_dir: Path, artist: str) -> str:
    from soundmosaic_local import dev_tokens

    return dev_tokens.mint((data_dir / "dev-jwt-secret").read_text().strip(), artist)


# -- run, report ---------------------------------------------------------------------------------


def run(items: int = 1_000_000, rounds: int = 3, window_s: float = 3.0, clients: int = 4,
        replay: int = 1_000, full_snapshot: bool = True, log: Log = print) -> dict[str, Any]:
    started = time.perf_counter()
    info = machine()
    with tempfile.TemporaryDirectory(prefix="sm-durability-") as tmp:
        root = Path(tmp)
        log(f"{NAME}: (a) writes/s, {rounds} rounds of {window_s} s per case and stack, {clients} clients")
        written = writes(root, rounds, window_s, clients, log)
        log(f"{NAME}: (b) restart with {items:,} items")
        restarted = restart(root, items, replay, full_snapshot, log)
    return {
        "benchmark": NAME,
        "machine": info,
        "method": {"rounds": rounds, "window_s": window_s, "clients": clients, "items": items,
                   "artists": ARTISTS, "replay_renames": replay, "renamed_tracks": RENAMED_TRACKS,
                   "renames_each": RENAMES_EACH, "s3_body_bytes": S3_BODY,
                   "full_snapshot": full_snapshot,
                   "reference": "the same stack with SOUNDMOSAIC_JOURNAL=off (writes); an empty data "
                                "folder (restart); the same renames on the empty stack (snapshot)"},
        "writes": written,
        "restart": restarted,
        "duration_s": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    m, w, r = result["method"], result["writes"], result["restart"]
    rows = []
    for case, got in w["cases"].items():
        on, off = got["journal"], got["no journal"]
        rows.append([f"`{case}`", on["writes_per_s"], off["writes_per_s"],
                     f"**{got['journal_vs_no_journal_writes_per_s']:.2f}x**",
                     f"{on['p50_ms']} / {off['p50_ms']}", f"{on['p95_ms']} / {off['p95_ms']}"])
    empty, big, replay = r["empty"], r["big"], r["replay"]

    def snap(part: dict[str, Any]) -> str:
        got = part["renames"]
        return (f"{got['records']} records in {got['snapshots']} snapshot(s), {got['total_ms']} ms "
                f"(writes held off at most {got['held_ms_max']} ms)")

    restart_rows = [
        ["start, empty data folder (reference)", empty["ready_s"], empty["restore_s"], "1.00x",
         empty["rss_mib"]],
        [f"start, snapshot of {m['items']:,} tracks", big["ready_s"], big["restore_s"],
         f"{ratio(big['ready_s'], empty['ready_s']):.2f}x", big["rss_mib"]],
        [f"start after kill -9: {m['items']:,} tracks + {replay['renames']:,} journaled renames",
         replay["ready_s"], replay["restore_s"], f"{ratio(replay['ready_s'], empty['ready_s']):.2f}x", "-"],
    ]
    restore_rate = round(m["items"] / max(big["restore_s"] - empty["restore_s"], 1e-3))
    full = big.get("full_snapshot")
    flags = "" if m["items"] == 1_000_000 else f" --items {m['items']}"
    full_text = (f"A full snapshot of everything (what each snapshot cost when they rewrote whole "
                 f"tables) took {full['wall_s']} s, {full['held_ms'] / 1000:.1f} s of it with writes "
                 "held off." if full else "The full snapshot was skipped (`--no-full-snapshot`).")
    return "\n".join([
        "## Local durability: the write-ahead journal",
        "",
        "What it measures: (a) writes/s through the local stack with the write-ahead journal "
        "(every acknowledged S3 and DynamoDB write fsynced before moto answers) against the same "
        f"stack with `SOUNDMOSAIC_JOURNAL=off`, {m['clients']} concurrent clients, {m['rounds']} "
        f"rounds of {m['window_s']} s per case and stack, the two stacks alternating; (b) the time "
        f"until a restarted stack answers with {m['items']:,} tracks in its snapshot "
        f"({m['artists']:,} artists), against an empty data folder, and after a `kill -9` with "
        f"{m['replay_renames']:,} renames in the journal. Each stack is a child process running "
        "`LocalStack` as `soundmosaic up` does.",
        "",
        f"Command: `python -m bench.{NAME}{flags}`",
        "",
        f"Machine: {machine_line(result['machine'])}",
        "",
        table(["case", "writes/s, journal", "writes/s, no journal", "journal / no journal",
               "p50 ms (journal / none)", "p95 ms (journal / none)"], rows),
        "",
        f"The journaling stack took {w['journal_stack_snapshots']} snapshots during the run; the "
        f"longest held writes off for {w['journal_stack_snapshot_held_ms_max']} ms.",
        "",
        table(["restart", "ready s", "restore s", "ready vs empty", "RSS MiB at ready"], restart_rows),
        "",
        f"Restore: about {restore_rate:,} items/s; the replay of the {replay['renames']:,} journaled "
        f"renames ({replay['journal_mib']} MiB of journal) took {replay['replay_s']} s; the last rename "
        f"before the kill was there: {replay['last_rename_there']}. Seeding the snapshot file directly took "
        f"{r['seed']['seed_s']} s ({r['seed']['snapshot_mib']} MiB).",
        "",
        f"Snapshot after renaming {m['renamed_tracks']} tracks {m['renames_each']} times: "
        f"{snap(empty)} on the empty stack, {snap(big)} with {m['items']:,} tracks: a snapshot "
        f"costs what changed, not the size of the table. {full_text}",
        "",
    ])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{NAME}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000, help="tracks in the restart snapshot")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=float, default=3.0, help="seconds per case, stack and round")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--replay", type=int, default=1_000, help="journaled renames before the kill -9")
    parser.add_argument("--no-full-snapshot", action="store_true", help="skip the full snapshot")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return

    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.0f} s] {message}", file=sys.stderr, flush=True)

    result = run(args.items, args.rounds, args.window, args.clients, args.replay,
                 not args.no_full_snapshot, log)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row(f"bench.{NAME}", INDEX_ROW)
        replace_section(DOCS_FILE, NAME, section, "# Benchmarks\n")
        log(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
