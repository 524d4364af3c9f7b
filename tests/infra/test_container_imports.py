"""What each container image installs can import its handlers: resolved as its Dockerfile does.

The images (``containers/<name>/Dockerfile``) pip-install requirement lists they compute from
``pyproject.toml`` with their own scripts. For each image this module computes the same lists
with the same scripts, resolves them with ``pip install --dry-run --report`` for CPython 3.11 on
manylinux x86_64 (the images' and Lambda's Python) from wheels only, then builds a clean folder
holding exactly the resolved distributions (linked from this checkout's venv where it has the
very version, else ``pip install --no-deps --target`` of that version) and imports, in
``python -I -S`` with nothing else on ``sys.path``, every handler that runs as that image, the
container task worker and, transitively, every module our code imports lazily (the child of
``test_deployed_imports``). A requirement missing from the image's lists fails here, not in AWS.

Two differences from a Docker build, on purpose: torch is resolved from PyPI (the CPU index is
not reachable from CI; PyPI's is the GPU build's torch, same version), and a distribution linked
from the venv brings its whole top-level folder (a namespace package shared by two
distributions, e.g. ``nvidia/``, comes whole). ``test_dockerfiles_still_install_these_lists``
holds the Dockerfiles to the commands reproduced here.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from soundmosaic.platform import resources

from infra import needs
from tests.infra.test_deployed_imports import _CHILD, lambda_environment
from tests.infra.test_deployed_packages import LAYER_PYTHON, staged_files

pytestmark = pytest.mark.infra

ROOT = resources.REPO_ROOT
PYTHON_VERSION = "3.11"
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64")
# pip does not widen an explicit --platform to older glibc tags: images on Debian bookworm (glibc
# 2.36) name the ones their wheels need. The booth image: ai-edge-litert 2.x is manylinux_2_27 only.
EXTRA_PLATFORMS = {"booth": ("manylinux_2_27_x86_64",)}
CONTAINERS = sorted({needs.needs(f.key).container for f in resources.FUNCTIONS} - {None})


def _script(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True, timeout=60)
    return [line for line in done.stdout.splitlines() if line.strip() and not line.startswith("#")]


def image_requirements(container: str) -> tuple[list[str], list[str]]:
    """(requirements installed with dependencies, requirement files installed --no-deps)."""
    pyproject = str(ROOT / "pyproject.toml")
    if container == "audio":
        script = str(ROOT / "containers" / "audio" / "project_requirements.py")
        lines = _script(script, pyproject, "--extra", "audio", "--extra", "royalties", "--extra", "studio")
        extra = (ROOT / "containers" / "audio" / "requirements.txt").read_text().splitlines()
        lines += [line for line in extra if line.strip() and not line.startswith("#")]
        return lines, [str(ROOT / "requirements" / "no-deps.txt")]
    if container == "lambda-ffmpeg":
        return _script(str(ROOT / "containers" / "lambda-ffmpeg" / "runtime_requirements.py"), pyproject), []
    if container in ("studio", "writers"):  # both Dockerfiles: the same inline tomllib one-liner
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        extras = project["optional-dependencies"]
        sieb = extras["sieb"] if container == "studio" else []  # the api serves /sieb (pymongo)
        return project["dependencies"] + extras["studio"] + extras["writers"] + sieb, []
    if container == "booth":
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        extras = project["optional-dependencies"]
        return project["dependencies"] + extras["studio"] + extras["booth"], []  # studio: the provider path
    raise AssertionError(f"containers/{container}: no requirement list known to this test")


# Lazy imports on code paths an image's handlers never run: container -> {"module.function": why}.
NOT_ON_THE_PATH: dict[str, dict[str, str]] = {
    "studio": {
        "soundmosaic.audio.pipeline": "the api imports the module for StageRequest and TrackFiles; the "
                                      "stages themselves run as the audio function (audio image)",
        "soundmosaic.generation.compose": "takes are composed by the generation function (audio image)",
        "soundmosaic.generation.notes": "a song's notes are prepared by the generation function",
        "soundmosaic.generation.takes.render_step": "takes are rendered by the generation function",
        "soundmosaic.generation.takes._take_notes": "takes are measured (measure_step) by the "
                                                    "generation function",
        "soundmosaic.providers.offline.music_model.estimate_key": "the offline music engine runs in the "
                                                                  "generation function",
        "soundmosaic.stories.albums.music.orchestrate": "an album's music is made by the albums function "
                                                        "(audio image); the api only plans and starts it",
        "soundmosaic.providers.offline.music.compose": "the offline music engine runs in the generation "
                                                       "and albums functions (audio image)",
        "soundmosaic.providers.offline.music_catalog._parse": "the offline music engine's catalog is read "
                                                              "by the generation and albums functions",
    },
}

DOCKERFILE_COMMANDS = {
    "audio": ("project_requirements.py /tmp/build/pyproject.toml --extra audio --extra royalties "
              "--extra studio",
              "-r /tmp/build/project.txt -r /tmp/build/requirements.txt",
              "--no-deps --require-hashes -r /tmp/build/no-deps.txt"),
    "lambda-ffmpeg": ("runtime_requirements.py /tmp/build/pyproject.toml",),
    "studio": ("p['dependencies'] + p['optional-dependencies']['studio'] + "
               "p['optional-dependencies']['writers'] + p['optional-dependencies']['sieb']",),
    "writers": ("p['dependencies'] + p['optional-dependencies']['studio'] + "
                "p['optional-dependencies']['writers']",),
    "booth": ("p['dependencies'] + p['optional-dependencies']['studio'] + "
              "p['optional-dependencies']['booth']",),
}


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
                          capture_output=True, text=True, timeout=900, check=False)


def resolve(container: str, work: Path) -> dict[str, str]:
    """Distribution name -> version, as pip resolves the image's lists for Python 3.11."""
    target = [f"--python-version={PYTHON_VERSION}", "--only-binary=:all:", "--ignore-installed",
              *(f"--platform={p}" for p in PLATFORMS + EXTRA_PLATFORMS.get(container, ()))]
    with_deps, no_deps = image_requirements(container)
    (work / "requirements.txt").write_text("\n".join(with_deps) + "\n")
    resolved: dict[str, str] = {}
    for name, args in (("deps", ["-r", str(work / "requirements.txt")]),
                       *((f"nodeps{i}", ["--no-deps", "--require-hashes", "-r", f])
                         for i, f in enumerate(no_deps))):
        report = work / f"{name}.json"
        done = _pip("install", "--dry-run", "--report", str(report), *target, *args)
        assert done.returncode == 0, f"{container}: pip cannot resolve the image's requirements:\n" \
                                     f"{done.stderr[-3000:]}"
        for item in json.loads(report.read_text())["install"]:
            resolved[item["metadata"]["name"]] = item["metadata"]["version"]
    return resolved


