"""Sieb: execution accuracy of the offline engine on the evaluation set, and the LLM path's wiring.

(a) Offline: every case of ``soundmosaic_local.evaluation.sieb_questions`` (planner questions with
    answers computed there in plain Python over the JSON lines) is asked through
    ``sieb.service.ask`` (validator, pymongo, the embedded wire server with the sample data
    loaded); its rows are judged against the independent answer. Follow-ups are asked in one
    conversation after the questions before them.
(b) LLM path, wiring only: the same service with ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``
    pointing at the fake OpenAI server (tests/fakes), which answers with a pipeline queued for
    each question: the offline engine's own. So (b) measures that a model's JSON answer travels
    through ModelMosaic, the official client, the parser and the validator to correct rows; it
    says nothing about a real model's accuracy (no model can be reached here).

Per-question results go to bench/results/sieb_accuracy.json and the tables to docs/sieb.md and
docs/benchmarks.md. Command: ``python -m bench.sieb_accuracy`` (``--llm-cases N``: default 20).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, add_index_row, machine, machine_line, replace_section, table

DOC = Path(__file__).resolve().parents[1] / "docs" / "sieb.md"
ARTIST = "bench-artist"


def _ask_case(service: Any, case: Any) -> dict[str, Any]:
    try:
        return _ask(service, case)
    except ValueError as err:  # a refused or failed pipeline is a wrong answer, not a crash
        return {"understood": False, "engine": "error", "message": str(err), "rows": [], "total": 0,
                "pipeline": None}


def _ask(service: Any, case: Any) -> dict[str, Any]:
    conversation = None
    for q in case.before:
        conversation = service.ask(ARTIST, q, conversation_id=conversation, limit=1000)["conversation_id"]
    answer = dict(service.ask(ARTIST, case.question, conversation_id=conversation, limit=1000))
    cursor = answer["next_cursor"]
    while cursor:  # every row, through the same paging the API offers
        page = service.run(ARTIST, answer["collection"], answer["pipeline"], limit=1000, cursor=cursor)
        answer["rows"] += page["rows"]
        cursor = page["next_cursor"]
    return answer


def _score(service: Any, cases: list[Any], data: Any, judge: Any) -> list[dict[str, Any]]:
    """Each case asked through the service and judged against its plain-Python answer."""
    results = []
    for case in cases:
        expected = case.expected(data)
        started = time.perf_counter()
        answer = _ask_case(service, case)
        ok, why = judge(case, expected, answer)
        results.append(
            {
                "question": case.question,
                "before": case.before,
                "feature": case.feature,
                "check": case.check,
                "ok": ok,
                "why": why,
                "engine": answer["engine"],
                "understood": bool(answer.get("understood")),
                "total": answer["total"],
                "ms": round((time.perf_counter() - started) * 1000),
                "pipeline": answer["pipeline"],
            }
        )
        print(f"{'PASS' if ok else 'FAIL'} {case.question} {why}", flush=True)
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--llm-cases", type=int, default=20)
    opts = args.parse_args(argv)

    from soundmosaic.sieb import offline, service, store
    from soundmosaic.sieb.vocabulary import Vocabulary
    from soundmosaic_local.evaluation.sieb_fresh import FRESH
    from soundmosaic_local.evaluation.sieb_heldout import HELD_OUT
    from soundmosaic_local.evaluation.sieb_questions import CASES, Data, judge
    from soundmosaic_local.mongo import local
    from soundmosaic_local.mongo.server import MongoWireServer

    from tests.fakes import FakeOpenAI

    data = Data.load()
    server = MongoWireServer().start()
    saved = {
        k: os.environ.get(k)
        for k in ("MONGODB_URI", "SIEB_ENGINE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY",
                  "SIEB_MAX_TIME_MS")
    }
    os.environ.update(MONGODB_URI=server.uri, SIEB_ENGINE="offline", SIEB_MAX_TIME_MS="600000")
    os.environ.pop("ANTHROPIC_API_KEY", None)
    store.client.cache_clear()
    try:
        t0 = time.perf_counter()
        loaded = local.load_sample(server.uri)
        load_s = time.perf_counter() - t0
        results = _score(service, CASES, data, judge)
        held_out = _score(service, HELD_OUT, data, judge)
        fresh = _score(service, FRESH, data, judge)
        # (b) the LLM path against the fake OpenAI server: wiring only
        card = store.client()[store.SAMPLE_DB]
        from soundmosaic.sieb import schema

        vocab = Vocabulary(schema.card_of(card))
        llm_results = []
        with FakeOpenAI() as fake:
            os.environ.update(fake.env())
            os.environ.pop("SIEB_ENGINE", None)
            for case in [c for c in CASES if not c.before][: opts.llm_cases]:
                try:
                    intent = offline.Parser(vocab).parse(case.question)
                    collection, pipeline = offline.Planner(vocab).pipeline(intent)
                    fake.respond_with(json.dumps({"collection": collection, "pipeline": pipeline}))
                except offline.NotUnderstood:
                    fake.respond_with('{"understood": false, "message": "not about this data"}')
                answer = _ask_case(service, case)
                ok, why = judge(case, case.expected(data), answer)
                llm_results.append(
                    {"question": case.question, "ok": ok, "why": why, "engine": answer["engine"]}
                )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        store.client.cache_clear()
        server.stop()
    passed = sum(r["ok"] for r in results)
    llm_passed = sum(r["ok"] for r in llm_results)
    features = sorted({r["feature"].split(":")[0] for r in results})
    out: dict[str, Any] = {
        "benchmark": "sieb_accuracy",
        "machine": machine(),
        "sample_load": loaded,
        "sample_load_s": round(load_s, 1),
        "offline": {
            "cases": len(results),
            "passed": passed,
            "accuracy": round(passed / len(results), 4),
            "features": features,
            "median_ms": sorted(r["ms"] for r in results)[len(results) // 2],
            "results": results,
        },
        "held_out": {
            "note": "written after the parser was frozen and never used to tune it",
            "cases": len(held_out),
            "passed": sum(r["ok"] for r in held_out),
            "accuracy": round(sum(r["ok"] for r in held_out) / len(held_out), 4),
            "wrong_answers": sum(1 for r in held_out if not r["ok"] and r["understood"]),
            "results": held_out,
        },
        "fresh_held_out": {
            "note": "written and committed before the parser was widened for the first held-out set's "
            "misses; its first run after that widening (20/26, 2 wrong answers; results committed in "
            "ffa18cc) is the held-out figure; a second widening followed, so later runs show coverage",
            "cases": len(fresh),
            "passed": sum(r["ok"] for r in fresh),
            "accuracy": round(sum(r["ok"] for r in fresh) / len(fresh), 4),
            "wrong_answers": sum(1 for r in fresh if not r["ok"] and r["understood"]),
            "refusals_expected": sum(1 for r in fresh if r["check"] == "not_understood"),
            "results": fresh,
        },
        "llm_fake_wiring": {
            "cases": len(llm_results),
            "passed": llm_passed,
            "accuracy": round(llm_passed / max(1, len(llm_results)), 4),
            "note": "fake OpenAI server answering with queued pipelines: wiring, not a model",
            "results": llm_results,
        },
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "sieb_accuracy.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    summary = (
        f"Offline engine: **{passed}/{len(results)} = {100 * passed / len(results):.1f} %** execution "
        f"accuracy (median {out['offline']['median_ms']} ms a question on the embedded server). "
        f"First held-out set (written after the parser was frozen; its misses then drove the "
        f"widening, so it is no longer held out): **{out['held_out']['passed']}/{len(held_out)}**. "
        f"Fresh set ({out['fresh_held_out']['refusals_expected']} of its questions must be refused): "
        f"held out, its first run was **20/26** with 2 wrong answers (committed in ffa18cc); after a "
        f"second widening that its misses drove, this run: {out['fresh_held_out']['passed']}/{len(fresh)}, "
        f"of the misses {out['fresh_held_out']['wrong_answers']} answered wrongly. "
        f"LLM path against the fake OpenAI server (wiring only): {llm_passed}/{len(llm_results)}.\n\n"
        f"Machine: {machine_line(out['machine'])}.\n\n"
    )
    rows = [
        [
            i + 1,
            (" → ".join([*r["before"], r["question"]])).replace("|", "/"),
            ("fresh: " if i >= len(results) + len(held_out) else "held out: " if i >= len(results) else "")
            + r["feature"],
            "yes" if r["ok"] else f"no: {r['why']}".replace("|", "/"),
            r["ms"],
        ]
        for i, r in enumerate(results + held_out + fresh)
    ]
    section = summary + table(["#", "question", "feature", "correct", "ms"], rows)
    replace_section(DOC, "sieb_accuracy", section, "# Sieb\n")
    from bench.common import DOCS_FILE

    replace_section(DOCS_FILE, "sieb_accuracy", "## Sieb accuracy\n\n" + summary, "")
    add_index_row(
        "python -m bench.sieb_accuracy",
        "| Sieb question → pipeline accuracy (offline; LLM wiring) | `python -m bench.sieb_accuracy` |",
    )
    print(summary)
    return out


if __name__ == "__main__":
    main()
