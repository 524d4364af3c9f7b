"""End-to-end fixtures: the built SPA, a real `soundmosaic up`, and a headless Chromium driver.

The stack runs as its own process (as a user starts it), not in the pytest process: a
``LocalStack`` configures process-wide state (environment, moto's global backends), so it
cannot share a process with the integration tests' stack.

Environment variables
---------------------
SOUNDMOSAIC_E2E_SCREENSHOTS
    Folder for the screenshots the scenarios take (``docs/img`` refreshes the docs' ones);
    by default a temporary folder.
CHROMIUM
    The browser binary (default ``/usr/bin/chromium``, Debian's ``chromium`` package).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.apple_music_server import AppleSong, FakeAppleMusic

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
DRIVER = Path(__file__).with_name("driver.mjs")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIST = "e2e-artist"
# Small multipart settings so a ~12 MB file takes the multipart path (5 MiB is S3's minimum part).
MULTIPART_THRESHOLD = 8 * 1024 * 1024
MULTIPART_PART = 5 * 1024 * 1024



def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: the web app in headless Chromium against `soundmosaic up`")


def _sources_newer_than(stamp: Path) -> list[Path]:
    built = stamp.stat().st_mtime
    inputs = [WEB / "index.html", WEB / "vite.config.ts", WEB / "package-lock.json", WEB / "tsconfig.json"]
    inputs += [p for folder in ("src", "public") for p in (WEB / folder).rglob("*") if p.is_file()]
    return [p for p in inputs if p.exists() and p.stat().st_mtime > built]


def build_spa() -> None:
    """`npm ci` when node_modules is missing or older than the lockfile, then `npm run build`
    when web/dist is missing or older than any source."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to build the web app (Node 20+)")
    installed = WEB / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (WEB / "package-lock.json").stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    index = WEB / "dist" / "index.html"
    if not index.exists() or _sources_newer_than(index):
        subprocess.run([npm, "run", "build"], cwd=WEB, check=True)


@pytest.fixture(scope="session")
def spa() -> Path:
    build_spa()
    return WEB / "dist"


@dataclass
class Stack:
    url: str
    token: str
    data: Path
    process: subprocess.Popen[bytes]

    def api(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/api", timeout=60,
                            headers={"Authorization": f"Bearer {token or self.token}"})

    def token_for(self, artist: str, holder: str | None = None, royalty_admin: bool = False) -> str:
        """A dev token of another artist (a library of its own), naming a rights holder if given,
        in the royalty admins' group if asked."""
        return _token(self.data, artist, *(("--holder", holder) if holder else ()),
                      *(("--royalty-admin",) if royalty_admin else ()))


def _cli(data: Path) -> list[str]:
    return [sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(data)]


def _token(data: Path, artist: str = ARTIST, *extra: str) -> str:
    return subprocess.run([*_cli(data), "--artist", artist, "token", *extra], capture_output=True, text=True,
                          check=True).stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_stack(data: Path, **extra_env: str) -> Iterator[Stack]:
    """`soundmosaic up` on a free port with its data in ``data`` (and ``extra_env`` set), until
    the block ends."""
    port = _free_port()
    env = {**os.environ,
           "SOUNDMOSAIC_MULTIPART_THRESHOLD_BYTES": str(MULTIPART_THRESHOLD),
           "SOUNDMOSAIC_MULTIPART_PART_BYTES": str(MULTIPART_PART), **extra_env}
    cli = _cli(data)
    log = (data / "stack.log").open("wb")
    process = subprocess.Popen([*cli, "up", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                               env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if process.poll() is not None:
                pytest.fail(f"soundmosaic up exited: {(data / 'stack.log').read_text()[-2000:]}")
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("soundmosaic up did not answer within 2 minutes")
        yield Stack(url, _token(data), data, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# An Apple Music song the platform's catalog holds no rights for (the rights form's scenario).
UNKNOWN_APPLE_SONG = AppleSong("3000000001", "Harbour Static", "Nobody Known", "QZABC2600099")


@pytest.fixture(scope="session")
def apple_music() -> Iterator[FakeAppleMusic]:
    """The fake Apple Music API the stack is configured with (search by hand, the rights form)."""
    with FakeAppleMusic([UNKNOWN_APPLE_SONG]) as fake:
        yield fake


@pytest.fixture(scope="session")
def stack(spa: Path, apple_music: FakeAppleMusic,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e-stack"), **apple_music.env()) as running:
        yield running


class Browser:
    """Runs driver.mjs scenarios against the stack and returns what they saw."""

    def __init__(self, stack: Stack, shots: Path, downloads: Path) -> None:
        self.stack, self.shots, self.downloads = stack, shots, downloads

    def run(self, scenario: str, timeout: float = 180, allow_console: tuple[str, ...] = (),
            driver: Path = DRIVER, **args: Any) -> dict[str, Any]:
        payload = {"base": self.stack.url, "token": self.stack.token, "shots": str(self.shots),
                   "downloads": str(self.downloads), **args}
        done = subprocess.run(["node", str(driver), scenario, json.dumps(payload)], capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, "CHROMIUM": CHROMIUM})
        lines = done.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"error": "no output"}
        if done.returncode or "error" in result:
            raise AssertionError(f"scenario {scenario} failed: {result.get('error')}\n{done.stderr[-4000:]}")
        errors = [e for e in result.pop("consoleErrors", []) if not any(a in e for a in allow_console)]
        assert not errors, f"browser console errors in {scenario}: {errors}"
        return result


@pytest.fixture(scope="session")
def browser(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium)")
    shots = Path(os.environ.get("SOUNDMOSAIC_E2E_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    return Browser(stack, shots.resolve(), tmp_path_factory.mktemp("downloads"))
