"""Every URL pattern needs login, except the login page, /healthz and the single sign-on round trip."""

from __future__ import annotations

import pytest

from tests.security.routes import concrete, walk

# The single sign-on start and callback are the login itself (404 while OIDC is off).
PUBLIC = {
    "login/", "healthz", "i18n/setlang/", "favicon.ico", "sso/oidc/login/", "sso/oidc/callback/",
}  # fmt: skip
TOKEN_ONLY = {"metrics"}  # Prometheus: a token or allowed networks (tests/metrics)


ALL = sorted({p for r, n in walk() if (p := concrete(r, n, ids={}))})


def test_the_sweep_covers_the_api_and_the_admin():
    assert any(p.startswith("/api/audit-events") for p in ALL)
    assert any(p.startswith("/admin/") for p in ALL)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALL)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_requests_are_refused_or_sent_to_login(client, path, method):
    if path.lstrip("/") in PUBLIC:
        return
    response = getattr(client, method)(path)
    if response.status_code in (301, 302):
        assert "/login/" in response["Location"], f"{path} redirects elsewhere"
    elif path.lstrip("/") in TOKEN_ONLY:
        # No login, a bearer token: refused without one; other methods than GET are not allowed.
        assert response.status_code in (401, 403, 405), f"{method} {path}: {response.status_code}"
    else:
        assert response.status_code in (401, 403), f"{method} {path}: {response.status_code}"


@pytest.mark.django_db
def test_login_page_and_healthz_are_public(client):
    assert client.get("/login/").status_code == 200
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "up"}
