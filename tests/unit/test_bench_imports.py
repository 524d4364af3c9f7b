"""Every name a benchmark imports from the project exists, also the imports inside functions.

Benchmarks are not run by the test suite (they take minutes to hours), so a moved module would
otherwise only show when someone runs them.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
PROJECT = ("soundmosaic", "soundmosaic_local", "functions", "tests", "bench")


def project_imports(path: Path) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level \
                and node.module.startswith(PROJECT):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names if alias.name.startswith(PROJECT)]
    return found


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_the_names_a_benchmark_imports_exist(path: Path) -> None:
    for module, name in project_imports(path):
        assert importlib.util.find_spec(module) is not None, f"{path.name}: no module {module}"
        if name is not None:
            loaded = importlib.import_module(module)
            assert hasattr(loaded, name) or importlib.util.find_spec(f"{module}.{name}") is not None, \
                f"{path.name}: {module} has no {name}"
