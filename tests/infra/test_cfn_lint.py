"""Every synthesised template passes cfn-lint (only W3005, CDK's redundant DependsOn, ignored):
the default app, production settings, and the app with the GPU compute stack (gpu=true)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.infra


def _cfn_lint() -> str:
    beside = Path(sys.executable).parent / "cfn-lint"
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    if not found:
        pytest.skip("cfn-lint is not installed (the [infra] extra)")
    return found


@pytest.mark.parametrize("which", ["synth", "prod_synth", "gpu_synth"])
def test_templates_pass_cfn_lint(which, request):
    synth = request.getfixturevalue(which)
    templates = sorted(str(p) for p in synth.outdir.glob("*.template.json"))
    assert len(templates) == len(synth.stacks)
    result = subprocess.run([_cfn_lint(), "--ignore-checks", "W3005", "--", *templates],
                            capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""
