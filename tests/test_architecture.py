"""The dependency rules of docs/architecture.md hold, and `make lint` fails when one is broken.

``lint-imports`` (import-linter) checks the contracts in pyproject.toml on the real tree; then a
copy of the tree's Python files gets one wrong-way import or cycle planted at a time, and the
contract that forbids it must fail. The last test keeps the contracts covering every app: a new
top-level package must be added to the graph and to the contracts before it can be merged.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in CONFIG["contracts"]}
# The apps that make up the product (everything of ours that settings install).
APPS = sorted(
    {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
)


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "COLUMNS": "500"},  # no wrapping
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """The Python files of every package in the graph, copied (no templates, data or caches)."""
    copy = tmp_path_factory.mktemp("tree")
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, copy / package, ignore=_all_but_python)
    return copy


def _all_but_python(folder: str, names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if name == "__pycache__" or (not name.endswith(".py") and Path(folder, name).is_file())
    ]


# (the contracts it breaks, {module to write: its source}): each plants one breach.
BREACHES = {
    "portal imports a feature app": (
        {"layers"},
        {"portal/planted.py": "import inventory.models\n"},
    ),
    "inventory imports compliance": (
        {"layers"},
        {"inventory/planted.py": "from compliance import models\n"},
    ),
    "an app imports a simulator": (
        {"product-without-test-code"},
        {"compliance/planted.py": "from simulators import fakepve\n"},
    ),
    "an app imports the tests": (
        {"product-without-test-code"},
        {"inventory/services/planted.py": "import tests.factories\n"},
    ),
    "a benchmark imports the tests": (
        {"nothing-imports-tests"},
        {"bench/planted.py": "from tests import factories\n"},
    ),
    "a check imports pyvmomi": (
        {"sdk-in-connectors"},
        {"compliance/checks/planted.py": "from pyVmomi import vim\n"},
    ),
    "a service imports a task module": (
        {"services-never-import-tasks", "no-cycles"},  # compliance.tasks imports the services
        {"compliance/services/planted.py": "from compliance import tasks\n"},
    ),
    "a new cycle between two modules": (
        {"no-cycles"},
        {
            "inventory/planted_a.py": "from inventory import planted_b\n",
            "inventory/planted_b.py": "from inventory import planted_a\n",
        },
    ),
}


@pytest.mark.parametrize("breach", BREACHES, ids=list(BREACHES))
def test_a_planted_breach_fails_the_lint_naming_its_contract(tree_copy, breach):
    contract_ids, files = BREACHES[breach]
    planted = [tree_copy / name for name in files]
    for path, source in zip(planted, files.values(), strict=True):
        path.write_text(source)
    try:
        result = lint_imports(tree_copy)
    finally:
        for path in planted:
            path.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    broken = {c for c in CONTRACTS if f"{CONTRACTS[c]['name']} BROKEN" in result.stdout}
    assert broken == contract_ids, result.stdout
    assert "planted" in result.stdout  # the report names the importing module


def test_every_top_level_package_and_app_is_covered_by_the_contracts():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages == set(CONFIG["root_packages"]), "root_packages in pyproject.toml"
    layered = {
        name.strip().strip("()")
        for layer in CONTRACTS["layers"]["layers"]
        for name in layer.replace(":", "|").split("|")
    }
    for app in APPS:
        assert app in layered, f"{app}: in the layers contract"
        assert app in CONTRACTS["product-without-test-code"]["source_modules"], app
        assert app in CONTRACTS["sdk-in-connectors"]["source_modules"], app
        assert app in CONTRACTS["no-cycles"]["ancestors"], app
