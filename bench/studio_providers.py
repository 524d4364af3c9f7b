"""ModelMosaic adapter overhead: ``mosaic.text/image(...)`` against the raw official client call.

Each case calls the same local fake vendor server (``tests.fakes``: real HTTP on 127.0.0.1) two
ways, round-robin with the order flipped every round:

- ``mosaic``: ``ModelMosaic`` with a registry entry for that provider: selection, the adapter,
  the retry loop (no retries happen), error mapping, cost as Decimal, the CallRecord, logging.
- ``raw``: the vendor's official client (or httpx for Pollinations) doing the same request with
  the same keep-alive connection reuse, and nothing else.

Cases: OpenAI chat completion, Anthropic message, Replicate image (create, one poll, download a
256x256 PNG), Pollinations image (a 256x256 JPEG; the adapter also converts it to PNG, which the
raw call does not: that is real adapter work, shown separately) and the offline track-name
engine (``mosaic.text`` against ``offline.names.generate`` called directly).

Client, fake servers and ModelMosaic share one interpreter, so the numbers include GIL
contention; compare the ratios, not the milliseconds.

Run: ``python -m bench.studio_providers`` (``--rounds N``, ``--no-record``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bench.common import REPO_ROOT, machine, machine_line, ratio, summary, table

NAME = "studio_providers"
PROMPT = "Eight track names for a wistful dream-pop song about the ocean at night."
SIZE = 256

REGISTRY = """
[[text]]
provider = "openai"
model = "gpt-4o"
timeout_s = 30
price_per_million_input_tokens = 2.50
price_per_million_output_tokens = 10.00

[[text]]
provider = "anthropic"
model = "claude-sonnet-4-6"
timeout_s = 30
price_per_million_input_tokens = 3.00
price_per_million_output_tokens = 15.00

[[image]]
provider = "replicate"
model = "black-forest-labs/flux-1.1-pro"
timeout_s = 30
price_per_call = 0.04
params = { output_format = "png" }

