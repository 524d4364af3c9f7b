"""The audio worker image (containers/audio): the SageMaker server run in-process, the build-time
helpers, and what the Dockerfile copies and sets (Docker cannot build here)."""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from soundmosaic.platform import resources
from soundmosaic.platform.resources import REPO_ROOT

pytestmark = pytest.mark.infra

IMAGE_DIR = REPO_ROOT / "containers" / "audio"
DOCKERFILE = IMAGE_DIR / "Dockerfile"


def _module(name: str) -> ModuleType:
    """Load containers/audio/<name>.py (not a package) as a module."""
    module_name = f"soundmosaic_audio_image_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, IMAGE_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# -- serve.py: the SageMaker contract, in-process --------------------------------------------

class Client:
    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body: object = None,
                raw: bytes | None = None) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        try:
            connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
            reply = connection.getresponse()
            assert reply.getheader("Content-Type") == "application/json"
            return reply.status, json.loads(reply.read())
        finally:
            connection.close()


def _serve(worker: object | None = None) -> Iterator[Client]:
    serve = _module("serve")
    server = serve.make_server(worker, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Client(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    models = tmp_path_factory.mktemp("models")
    (models / "demucs").mkdir()
    (models / "demucs" / "htdemucs.yaml").write_text("models: ['955717e8']\n")
    (models / "whisper").mkdir()
    (models / "whisper" / "model.bin").write_bytes(b"\0")
    worker = _module("serve").Worker(model_dirs={
        "SOUNDMOSAIC_DEMUCS_MODELS": str(models / "demucs"),
        "SOUNDMOSAIC_WHISPER_MODEL": str(models / "whisper")})
    yield from _serve(worker)


def test_ping_is_ok_when_the_worker_imports_and_models_are_readable(client):
    status, body = client.request("GET", "/ping")
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["models"]) == {"SOUNDMOSAIC_DEMUCS_MODELS", "SOUNDMOSAIC_WHISPER_MODEL"}


def test_unknown_action_is_a_client_error(client):
    status, body = client.request("POST", "/invocations",
                                  {"action": "transmogrify", "artist_id": "a1", "job_id": "j1"})
    assert status == 400
    assert body == {"errorType": "ValueError", "errorMessage": "unknown audio action 'transmogrify'"}


def test_a_real_action_reaches_the_pipeline(client):
    """The Lambda handler runs: an empty collection export is refused by the pipeline itself."""
    status, body = client.request("POST", "/invocations",
                                  {"action": "collection", "artist_id": "a1", "job_id": "j1",
                                   "track_ids": [], "correlation_id": "c1"})
    assert status == 400
    assert body == {"errorType": "ValueError", "errorMessage": "choose at least one track to export"}


def test_missing_fields_and_bad_bodies_are_client_errors(client):
    status, body = client.request("POST", "/invocations", {"action": "collection", "artist_id": "a1"})
    assert (status, body["errorType"]) == (400, "KeyError")
    assert "job_id" in body["errorMessage"]
    for raw in (b"{not json", b"[1, 2]", b'{"no": "action"}', b""):
        status, body = client.request("POST", "/invocations", raw=raw)
        assert status == 400, raw
        assert body["errorType"] == "InvalidRequest" and body["errorMessage"], raw


def test_other_routes_are_not_found(client):
    assert client.request("GET", "/invocations")[0] == 404
    assert client.request("POST", "/ping", {})[0] == 404
    assert client.request("GET", "/")[0] == 404


def test_ping_fails_when_a_model_directory_is_missing_or_empty(tmp_path):
    serve = _module("serve")
    empty = tmp_path / "empty"
    empty.mkdir()
    for missing in (tmp_path / "nowhere", empty):
        worker = serve.Worker(model_dirs={"SOUNDMOSAIC_DEMUCS_MODELS": str(missing)})
        for client in _serve(worker):
            status, body = client.request("GET", "/ping")
            assert status == 503
            assert body["status"] == "unhealthy"
            assert str(missing) in body["problems"][0]
    # A model *name* (not a path) is the library's to resolve: not checked here.
    assert serve.Worker(model_dirs={"SOUNDMOSAIC_WHISPER_MODEL": "large-v3"}).health()[0]


def test_a_worker_that_cannot_import_is_unhealthy_and_fails_invocations():
    serve = _module("serve")
    worker = serve.Worker(handler_path="soundmosaic_no_such_module:handler", model_dirs={})
    for client in _serve(worker):
        status, body = client.request("GET", "/ping")
        assert status == 503 and "soundmosaic_no_such_module" in body["problems"][0]
        status, body = client.request("POST", "/invocations", {"action": "decode"})
        assert status == 500 and body["errorType"] == "RuntimeError"


def test_error_statuses_follow_the_library_exceptions():
    from soundmosaic.audio.lyrics import ModelUnavailable
    from soundmosaic.audio.pipeline import StageInputMissing
    from soundmosaic.library.tracks import TrackNotFound

    serve = _module("serve")
    assert serve.status_for(TrackNotFound("t")) == 404
    assert serve.status_for(StageInputMissing("run decode first")) == 409
    assert serve.status_for(ModelUnavailable("no model")) == 503
    assert serve.status_for(ValueError("bad")) == 400
    assert serve.status_for(RuntimeError("boom")) == 500
    assert serve.error_body(KeyError("track_id")) == {"errorType": "KeyError",
                                                      "errorMessage": "missing field 'track_id'"}


def test_invocation_context_looks_like_lambdas():
    serve = _module("serve")
    context = serve.InvocationContext(aws_request_id="r1", deadline=0.0)
    assert context.get_remaining_time_in_millis() == 0
    for attribute in ("function_name", "memory_limit_in_mb", "invoked_function_arn", "aws_request_id"):
        assert hasattr(context, attribute)


# -- entrypoint.sh: one image, two hosts -----------------------------------------------------

def _entrypoint(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "python").write_text('#!/bin/sh\necho "python $*"\n')
    (fake / "python").chmod(0o755)
    environment = {"PATH": f"{fake}:/usr/bin:/bin", **(env or {})}
    done = subprocess.run(["sh", str(IMAGE_DIR / "entrypoint.sh"), *args], env=environment,
                          capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip()


def test_entrypoint_serves_for_sagemaker_and_runs_the_handler_for_lambda(tmp_path):
    assert _entrypoint(tmp_path, "serve") == "python /opt/soundmosaic/serve.py"
    assert _entrypoint(tmp_path, "functions.audio.app.handler",
                       env={"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}) == (
        "python -m awslambdaric functions.audio.app.handler")
    assert os.access(IMAGE_DIR / "entrypoint.sh", os.X_OK)


# -- project_requirements.py -----------------------------------------------------------------

def test_project_requirements_are_pyprojects_with_the_audio_extra():
    requirements = _module("project_requirements")
    with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
        project = tomllib.load(handle)["project"]
    lines = requirements.requirements(project, ["audio"])
    # In order, each line once (numpy is both a dependency and in the audio extra).
    assert lines == list(dict.fromkeys(project["dependencies"] + project["optional-dependencies"]["audio"]))
    assert len(lines) < len(project["dependencies"] + project["optional-dependencies"]["audio"])
    assert requirements.select(lines, only=["torch"]) == [
        r for r in project["optional-dependencies"]["audio"] if r.startswith("torch==")]
    rest = requirements.select(lines, exclude=["torch"])
    assert not any(r.startswith("torch") for r in rest) and "demucs==4.1.0" in rest
    # Self-references (soundmosaic[local,audio,infra]) are expanded, once each.
    dev = requirements.requirements(project, ["dev"])
    assert "demucs==4.1.0" in dev and len(dev) == len(set(dev))
    assert not any(r.startswith("soundmosaic") for r in dev)
    with pytest.raises(KeyError):
        requirements.requirements(project, ["nope"])
    with pytest.raises(KeyError):
        requirements.select(lines, only=["tensorflow"])


def test_project_requirements_cli(tmp_path):
    done = subprocess.run([sys.executable, str(IMAGE_DIR / "project_requirements.py"),
                           str(REPO_ROOT / "pyproject.toml"), "--extra", "audio", "--only", "torch"],
                          capture_output=True, text=True, check=True)
    assert re.fullmatch(r"torch==[\d.]+\n", done.stdout)


# -- fetch_models.py -------------------------------------------------------------------------

def test_demucs_plan_uses_the_official_locations_from_the_demucs_package():
    fetch = _module("fetch_models")
    plan = fetch.plan_demucs(["htdemucs", "htdemucs_ft", "htdemucs_6s"], fetch.remote_dir())
    assert [len(plan[n]) for n in ("htdemucs", "htdemucs_ft", "htdemucs_6s")] == [1, 4, 1]
    for urls in plan.values():
        for url in urls:
            assert re.fullmatch(r"https://dl\.fbaipublicfiles\.com/demucs/hybrid_transformer/"
                                r"[0-9a-f]{8}-[0-9a-f]{8}\.th", url), url
    assert plan["htdemucs"][0].endswith("/955717e8-8726e21a.th")
    with pytest.raises(ValueError, match="unknown demucs model"):
        fetch.plan_demucs(["htdemucs_9s"], fetch.remote_dir())


def _tiny_demucs_package() -> bytes:
    """A small randomly initialised Demucs, serialised the way demucs ships its weights."""
    import torch
    from demucs.pretrained import demucs_unittest
    from demucs.states import get_state

    model = demucs_unittest()
    args, kwargs = model._init_args_kwargs
    buffer = io.BytesIO()
    torch.save({"klass": type(model), "args": args, "kwargs": kwargs,
                "state": get_state(model, None, half=False)}, buffer)
    return buffer.getvalue()


def test_fetch_demucs_bakes_a_local_repo_that_demucs_loads(tmp_path):
    fetch = _module("fetch_models")
    package = _tiny_demucs_package()
    checksum = hashlib.sha256(package).hexdigest()[:8]
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "files.txt").write_text(f"# tiny\nroot: tiny/\nabcd1234-{checksum}.th\n")
    (remote / "tinybag.yaml").write_text("models: ['abcd1234']\n")
    fetched: list[str] = []

    def downloader(url: str, target: Path) -> None:
        fetched.append(url)
        target.write_bytes(package)

    dest = tmp_path / "models" / "demucs"
    written = fetch.fetch_demucs(["tinybag"], dest, remote=remote, downloader=downloader)
    assert fetched == [f"{fetch.DEMUCS_ROOT_URL}tiny/abcd1234-{checksum}.th"]
    assert sorted(p.name for p in written) == sorted([f"abcd1234-{checksum}.th", "tinybag.yaml"])
    # The layout soundmosaic's Demucs engine reads from $SOUNDMOSAIC_DEMUCS_MODELS.
    from soundmosaic.audio.separate.demucs_engine import load_pretrained

    assert list(load_pretrained("tinybag", str(dest)).sources) == ["drums", "bass", "other", "vocals"]
    # Present and whole: not fetched again.
    fetch.fetch_demucs(["tinybag"], dest, remote=remote, downloader=downloader, verify=False)
    assert len(fetched) == 1


def test_fetch_demucs_rejects_a_corrupt_download(tmp_path):
    fetch = _module("fetch_models")
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "files.txt").write_text("root: tiny/\nabcd1234-00000000.th\n")
    (remote / "tinybag.yaml").write_text("models: ['abcd1234']\n")
    with pytest.raises(ValueError, match="checksum mismatch"):
        fetch.fetch_demucs(["tinybag"], tmp_path / "dest", remote=remote,
                           downloader=lambda url, target: target.write_bytes(b"truncated"),
                           verify=False)
    with pytest.raises(ValueError, match="non-HTTPS"):
        fetch.download("http://dl.fbaipublicfiles.com/demucs/x.th", tmp_path / "x.th")


def test_fetch_whisper_installs_a_checked_ctranslate2_directory(tmp_path):
    fetch = _module("fetch_models")
    calls = []

    def download_model(name: str, output_dir: str, revision: str | None = None) -> str:
        calls.append((name, revision))
        out = Path(output_dir)
        out.mkdir(parents=True)
        for file in fetch.WHISPER_FILES:
            (out / file).write_text("x")
        (out / ".cache").mkdir()
        return output_dir

    target = fetch.fetch_whisper("large-v3", tmp_path / "whisper" / "large-v3",
                                 download_model=download_model)
    assert calls == [("large-v3", None)]
    assert sorted(p.name for p in target.iterdir()) == sorted(fetch.WHISPER_FILES)
    # lyrics reports the directory's name as the model.
    from soundmosaic.audio.lyrics import model_label

    assert model_label(str(target)) == "large-v3"

    def broken(name: str, output_dir: str, revision: str | None = None) -> str:
        Path(output_dir).mkdir(parents=True)
        return output_dir

    with pytest.raises(ValueError, match="missing"):
        fetch.fetch_whisper("tiny", tmp_path / "whisper" / "tiny", download_model=broken)
    assert not (tmp_path / "whisper" / "tiny").exists()


# -- the Dockerfile, read (Docker cannot build here) -----------------------------------------

def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_dockerfile_copies_only_what_the_build_context_holds():
    from infra.constructs.functions import image_context_exclude

    allowed = [p[1:] for p in image_context_exclude("audio") if p.startswith("!")]
    copies = [args.split() for word, args in _instructions() if word == "COPY"]
    assert copies
    for parts in copies:
        assert not any(p.startswith("--from") for p in parts)
        for source in parts[:-1]:
            assert (REPO_ROOT / source).exists(), source
            assert any(source.rstrip("/").startswith(a) for a in allowed), source


def test_dockerfile_bakes_models_and_sets_the_variables_the_code_reads():
    text = DOCKERFILE.read_text()
    env = " ".join(args for word, args in _instructions() if word == "ENV")
    assert "SOUNDMOSAIC_DEMUCS_MODELS=/opt/models/demucs" in env
    assert "SOUNDMOSAIC_WHISPER_MODEL=/opt/models/whisper/${WHISPER_MODEL}" in env
    assert "HF_HUB_OFFLINE=1" in env  # nothing is fetched at run time
    # With Demucs weights baked in, Demucs is the default engine (the library's is offline).
    assert "SOUNDMOSAIC_SEPARATION_ENGINE=${SEPARATION_ENGINE}" in env
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] if "=" in a else ""
            for word, a in _instructions() if word == "ARG"}
    assert args["TORCH_INDEX"] == "https://download.pytorch.org/whl/cpu"
    assert args["WHISPER_MODEL"] == "large-v3"
    from soundmosaic.audio.separate import ENGINE_ENV, ENGINE_NAMES

    assert ENGINE_ENV == "SOUNDMOSAIC_SEPARATION_ENGINE"
    assert args["SEPARATION_ENGINE"] in ENGINE_NAMES
    assert args["SEPARATION_ENGINE"] in args["DEMUCS_MODELS"].strip('"').split()
    assert set(args["DEMUCS_MODELS"].strip('"').split()) == {"htdemucs", "htdemucs_ft", "htdemucs_6s"}
    runs = " ".join(a for word, a in _instructions() if word == "RUN")
    assert "fetch_models.py demucs" in runs and "fetch_models.py whisper" in runs
    assert "--no-deps --require-hashes -r /tmp/build/no-deps.txt" in runs
    assert '--index-url "${TORCH_INDEX}"' in runs
    assert "--extra audio" in runs
    assert "ffmpeg" in runs and "serve.py --check" in runs
    # Models are baked before the code is copied (code changes keep the weights layer).
    assert text.index("fetch_models.py demucs") < text.index("COPY functions/")


def test_dockerfile_runs_as_lambda_and_as_sagemaker():
    instructions = dict(_instructions())
    assert json.loads(instructions["ENTRYPOINT"]) == ["/opt/soundmosaic/entrypoint.sh"]
    fn = resources.function("audio")
    assert json.loads(instructions["CMD"]) == [f"{fn.module}.{fn.attribute}"]
    assert instructions["EXPOSE"] == "8080"
    base = next(args for word, args in _instructions() if word == "ARG" and args.startswith("PYTHON_IMAGE"))
    assert "python:3.11" in base  # the project's Python
    pins = (IMAGE_DIR / "requirements.txt").read_text()
    assert re.search(r"^awslambdaric==[\d.]+$", pins, re.MULTILINE)
