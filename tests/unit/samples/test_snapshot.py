"""The in-memory index (``platform.snapshot``): words by prefix, exact tags, equality and ranges,
newest-first pages with a cursor, nearest neighbours and their vectors through changes.
Hostile input tried: an empty index, deleting everything, unknown labels, a cursor past the end."""

from __future__ import annotations

import numpy as np
from soundmosaic.platform.search import Query, Schema, words
from soundmosaic.platform.snapshot import Snapshot

SCHEMA = Schema("t", "id", lambda r: [*words(r["name"]), *(f"tag={t}" for t in r["tags"])],
                labels=("class",), numbers=("bpm",), vector_dim=3)


def rows(n: int) -> list[dict]:
    return [{"id": f"{i:04d}", "name": f"Kick {i}" if i % 2 else f"Snare Élan {i}",
             "tags": ["dusty"] if i == 3 else [], "class": "kick" if i % 2 else "snare", "bpm": 80 + i}
            for i in range(n)]


def test_queries_pages_and_changes():
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0.9, 0.1, 0], [0, 0, 1], [0.95, 0, 0.05]], np.float16)
    snap = Snapshot(SCHEMA, rows(5), vectors)
    assert snap.ids == ["0004", "0003", "0002", "0001", "0000"]  # newest first
    page, after = snap.page(Query(words=["ela"]), 2)
    assert [r["id"] for r in page] == ["0004", "0002"] and after == "0002"
    assert [r["id"] for r in snap.page(Query(words=["ela"]), 2, after)[0]] == ["0000"]
    assert snap.page(Query(words=["ela"]), 2, "0000") == ([], None)
    assert [r["id"] for r in snap.page(Query(terms=["tag=dusty"]), 9)[0]] == ["0003"]
    assert snap.page(Query(terms=["tag=dust"]), 9)[0] == []  # tags match exactly
    kicks = Query(equal={"class": "KICK"}, ranges={"bpm": (82, None)})
    assert [r["id"] for r in snap.page(kicks, 9)[0]] == ["0003"]
    assert snap.page(Query(equal={"class": "banjo"}), 9)[0] == []
    near = snap.nearest("0000", 2)
    assert [r["id"] for r, _ in near] == ["0004", "0002"] and near[0][1] > near[1][1]
    changed = snap.apply(put=[{**rows(5)[1], "name": "Clap"}], delete=["0004"])
    assert changed.ids == ["0003", "0002", "0001", "0000"]
    assert changed.page(Query(words=["clap"]), 9)[0][0]["id"] == "0001"
    assert [r["id"] for r, _ in changed.nearest("0000", 1)] == ["0002"]  # vectors kept with their rows
    again = Snapshot.loads(SCHEMA, changed.dumps())
    assert again.rows == changed.rows and np.array_equal(again.vectors, changed.vectors)
    empty = changed.apply(delete=changed.ids)
    assert len(empty) == 0 and empty.page(Query(words=["kick"]), 5) == ([], None)
    assert empty.apply(put=[]).vectors.shape == (0, 3)
    assert snap.projection.shape == (5, 2)
