"""Deny by default, checked over the whole URL conf (part of the permission matrix).

1. Every view declares who may use it (portal.access): a new route without a declaration fails
   here by name, and answers 403 to everyone until it declares one.
2. A signed-in user without a role is refused on every route and method, except the login
   page, the health probe, logout, the second factor and the language switch.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve

from portal.access import PUBLIC, SIGNED_IN, declared_access
from tests.factories import UserFactory
from tests.security.helpers import verify_session
from tests.security.matrix import METHODS
from tests.security.objects import make_estate
from tests.security.routes import all_routes, concrete

ROUTES = all_routes()

# Reachable without a role. Everything else must refuse a user who has none.
WITHOUT_ROLE = {
    "healthz",
    "login/",
    "login/verify/",
    "login/setup/",
    "login/recovery-codes/",
    "logout/",
    "i18n/setlang/",
    "admin/login/",  # a redirect to login/
    "favicon.ico",  # a redirect to the static icon; browsers ask before anyone logs in
    "sso/oidc/login/",  # single sign-on is a way to log in (404 while OIDC is off, as here)
    "sso/oidc/callback/",
    # No login and no role: a bearer token and/or allowed networks, and refused to everyone
    # while neither is set (tests/metrics/test_metrics.py); a session counts for nothing there.
    "metrics",
}


def _path(regex: str, names: tuple[str, ...]) -> str | None:
    return concrete(regex, names, {"check_id": "SNAP-001", "object_type": "vm"})


def test_every_view_in_the_url_conf_declares_who_may_use_it():
    undeclared = []
    for route, regex, names in ROUTES:
        path = _path(regex, names)
        if path is None:
            continue
        if declared_access(resolve(path).func) is None:
            undeclared.append(route)
    assert undeclared == []


def test_the_routes_open_without_a_role_are_exactly_the_declared_ones():
    open_routes = set()
    for route, regex, names in ROUTES:
        path = _path(regex, names)
        if path is not None and declared_access(resolve(path).func) in (PUBLIC, SIGNED_IN):
            open_routes.add(route)
    assert open_routes == WITHOUT_ROLE


def test_an_undeclared_view_is_refused_to_every_role(rf, admin_user):
    from portal.access import DeclaredAccessMiddleware

    def forgotten(request):  # no decorator: what a new view looks like before review
        raise AssertionError("must not run")

    request = rf.get("/somewhere/")
    request.user = admin_user
    middleware = DeclaredAccessMiddleware(lambda r: None)
    with pytest.raises(Exception) as refused:
        middleware.process_view(request, forgotten, (), {})
    assert refused.type.__name__ == "PermissionDenied"


@pytest.mark.django_db
def test_a_user_without_a_role_is_denied_everywhere_except_login_and_health():
    estate = make_estate()
    nobody = UserFactory(username="no-role")
    client = verify_session(Client(raise_request_exception=False), nobody)
    ids = {
        "pk": str(estate.vm.pk),
        "id": str(nobody.pk),
        "check_id": "SNAP-001",
        "object_type": "vm",
        "object_id": str(estate.vm.pk),
    }
    allowed = []
    for route, regex, names in ROUTES:
        if route in WITHOUT_ROLE:
            continue
        path = concrete(regex, names, ids)
        if path is None:
            continue
        for method in METHODS:
            answer = client.generic(method, path, "{}", content_type="application/json")
            # 405: pages take GET, HEAD and POST only, refused before any view runs.
            if answer.status_code not in (403, 405):
                allowed.append((method, route, answer.status_code))
    assert allowed == []


@pytest.mark.django_db
def test_a_user_without_a_role_still_reaches_login_health_and_logout():
    nobody = UserFactory(username="no-role")
    client = verify_session(Client(), nobody)
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 403  # deny by default: neither token nor nets
    assert client.get("/login/verify/").status_code == 302  # verified already: onwards
    assert client.post("/logout/").status_code == 302
    assert Client().get("/login/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/operations/", "/snapshot-policies/", "/status/", "/dashboard/fragment/"]
)
def test_the_pages_reported_open_to_users_without_a_role_are_closed(path):
    nobody = UserFactory(username="no-role")
    client = verify_session(Client(raise_request_exception=False), nobody)
    assert client.get(path).status_code == 403
