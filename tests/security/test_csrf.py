"""CSRF is enforced on every state-changing browser route (and on session-authenticated API calls)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.second_factor import verify_session
from tests.security.matrix import make_world
from tests.security.routes import all_routes, concrete

ROUTES = all_routes()
# Nothing may accept a change without the token, not even the login form.
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.mark.django_db
def test_no_route_accepts_a_write_without_the_csrf_token():
    world = make_world()
    admin = UserFactory(username="csrf-admin", role="administrator")
    client = verify_session(Client(enforce_csrf_checks=True, raise_request_exception=False), admin)
    accepted = []
    checked = 0
    for route, regex, names in ROUTES:
        path = concrete(regex, names, world.ids_for(route))
        if path is None:
            continue
        for method in WRITES:
            answer = client.generic(method, path, "{}", content_type="application/json")
            checked += 1
            # 403: the CSRF check (or the role) refused it; 404/405: no such write; 302 to
            # the login or enrolment page: refused before any view ran.
            if answer.status_code < 400 and not (
                answer.status_code == 302 and "/login" in answer.get("Location", "")
            ):
                accepted.append(f"{method} {path} -> {answer.status_code}")
    assert checked > 100
    assert accepted == []


@pytest.mark.django_db
def test_the_same_write_with_the_token_is_accepted(client):
    """The sweep above would pass for a portal that refused everything: show one write works."""
    admin = UserFactory(username="csrf-admin2", role="administrator")
    client = verify_session(Client(enforce_csrf_checks=True), admin)
    page = client.get("/security/tokens/")
    token = (
        page.cookies["csrftoken"].value
        if "csrftoken" in page.cookies
        else client.cookies["csrftoken"].value
    )
    answer = client.post("/i18n/setlang/", {"language": "de", "next": "/"}, HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 302
