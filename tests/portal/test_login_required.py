"""Every URL pattern needs login, except the login page, /healthz and the single sign-on round trip."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# The single sign-on start and callback are the login itself (404 while OIDC is off).
PUBLIC = {
    "login/", "healthz", "i18n/setlang/", "favicon.ico", "sso/oidc/login/", "sso/oidc/callback/",
}  # fmt: skip


def _walk(patterns, prefix_regex="", groups=()):
    """Yield (regex source, group names) for every leaf pattern."""
    for p in patterns:
        regex = prefix_regex + p.pattern.regex.pattern.lstrip("^")
        names = groups + tuple(p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, regex.rstrip("$").replace("\\Z", ""), names)
        elif isinstance(p, URLPattern):
            yield regex, names


def _concrete(regex: str, names: tuple[str, ...]) -> str | None:
    """A path that the pattern matches, with 1 for ids and json for formats."""
    values = {n: ("json" if n == "format" else "1") for n in names}
    path = regex.replace("\\Z", "").rstrip("$")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], path)
    path = re.sub(r"\\(.)", r"\1", path)
    path = "/" + path.lstrip("^")
    full = re.compile("^" + regex.lstrip("^"))
    return path if full.match(path[1:]) else None


ALL = sorted({p for r, n in _walk(get_resolver().url_patterns) if (p := _concrete(r, n))})


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
    else:
        assert response.status_code in (401, 403), f"{method} {path}: {response.status_code}"


@pytest.mark.django_db
def test_login_page_and_healthz_are_public(client):
    assert client.get("/login/").status_code == 200
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "up"}