[[image]]
provider = "pollinations"
model = "flux"
timeout_s = 30
"""


@contextlib.contextmanager
def _fakes() -> Iterator[dict[str, Any]]:
    from tests.fakes import FakeAnthropic, FakeOpenAI, FakePollinations, FakeReplicate

    with (FakeOpenAI() as openai_fake, FakeAnthropic() as anthropic_fake,
          FakeReplicate(polls=0) as replicate_fake, FakePollinations() as pollinations_fake):
        yield {"openai": openai_fake, "anthropic": anthropic_fake, "replicate": replicate_fake,
               "pollinations": pollinations_fake}


def _cases(fakes: dict[str, Any]) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    """name -> (mosaic call, raw call), each returning something to sanity-check."""
    import anthropic
    import httpx
    import openai
    import replicate
    from soundmosaic.providers import ImageRequest, ModelMosaic, Registry, TextRequest
    from soundmosaic.providers.offline import names

    env: dict[str, str] = {}
    for fake in fakes.values():
        env.update(fake.env())
    env["REPLICATE_POLL_INTERVAL"] = "0"  # both sides poll once, without sleeping
    registry = Registry.parse(REGISTRY, source="bench")

    def mosaic_for(**forced: str) -> ModelMosaic:
        chosen = {f"SOUNDMOSAIC_PROVIDER_{k.upper()}": v for k, v in forced.items()}
        return ModelMosaic(registry, {**env, **chosen})

    m_openai, m_anthropic = mosaic_for(text="openai"), mosaic_for(text="anthropic")
    m_replicate, m_pollinations = mosaic_for(image="replicate"), mosaic_for(image="pollinations")
    m_offline = mosaic_for(text="offline")

    raw_openai = openai.OpenAI(api_key=env["OPENAI_API_KEY"], base_url=env["OPENAI_BASE_URL"],
                               max_retries=0)
    raw_anthropic = anthropic.Anthropic(api_key=env["ANTHROPIC_API_KEY"],
                                        base_url=env["ANTHROPIC_BASE_URL"], max_retries=0)
    raw_replicate = replicate.Client(api_token=env["REPLICATE_API_TOKEN"],
                                     base_url=env["REPLICATE_BASE_URL"], timeout=httpx.Timeout(30))
    raw_replicate.poll_interval = 0
    raw_http = httpx.Client()
    brief = {"artist_name": "Nova Reyes", "genre": "dream pop", "mood": "wistful",
             "themes": ["ocean", "night"]}

    def openai_raw() -> str:
        completion = raw_openai.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": PROMPT}], max_completion_tokens=1024,
            timeout=30)
        return completion.choices[0].message.content or ""

    def anthropic_raw() -> str:
        message = raw_anthropic.messages.create(model="claude-sonnet-4-6", max_tokens=1024,
                                                messages=[{"role": "user", "content": PROMPT}], timeout=30)
        return "".join(b.text for b in message.content if b.type == "text")

    def replicate_raw() -> bytes:
        prediction = raw_replicate.predictions.create(
            model="black-forest-labs/flux-1.1-pro",
            input={"output_format": "png", "prompt": PROMPT, "seed": 1, "width": SIZE, "height": SIZE})
        while prediction.status not in ("succeeded", "failed", "canceled"):
            time.sleep(raw_replicate.poll_interval)
            prediction.reload()
        return raw_http.get(str(prediction.output), timeout=30).content

    def pollinations_raw() -> bytes:
        return raw_http.get(f"{env['POLLINATIONS_BASE_URL']}/prompt/{PROMPT}", timeout=30,
                            params={"width": SIZE, "height": SIZE, "seed": 1, "model": "flux",
                                    "nologo": "true"}).content

    image = ImageRequest(prompt=PROMPT, seed=1, width=SIZE, height=SIZE)
    return {
        "text: openai gpt-4o": (lambda: m_openai.text(TextRequest(prompt=PROMPT)).text, openai_raw),
        "text: anthropic claude-sonnet-4-6": (lambda: m_anthropic.text(TextRequest(prompt=PROMPT)).text,
                                              anthropic_raw),
        "image: replicate flux-1.1-pro": (lambda: m_replicate.image(image).png, replicate_raw),
        "image: pollinations flux (+ JPEG to PNG)": (lambda: m_pollinations.image(image).png,
                                                     pollinations_raw),
        "text: offline track names": (
            lambda: m_offline.text(TextRequest(task="track_names", data=brief, seed=1)).text,
            lambda: json.dumps(names.generate(dict(brief), 8, 1, None))),
    }


def run(rounds: int = 200, warmup: int = 5, log: Callable[[str], None] = print) -> dict[str, Any]:
    started = time.perf_counter()
    info = machine()
    logging.getLogger("soundmosaic.providers").setLevel(logging.WARNING)
    sys.path.insert(0, str(REPO_ROOT))  # tests.fakes
    with _fakes() as fakes:
        cases = _cases(fakes)
        for name, (mosaic_call, raw_call) in cases.items():
            for _ in range(warmup):
                assert mosaic_call() and raw_call(), name
        samples: dict[str, dict[str, list[float]]] = {n: {"mosaic": [], "raw": []} for n in cases}
        for round_no in range(rounds):
            for name, (mosaic_call, raw_call) in cases.items():
                # Flip the order every round so neither side always runs on a warmer connection.
                order = (("mosaic", mosaic_call), ("raw", raw_call))
                for side, call in order if round_no % 2 == 0 else order[::-1]:
                    t0 = time.perf_counter()
                    call()
                    samples[name][side].append((time.perf_counter() - t0) * 1000)
            if round_no % 50 == 49:
                log(f"{NAME}: {round_no + 1}/{rounds} rounds")
        requests = {provider: len(fake.requests) for provider, fake in fakes.items()}
    results: dict[str, Any] = {}
    for name, sides in samples.items():
        mosaic, raw = summary(sides["mosaic"]), summary(sides["raw"])
        results[name] = {
            "mosaic": mosaic, "raw": raw,
            "ratio_p50": ratio(mosaic["p50_ms"], raw["p50_ms"]),
            "ratio_p95": ratio(mosaic["p95_ms"], raw["p95_ms"]),
            "overhead_p50_ms": round(mosaic["p50_ms"] - raw["p50_ms"], 3),
        }
    return {
        "benchmark": NAME,
        "machine": info,
        "method": {"rounds": rounds, "warmup_rounds": warmup, "interleaved": True,
                   "order_flipped_each_round": True, "image_size": SIZE,
                   "servers": "tests.fakes (http.server threads on 127.0.0.1, keep-alive)",
                   "reference": "the official client (httpx for Pollinations) calling the same fake"},
        "requests_served": requests,
        "results": results,
        "duration_s": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    m = result["method"]
    rows = [[f"`{name}`", r["raw"]["p50_ms"], r["mosaic"]["p50_ms"], f"**{r['ratio_p50']:.2f}x**",
             r["raw"]["p95_ms"], r["mosaic"]["p95_ms"], f"{r['ratio_p95']:.2f}x", r["overhead_p50_ms"]]
            for name, r in result["results"].items()]
    return "\n".join([
        "## Studio: ModelMosaic adapter overhead",
        "",
        "What it measures: the latency of a ModelMosaic call (registry selection, adapter, retry loop, "
        "error mapping, Decimal cost, CallRecord, logging) against the vendor's official client making "
        "the same request to the same local fake server (`tests.fakes`, real HTTP on 127.0.0.1), "
        f"{m['rounds']} calls each after {m['warmup_rounds']} warm-up rounds, interleaved with the order "
        "flipped every round. Replicate is create + one poll + download of a "
        f"{m['image_size']}x{m['image_size']} PNG. Pollinations answers a JPEG that the adapter converts "
        "to PNG (work the raw call skips), and the offline row compares `mosaic.text(track_names)` with "
        "`offline.names.generate` called directly. One interpreter holds clients and servers: compare "
        "ratios, not ms.",
        "",
        "Command: `python -m bench.studio_providers`",
        "",
        f"Machine: {machine_line(result['machine'])}",
        "",
        table(["case", "raw p50 ms", "mosaic p50 ms", "mosaic / raw (p50)", "raw p95 ms", "mosaic p95 ms",
               "mosaic / raw (p95)", "overhead p50 ms"], rows),
        "",
    ])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.studio_providers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="calls per side and case (default 200)")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results or docs")
    args = parser.parse_args(argv)
    from bench import run as runner

    result = run(rounds=args.rounds, log=runner.log)
    section = markdown(result)
    print(section)
    if not args.no_record:
        runner.record(NAME, result, section)
        runner.log(f"{NAME}: wrote bench/results/{NAME}.json and docs/benchmarks.md")


if __name__ == "__main__":
    main()
