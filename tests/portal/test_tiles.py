"""The dashboard is assembled from the tiles the apps register; portal itself knows no app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal import tiles
from portal.dashboard import dashboard_data
from tests.second_factor import verify_session

pytestmark = pytest.mark.django_db

PORTAL = Path(tiles.__file__).parent
FEATURE_APPS = {"inventory", "operations", "compliance"}


def test_the_apps_register_the_tiles_in_the_dashboards_order():
    assert [t.name for t in tiles.tiles_for(None)] == [
        "endpoints",
        "host_states",
        "vm_states",
        "pressure",
        "snapshot_ages",
        "requirements",
        "operations",
    ]
    assert dashboard_data()["tiles"] == [t.template for t in tiles.tiles_for(None)]


@pytest.fixture
def officers_tile():
    calls = []

    def context(scope, now):
        calls.append(scope.user)
        return {"officer_note": "for officers"}

    tiles.register(
        "test_note", order=5, template="portal/_test_tile.html", context=context,
        roles=["security_officer"],
    )  # fmt: skip
    yield calls
    del tiles.TILES["test_note"]


def test_a_tile_is_shown_and_computed_only_for_its_roles(officers_tile, officer, auditor):
    assert "officer_note" not in dashboard_data(auditor)
    assert officers_tile == []
    data = dashboard_data(officer)
    assert data["officer_note"] == "for officers"
    assert data["tiles"][0] == "portal/_test_tile.html"
    assert officers_tile == [officer]


def test_every_role_sees_the_same_tiles_today(users, client):
    for user in users.values():
        client.logout()
        body = verify_session(client, user).get("/").content.decode()
        for heading in (
            "t-endpoints",
            "t-pressure",
            "t-snapshots",
            "t-requirements",
            "t-operations",
        ):
            assert f'id="{heading}"' in body, (user.username, heading)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_portal_imports_no_feature_app():
    wrong = {
        f"{path.relative_to(PORTAL.parent)}: {name}"
        for path in PORTAL.rglob("*.py")
        for name in _imported_modules(path)
        if name.split(".")[0] in FEATURE_APPS
    }
    assert not wrong
