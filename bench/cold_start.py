"""Lambda cold start: the time to import each handler module, against a bare ``import boto3``.

Every function in ``soundmosaic.platform.resources.FUNCTIONS``, zip and container alike, is
imported in a fresh interpreter with the environment a deployed Lambda gets (the resource list's
variables, region, dummy credentials, the Lambda runtime's own variables, the layer on
``PYTHONPATH``) and ``POWERTOOLS_TRACE_DISABLED=true``. One extra row imports the API handler with
tracing on, as it runs in AWS (``Tracing.ACTIVE``), where Powertools patches boto3 for X-Ray.

Each row says how the function is packaged (``infra.needs``): ``zip`` (its folder on python3.11
with the Powertools and core layers) or the container image it runs in. Zip handlers have a
goal: import within ``ZIP_GOAL`` (2x) ``import boto3``; the table marks each against it.
Container images carry their heavy engines (torch, scipy, Pillow) and have no such goal.

Method
------
- The import is timed inside the child with ``time.perf_counter`` around ``import <module>``
  (interpreter start-up excluded); the child's whole wall time is recorded beside it.
- Runs are interleaved round-robin over the targets (one warm-up round discarded, then
  ``rounds`` measured), so load that comes and goes on a noisy machine hits all of them alike.
  The median is reported, and the ratio of medians against ``import boto3`` from the same run.
- ``-X importtime`` runs (interleaved as well) give the heaviest imports: median self time per
  module, and summed per top-level package.
- Network check: one more import per handler with an audit hook that records and refuses every
  socket connect or name lookup. A handler must import offline; a refused call or a failed
  import is reported as a finding.

Byte-code caches and the OS page cache are warm, as on a Lambda whose image is cached; a real
cold start adds the runtime's own start and unpacking the code.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from soundmosaic.platform import resources
from soundmosaic_local.runtime import provision

from bench.common import REPO_ROOT, machine, machine_line, ratio, table
from infra import needs

STAGE = "bench"
UNREACHABLE = "http://127.0.0.1:1"  # nothing listens on port 1: values only, never called
LAYER_DIR = REPO_ROOT / "layers" / "core" / "python"
BASELINE = "boto3"
ZIP_GOAL = 2.0  # a zip handler imports within this many times `import boto3`

_TIMED = """\
import sys, time
t0 = time.perf_counter()
import {module}
t1 = time.perf_counter()
sys.stdout.write("BENCH %.3f %d\\n" % ((t1 - t0) * 1000.0, len(sys.modules)))
"""

_IMPORTTIME = """\
import sys
sys.stderr.write("BENCH-START\\n")
sys.stderr.flush()
import {module}
"""

_NETWORK = """\
import sys
_seen = []
_NET = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
        "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg")
def _hook(event, args):
    if event in _NET:
        _seen.append(event + " " + repr(args)[:200])
        raise OSError("network refused by bench.cold_start")
sys.addaudithook(_hook)
error = None
try:
    import {module}
except BaseException as err:
    error = type(err).__name__ + ": " + str(err)[:500]
import json
sys.stdout.write("BENCH " + json.dumps({{"calls": _seen, "error": error}}) + "\\n")
"""


@dataclass(frozen=True)
class Target:
    name: str
    module: str
    env: dict[str, str]
    function: resources.Function | None = None

    @property
    def packaging(self) -> str | None:
        """``zip``, ``image:<container>``, or None for the reference."""
        if self.function is None:
            return None
        container = needs.needs(self.function.key).container
        return f"image:{container}" if container else "zip"


def lambda_env(fn: resources.Function | None, tracing: bool = False) -> dict[str, str]:
    """The environment of a deployed Lambda for ``fn`` (values from the local resource list)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    name = resources.physical_name(STAGE, fn.key if fn else "baseline")
    env.update(provision.environment(STAGE, UNREACHABLE))
    env.update({
        "AWS_DEFAULT_REGION": provision.REGION, "AWS_REGION": provision.REGION,
        "AWS_ACCESS_KEY_ID": "AKIABENCHDUMMY", "AWS_SECRET_ACCESS_KEY": "bench-dummy-secret",
        "AWS_SESSION_TOKEN": "bench-dummy-token",
        "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb if fn else 512),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11", "LAMBDA_TASK_ROOT": str(REPO_ROOT),
        "POWERTOOLS_SERVICE_NAME": name, "POWERTOOLS_METRICS_NAMESPACE": "SoundMosaic",
        # Lambda puts the layer (/opt/python) and the task root on the path.
        "PYTHONPATH": f"{LAYER_DIR}{os.pathsep}{REPO_ROOT}",
    })
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def targets() -> list[Target]:
    found = [Target(BASELINE, "boto3", lambda_env(None))]
    found += [Target(fn.key, fn.module, lambda_env(fn), fn) for fn in resources.FUNCTIONS]
    api = resources.function("api")
    found.append(Target("api (tracing on)", api.module, lambda_env(api, tracing=True), api))
    return found


