"""What is deployed can import: each zip function as Lambda runs it, its lazy imports included.

A zip function runs its folder ``functions/<name>/`` at ``/var/task`` with two layers unpacked
into ``/opt/python``: the AWS-published Powertools layer of the release ``pyproject.toml`` pins
(``aws-lambda-powertools[all]``, minus boto3 and its dependencies, as the layer's own build
removes them) and the core layer (``layers/core``). boto3 comes from the Lambda runtime
(``/var/runtime``). This module builds exactly that with ``pip install --target`` (the Powertools
release from the pin, boto3 at the version this checkout uses, standing in for the runtime's)
and imports, in ``python -I -S`` with nothing else on ``sys.path``, each zip handler, then every
module our code imports lazily (inside a function), transitively.

Where the machine allows a user and mount namespace (``unshare -rm``), the folders are mounted
at Lambda's own paths, so code that depends on where it is unpacked fails here as it would in
AWS; elsewhere they are used where they were built. pip needs an index (PyPI, or a local one):
without one the tests are skipped, saying why.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
from soundmosaic.platform import resources
from soundmosaic_local.runtime import provision

from infra import needs
from infra.settings import pinned_powertools_version
from tests.infra.test_deployed_packages import LAYER_PYTHON, staged_files

pytestmark = pytest.mark.infra

ZIP_FUNCTIONS = [f for f in resources.FUNCTIONS if not needs.needs(f.key).container]

# What the Powertools layer's build deletes after installing (boto3 and its dependencies come
# with the Lambda runtime): layer_v3/docker/Dockerfile of aws-powertools/powertools-lambda-python.
POWERTOOLS_LAYER_REMOVES = ("boto*", "s3transfer*", "*dateutil*", "urllib3*", "six*", "jmespath*")

# Lazy imports on code paths a function never runs: "module.function" of the import -> why.
# The search index's snapshots need numpy (the images have it); a zip function that imports the
# track records but never writes them never builds one.
_NO_INDEX_WRITES = {
    "soundmosaic.library.tracks.TrackStore.reindex": "rebuilt by the api and the audio image only",
    "soundmosaic.platform.search.SearchIndex._load": "track writes happen in the probe and audio images "
    "and the api; this function reads and writes no track",
}

NOT_ON_THE_PATH: dict[str, dict[str, str]] = {
    "ingest": _NO_INDEX_WRITES,
    "publishing": {
        "soundmosaic.publishing.service._artwork":
            "publish_take renders a missing cover in the api (the studio image, with Pillow); the "
            "outbox consumer only packages and sends what publish_take stored",
    },
}

# Lambda's layout: the function's code, the layers, the runtime's own packages.
TASK, OPT, RUNTIME = "/var/task", "/opt/python", "/var/runtime"

_CHILD = r"""
import ast, importlib, importlib.util, json, sys, traceback
task, opt, runtime, handler, skip = json.loads(sys.argv[1])
sys.path[:0] = [task, opt]
sys.path.append(runtime)
roots = (task.rstrip("/") + "/", opt.rstrip("/") + "/soundmosaic/")  # the function's and the core layer's
report = {"sys_path": list(sys.path), "failures": [], "lazy": [], "skipped": [], "loaded": []}

def fail(what, err):
    report["failures"].append(what + ": " + "".join(traceback.format_exception_only(err)).strip())

def ours(module):
    name = getattr(module, "__file__", None) or ""
    return name.endswith(".py") and name.startswith(roots)

def lazy_imports(module):
    # ("module.qualname", line, module to import, names from it) for each import in a function body
    found = []
    def visit(node, qualname, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, qualname + [child.name], in_function or not isinstance(child, ast.ClassDef))
                continue
            if in_function and isinstance(child, ast.Import):
                found.extend((qualname, child.lineno, a.name, ()) for a in child.names)
            elif in_function and isinstance(child, ast.ImportFrom) and child.module and not child.level:
                found.append((qualname, child.lineno, child.module, tuple(a.name for a in child.names)))
            visit(child, qualname, in_function)
    visit(ast.parse(open(module.__file__).read()), [], False)
    return [(".".join([module.__name__, *q]), line, target, names) for q, line, target, names in found]

