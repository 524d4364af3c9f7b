"""The CI skip rule: a skipped test fails a strict run unless the allowlist names it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import allowed_prefixes, unexpected

ROOT = Path(__file__).resolve().parents[3]


def test_allowlist_lines_are_prefixes_with_reasons_stripped(tmp_path: Path) -> None:
    listed = tmp_path / "allow.txt"
    listed.write_text("# header\ntests/gpu/test_cuda.py  # needs a GPU\n\n")
    assert allowed_prefixes(listed) == ["tests/gpu/test_cuda.py"]
    assert unexpected(["tests/gpu/test_cuda.py::test_a", "tests/unit/x.py::test_b"],
                      allowed_prefixes(listed)) == ["tests/unit/x.py::test_b"]


def run_skipping_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    folder = ROOT / "tests" / "unit" / "platform"
    probe = folder / f"test_zz_probe_{os.getpid()}.py"
    probe.write_text("import pytest\n\ndef test_skips():\n    pytest.skip('a missing tool')\n")
    try:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "CI": "", "SOUNDMOSAIC_STRICT_SKIPS": "", **env})
    finally:
        probe.unlink()


def test_a_skip_fails_a_strict_run_and_passes_a_lenient_one(tmp_path: Path) -> None:
    strict = run_skipping_test(tmp_path, CI="true")
    assert strict.returncode == 1, strict.stdout
    assert "skipped under CI and not in skip_allowlist.txt" in strict.stdout
    lenient = run_skipping_test(tmp_path)
    assert lenient.returncode == 0, lenient.stdout
