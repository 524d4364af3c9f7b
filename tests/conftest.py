"""Suite-wide rule: under CI a skipped test fails the run, unless the allowlist names it.

A skip hides a broken dependency as well as a missing one, so ``make test`` under ``CI=true``
(or ``SOUNDMOSAIC_STRICT_SKIPS=1``) ends with a failure listing every skipped test that
``tests/skip_allowlist.txt`` does not name. That file lists node-id prefixes, one a line, each
with the reason it truly cannot run here (a GPU, say); it is empty while everything can.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ALLOWLIST = Path(__file__).with_name("skip_allowlist.txt")
_skipped: list[str] = []


def strict() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("SOUNDMOSAIC_STRICT_SKIPS") == "1"


def allowed_prefixes(path: Path = ALLOWLIST) -> list[str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def unexpected(skipped: list[str], allowed: list[str]) -> list[str]:
    return [node for node in skipped if not any(node.startswith(prefix) for prefix in allowed)]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not strict():
        return
    bad = unexpected(_skipped, allowed_prefixes())
    if bad:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"{len(bad)} test(s) skipped under CI and not in {ALLOWLIST.name}:", red=True)
            for node in bad:
                reporter.write_line(f"  {node}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