try:
    module_name, attribute = handler.rsplit(".", 1)
    entry = getattr(importlib.import_module(module_name), attribute)
    assert callable(entry), handler + " is not callable"
except BaseException as err:
    fail("handler " + handler, err)
else:
    scanned = set()
    while True:
        todo = [m for n, m in sorted(sys.modules.items()) if m and n not in scanned and ours(m)]
        if not todo:
            break
        for module in todo:
            scanned.add(module.__name__)
            for site, line, target, names in lazy_imports(module):
                where = site + ":" + str(line) + " imports " + target
                if any(site == s or site.startswith(s + ".") for s in skip):
                    report["skipped"].append(where)
                    continue
                report["lazy"].append(where)
                try:
                    imported = importlib.import_module(target)
                    for name in names:
                        if name != "*" and not hasattr(imported, name):
                            importlib.import_module(target + "." + name)
                except BaseException as err:
                    fail(where, err)
    report["loaded"] = sorted(n for n, m in sys.modules.items() if m and ours(m))
print("DEPLOYED " + json.dumps(report))
"""


@dataclass(frozen=True)
class Deployment:
    """The folders of a simulated zip deployment and how to run Python inside them."""

    opt: Path  # the layers, merged as Lambda unpacks them into /opt/python
    runtime: Path  # boto3 and its dependencies, as the runtime carries them
    tasks: dict[str, Path]  # function key -> its folder (/var/task)
    lambda_paths: bool  # mounted at Lambda's own paths (a user and mount namespace)

    def command(self, key: str, code: str, argument: str) -> list[str]:
        # -B: /var/task and /opt are read-only in Lambda; nothing writes byte code there.
        python = [sys.executable, "-I", "-S", "-B", "-c", code, argument]
        if not self.lambda_paths:
            return python
        return ["unshare", "-rm", "sh", "-ec", _MOUNT, "sh", str(self.opt), str(self.tasks[key]),
                str(self.runtime), *python]

    def paths(self, key: str) -> tuple[str, str, str]:
        if self.lambda_paths:
            return TASK, OPT, RUNTIME
        return str(self.tasks[key]), str(self.opt), str(self.runtime)


_MOUNT = ("mount -t tmpfs tmpfs /opt; mkdir -p /opt/python; mount --bind \"$1\" /opt/python; "
          "mount -t tmpfs tmpfs /var; mkdir -p /var/task /var/runtime; "
          "mount --bind \"$2\" /var/task; mount --bind \"$3\" /var/runtime; shift 3; exec \"$@\"")


def _pip(target: Path, *requirements: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-compile", "--only-binary=:all:", "--target", str(target), *requirements],
        capture_output=True, text=True, timeout=900, check=False)
    if done.returncode:
        pytest.skip(f"pip could not install {' '.join(requirements)} (no package index?): "
                    f"{done.stderr.strip()[-1500:]}")


def _copy_staged(source: Path, target: Path) -> None:
    for relative in staged_files(source):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target / relative)


def _lambda_paths_available(probe: Path) -> bool:
    if not shutil.which("unshare") or os.environ.get("SOUNDMOSAIC_DEPLOY_TEST_PLAIN_PATHS"):
        return False
    try:
        done = subprocess.run(["unshare", "-rm", "sh", "-ec", _MOUNT, "sh", str(probe), str(probe),
                               str(probe), "test", "-d", TASK], capture_output=True, timeout=30,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    root = tmp_path_factory.mktemp("deployed")
    powertools, runtime, opt = root / "powertools-layer", root / "runtime", root / "opt-python"
    _pip(powertools, f"aws-lambda-powertools[all]=={pinned_powertools_version()}")
    for pattern in POWERTOOLS_LAYER_REMOVES:
        for path in powertools.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    _pip(runtime, f"boto3=={importlib.metadata.version('boto3')}")
    shutil.copytree(powertools, opt)
    _copy_staged(LAYER_PYTHON, opt)  # the core layer's python/ folder, as CDK stages it
    tasks = {}
    for fn in ZIP_FUNCTIONS:
        tasks[fn.key] = root / "task" / fn.key
        _copy_staged(fn.asset_dir, tasks[fn.key])
    return Deployment(opt, runtime, tasks, _lambda_paths_available(root))


def lambda_environment(fn: resources.Function) -> dict[str, str]:
    """A deployed function's variables (the resource list's, with local values) and Lambda's own;
    tracing on, as deployed (``Tracing.ACTIVE``)."""
    env = {k: os.environ[k] for k in ("PATH", "LANG", "TMPDIR") if k in os.environ}
    env.update(provision.environment("deploy-test", "http://127.0.0.1:1"))
    env.update({
        "AWS_REGION": provision.REGION, "AWS_DEFAULT_REGION": provision.REGION,
        "AWS_ACCESS_KEY_ID": "AKIADEPLOYTEST", "AWS_SECRET_ACCESS_KEY": "deploy-test",
        "AWS_LAMBDA_FUNCTION_NAME": resources.physical_name("deploy-test", fn.key),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb), "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "LAMBDA_TASK_ROOT": TASK, "_HANDLER": fn.lambda_handler,
        "POWERTOOLS_SERVICE_NAME": f"soundmosaic-{fn.key}", "POWERTOOLS_METRICS_NAMESPACE": "SoundMosaic",
    })
    return env


def run_deployed(deployment: Deployment, fn: resources.Function) -> dict:
    argument = json.dumps([*deployment.paths(fn.key), fn.lambda_handler,
                           sorted(NOT_ON_THE_PATH.get(fn.key, {}))])
    done = subprocess.run(deployment.command(fn.key, _CHILD, argument), env=lambda_environment(fn),
                          cwd=deployment.tasks[fn.key], capture_output=True, text=True, timeout=300,
                          check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("DEPLOYED ")]
    assert lines, f"{fn.key}: the import did not finish (rc {done.returncode}):\n{done.stderr[-3000:]}"
    report: dict = json.loads(lines[-1].removeprefix("DEPLOYED "))
    report["lambda_paths"] = deployment.lambda_paths
    return report


@pytest.mark.parametrize("fn", ZIP_FUNCTIONS, ids=lambda fn: fn.key)
def test_a_zip_function_imports_with_only_what_is_deployed(deployment, fn):
    report = run_deployed(deployment, fn)
    where = "at Lambda's paths" if report["lambda_paths"] else "in the build folders"
    assert report["failures"] == [], (
        f"{fn.key} ({where}, sys.path {report['sys_path']}):\n" + "\n".join(report["failures"]))
    assert "soundmosaic.platform.observability" in report["loaded"]


def test_the_powertools_layer_holds_no_runtime_packages(deployment):
    """As published: boto3 and its dependencies are the runtime's, not the layer's."""
    names = {p.name.split("-")[0].lower() for p in deployment.opt.iterdir()}
    assert {"aws_lambda_powertools", "aws_xray_sdk", "pydantic", "soundmosaic"} <= names
    assert not names & {"boto3", "botocore", "s3transfer", "urllib3", "jmespath", "dateutil", "six.py"}
    assert "httpx" not in names and "rich" not in names


def test_every_lazy_import_left_out_is_still_there(deployment):
    """An exclusion names a real lazy import site; a stale one would hide nothing and mislead."""
    for key, sites in NOT_ON_THE_PATH.items():
        report = run_deployed(deployment, resources.function(key))
        for site in sites:
            assert any(s.startswith(site + ":") for s in report["skipped"]), (key, site)


def test_the_resource_list_imports_wherever_its_layer_is_unpacked():
    """The layer is at /opt/python, and the images copy it to /var/task: fewer folders than a
    checkout has above ``soundmosaic/platform/``. (Failed every deployed function once.)"""
    path = LAYER_PYTHON / "soundmosaic" / "platform" / "resources.py"
    for root in (OPT, TASK, "/"):
        fake = f"{root.rstrip('/')}/soundmosaic/platform/resources.py"
        module = types.ModuleType("resources_deployed")
        module.__file__ = fake
        sys.modules[module.__name__] = module
        try:
            exec(compile(path.read_text(), fake, "exec"), module.__dict__)
        finally:
            del sys.modules[module.__name__]
        assert module.FUNCTIONS
        assert Path(fake).parents[2] == module.REPO_ROOT
