"""Writers' room notes: what one search costs in a room of 1,000 and 5,000 notes.

``NoteStore.search`` reads the room's partition (newest first) and matches in Python (see
``soundmosaic.writers.notes``). For a room of ``--small`` and ``--big`` (the most a room may
hold, ``MAX_NOTES``) seeded notes of writer-like size (a title, a 200-600 character body, 1-4
tags, 1-3 episodes, 1-3 characters; written straight into the table, as seeding is not what is
measured) this records:

(a) what a search reads from DynamoDB: Query pages and KB (what AWS bills: one read capacity
    unit per 4 KB, eventually consistent at half), counted on the real ``Query`` calls;
(b) the matching in Python, per kind of search (no filter, two words, a tag, an episode, a
    character) over the items as read (the words against the folded text stored with each
    note), against a reference in the same run: turning every item into a ``Note`` (``_load``),
    which a search only does for the notes it returns;
(c) one read of the partition through moto (in-process DynamoDB): moto serialises every item in
    Python, so this is a floor for the local runtime, not a prediction for AWS.

Command: ``python -m bench.writers_notes`` (``--no-record`` to print only).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
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
    summary,
    table,
)

NAME = "writers_notes"
RESULT_FILE = RESULTS_DIR / f"{NAME}.json"
SEED, ROUNDS = 1414, 10
INDEX_ROW = (f"| writers' room notes: search ms, pages and KB read for 1,000 and 5,000 notes | "
             f"`python -m bench.{NAME}` | `bench/results/{NAME}.json` | [writers-web.md](writers-web.md) |")
WORDS = ("Lena", "Jonas", "Petra", "Café", "Brief", "Bahnhof", "Hochzeit", "Erbe", "Miete", "Streit",
         "Geheimnis", "Rückkehr", "letter", "wedding", "secret", "rent", "train", "heir", "quarrel", "return",
         "kiss", "lie", "truth", "Straße", "Familie", "family")
TAGS = ("cliffhanger", "romance", "money", "wedding", "continuity", "open question", "callback", "twist")
CHARACTERS = ("Lena", "Jonas", "Petra", "Maximilian", "Sophie", "Tarik", "Ines", "Bodo")


def _note(rng: random.Random) -> dict[str, Any]:
    body_words = [rng.choice(WORDS) for _ in range(rng.randint(30, 90))]
    return {"title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))),
            "body": " ".join(body_words)[:600],
            "tags": rng.sample(TAGS, rng.randint(1, 4)),
            "episodes": rng.sample(range(1, 400), rng.randint(1, 3)),
            "characters": rng.sample(CHARACTERS, rng.randint(1, 3))}


def _timed(fn: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    samples, value = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        value = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, value


def run(small: int, big: int, log: Callable[[str], None]) -> dict[str, Any]:
    from moto import mock_aws
    from soundmosaic.platform import aws
    from soundmosaic.platform.paging import new_id
    from soundmosaic.writers import notes

    for name, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "bench"),
                        ("AWS_SECRET_ACCESS_KEY", "bench")):
        os.environ[name] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    aws.reset()
    rng = random.Random(SEED)
    searches: dict[str, dict[str, Any]] = {
        "no filter": {}, "two words": {"q": "brief bahnhof"}, "tag": {"tag": "cliffhanger"},
        "episode": {"episode": 120}, "character": {"character": "petra"}}
    sizes: dict[str, Any] = {}
    with mock_aws():
        aws.client("dynamodb").create_table(
            TableName="bench-notes", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])
        store = notes.NoteStore("bench-notes")
        pages = [0]
        query = store.table.query

        def counted(**kwargs: Any) -> Any:
            reply = query(**kwargs)
            pages[0] += 1
            return reply

        store.table.query = counted  # count the Query pages a search reads
        for n in (small, big):
            room = f"room-{n}"
            log(f"seeding {n} notes")
            with store.table.batch_writer() as batch:
                for _ in range(n):
                    fields = _note(rng)
                    note = notes.Note(room, new_id(), rng.choice(("ana", "ben", "eve")), **fields)
                    batch.put_item(Item=notes._item(note))
            pages[0] = 0
            start = time.perf_counter()
            items = store._items(room)
            read_ms = (time.perf_counter() - start) * 1000
            read_pages = pages[0]
            kb = sum(len(json.dumps(i, default=str, ensure_ascii=False).encode()) for i in items) / 1024
            def load(items: list[dict[str, Any]] = items) -> list[Any]:
                return [notes._load(i) for i in items]

            load_samples, _ = _timed(load, ROUNDS)
            rows: dict[str, Any] = {}
            for label, filters in searches.items():
                def match(items: list[dict[str, Any]] = items, f: dict[str, Any] = filters) -> int:
                    return sum(notes.matches(item, **f) for item in items)

                samples, total = _timed(match, ROUNDS)
                rows[label] = {**summary(samples), "matches": total}
            sizes[str(n)] = {"notes": n, "partition_kb": round(kb, 1), "query_pages": read_pages,
                             "read_capacity_units": round(kb / 4 / 2, 1), "moto_read_ms": round(read_ms, 1),
                             "load": summary(load_samples), "matching": rows,
                             "ratio_two_words_vs_load_p50": ratio(rows["two words"]["p50_ms"],
                                                                  summary(load_samples)["p50_ms"])}
            log(f"{n}: {read_pages} pages, {kb:.0f} KB; two words p50 {rows['two words']['p50_ms']} ms")
    aws.reset()
    return {"name": NAME, "machine": machine(), "rounds": ROUNDS, "seed": SEED, "sizes": sizes,
            "ratio_big_small_two_words_p50": ratio(sizes[str(big)]["matching"]["two words"]["p50_ms"],
                                                   sizes[str(small)]["matching"]["two words"]["p50_ms"]),
            "method": __doc__}


def markdown(r: dict[str, Any]) -> str:
    lines = ["## Writers' room notes: one search in a room of 1,000 and 5,000 notes", "",
             f"Machine: {machine_line(r['machine'])}. {r['rounds']} rounds each; "
             "`python -m bench.writers_notes`.", "",
             table(["notes", "partition KB", "Query pages", "read units (eventual)", "moto read ms (floor)"],
                   [[s["notes"], s["partition_kb"], s["query_pages"], s["read_capacity_units"],
                     s["moto_read_ms"]] for s in r["sizes"].values()]), ""]
    rows = []
    for size in r["sizes"].values():
        load = size["load"]
        rows.append([size["notes"], "reference: items to notes", "-", load["p50_ms"], load["p95_ms"]])
        for label, s in size["matching"].items():
            rows.append([size["notes"], label, s["matches"], s["p50_ms"], s["p95_ms"]])
    lines += [table(["notes", "matching in Python", "matches", "p50 ms", "p95 ms"], rows), ""]
    for size in r["sizes"].values():
        lines.append(f"- {size['notes']} notes: two-word matching / turning the items into notes (p50): "
                     f"**{size['ratio_two_words_vs_load_p50']}x**")
    lines += [f"- 5,000 / 1,000 notes, two-word matching (p50): **{r['ratio_big_small_two_words_p50']}x**",
              ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=5_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.small, args.big, lambda m: print(m, file=sys.stderr, flush=True))
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        add_index_row(f"bench.{NAME}", INDEX_ROW)
        replace_section(DOCS_FILE, NAME, section, "# Benchmarks\n")
        print(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
