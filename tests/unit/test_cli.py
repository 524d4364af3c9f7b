"""The ``soundmosaic`` command line: the documented forms of ``token``, the entry points."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from soundmosaic.platform import auth
from soundmosaic_local import cli, dev_tokens
from soundmosaic_local.runtime.stack import DEFAULT_ARTIST

REPO = Path(__file__).resolve().parents[2]


def claims_of(data_dir: Path, printed: str) -> tuple[str, str | None]:
    """(artist, holder) of the dev token printed, verified with the data directory's secret."""
    claims = dev_tokens.verify((data_dir / "dev-jwt-secret").read_text().strip(), printed.strip())
    return auth.artist_from_claims(claims), auth.holder_from_claims(claims)


@pytest.mark.parametrize("args, artist, holder", [
    (["token", "--artist", "me"], "me", None),                              # README, "Try it with curl"
    (["token", "--artist", "someone"], "someone", None),                    # README, "The CLI"
    (["token", "--holder", "writer-1a"], DEFAULT_ARTIST, "writer-1a"),      # README, royalties
    (["token"], DEFAULT_ARTIST, None),
    (["--artist", "label-u", "token", "--holder", "writer-1a"], "label-u", "writer-1a"),
    (["token", "--artist", "label-u", "--holder", "writer-1a"], "label-u", "writer-1a"),
    (["token", "--holder", "writer-1a", "--artist", "label-u"], "label-u", "writer-1a"),
    (["--artist", "before", "token", "--artist", "after"], "after", None),  # the nearer one wins
])
def test_token_prints_a_dev_token_for_the_artist_and_holder_asked(
        args: list[str], artist: str, holder: str | None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "fresh"  # no data directory yet: the first token makes it and its secret
    assert cli.main(["--data-dir", str(data), *args]) == 0
    assert claims_of(data, capsys.readouterr().out) == (artist, holder)
    assert cli.main(["--data-dir", str(data), *args]) == 0  # again, with the secret now there
    assert claims_of(data, capsys.readouterr().out) == (artist, holder)


def test_the_artist_after_status_and_up_is_the_artist_they_act_as() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["status", "--artist", "me"]).artist == "me"
    assert parser.parse_args(["--artist", "me", "up"]).artist == "me"
    assert parser.parse_args(["up"]).artist == DEFAULT_ARTIST


@pytest.fixture
def running_api(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A data directory whose ``runtime.json`` names a live API that records the bearer tokens
    it is sent (it answers ``/api/jobs`` with no jobs), as a running ``soundmosaic up`` would."""
    bearers: list[str] = []

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            bearers.append(self.headers["Authorization"].removeprefix("Bearer "))
            body = json.dumps({"items": []}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = tmp_path / "data"
    cli.main(["--data-dir", str(data), "token"])  # makes the directory and its secret
    (data / "runtime.json").write_text(json.dumps({
        "api_url": f"http://127.0.0.1:{server.server_address[1]}", "aws_endpoint": "unused",
        "pid": os.getpid(), "data_dir": str(data), "drop_folder": str(data / "drop")}))
    yield data, bearers
    server.shutdown()


@pytest.mark.parametrize("args, env, artist", [
    (["jobs", "--artist", "after"], None, "after"),
    (["--artist", "before", "jobs"], None, "before"),
    (["jobs"], "from-env", "from-env"),
    (["jobs"], None, DEFAULT_ARTIST),
])
def test_commands_that_call_the_api_act_as_the_artist_asked(
        args: list[str], env: str | None, artist: str, running_api: tuple[Path, list[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, bearers = running_api
    if env:
        monkeypatch.setenv("SOUNDMOSAIC_ARTIST", env)
    else:
        monkeypatch.delenv("SOUNDMOSAIC_ARTIST", raising=False)
    assert cli.main(["--data-dir", str(data), *args]) == 0
    claims = dev_tokens.verify((data / "dev-jwt-secret").read_text().strip(), bearers[-1])
    assert auth.artist_from_claims(claims) == artist


def test_every_command_that_calls_the_api_takes_artist_after_it() -> None:
    parser = cli.build_parser()
    for args in (["ingest", "a.wav"], ["process", "a.wav"], ["artwork", "batch", "t.csv"], ["jobs"]):
        assert parser.parse_args([*args, "--artist", "me"]).artist == "me", args


def test_python_dash_m_and_the_console_script_reach_the_same_main(tmp_path: Path) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert pkgutil.resolve_name(scripts["soundmosaic"]) is cli.main
    done = subprocess.run([sys.executable, "-m", "soundmosaic_local.cli", "--data-dir", str(tmp_path),
                           "token", "--artist", "me"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert claims_of(tmp_path, done.stdout) == ("me", None)