def _child(code: str, env: dict[str, str], *flags: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, "-c", code], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    return done, (time.perf_counter() - started) * 1000


def _bench_line(done: subprocess.CompletedProcess[str]) -> str:
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            return line[6:]
    raise RuntimeError(f"import failed (rc {done.returncode}):\n{done.stderr[-3000:]}")


def time_import(target: Target) -> tuple[float, float, int]:
    """(import ms, child wall ms, modules loaded) for one fresh interpreter."""
    done, wall = _child(_TIMED.format(module=target.module), target.env)
    import_ms, modules = _bench_line(done).split()
    return float(import_ms), wall, int(modules)


def parse_importtime(stderr: str) -> dict[str, tuple[int, int, int]]:
    """``-X importtime`` lines after the start marker: module -> (self us, cumulative us, depth)."""
    rows: dict[str, tuple[int, int, int]] = {}
    started = False
    for line in stderr.splitlines():
        if line == "BENCH-START":
            started = True
            continue
        if not started or not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line.split(":", 1)[1].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows[name.strip()] = (int(self_us), int(cum_us), depth)
    return rows


def importtime(target: Target) -> dict[str, tuple[int, int, int]]:
    done, _ = _child(_IMPORTTIME.format(module=target.module), target.env, "-X", "importtime")
    if done.returncode:
        raise RuntimeError(f"import of {target.module} failed:\n{done.stderr[-3000:]}")
    return parse_importtime(done.stderr)


def network_check(target: Target) -> dict[str, Any]:
    done, _ = _child(_NETWORK.format(module=target.module), target.env)
    try:
        result: dict[str, Any] = json.loads(_bench_line(done))
    except RuntimeError as err:
        result = {"calls": [], "error": str(err)}
    result["offline_ok"] = not result["calls"] and not result["error"]
    return result


def heaviest(runs: list[dict[str, tuple[int, int, int]]], top: int = 5) -> dict[str, Any]:
    """Median self time per module over the runs; top modules and top-level packages."""
    per_module: dict[str, list[int]] = defaultdict(list)
    for run in runs:
        for module, (self_us, _, _) in run.items():
            per_module[module].append(self_us)
    self_ms = {m: statistics.median(v) / 1000 for m, v in per_module.items()}
    packages: dict[str, float] = defaultdict(float)
    for module, ms in self_ms.items():
        packages[module.split(".")[0]] += ms
    by_module = sorted(self_ms.items(), key=lambda kv: -kv[1])[:top]
    by_package = sorted(packages.items(), key=lambda kv: -kv[1])[:top]
    return {
        "modules_imported": len(self_ms),
        "total_self_ms": round(sum(self_ms.values()), 1),
        "top_modules_self_ms": [[m, round(ms, 1)] for m, ms in by_module],
        "top_packages_self_ms": [[p, round(ms, 1)] for p, ms in by_package],
    }


