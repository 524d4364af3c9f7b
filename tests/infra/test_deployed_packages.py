"""What is deployed holds no laptop-only code.

The core layer is ``layers/core`` as CDK stages it (``Code.from_asset`` with ``CODE_EXCLUDE``), a
zip function is its ``functions/<name>/`` folder, and the container images copy both. The local
runtime, the CLI, fixtures, training and the tests live in ``local/soundmosaic_local`` and
``tests/`` and must never reach them: not as files, and not as imports a deployed module makes.
Modules are read with ``ast``, never imported, so a violation cannot hide behind an import error.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from soundmosaic.platform import resources

from infra.constructs.functions import CODE_EXCLUDE, CORE_LAYER_DIR
from tests.infra.helpers import of_type

pytestmark = pytest.mark.infra

REPO_ROOT = resources.REPO_ROOT
LAYER_PYTHON = CORE_LAYER_DIR / "python"
FUNCTIONS_DIR = REPO_ROOT / "functions"

# Folder or module names that only the laptop side has (soundmosaic_local's parts, tests, benches).
LAPTOP_ONLY_NAMES = {"runtime", "cli", "fixtures", "training", "evaluation", "tests", "test",
                     "conftest", "bench", "soundmosaic_local", "http_server"}
# Packages no deployed module may import at all, at any level (laptop-only or test-only).
NEVER_IMPORTED = {"soundmosaic_local", "moto", "pytest", "hypothesis", "tests", "bench", "werkzeug",
                  "croniter"}
# ... nor at module level (a lazy import inside a function is the laptop's own business).
NOT_AT_MODULE_LEVEL = NEVER_IMPORTED | {"rich"}


def _excluded(relative: Path) -> bool:
    """Whether CDK's asset staging leaves this path out (``CODE_EXCLUDE``: ``**/<name glob>``)."""
    return any(fnmatch.fnmatch(part, pattern.removeprefix("**/"))
               for pattern in CODE_EXCLUDE for part in relative.parts)


def staged_files(root: Path) -> list[Path]:
    """The files an asset of ``root`` carries, relative to it."""
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and not _excluded(p.relative_to(root)))


def python_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for relative in staged_files(root):
            if relative.suffix == ".py":
                yield root / relative


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module]
    return []


def module_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports that run when the module is imported: top-level statements, class bodies, and the
    branches of top-level ``if``/``try``/``with`` (not ``if TYPE_CHECKING:``, not function bodies)."""
    found: list[tuple[int, str]] = []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            found.extend((node.lineno, name) for name in _imported(node))
            if isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try | ast.TryStar):
                visit(node.body)
                visit(node.orelse)
                visit(node.finalbody)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.With | ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    return found


def all_imports(tree: ast.Module) -> list[tuple[int, str]]:
    return [(node.lineno, name) for node in ast.walk(tree) for name in _imported(node)]


def _top(name: str) -> str:
    return name.split(".")[0]


def _where(path: Path, line: int, name: str) -> str:
    return f"{path.relative_to(REPO_ROOT)}:{line} imports {name}"


# -- the core layer ----------------------------------------------------------------------------------


def test_the_core_layer_holds_the_soundmosaic_package_only():
    assert {p.name for p in LAYER_PYTHON.iterdir() if not _excluded(Path(p.name))} == {"soundmosaic"}
    assert sorted(p.name for p in CORE_LAYER_DIR.iterdir()) == ["python"]


def test_the_core_layer_has_no_laptop_only_folders_or_modules():
    found = [str(relative) for relative in staged_files(LAYER_PYTHON)
             if LAPTOP_ONLY_NAMES & {part.removesuffix(".py") for part in relative.parts}]
    assert found == [], f"laptop-only code in the core layer: {found}"


def test_the_core_layer_mints_no_dev_tokens():
    """Dev tokens are the local gateway's stand-in for Cognito: ``soundmosaic_local.dev_tokens``."""
    import ast

    defined = [f"{path.relative_to(LAYER_PYTHON)}:{node.name}" for path in LAYER_PYTHON.rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.FunctionDef) and "dev_token" in node.name]
    assert defined == []


def test_the_core_layer_carries_python_and_its_declared_package_data_only():
    """Besides modules, exactly the files pyproject.toml declares as package data (what a pip
    install of the package would carry): no databases, caches, notebooks or local settings."""
    declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]
    others = [r for r in staged_files(LAYER_PYTHON) if r.suffix != ".py"]
    undeclared = [str(r) for r in others
                  if not any(r.parent.as_posix() == package.replace(".", "/")
                             and any(fnmatch.fnmatch(r.name, pattern) for pattern in patterns)
                             for package, patterns in declared.items())]
    assert undeclared == [], f"files in the core layer that are not declared package data: {undeclared}"


def test_no_layer_module_imports_laptop_or_test_code_anywhere():
    found = [_where(path, line, name)
             for path in python_files(LAYER_PYTHON)
             for line, name in all_imports(ast.parse(path.read_text(), str(path)))
             if _top(name) in NEVER_IMPORTED]
    assert found == [], "\n".join(found)


# -- every deployed module: the layer and the function folders ---------------------------------------


def test_no_deployed_module_imports_laptop_only_packages_at_module_level():
    found = [_where(path, line, name)
             for path in python_files(LAYER_PYTHON, FUNCTIONS_DIR)
             for line, name in module_level_imports(ast.parse(path.read_text(), str(path)))
             if _top(name) in NOT_AT_MODULE_LEVEL]
    assert found == [], "\n".join(found)


def test_zip_function_folders_hold_their_handler_modules_only():
    for fn in resources.FUNCTIONS:
        files = staged_files(fn.asset_dir)
        assert files and all(f.suffix == ".py" for f in files), (fn.key, files)
        assert not LAPTOP_ONLY_NAMES & {f.stem for f in files}, (fn.key, files)


def test_the_module_level_import_reader_sees_what_runs_at_import():
    tree = ast.parse(
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import rich\n"
        "try:\n    import moto\nexcept ImportError:\n    from pytest import raises\n"
        "class A:\n    import soundmosaic_local.cli\n"
        "def f():\n    import hypothesis\n"
    )
    assert [name for _, name in module_level_imports(tree)] == [
        "os", "typing", "moto", "pytest", "soundmosaic_local.cli"]
    assert "hypothesis" in [name for _, name in all_imports(tree)]


# -- the staged assets themselves --------------------------------------------------------------------


def test_the_staged_core_layer_asset_is_the_checked_folder(synth):
    """What CDK stages for the core layer is exactly what the tests above read."""
    expected = [Path("python") / f for f in staged_files(LAYER_PYTHON)]
    for short in synth.templates:
        for layer in of_type(synth.json(short), "AWS::Lambda::LayerVersion").values():
            asset = synth.outdir / layer["Metadata"]["aws:asset:path"]
            assert sorted(p.relative_to(asset) for p in asset.rglob("*") if p.is_file()) == expected
