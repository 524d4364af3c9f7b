"""Royalty ledger: import and split 1,000,000 statement lines; lines/s, peak memory, reconciliation.

A statement of 1,000,000 CSV lines is generated to a file on disk (streamed, seeded): 1,000
generated tracks (200 referenced by ISRC) whose provenance has ten reference works with 1-3
co-writers each and a 12-work training catalog (about 30 rights holders per track), five
currencies (USD, EUR, GBP, JPY, KWD) with amounts of up to 6 decimals, 2 % refunds, 1 % lines
of unknown tracks and 0.1 % malformed lines of six kinds. The generator keeps the exact truth
(micros per currency) of what it wrote.

(a) Pure path, all 1,000,000 lines, in a child process: ``statements.read_file`` streams and
    validates each line, the line is resolved against the tracks' splitters (what the ledger
    caches), claimed with its split (``ledger.line_record``) and turned into its ledger entries
    (``ledger.entry_items``): everything an import computes, without DynamoDB. References in the
    same run, on the same file: reading the lines (bytes) and ``csv.reader`` (no validation).
(b) Full ledger path through moto (in-process DynamoDB) on the first ``sample`` lines:
    ``Ledger.import_file`` with every conditional put, claim, audit record and error item, then
    the same file again (all duplicates). moto serialises every request in Python, so this is
    a floor for the local runtime, not a prediction for AWS: the requests per line are.

Reconciliation, exact: per currency, the sum of every entry equals the revenue of the lines
split, equals the generator's truth (to the micro, so to the cent); held and malformed lines
match their expected counts and amounts; for (b) the entries are read back from the table.

Memory: ``ru_maxrss`` is the child's peak resident set (interpreter, modules and catalog
included) before and after the 1,000,000 lines; ``tracemalloc`` then traces a second pass over
the first 300,000 lines (tracing slows Python several times) and reports the peak of Python
allocations after 100,000 and after 300,000 lines: if the import streams, the two are the same.

Command: ``python -m bench.royalties_ledger`` (``--sample 10000`` for a longer moto run).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource as rusage
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from bench.common import (
    DOCS_FILE,
    REPO_ROOT,
    RESULTS_DIR,
    add_index_row,
    machine,
    machine_line,
    ratio,
    replace_section,
    table,
)

RESULT_FILE = RESULTS_DIR / "royalties_ledger.json"
SEED = 20260611
TRACKS, ISRC_TRACKS, WORKS, WRITERS, TRAINING_WORKS = 1_000, 200, 3_000, 1_500, 12
CURRENCIES = (("USD", 45), ("EUR", 30), ("GBP", 10), ("JPY", 10), ("KWD", 5))
STORES = ("Spotify", "Apple Music", "Deezer", "Tidal", "YouTube Music")
TERRITORIES = ("US", "DE", "GB", "FR", "JP", "BR", "MX", "SE", "NL", "KW", "IN", "AU", "CA", "IT", "ES",
               "PL", "KR", "ZA", "NG", "AR")
BAD_KINDS = ("bad period", "negative plays", "7 decimals", "unknown currency", "open quote", "short line")
HEADER = "track,territory,store,period,plays,amount,currency\n"


# -- the data --------------------------------------------------------------------------------------

INDEX_ROW = ("| royalty ledger: import and split 1,000,000 lines, lines/s, memory, reconciliation | "
             "`python -m bench.royalties_ledger` | `bench/results/royalties_ledger.json` | "
             "[royalties.md](royalties.md) |")


def track_ids() -> list[str]:
    return [f"g{i:06d}" for i in range(TRACKS)]


def isrc_of(i: int) -> str:
    return f"QZAAA24{i:05d}"


def catalog() -> dict[str, Any]:
    """Provenance of every track, keyed by its references (id, and ISRC for the first 200)."""
    from soundmosaic.royalties.provenance import Influence, Provenance, Work, from_basis_points, pro_rata

    rng = random.Random(SEED)
    writers = [f"writer-{i:04d}" for i in range(WRITERS)]
    works: dict[str, Work] = {}
    for i in range(WORKS):
        holders = rng.sample(writers, rng.choice((1, 2, 2, 3)))
        points = [10_000 // len(holders)] * len(holders)
        points[0] += 10_000 - sum(points)
        shares = from_basis_points(dict(zip(holders, points, strict=True)))
        works[f"work-{i:04d}"] = Work(f"work-{i:04d}", shares)
    hours = pro_rata({f"train-{i:02d}": rng.randint(50, 500) for i in range(TRAINING_WORKS)})
    training = tuple(Influence(Work(w, {f"label-{i:02d}": Fraction(1)}), share)
                     for i, (w, share) in enumerate(sorted(hours.items())))
    found: dict[str, Any] = {}
    for i, track in enumerate(track_ids()):
        chosen = rng.sample(sorted(works), 10)
        influence = pro_rata({w: rng.randint(1, 100) for w in chosen})
        provenance = Provenance(track, tuple(Influence(works[w], influence[w]) for w in chosen), training,
                                isrc=isrc_of(i) if i < ISRC_TRACKS else None, version=1)
        for ref in (provenance.track_id, provenance.isrc):
            if ref:
                found[ref] = provenance
    return found


def lines(n: int) -> Iterator[tuple[str, str, str, int]]:
    """(text, kind, currency, micros) of ``n`` statement lines; kind is good, unknown or bad."""
    rng = random.Random(SEED + 1)
    codes = [c for c, weight in CURRENCIES for _ in range(weight)]
    for i in range(n):
        currency = rng.choice(codes)
        whole = rng.randint(0, 5_000) if currency == "JPY" else rng.randint(0, 40)
        micros = whole * 1_000_000 + rng.randint(0, 999_999)
        if rng.random() < 0.02:
            micros = -micros  # a refund
        t = rng.randrange(TRACKS)
        track = isrc_of(t) if t < ISRC_TRACKS and rng.random() < 0.5 else f"g{t:06d}"
        kind = "good"
        roll = rng.random()
        if roll < 0.01:
            track, kind = f"u{rng.randrange(10_000):06d}", "unknown"
        period = f"2024-{rng.randint(1, 12):02d}"
        plays, amount = str(rng.randint(0, 100_000)), _decimal(micros)
        if roll > 0.999:
            kind = BAD_KINDS[i % len(BAD_KINDS)]
            if kind == "bad period":
                period = "2024-13"
            elif kind == "negative plays":
                plays = "-" + plays
            elif kind == "7 decimals":
                amount += "7"
            elif kind == "unknown currency":
                currency = "XYZ"
        text = ",".join((track, rng.choice(TERRITORIES), rng.choice(STORES), period, plays, amount, currency))
        if kind == "open quote":
            text = text.replace(",", ',"', 1)
        elif kind == "short line":
            text = text.rsplit(",", 1)[0]
        yield text + "\n", kind if kind in ("good", "unknown") else "bad", currency, micros


def _decimal(micros: int) -> str:
    sign, value = ("-" if micros < 0 else ""), abs(micros)
    return f"{sign}{value // 1_000_000}.{value % 1_000_000:06d}"


def write_files(directory: Path, n: int, sample: int) -> tuple[Path, Path, dict[str, Any], dict[str, Any]]:
    """The full statement and its first ``sample`` lines, with the truth of each."""
    full, part = directory / "statement.csv", directory / "sample.csv"
    truths: list[dict[str, Any]] = [
        {"lines": 0, "good": 0, "unknown": 0, "bad": 0, "revenue": Counter(), "held": Counter()}
        for _ in range(2)]
    with full.open("w") as out, part.open("w") as out_sample:
        out.write(HEADER)
        out_sample.write(HEADER)
        for i, (text, kind, currency, micros) in enumerate(lines(n)):
            out.write(text)
            targets = truths if i < sample else truths[:1]
            if i < sample:
                out_sample.write(text)
            for truth in targets:
                truth["lines"] += 1
                truth[kind] += 1
                if kind == "good":
                    truth["revenue"][currency] += micros
                elif kind == "unknown":
                    truth["held"][currency] += micros
    return full, part, truths[0], truths[1]


# -- (a) the pure path, in a child process ---------------------------------------------------------

def _rss_mb() -> float:
    return round(rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def pure_pass(path: Path, resolved: dict[str, Any], trace_at: int | None = None,
              limit: int | None = None) -> dict[str, Any]:
    from soundmosaic.royalties import statements
    from soundmosaic.royalties.ledger import entry_items, line_record

    revenue: Counter[str] = Counter()
    allocated: Counter[str] = Counter()
    held: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    traced_at = None
    for number, item in enumerate(statements.read_file(path, source="bench:statement"), start=1):
        if number == trace_at:
            traced_at = tracemalloc.get_traced_memory()[1]
        if number == limit:
            break
        if isinstance(item, statements.LineError):
            counts["errors"] += 1
            continue
        splitter = resolved.get(item.track)
        if splitter is None:
            counts["held"] += 1
            held[item.currency] += item.amount_micros
            continue
        counts["split"] += 1
        record = line_record(item, splitter, "bench-op", "bench", "2026-01-01T00:00:00.000Z")
        revenue[item.currency] += item.amount_micros
        for entry in entry_items(record):
            allocated[entry["currency"]] += entry["amount_micros"]
            counts["entries"] += 1
    return {"counts": dict(counts), "revenue": dict(revenue), "allocated": dict(allocated),
            "held": dict(held), "traced_peak_at_mark": traced_at}


def pure_child(path: Path, trace_at: int) -> dict[str, Any]:
    """Timed references and the pure path, then a traced pass; printed as JSON by the child.

    The traced pass stops at ``3 * trace_at`` lines: tracemalloc slows Python down several times,
    and a peak that is the same after ``trace_at`` and three times as many lines shows streaming
    as well as a million would (``ru_maxrss`` covers the whole untraced run)."""
    from soundmosaic.royalties import ledger, statements  # noqa: F401  (imported before the baseline)
    from soundmosaic.royalties.split import Splitter

    resolved = {}
    for ref, provenance in catalog().items():
        resolved[ref] = (provenance, Splitter(provenance.holder_weights()))
    rss_before = _rss_mb()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with path.open("rb") as handle:
        raw_lines = sum(1 for _ in handle) - 1
    timings["read_lines_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with path.open(newline="") as handle:
        # QUOTE_NONE: with quoting on, the open-quote lines would swallow the lines after them.
        csv_rows = sum(1 for _ in csv.reader(handle, quoting=csv.QUOTE_NONE)) - 1
    timings["csv_reader_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    parsed = sum(1 for _ in statements.read_file(path, source="bench:statement"))
    timings["parse_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = pure_pass(path, resolved)
    timings["pure_s"] = time.perf_counter() - t0
    rss_after = _rss_mb()
    tracemalloc.start()
    traced = pure_pass(path, resolved, trace_at=trace_at, limit=3 * trace_at)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {**result, "lines": raw_lines, "csv_rows": csv_rows, "parsed": parsed, "timings": timings,
            "rss_mb_before": rss_before, "rss_mb_after": rss_after,
            "traced_peak_mb_at_mark": round(traced["traced_peak_at_mark"] / 2**20, 2),
            "traced_peak_mb_at_end": round(peak / 2**20, 2), "trace_mark_lines": trace_at,
            "trace_end_lines": min(3 * trace_at, raw_lines)}


# -- (b) the ledger through moto -------------------------------------------------------------------

def ledger_run(sample_path: Path, truth: dict[str, Any], log: Any) -> dict[str, Any]:
    from moto import mock_aws
    from soundmosaic.platform import aws
    from soundmosaic.royalties import tables
    from soundmosaic.royalties.ledger import Ledger
    from soundmosaic.royalties.provenance_store import ProvenanceStore

    env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "LEDGER_TABLE": "bench-ledger", "AUDIT_TABLE": "bench-audit",
           "PROVENANCE_TABLE": "bench-provenance"}
    saved = dict(os.environ)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(env)
    aws.reset()
    try:
        with mock_aws():
            tables.create("bench-ledger", "bench-audit", "bench-provenance")
            store = ProvenanceStore()
            t0 = time.perf_counter()
            recorded = {p.track_id: p for p in catalog().values()}
            for provenance in recorded.values():
                store.record(provenance, actor="platform:generation:bench")
            record_s = time.perf_counter() - t0
            log(f"royalties_ledger: recorded {len(recorded)} provenances in {record_s:.1f} s")
            calls: Counter[str] = Counter()
            aws.client("dynamodb").meta.events.register(
                "before-call.dynamodb.*", lambda model, **_: calls.update([model.name]))
            ledger = Ledger(provenance=store)
            t0 = time.perf_counter()
            report = ledger.import_file(sample_path, actor="bench", source="bench:sample")
            import_s = time.perf_counter() - t0
            first_calls = dict(calls)
            log(f"royalties_ledger: moto import of {report.lines} lines in {import_s:.1f} s")
            calls.clear()
            t0 = time.perf_counter()
            again = ledger.import_file(sample_path, actor="bench", source="bench:sample")
            reimport_s = time.perf_counter() - t0
            again_calls = dict(calls)
            stored: Counter[str] = Counter()
            entries = 0
            scan: dict[str, Any] = {"TableName": "bench-ledger"}
            while True:
                reply = aws.client("dynamodb").scan(**scan)
                for raw in reply["Items"]:
                    if raw["pk"]["S"].startswith("H#"):
                        stored[raw["currency"]["S"]] += int(raw["amount_micros"]["N"])
                        entries += 1
                if "LastEvaluatedKey" not in reply:
                    break
                scan["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
    finally:
        os.environ.clear()
        os.environ.update(saved)
        aws.reset()
    requests = sum(first_calls.values())
    return {
        "sample_lines": report.lines, "provenance_record_s": round(record_s, 2),
        "import_s": round(import_s, 2), "lines_per_s": round(report.lines / import_s, 1),
        "reimport_s": round(reimport_s, 2), "reimport_lines_per_s": round(again.lines / reimport_s, 1),
        "report": {k: v for k, v in report.summary().items() if k not in ("error_samples", "held_tracks")},
        "reimport": {"imported": again.imported, "duplicates": again.duplicates, "errors": again.errors,
                     "held": again.held},
        "requests": first_calls, "requests_per_line": round(requests / report.lines, 2),
        "reimport_requests": again_calls, "entries_in_table": entries,
        "checks": {
            "table_entries_equal_truth": _nonzero(stored) == _nonzero(truth["revenue"]),
            "report_reconciled": report.reconciled,
            "held_as_expected": (report.held, _nonzero(report.held_micros)) == (truth["unknown"],
                                                                                 _nonzero(truth["held"])),
            "errors_as_expected": report.errors == truth["bad"],
            "all_lines_accounted": report.accounted,
            "reimport_changed_nothing": (again.imported == 0
                                         and again.duplicates == report.imported + report.held),
        },
        "stored_micros": dict(stored),
    }


def _nonzero(sums: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in sums.items() if v}


# -- the run ----------------------------------------------------------------------------------------

def run(n: int = 1_000_000, sample: int = 2_000, log: Any = print) -> dict[str, Any]:
    started = time.perf_counter()
    info = machine()
    with tempfile.TemporaryDirectory(prefix="sm-royalties-") as tmp:
        t0 = time.perf_counter()
        full, part, truth, sample_truth = write_files(Path(tmp), n, sample)
        generate_s = time.perf_counter() - t0
        log(f"royalties_ledger: wrote {n:,} lines ({full.stat().st_size / 2**20:.0f} MiB) "
            f"in {generate_s:.0f} s")
        child = subprocess.run([sys.executable, "-m", "bench.royalties_ledger", "--child", str(full),
                                "--trace-at", str(min(100_000, max(1, n // 3)))],
                               cwd=REPO_ROOT, capture_output=True, text=True, check=True)
        pure = json.loads(child.stdout)
        log(f"royalties_ledger: pure path {pure['timings']['pure_s']:.0f} s")
        full_path = ledger_run(part, sample_truth, log)
        file_mb = round(full.stat().st_size / 2**20, 1)
    t = pure["timings"]
    lines_n = pure["lines"]
    per_s = {k.replace("_s", "_lines_per_s"): round(lines_n / v) for k, v in t.items()}
    revenue_truth = {c: v for c, v in truth["revenue"].items()}
    checks = {
        "entries_equal_revenue": pure["allocated"] == pure["revenue"],
        "revenue_equals_generator_truth": pure["revenue"] == revenue_truth,
        "held_equal_truth": ((pure["counts"].get("held"), pure["held"])
                             == (truth["unknown"], dict(truth["held"]))),
        "errors_equal_truth": pure["counts"].get("errors") == truth["bad"],
        "all_lines_accounted": pure["counts"].get("split", 0) + pure["counts"].get("held", 0)
        + pure["counts"].get("errors", 0) == lines_n == n,
    }
    return {
        "benchmark": "royalties_ledger",
        "machine": info,
        "method": {"lines": n, "sample_for_moto": sample, "tracks": TRACKS, "isrc_tracks": ISRC_TRACKS,
                   "training_works": TRAINING_WORKS, "currencies": [c for c, _ in CURRENCIES], "seed": SEED,
                   "file_mib": file_mb, "generate_s": round(generate_s, 1)},
        "pure": {"timings_s": {k: round(v, 2) for k, v in t.items()}, "lines_per_s": per_s,
                 "entries": pure["counts"].get("entries", 0),
                 "holders_per_split_line": round(pure["counts"].get("entries", 0)
                                                 / max(1, pure["counts"].get("split", 0)), 2),
                 "counts": pure["counts"], "rss_mb_before": pure["rss_mb_before"],
                 "rss_mb_after": pure["rss_mb_after"],
                 "traced_peak_mb_at_mark": pure["traced_peak_mb_at_mark"],
                 "traced_peak_mb_at_end": pure["traced_peak_mb_at_end"],
                 "trace_mark_lines": pure["trace_mark_lines"], "trace_end_lines": pure["trace_end_lines"]},
        "reconciliation": {c: {"revenue_micros": pure["revenue"].get(c, 0),
                               "entries_micros": pure["allocated"].get(c, 0),
                               "generator_truth_micros": revenue_truth.get(c, 0)}
                           for c in sorted(set(pure["revenue"]) | set(revenue_truth))},
        "checks": checks,
        "ledger_moto": full_path,
        "ratios": {
            "pure_vs_csv_reader": ratio(t["pure_s"], t["csv_reader_s"]),
            "parse_vs_csv_reader": ratio(t["parse_s"], t["csv_reader_s"]),
            "pure_vs_parse": ratio(t["pure_s"], t["parse_s"]),
            "pure_vs_moto_lines_per_s": ratio(per_s["pure_lines_per_s"], full_path["lines_per_s"]),
        },
        "duration_s": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    m, p, led, r = result["method"], result["pure"], result["ledger_moto"], result["ratios"]
    ps, ts = p["lines_per_s"], p["timings_s"]
    recon = [[c, f"{v['revenue_micros']:,}", f"{v['entries_micros']:,}", f"{v['generator_truth_micros']:,}",
              "yes" if v["revenue_micros"] == v["entries_micros"] == v["generator_truth_micros"]
              else "**NO**"]
             for c, v in result["reconciliation"].items()]
    speed = [
        ["read the lines (bytes), reference", ts["read_lines_s"], f"{ps['read_lines_lines_per_s']:,}", ""],
        ["`csv.reader` (`QUOTE_NONE`), no validation, reference", ts["csv_reader_s"],
         f"{ps['csv_reader_lines_per_s']:,}", "1.00x"],
        ["`statements.read_file` (parse + validate)", ts["parse_s"], f"{ps['parse_lines_per_s']:,}",
         f"{r['parse_vs_csv_reader']:.2f}x"],
        ["**parse + split + entries** (pure import)", ts["pure_s"], f"**{ps['pure_lines_per_s']:,}**",
         f"{r['pure_vs_csv_reader']:.2f}x"],
    ]
    req = ", ".join(f"{k} {v:,}" for k, v in sorted(led["requests"].items(), key=lambda kv: -kv[1]))
    checks = {**result["checks"], **{f"moto: {k}": v for k, v in led["checks"].items()}}
    failed = [k for k, v in checks.items() if not v]
    return "\n".join([
        f"## Royalty ledger: import and split {m['lines']:,} statement lines",
        "",
        f"What it measures: a {m['lines']:,}-line CSV statement ({m['file_mib']} MiB on disk, generated "
        f"streaming with seed {m['seed']}: {m['tracks']:,} generated tracks, {m['isrc_tracks']} of them "
        "by ISRC, ten reference works with 1-3 co-writers each plus a "
        f"{m['training_works']}-work training catalog; {', '.join(m['currencies'])}; 2 % refunds, "
        "1 % unknown tracks, 0.1 % malformed lines) is (a) parsed, split and turned into ledger entries "
        f"in a child process, without DynamoDB, and (b) its first {m['sample_for_moto']:,} lines are "
        "imported through the real `Ledger` on moto, then imported again. "
        "References in the same run: reading the lines and `csv.reader` over the same file.",
        "",
        "Command: `python -m bench.royalties_ledger`",
        "",
        f"Machine: {machine_line(result['machine'])}",
        "",
        table([f"(a) {m['lines']:,} lines", "seconds", "lines/s", "time vs `csv.reader`"], speed),
        "",
        f"Entries built: {p['entries']:,} ({p['holders_per_split_line']} holders per split line). Memory: "
        f"peak RSS {p['rss_mb_before']} MiB before the lines (interpreter, modules, catalog) and "
        f"{p['rss_mb_after']} MiB after all of them (`ru_maxrss`); traced Python allocations peak at "
        f"{p['traced_peak_mb_at_mark']} MiB after {p['trace_mark_lines']:,} lines and "
        f"{p['traced_peak_mb_at_end']} MiB after {p['trace_end_lines']:,} (`tracemalloc`, a second pass "
        "over the start of the file): the import streams.",
        "",
        "Reconciliation, exact, in micros (10^-6 of the major unit):",
        "",
        table(["currency", "revenue of split lines", "sum of all entries", "generator's truth", "equal"],
              recon),
        "",
        f"(b) Ledger on moto, {led['sample_lines']:,} lines: **{led['lines_per_s']} lines/s** "
        f"({led['import_s']} s; {led['requests_per_line']} DynamoDB requests per line: {req}); "
        f"the same file again (all duplicates): {led['reimport_lines_per_s']} lines/s. "
        f"The pure path is **{r['pure_vs_moto_lines_per_s']:,.0f}x** faster than the moto path: locally, "
        "moto's request handling is the import's cost. Entries read back from the table equal the "
        "generator's truth per currency: "
        f"{led['checks']['table_entries_equal_truth']}.",
        "",
        f"Checks: {'all passed' if not failed else 'FAILED: ' + ', '.join(failed)} "
        f"({', '.join(checks)}).",
        "",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.royalties_ledger",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000, help="lines imported through moto")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace-at", type=int, default=100_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(pure_child(args.child, args.trace_at)))
        return

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.lines, args.sample, log)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row("bench.royalties_ledger", INDEX_ROW)
        replace_section(DOCS_FILE, "royalties_ledger", section, "# Benchmarks\n")
        log(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
