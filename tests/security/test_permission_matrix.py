"""Every route and method, for every role, answers as tests/security/permission_matrix.py says.

A route missing from the table fails: a new route needs a conscious entry. Regenerate the
table with ``python tests/security/print_matrix.py`` and review the differences.
"""

from __future__ import annotations

import os
import pprint

import pytest
from django.db import transaction

from tests.security.matrix import METHODS, ROLES, make_world, observe
from tests.security.permission_matrix import MATRIX
from tests.security.routes import all_routes

ROUTES = all_routes()


def test_the_table_names_no_route_that_is_gone():
    assert sorted(set(MATRIX) - {name for name, _, _ in ROUTES}) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "regex", "names"), ROUTES, ids=[r[0] for r in ROUTES])
def test_each_role_gets_what_the_table_says(route, regex, names):
    assert route in MATRIX, f"{route} is missing from tests/security/permission_matrix.py"
    world = make_world()
    observed = {m: observe(world, route, regex, names, m) for m in METHODS}
    expected = {m: MATRIX[route].get(m) for m in METHODS}
    assert observed == expected, f"{route}: roles are {ROLES}"


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("PRINT_MATRIX"), reason="run tests/security/print_matrix.py")
def test_print_observed_matrix(capsys):
    table = {}
    for route, regex, names in ROUTES:
        # Each route sees fresh objects: an administrator's DELETE must not change the next.
        with transaction.atomic():
            world = make_world()
            table[route] = {m: observe(world, route, regex, names, m) for m in METHODS}
            transaction.set_rollback(True)
    with capsys.disabled():
        print("\n# --- observed matrix ---")
        print(f"# roles: {ROLES}")
        print("MATRIX = " + pprint.pformat(table, width=100, sort_dicts=True))
