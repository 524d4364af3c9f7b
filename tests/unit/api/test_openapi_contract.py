"""``web/openapi.json`` and ``web/src/api/schema.d.ts`` are the API's own contract.

The document is built from ``functions.api.app`` (as ``GET /api/openapi.json`` serves it) and
compared with the saved copy the SPA is typed against, like ``node scripts/openapi.mjs check``
(paths and components; ``info.version`` moves with every release); the generated types are
compared with a fresh ``openapi-typescript`` run over the saved copy. When either differs,
``make api-contract`` saves both again (or ``cd web && npm run api:pull`` against a running API).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from soundmosaic.platform import resources

from bench.cold_start import REPO_ROOT, lambda_env

WEB = REPO_ROOT / "web"
BUILD = """\
from functions.api.app import app
print(app.get_openapi_json_schema(title="SoundMosaic API", version="0"))
"""


def contract(document: dict[str, Any]) -> dict[str, Any]:
    return {"paths": document["paths"], "components": document["components"]}


def live_document() -> dict[str, Any]:
    """The API's document, built in a fresh interpreter with the handler's environment."""
    done = subprocess.run([sys.executable, "-c", BUILD], env=lambda_env(resources.function("api")),
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_the_saved_openapi_document_is_the_apis() -> None:
    saved = json.loads((WEB / "openapi.json").read_text())
    assert contract(saved) == contract(live_document()), \
        "web/openapi.json differs from the API's document: run `npm run api:pull` in web/"


def test_every_reply_is_described_by_its_fields() -> None:
    """No route answers a free-form object: each JSON reply names a model (or is empty)."""
    document = live_document()
    loose = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if content and "application/json" not in content:
                    continue  # a file download only (a CSV): no JSON to describe
                schema = content.get("application/json", {}).get("schema", {})
                if status.startswith("2") and path != "/openapi.json" and schema.get("type") != "null" \
                        and "$ref" not in json.dumps(schema):
                    loose.append(f"{method.upper()} {path} {status}")
    assert loose == []


def test_the_generated_types_match_the_saved_document(tmp_path: Path) -> None:
    generator = WEB / "node_modules" / ".bin" / "openapi-typescript"
    if shutil.which("node") is None or not generator.exists():
        pytest.skip("the web app's dependencies are not installed (cd web && npm ci)")
    target = tmp_path / "schema.d.ts"
    subprocess.run([str(generator), str(WEB / "openapi.json"), "-o", str(target)], check=True,
                   capture_output=True, timeout=120)
    assert target.read_text() == (WEB / "src" / "api" / "schema.d.ts").read_text(), \
        "web/src/api/schema.d.ts is stale: run `npm run api:types` in web/"


def save() -> None:
    """Save the API's document and regenerate the SPA's types (``make api-contract``)."""
    saved = WEB / "openapi.json"
    document = live_document()
    document["info"] = json.loads(saved.read_text())["info"]
    saved.write_text(json.dumps(document, indent=2) + "\n")
    subprocess.run([str(WEB / "node_modules" / ".bin" / "openapi-typescript"), str(saved),
                    "-o", str(WEB / "src" / "api" / "schema.d.ts")], check=True)


if __name__ == "__main__":
    save()
