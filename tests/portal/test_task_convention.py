"""How work reaches a worker (issue 13, item 3), read from the source of every app.

Services never import a tasks module (not even inside a function: that is how the old cycles
hid); tasks modules import their services inside the task; no ``import *``; the check registry
imports no check module (the checks register in ComplianceConfig.ready()).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "inventory", "operations", "compliance")


def _modules(pattern: str) -> list[Path]:
    return sorted(p for app in APPS for p in (ROOT / app).glob(pattern))


def _imports(path: Path, *, top_level_only: bool = False) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of each import in ``path``; relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            module = node.module or ""
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            names = [alias.name for alias in node.names]
            found.append((module, names, node.lineno))
            found += [(f"{module}.{name}", [], node.lineno) for name in names]
    return found


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _is_tasks(module: str) -> bool:
    return module.split(".")[-1] == "tasks"


@pytest.mark.parametrize("path", _modules("*/services/*.py") + _modules("services/*.py"), ids=_id)
def test_a_service_imports_no_tasks_module(path):
    wrong = [f"line {line}: {m}" for m, _, line in _imports(path) if _is_tasks(m)]
    assert not wrong, f"{path.relative_to(ROOT)} imports tasks ({wrong}); send a signal instead"


@pytest.mark.parametrize("path", _modules("tasks.py"), ids=_id)
def test_a_tasks_module_imports_its_services_inside_the_tasks(path):
    top = [f"line {line}: {m}" for m, _, line in _imports(path, top_level_only=True)]
    assert not [t for t in top if ".services" in t], f"{path.relative_to(ROOT)}: {top}"


def test_no_module_of_ours_imports_star():
    stars = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in _modules("**/*.py")
        for module, names, line in _imports(path)
        if "*" in names
    ]
    assert not stars


def test_the_check_registry_imports_no_check_module_and_ready_registers_every_one():
    registry = ROOT / "compliance" / "checks" / "registry.py"
    imported = {m for m, _, _ in _imports(registry)}
    modules = {
        f"compliance.checks.{p.stem}"
        for p in (ROOT / "compliance" / "checks").glob("*.py")
        if "@register(" in p.read_text()
    }
    assert modules and not imported & modules
    ready = {m for m, _, _ in _imports(ROOT / "compliance" / "apps.py")}
    assert modules <= ready, f"not imported in ComplianceConfig.ready(): {modules - ready}"