def build_site(resolved: dict[str, str], site: Path) -> list[str]:
    """Exactly the resolved distributions in ``site``; returns those pip had to fetch."""
    site.mkdir(parents=True)
    fetched = []
    for name, version in sorted(resolved.items()):
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            dist = None
        if dist is None or dist.version != version or not dist.files:
            fetched.append(f"{name}=={version}")
            continue
        base = Path(str(dist.locate_file("")))
        for top in {Path(str(f)).parts[0] for f in dist.files if not str(f).startswith("..")}:
            link = site / top
            if not link.exists() and (base / top).exists():
                link.symlink_to(base / top)
    if fetched:
        done = _pip("install", "--no-deps", "--only-binary=:all:", "--target", str(site / "_fetched"),
                    *fetched)
        assert done.returncode == 0, f"pip cannot install {fetched}:\n{done.stderr[-3000:]}"
        for entry in (site / "_fetched").iterdir():
            if not (site / entry.name).exists():
                entry.rename(site / entry.name)
    return fetched


def image_task_root(container: str, task: Path) -> Path:
    """``/var/task`` as the images lay it out: the core layer's package and ``functions/``."""
    for relative in staged_files(LAYER_PYTHON):
        (task / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(LAYER_PYTHON / relative, task / relative)
    shutil.copytree(ROOT / "functions", task / "functions",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return task


def entry_points(container: str) -> list[tuple[str, resources.Function]]:
    """(callable to import, the function whose environment it runs with) for each entry."""
    handlers = [(f"functions.{f.handler.replace(':', '.')}", f) for f in resources.FUNCTIONS
                if needs.needs(f.key).container == container]
    # The container task runs the audio function's handler, with its environment.
    workers = [(f"{t.worker}.main", resources.function(t.key)) for t in resources.CONTAINER_TASKS
               if t.container == container]
    return handlers + workers


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, dict[str, str]]]:
    built = {}
    for container in CONTAINERS:
        work = tmp_path_factory.mktemp(f"image-{container}")
        resolved = resolve(container, work)
        build_site(resolved, work / "site")
        (work / "runtime").mkdir()
        built[container] = (image_task_root(container, work / "task"), work / "site", resolved)
    return built


@pytest.mark.parametrize("container", CONTAINERS)
def test_an_image_imports_its_handlers_with_only_what_it_installs(images, container):
    task, site, resolved = images[container]
    skipped: set[str] = set()
    assert "aws-lambda-powertools" in {n.lower().replace("_", "-") for n in resolved}
    for entry, fn in entry_points(container):
        argument = json.dumps([str(task), str(site), str(site.parent / "runtime"), entry,
                               sorted(NOT_ON_THE_PATH.get(container, {}))])
        env = {**lambda_environment(fn), "LAMBDA_TASK_ROOT": str(task)}
        done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", _CHILD, argument], env=env, cwd=task,
                              capture_output=True, text=True, timeout=600, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("DEPLOYED ")]
        assert lines, f"{container} {entry}: the import did not finish (rc {done.returncode}):\n" \
                      f"{done.stderr[-3000:]}"
        report = json.loads(lines[-1].removeprefix("DEPLOYED "))
        assert report["failures"] == [], f"{container} {entry}:\n" + "\n".join(report["failures"])
        skipped.update(where.split(":")[0] for where in report["skipped"])
    # An exclusion names a real lazy import site; a stale one would hide nothing and mislead.
    for excluded in NOT_ON_THE_PATH.get(container, {}):
        assert any(s == excluded or s.startswith(excluded + ".") for s in skipped), (container, excluded)


def test_the_container_path_runs_a_module_the_audio_image_has():
    for task in resources.CONTAINER_TASKS:
        assert task.container in CONTAINERS
        assert (ROOT / Path(*task.worker.split("."))).with_suffix(".py").is_file()
        entrypoint = (ROOT / "containers" / task.container / "entrypoint.sh").read_text()
        assert f"exec python -m {task.worker}" in entrypoint


@pytest.mark.parametrize("container", CONTAINERS)
def test_dockerfiles_still_install_these_lists(container):
    dockerfile = (ROOT / "containers" / container / "Dockerfile").read_text()
    joined = " ".join(line.strip().rstrip("\\") for line in dockerfile.splitlines())
    for command in DOCKERFILE_COMMANDS[container]:
        assert command in joined, f"containers/{container}/Dockerfile no longer runs {command!r}"
