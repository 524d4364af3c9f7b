"""The README's commands, run as written against the local stack.

Each ```bash block under a README heading is split into commands (backslash continuations
joined, comments dropped) and run with bash in a folder holding the files they name; only the
README's own placeholders are filled in (``TOKEN=...``, ``<track_id>``, ``<id>``, ``<a>``...).
A command passes when bash exits 0 and its output holds no error reply of the API. The CLI's
``process`` and ``artwork batch`` lines are the commands that tests/integration/platform/
test_schedule_and_cli.py and tests/integration/studio/test_studio.py run end to end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.audio import tone

pytestmark = pytest.mark.integration
README = Path(__file__).resolve().parents[3] / "README.md"
SLOW_CLI = ("soundmosaic process", "soundmosaic artwork batch")


def block(heading: str) -> list[str]:
    """The commands of the first ```bash block after ``## heading``."""
    text = README.read_text()
    section = text[text.index(f"## {heading}\n"):]
    body = section[section.index("```bash\n") + 8:]
    body = body[:body.index("```")]
    joined = re.sub(r"\\\n\s*", " ", body)
    commands = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def error_reply(output: str) -> str | None:
    """The API's error reply in ``output``, if any (``{"statusCode": 4xx/5xx, ...}``)."""
    for match in re.finditer(r'"statusCode":\s*(\d{3})', output):
        if int(match.group(1)) >= 400:
            return output[:500]
    return None


class Shell:
    def __init__(self, stack, folder: Path, token: str) -> None:
        bin_dir = Path(sys.executable).parent
        self.folder = folder
        self.env = {**os.environ, "TOKEN": token, "API": stack.api_url + "/api",
                    "SOUNDMOSAIC_DATA_DIR": str(stack.data_dir), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
        self.values: dict[str, str] = {}
        (folder / ".venv").mkdir(exist_ok=True)
        if not (folder / ".venv" / "bin").exists():
            (folder / ".venv" / "bin").symlink_to(bin_dir)  # the README names .venv/bin/soundmosaic

    def run(self, command: str) -> str:
        for name, value in self.values.items():
            command = command.replace(f"<{name}>", value)
        assert "<" not in command.replace("<<", ""), f"placeholder left in {command!r}"
        done = subprocess.run(["bash", "-c", command], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert error_reply(done.stdout) is None, f"{command}\n{done.stdout}"
        return done.stdout


def wait_for_track(api, name: str) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        jobs = api.http.get("/jobs", params={"limit": 50}).json()["items"]
        done = [j for j in jobs if j["kind"] == "ingest" and j["subject"].get("filename") == name
                and j["status"] in ("succeeded", "failed")]
        if done:
            assert done[0]["status"] == "succeeded", done[0]
            return str(done[0]["result"]["track_id"])
        time.sleep(0.3)
    raise AssertionError(f"{name} was not ingested")


@pytest.fixture
def readme_api(stack):
    from tests.integration.conftest import Api

    return Api(stack, "me")


def test_the_token_commands_print_tokens_the_api_takes(stack, tmp_path: Path) -> None:
    shell = Shell(stack, tmp_path, "")
    lines = [c for c in block("Try it with curl") + block("Royalties") if "soundmosaic token" in c]
    assert lines, "the README shows how to get a token"
    for line in lines:
        command = re.search(r"(\.venv/bin/soundmosaic token [^)]*)", line)
        assert command, line
        token = shell.run(command.group(1)).strip().splitlines()[-1]
        # A route that needs a token: health is public and would take any string.
        reply = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                "-H", f"Authorization: Bearer {token}", f"{stack.api_url}/api/jobs?limit=1"],
                               capture_output=True, text=True, timeout=30)
        assert reply.stdout == "200"


def test_try_it_with_curl(stack, readme_api, tmp_path: Path) -> None:
    tone(tmp_path / "song.mp3", seconds=3.0)
    shell = Shell(stack, tmp_path, stack.dev_token("me"))
    for command in block("Try it with curl"):
        if command.startswith(("TOKEN=", "API=")):
            continue  # the test's own values (the README says where they come from)
        if "$API/tracks" in command and "track_id" not in shell.values:
            # What step 3 says: follow the job until it is done (a person runs it again).
            shell.values["track_id"] = wait_for_track(readme_api, "song.mp3")
        output = shell.run(command)
        if "jq '.items[0].facts'" in command:
            facts = json.loads(output)
            assert facts["duration_s"] > 2 and facts["codec"] == "mp3"
        if "DELETE" in command:
            assert json.loads(output)["deleted"] is True


def test_the_audio_lab_and_studio_requests(stack, readme_api, tmp_path: Path) -> None:
    first = readme_api.upload(tone(tmp_path / "a.wav", seconds=2.0))
    second = readme_api.upload(tone(tmp_path / "b.wav", seconds=2.0))
    ids = [readme_api.job_for(u["key"])["result"]["track_id"] for u in (first, second)]
    shell = Shell(stack, tmp_path, stack.dev_token("me"))
    shell.values.update(id=ids[0], a=ids[0], b=ids[1])
    for command in block("The audio lab") + block("The asset studio"):
        if any(slow in command for slow in SLOW_CLI):
            continue  # run end to end by the CLI tests named in this module's docstring
        output = shell.run(command)
        assert output.strip().startswith("{"), f"{command}: {output[:300]}"
