"""Writers' room: retrieval quality of the offline archivist, and prompt caching over a scripted
10-question session (docs/writers.md).

(a) Retrieval. The synthetic archive (``soundmosaic_local.fixtures.writers_archive``: 60 episodes,
    German and English, written as Fountain, FDX, Markdown and cp1252 text) is parsed, chunked
    by scene and embedded with the packaged WordLlama model; every question of its set is
    searched exactly (all vectors). Recorded: recall@1 and recall@5 of the right scene (overall
    and per language), how often the archivist's answer cites the right scene, how often it
    wrongly says "not in the archive", and how often it rightly refuses the questions about
    things that never happened. Reference in the same run: the embedding alone (no lexical
    blend) and the lexical score alone.
(b) Caching. The room's bible and digest of the same archive are the cached prefix. A scripted
    session of 10 questions (each with its retrieved scenes, history replayed) goes through
    ModelMosaic ``chat`` and the official ``anthropic`` client to the fake Anthropic server,
    which implements the cache rules (prefix hashes at breakpoints, TTLs, minimum length, usage).
    Recorded per turn: uncached input, cache writes, cache reads, cost; for the session: the
    share of input tokens read from cache, cost vs no caching; cold (first question writes the
    prefix) and after the weekly warm-up (first question reads it). Token counts are the fake's
    (4 characters per token); Claude's tokenizer counts German text denser, so real numbers of
    tokens are higher and the shares similar.

Command: ``python -m bench.writers_archive``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from soundmosaic.providers.mosaic import ModelMosaic
from soundmosaic.writers import archivist, bible, embed, index, metrics, prompt
from soundmosaic.writers.parse import parse
from soundmosaic_local.fixtures.fake_anthropic import FakeAnthropicCache
from soundmosaic_local.fixtures.writers_archive import generate

from bench.common import (
    DOCS_FILE,
    REPO_ROOT,
    RESULTS_DIR,
    add_index_row,
    machine,
    machine_line,
    replace_section,
    table,
)

RESULT_FILE = RESULTS_DIR / "writers_archive.json"
INDEX_ROW = (
    "| writers' room: recall@5 of the right scene (offline archivist), cache-read share over a "
    "10-question session | `python -m bench.writers_archive` | `bench/results/writers_archive.json` | "
    "[writers.md](writers.md) |"
)


def load(episodes: int, seed: int) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    archive = generate(episodes, seed)
    chunks: list[dict[str, Any]] = []
    scripts: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for path in archive.write(Path(folder)):
            script = parse(path.name, path.read_bytes())
            document_id = f"doc-{script.episode:03d}"
            chunks += index.chunks_of(script, document_id, path.name, 1)
            scripts.append(
                {"document_id": document_id, "version": 1, "filename": path.name, **asdict(script)}
            )
    return archive, chunks, scripts


def retrieval(archive: Any, chunks: list[dict[str, Any]], log: Any) -> tuple[dict[str, Any], np.ndarray]:
    started = time.perf_counter()
    vectors = embed.embed([c["text"] for c in chunks])
    embed_s = time.perf_counter() - started
    rows: dict[str, dict[str, int]] = {}
    search_ms: list[float] = []
    variants = {"blend": index.SEMANTIC_WEIGHT, "embedding_only": 1.0, "lexical_only": 0.0}
    for name, weight in variants.items():
        index.SEMANTIC_WEIGHT = weight
        counts = {
            "questions": 0,
            "r1": 0,
            "r5": 0,
            "cited": 0,
            "false_not_in_archive": 0,
            "negatives": 0,
            "refused": 0,
            "de": 0,
            "de_r5": 0,
            "en": 0,
            "en_r5": 0,
            "paraphrases": 0,
            "paraphrase_r1": 0,
            "paraphrase_r5": 0,
        }
        for q in archive.questions:
            t = time.perf_counter()
            hits = index.rank(q.text, chunks, vectors, 5)
            if name == "blend":
                search_ms.append((time.perf_counter() - t) * 1000)
            found = archivist.answer(q.text, hits)
            if q.episode is None:
                counts["negatives"] += 1
                counts["refused"] += found["not_in_archive"]
                continue
            right = [(h.chunk["episode"], h.chunk["scene"]) == (q.episode, q.scene) for h in hits]
            if q.paraphrase:  # asked in other words: reported on their own
                counts["paraphrases"] += 1
                counts["paraphrase_r1"] += right[0]
                counts["paraphrase_r5"] += any(right)
                continue
            counts["questions"] += 1
            counts["r1"] += right[0]
            counts["r5"] += any(right)
            counts[q.language] += 1
            counts[f"{q.language}_r5"] += any(right)
            counts["cited"] += any(
                (c["episode"], c["scene"]) == (q.episode, q.scene) for c in found["citations"]
            )
            counts["false_not_in_archive"] += found["not_in_archive"]
        rows[name] = counts
        log(f"{name}: {counts}")
    index.SEMANTIC_WEIGHT = variants["blend"]
    blend = rows["blend"]
    return (
        {
            "chunks": len(chunks),
            "embed_s": round(embed_s, 2),
            "model": embed.MODEL,
            "search_ms_p50": round(float(np.percentile(search_ms, 50)), 2),
            "search_ms_p95": round(float(np.percentile(search_ms, 95)), 2),
            "recall_at_1": round(blend["r1"] / blend["questions"], 4),
            "recall_at_5": round(blend["r5"] / blend["questions"], 4),
            "recall_at_5_de": round(blend["de_r5"] / blend["de"], 4),
            "recall_at_5_en": round(blend["en_r5"] / blend["en"], 4),
            "paraphrases": blend["paraphrases"],
            "paraphrase_recall_at_1": round(blend["paraphrase_r1"] / max(1, blend["paraphrases"]), 4),
            "paraphrase_recall_at_5": round(blend["paraphrase_r5"] / max(1, blend["paraphrases"]), 4),
            "answer_cites_right_scene": round(blend["cited"] / blend["questions"], 4),
            "false_not_in_archive": round(blend["false_not_in_archive"] / blend["questions"], 4),
            "negatives_refused": f"{blend['refused']}/{blend['negatives']}",
            "variants": {
                k: {
                    "recall_at_1": round(v["r1"] / v["questions"], 4),
                    "recall_at_5": round(v["r5"] / v["questions"], 4),
                    "paraphrase_recall_at_5": round(v["paraphrase_r5"] / max(1, v["paraphrases"]), 4),
                    "negatives_refused": f"{v['refused']}/{v['negatives']}",
                }
                for k, v in rows.items()
            },
            "counts": rows,
        },
        vectors,
    )


def session(
    archive: Any, chunks: list[dict[str, Any]], vectors: np.ndarray, scripts: list[dict[str, Any]], warm: bool
) -> dict[str, Any]:
    built = bible.build("bench", scripts)
    digest = bible.digest(built)
    questions = [q for q in archive.questions if q.episode and not q.paraphrase][:10]
    with FakeAnthropicCache() as fake:
        mosaic = ModelMosaic.from_env(fake.env())
        entry = mosaic.entry("chat")
        if warm:  # what the weekly refresh does for an active room
            for mode in ("archivist", "creative"):
                mosaic.chat(prompt.layout(mode, entry.model, built, digest, [], [], "ping", max_tokens=1))
        warm_usage = list(fake.usages)
        history: list[tuple[str, str]] = []
        turns: list[dict[str, Any]] = []
        for q in questions:
            hits = index.rank(q.text, chunks, vectors, 5)
            request = prompt.layout(
                "archivist", entry.model, built, digest, history, [h.chunk for h in hits], q.text
            )
            result = mosaic.chat(request)
            cost, flat = metrics.costs(entry.price, result.usage)
            turns.append(
                {
                    **metrics.usage_dict(result.usage),
                    "cost_usd": str(cost),
                    "cost_without_cache_usd": str(flat),
                    "breakpoints": prompt.breakpoints(request),
                }
            )
            history.append((q.text, result.text))
        mosaic.close()
    total_in = sum(
        t["input_tokens"] + t["cache_creation_input_tokens"] + t["cache_read_input_tokens"] for t in turns
    )
    read = sum(t["cache_read_input_tokens"] for t in turns)
    cost = sum((Decimal(t["cost_usd"]) for t in turns), Decimal(0))
    flat = sum((Decimal(t["cost_without_cache_usd"]) for t in turns), Decimal(0))
    warm_cost = sum((metrics.costs(entry.price, _usage(u))[0] for u in warm_usage), Decimal(0))
    return {
        "prefix_tokens": sum(prompt.tokens(b["text"]) for b in request.system),
        "digest_tokens": prompt.tokens(digest),
        "turns": turns,
        "input_tokens": total_in,
        "cache_read_tokens": read,
        "cache_read_share": round(read / total_in, 4),
        "cost_usd": str(cost),
        "cost_without_cache_usd": str(flat),
        "saved_share": round(float((flat - cost) / flat), 4),
        "warm_cost_usd": str(warm_cost),
        "model": entry.model,
    }


def _usage(u: dict[str, Any]) -> Any:
    from soundmosaic.providers.types import Usage

    one_hour = u["cache_creation"]["ephemeral_1h_input_tokens"]
    return Usage(
        input_tokens=u["input_tokens"],
        output_tokens=u["output_tokens"],
        cache_write_5m_tokens=u["cache_creation_input_tokens"] - one_hour,
        cache_write_1h_tokens=one_hour,
        cache_read_tokens=u["cache_read_input_tokens"],
    )


def run(episodes: int = 60, seed: int = 7, log: Any = print) -> dict[str, Any]:
    archive, chunks, scripts = load(episodes, seed)
    found, vectors = retrieval(archive, chunks, log)
    cold = session(archive, chunks, vectors, scripts, warm=False)
    warmed = session(archive, chunks, vectors, scripts, warm=True)
    return {
        "machine": machine(),
        "episodes": episodes,
        "seed": seed,
        "questions": sum(1 for q in archive.questions if q.episode and not q.paraphrase),
        "negatives": sum(1 for q in archive.questions if q.episode is None),
        "retrieval": found,
        "cache_cold": cold,
        "cache_warm": warmed,
        "goal_cache_read_share": 0.85,
        "checks": {
            "recall_at_5_at_least_0_9": found["recall_at_5"] >= 0.9,
            "cold_session_reads_85_percent": cold["cache_read_share"] >= 0.85,
            "warm_session_reads_85_percent": warmed["cache_read_share"] >= 0.85,
        },
    }


def markdown(r: dict[str, Any]) -> str:
    f, c, w = r["retrieval"], r["cache_cold"], r["cache_warm"]
    rows = [
        [name, v["recall_at_1"], v["recall_at_5"], v["paraphrase_recall_at_5"], v["negatives_refused"]]
        for name, v in f["variants"].items()
    ]
    turn_rows = [
        [
            i + 1,
            t["input_tokens"],
            t["cache_creation_input_tokens"],
            t["cache_read_input_tokens"],
            t["cost_usd"],
            t["cost_without_cache_usd"],
        ]
        for i, t in enumerate(c["turns"])
    ]
    return "\n".join(
        [
            "## Writers' room: retrieval and prompt caching (`python -m bench.writers_archive`)",
            "",
            f"Machine: {machine_line(r['machine'])}",
            "",
            f"Synthetic archive: {r['episodes']} episodes (German and English; Fountain, FDX, Markdown, "
            f"cp1252 text), {f['chunks']} scene chunks, {r['questions']} questions with one right scene, "
            f"{r['negatives']} about things that never happened. Embeddings: `{f['model']}` "
            f"({f['embed_s']} s for all chunks); exact "
            f"search p50 {f['search_ms_p50']} ms, p95 {f['search_ms_p95']} ms per question.",
            "",
            table(["ranking", "recall@1", "recall@5", "paraphrased: recall@5", "negatives refused"], rows),
            "",
            f"Blend (used): recall@5 **{f['recall_at_5']}** (German {f['recall_at_5_de']}, English "
            f"{f['recall_at_5_en']}); the archivist's answer cites the right scene for "
            f"{f['answer_cites_right_scene']} "
            f'of the questions, says "not in the archive" wrongly for {f["false_not_in_archive"]}, '
            "and refuses "
            f"{f['negatives_refused']} of the questions about things that never happened. "
            f"The {f['paraphrases']} questions asked in other words (no noun or verb of the script: "
            f"'Wo bunkert Till die Waffe?' for 'versteckt eine Pistole') are the weak spot: recall@5 "
            f"**{f['paraphrase_recall_at_5']}**, recall@1 {f['paraphrase_recall_at_1']}.",
            "",
            f"Caching, 10-question session ({c['model']} prices; prefix {c['prefix_tokens']} tokens, "
            f"of which the digest {c['digest_tokens']}):",
            "",
            table(
                ["turn", "uncached input", "cache writes", "cache reads", "cost USD", "without cache USD"],
                turn_rows,
            ),
            "",
            f"Cold: **{c['cache_read_share']:.1%}** of input tokens read from cache; cost {c['cost_usd']} vs "
            f"{c['cost_without_cache_usd']} USD without caching ({c['saved_share']:.1%} saved).  ",
            f"After the weekly warm-up (2 calls, {w['warm_cost_usd']} USD): **{w['cache_read_share']:.1%}** "
            f"read from cache; cost {w['cost_usd']} USD ({w['saved_share']:.1%} saved vs "
            f"{w['cost_without_cache_usd']}).",
            "",
            f"Checks: {', '.join(k + ('' if v else ' FAILED') for k, v in r['checks'].items())}.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.writers_archive", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--episodes", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.episodes, args.seed, log)
    section = markdown(result)
    print(section)
    if not args.no_record:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2, default=str) + "\n")
        add_index_row("bench.writers_archive", INDEX_ROW)
        replace_section(DOCS_FILE, "writers_archive", section, "# Benchmarks\n")
        log(f"wrote {RESULT_FILE.relative_to(REPO_ROOT)} and {DOCS_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