def run(rounds: int = 7, importtime_rounds: int = 3, full: bool = False,
        log: Any = print) -> dict[str, Any]:
    """Time every target; ``full`` doubles the rounds."""
    if full:
        rounds, importtime_rounds = rounds * 2, importtime_rounds * 2
    started = time.perf_counter()
    info = machine()
    found = targets()
    samples: dict[str, dict[str, list[float]]] = {
        t.name: {"import_ms": [], "wall_ms": [], "modules": []} for t in found}
    for round_no in range(rounds + 1):  # round 0 warms the page cache and is discarded
        for target in found:
            import_ms, wall_ms, modules = time_import(target)
            if round_no:
                samples[target.name]["import_ms"].append(import_ms)
                samples[target.name]["wall_ms"].append(wall_ms)
                samples[target.name]["modules"].append(modules)
        log(f"cold_start: round {round_no}/{rounds} done")
    traces: dict[str, list[dict[str, tuple[int, int, int]]]] = defaultdict(list)
    for _ in range(importtime_rounds):
        for target in found:
            traces[target.name].append(importtime(target))
    log("cold_start: -X importtime runs done")
    baseline = statistics.median(samples[BASELINE]["import_ms"])
    rows = []
    for target in found:
        s = samples[target.name]
        p50 = statistics.median(s["import_ms"])
        row: dict[str, Any] = {
            "name": target.name,
            "module": target.module,
            "tracing": "POWERTOOLS_TRACE_DISABLED" not in target.env,
            "packaging": target.packaging,
            "zip": target.packaging == "zip",
            "import_ms": {"p50": round(p50, 1), "min": round(min(s["import_ms"]), 1),
                          "max": round(max(s["import_ms"]), 1),
                          "samples": [round(x, 1) for x in s["import_ms"]]},
            "process_wall_ms_p50": round(statistics.median(s["wall_ms"]), 1),
            "modules_loaded": int(statistics.median(s["modules"])),
            "ratio_vs_boto3": ratio(p50, baseline),
            "ratio_vs_boto3_min": ratio(min(s["import_ms"]), min(samples[BASELINE]["import_ms"])),
            "heaviest": heaviest(traces[target.name]),
        }
        if target.function is not None:
            row["network"] = network_check(target)
        rows.append(row)
    log("cold_start: network checks done")
    return {
        "benchmark": "cold_start",
        "machine": info,
        "method": {"full": full, "rounds": rounds, "warmup_rounds": 1, "importtime_rounds": importtime_rounds,
                   "interleaved": True, "reference": "import boto3 (same environment, same run)",
                   "python_flags": "none (timing), -X importtime (heaviest imports)"},
        "reference_import_ms_p50": round(baseline, 1),
        "zip_goal_ratio": ZIP_GOAL,
        "zip_over_goal": [r["name"] for r in rows if r["zip"] and r["ratio_vs_boto3"] > ZIP_GOAL],
        "results": rows,
        "duration_s": round(time.perf_counter() - started, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    m = result["method"]
    rows = []
    for r in result["results"]:
        net = r.get("network")
        offline = "n/a" if net is None else ("none" if net["offline_ok"] else "**FINDING**")
        packaging = r.get("packaging") or "reference"
        over = r["ratio_vs_boto3"] > ZIP_GOAL
        goal = ("**over**" if over else "ok") if r.get("zip") else "n/a"
        rows.append([f"`{r['name']}`", f"`{r['module']}`", packaging, r["import_ms"]["p50"],
                     r["import_ms"]["min"], f"**{r['ratio_vs_boto3']:.2f}x**",
                     f"{r['ratio_vs_boto3_min']:.2f}x", goal, r["process_wall_ms_p50"],
                     r["modules_loaded"], offline])
    main = table(["function", "module", "packaging", "import p50 ms", "import min ms", "vs boto3 (p50)",
                  "vs boto3 (min)", f"zip goal <= {ZIP_GOAL:g}x", "process wall p50 ms", "modules loaded",
                  "network at import"], rows)
    packages = table(["function", *[f"#{i}" for i in range(1, 6)]], [
        [f"`{r['name']}`", *[f"{p} {ms:.0f}" for p, ms in r["heaviest"]["top_packages_self_ms"]]]
        for r in result["results"]])
    modules = table(["function", *[f"#{i}" for i in range(1, 6)]], [
        [f"`{r['name']}`", *[f"`{mod}` {ms:.0f}" for mod, ms in r["heaviest"]["top_modules_self_ms"]]]
        for r in result["results"]])
    findings = [f"- `{r['name']}`: {r['network']}" for r in result["results"]
                if r.get("network") and not r["network"]["offline_ok"]]
    return "\n".join([
        "## Cold start: handler import time vs `import boto3`",
        "",
        "What it measures: the time to `import` each Lambda handler module of the resource list (every "
        "function, zip and container image alike) in a fresh interpreter with a deployed Lambda's "
        "environment (resource list variables, region, dummy "
        "credentials, layer on `PYTHONPATH`, `POWERTOOLS_TRACE_DISABLED=true`; the last row has "
        "tracing on, as deployed), timed inside the child around the `import` statement. Reference: "
        "a bare `import boto3` in the same environment and run. Runs are interleaved round-robin "
        f"({m['rounds']} measured rounds after 1 warm-up); heaviest imports are median self times of "
        f"{m['importtime_rounds']} `-X importtime` runs. Each handler is also imported once with an "
        "audit hook that refuses network access.",
        "",
        f"Command: `python -m bench.run cold_start{' --full' if m['full'] else ''}`",
        "",
        f"Machine: {machine_line(result['machine'])}",
        "",
        f"Reference `import boto3`: {result['reference_import_ms_p50']} ms (p50). Compare ratios, "
        "not milliseconds, between runs.",
        "",
        f"Packaging: `zip` functions run their folder with the Powertools and core layers; their goal is "
        f"to import within {ZIP_GOAL:g}x `import boto3` (p50). `image:<name>` functions run in the "
        "container image `containers/<name>`, which carries their engines; no goal. Zip handlers over "
        f"the goal: {', '.join(f'`{n}`' for n in result.get('zip_over_goal', [])) or 'none'}.",
        "",
        main,
        "",
        "Heaviest top-level packages (self time summed over the package's modules, ms). A handler "
        "module's own self time (`functions`) is its module-level code: clients, pydantic models and "
        "routes it builds at import, not imports:",
        "",
        packages,
        "",
        "Heaviest single modules (self time, ms):",
        "",
        modules,
        "",
        *(["Network at import (findings):", "", *findings, ""] if findings else
          ["Network at import: no handler opened a socket or looked up a name, and all imported "
           "offline.", ""]),
    ])


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.cold_start [--full] [--no-record]``: ``bench.run`` for this benchmark."""
    from bench import run as runner

    runner.main(["cold_start", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
