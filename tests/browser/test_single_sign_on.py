"""Single sign-on in a real browser against a real OpenID Connect provider over HTTPS.

The provider (django-oauth-toolkit, tests/peers/oidc_provider) runs in its own process with its
own RSA key; the portal finds its endpoints and keys in the discovery document and verifies its
TLS with the test CA. Chromium ignores the provider's certificate only for itself: the browser's
trust is not under test, the portal's is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model

from portal.models import AuditEvent
from portal.security.scopes import scopes_of
from tests.peers.oidc import RunningProvider, portal_env
from tests.peers.portal_settings import apply

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

IDP_USERS = {
    # An officer whose provider asked for a one-time password: no TOTP at the portal.
    "olga": {"password": "olga-idp-Passw0rd", "groups": ["portal-officers"], "amr": ["pwd", "otp"]},
    # An administrator who gave a password only: the portal's own TOTP enrolment follows.
    "adam": {"password": "adam-idp-Passw0rd", "groups": ["portal-admins"], "amr": ["pwd"]},
    # An administrator limited to one endpoint; the provider says MFA through acr.
    "vera": {
        "password": "vera-idp-Passw0rd",
        "groups": ["portal-admins", "vc-oidc-admins"],
        "amr": ["pwd"],
        "acr": "urn:test:idp:mfa",
    },
    "nora": {"password": "nora-idp-Passw0rd", "groups": ["somewhere-else"], "amr": ["pwd", "otp"]},
}


@pytest.fixture(scope="module")
def provider(live_server) -> Iterator[RunningProvider]:
    with RunningProvider(
        f"{live_server.url}/sso/oidc/callback/", f"{live_server.url}/login/", IDP_USERS
    ) as running:
        yield running


@pytest.fixture
def sso(provider, settings, monkeypatch) -> RunningProvider:
    from portal.sso.config import oidc_settings

    apply(
        settings,
        monkeypatch,
        portal_env(provider),
        oidc_settings,
        "portal.sso.oidc.SingleSignOnBackend",
    )
    return provider


@pytest.fixture
def tab(browser, live_server) -> Iterator:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        ignore_https_errors=True,  # the browser's trust of the provider; the portal verifies
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def _sign_in(tab, provider: RunningProvider, username: str) -> None:
    tab.goto("/login/")
    tab.get_by_role("link", name="Sign in with Test IdP").click()
    tab.wait_for_url(f"{provider.url}/accounts/login/**")
    tab.get_by_label("IdP user").fill(username)
    tab.get_by_label("IdP password").fill(IDP_USERS[username]["password"])
    tab.get_by_role("button", name="Sign in at the IdP").click()


def _login_event(username: str) -> AuditEvent:
    return AuditEvent.objects.filter(action="auth.login", actor=username).latest("pk")


def test_officer_with_provider_mfa_signs_in_and_out_at_the_provider(tab, sso, live_server):
    tab.goto("/login/")
    screenshot(tab, "login-with-sso")  # the button under the password form, at both widths
    _sign_in(tab, sso, "olga")
    tab.wait_for_url(f"{live_server.url}/")  # the dashboard: no TOTP step
    tab.locator("summary", has_text="olga").click()  # the user menu
    olga = get_user_model().objects.get(username="olga")
    assert list(olga.groups.values_list("name", flat=True)) == ["security_officer"]
    assert not olga.has_usable_password()
    event = _login_event("olga")
    assert event.detail["source"] == "oidc"
    assert event.detail["second_factor_by_provider"] == "amr=otp"
    assert "Security officer" in tab.locator("summary", has_text="olga").inner_text()

    tab.get_by_role("button", name="Log out").click()
    tab.wait_for_url(f"{live_server.url}/login/")  # back from the provider's end_session
    assert AuditEvent.objects.filter(action="auth.logout", actor="olga").exists()
    # The provider's session ended too: signing in again asks for the password there.
    tab.get_by_role("link", name="Sign in with Test IdP").click()
    tab.wait_for_url(f"{sso.url}/accounts/login/**")


def test_administrator_without_provider_mfa_still_enrols_portal_totp(tab, sso, live_server):
    _sign_in(tab, sso, "adam")
    tab.wait_for_url(f"{live_server.url}/login/setup/**")
    assert get_user_model().objects.get(username="adam").groups.get().name == "administrator"
    assert "second_factor_by_provider" not in _login_event("adam").detail
    tab.goto("/")  # nothing else opens before the second factor
    tab.wait_for_url(f"{live_server.url}/login/setup/**")


def test_scope_from_claims_and_acr_counts_as_second_factor(tab, sso, live_server):
    from inventory.models import Endpoint

    endpoint = Endpoint.objects.create(
        name="vc-oidc", kind="vcenter", url="https://vc-oidc.example.org/sdk", fingerprint="cd" * 32
    )
    _sign_in(tab, sso, "vera")
    tab.wait_for_url(f"{live_server.url}/")
    vera = get_user_model().objects.get(username="vera")
    assert scopes_of(vera) == (frozenset({endpoint.pk}), frozenset())
    event = _login_event("vera")
    assert event.detail["second_factor_by_provider"] == "acr=urn:test:idp:mfa"
    assert event.detail["scope_groups"] == ["vc-oidc-admins"]


def test_provider_user_without_portal_role_is_refused(tab, sso, live_server):
    _sign_in(tab, sso, "nora")
    tab.wait_for_url(f"{live_server.url}/login/?sso=failed")
    assert tab.get_by_role("alert").inner_text().startswith("Single sign-on did not complete")
    failure = AuditEvent.objects.filter(action="auth.login_failed").latest("pk")
    assert failure.detail["source"] == "oidc" and failure.detail["reason"] == "no_role"
    text = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert "client-secret-for-the-test-provider" not in text
    assert IDP_USERS["nora"]["password"] not in text
