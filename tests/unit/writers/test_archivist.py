"""The offline archivist and the bible on a synthetic archive, in memory (no AWS): the right
scene is cited, a question about nothing in the archive is answered "not in the archive", the
bible finds the planted relationships, the metrics of a day add up."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from soundmosaic.writers import archivist, bible, embed, metrics
from soundmosaic.writers.index import chunks_of, rank
from soundmosaic.writers.parse import parse
from soundmosaic_local.fixtures.writers_archive import generate

ARCHIVE = generate(episodes=10, seed=2)
SCRIPTS = {e.number: parse(f"folge_{e.number:03d}.fountain", e.text.encode()) for e in ARCHIVE.episodes}
CHUNKS = [c for n, s in SCRIPTS.items() for c in chunks_of(s, f"d{n}", f"folge_{n:03d}.fountain", 1)]


@pytest.fixture(scope="module")
def vectors():  # type: ignore[no-untyped-def]
    return embed.embed([c["text"] for c in CHUNKS])


def test_embeddings_are_unit_vectors_from_the_packaged_model(vectors) -> None:  # type: ignore[no-untyped-def]
    assert vectors.shape == (len(CHUNKS), embed.DIM)
    assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-4
    same, other, _ = embed.embed(["Marie heiratet Jonas", "Marie marries Jonas", "Der Kiosk hat zu"])
    assert float(same @ other) > 0.4


def test_answers_cite_the_scene_of_the_fact(vectors) -> None:  # type: ignore[no-untyped-def]
    asked = [q for q in ARCHIVE.questions if q.episode and not q.paraphrase][:12]
    right = 0
    for q in asked:
        found = archivist.answer(q.text, rank(q.text, CHUNKS, vectors, 5))
        assert found["engine"] == "offline-archivist-v1" and not found["not_in_archive"]
        right += any((c["episode"], c["scene"]) == (q.episode, q.scene) for c in found["citations"])
        for c in found["citations"]:
            assert c["quote"] in next(
                x["text"] for x in CHUNKS if (x["episode"], x["scene"]) == (c["episode"], c["scene"])
            )
    assert right >= 10  # the bench measures the whole question set


def test_nothing_in_the_archive(vectors) -> None:  # type: ignore[no-untyped-def]
    for language, question in (
        ("de", "Wer hat den Zeppelin über dem Dom gestohlen?"),
        ("en", "Who steals the submarine from the harbour?"),
    ):
        found = archivist.answer(question, rank(question, CHUNKS, vectors, 5))
        assert found["not_in_archive"] and found["text"] == archivist.NOT_IN_ARCHIVE[language]


def test_bible_has_the_planted_relationships_and_storylines() -> None:
    scripts = [{"document_id": f"d{n}", "version": 1, **asdict(s)} for n, s in SCRIPTS.items()]
    built = bible.build("r", scripts)
    found = {
        (c["name"], r["character"], r["kind"], r["episode"])
        for c in built["characters"]
        for r in c["relationships"]
    }
    for a, b, kind, episode in ARCHIVE.relationships:
        assert (a, b, kind, episode) in found or any(f[:3] == (a, b, kind) for f in found)
    marie = next((c for c in built["characters"] if c["storyline"]), None)
    assert marie and all(beat["summary"] for beat in marie["storyline"])
    assert bible.digest(built) == bible.digest(bible.build("r", list(reversed(scripts))))  # stable bytes


def test_a_days_figures_add_up() -> None:
    calls = [
        {
            "mode": "archivist",
            "input_tokens": 100,
            "output_tokens": 10,
            "cache_creation_input_tokens": 5000,
            "cache_read_input_tokens": 0,
            "cost_usd": "0.0303",
            "cost_without_cache_usd": "0.01545",
            "latency_ms": 900.0,
        },
        {
            "mode": "creative",
            "input_tokens": 120,
            "output_tokens": 20,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 5000,
            "cost_usd": "0.00216",
            "cost_without_cache_usd": "0.01566",
            "latency_ms": 300.0,
        },
        {
            "mode": "warm",
            "input_tokens": 4,
            "output_tokens": 1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 5000,
            "cost_usd": "0.001527",
            "cost_without_cache_usd": "0.015027",
            "latency_ms": 5000.0,
        },
    ]
    day = metrics.summarise("2026-12-07", calls)
    assert day["input_tokens"] == 224 + 5000 + 10000 and day["cache_read_input_tokens"] == 10000
    assert day["cache_read_share"] == round(10000 / 15224, 4)
    assert day["cost_usd"] == "0.033987" and day["saved_usd"] == "0.012150"
    assert day["calls_by_mode"] == {"archivist": 1, "creative": 1, "tool": 0, "warm": 1}
    assert day["p50_latency_ms"] in (300.0, 900.0) and day["p95_latency_ms"] == 900.0  # warm calls excluded
