"""The API handler's cold start stays light: importing it loads no heavy library.

A structural test, not a timing one (``bench/cold_start.py`` times it): the routes import the
audio pipeline, the studio's imaging and the distributor's HTTP client where they use them, so a
cold start (and every request that needs none of them) never pays for them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from soundmosaic.platform import resources

from bench.cold_start import REPO_ROOT, lambda_env

# numpy, scipy, torch: the audio lab and the fingerprint matcher; PIL, rapidfuzz, jsonschema: the
# studio; rich (which httpx pulls in): nothing the API serves; the audio pipeline: the workers'.
HEAVY = ("numpy", "scipy", "torch", "PIL", "rich", "httpx", "jsonschema", "rapidfuzz",
         "soundmosaic.audio.pipeline")


def loaded_by_import(module: str, tracing: bool) -> set[str]:
    """``sys.modules`` after importing ``module`` in a fresh interpreter with a Lambda's environment."""
    code = f"import json, sys\nimport {module}\nprint(json.dumps(sorted(sys.modules)))"
    env = lambda_env(resources.function("api"), tracing=tracing)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("tracing", [False, True], ids=["tracing off", "tracing on"])
def test_importing_the_api_handler_loads_no_heavy_library(tracing: bool) -> None:
    loaded = loaded_by_import(resources.function("api").module, tracing)
    assert "functions.api.app" in loaded and "functions.api.studio" in loaded
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == [], f"importing the API handler loads {heavy}: import them inside the routes"
