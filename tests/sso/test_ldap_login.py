"""Directory login against a real OpenLDAP (slapd) over StartTLS and LDAPS with a test CA.

Users and nested groups: see tests/peers/slapd.py. Every outcome is checked in the audit trail
(source and reason), and no password ever reaches it.
"""

from __future__ import annotations

import logging

import ldap
import pytest
from django.urls import reverse

from portal.models import AuditEvent
from portal.security.models import ObjectScope
from portal.security.scopes import scopes_of
from tests.factories import PASSWORD as LOCAL_PASSWORD
from tests.factories import UserFactory
from tests.peers.slapd import PASSWORD, PEOPLE, SERVICE_PASSWORD
from tests.peers.tlsca import CertAuthority

pytestmark = pytest.mark.django_db


def _login(client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("pk")


def _no_secrets_in_audit() -> None:
    text = " ".join(str(e.detail) + e.actor for e in AuditEvent.objects.all())
    for secret in (PASSWORD, SERVICE_PASSWORD, LOCAL_PASSWORD):
        assert secret not in text


@pytest.fixture(autouse=True)
def no_secrets_in_the_logs(caplog):
    """Every log line of every test, debug included: no password of any kind."""
    caplog.set_level(logging.DEBUG)
    yield
    for secret in (PASSWORD, SERVICE_PASSWORD, LOCAL_PASSWORD):
        assert secret not in caplog.text


@pytest.fixture
def vc_ldap(db):
    from inventory.models import Endpoint

    return Endpoint.objects.create(
        name="vc-ldap", kind="vcenter", url="https://vc-ldap.example.org/sdk", fingerprint="ab" * 32
    )


@pytest.mark.parametrize("start_tls", [True, False], ids=["starttls", "ldaps"])
def test_nested_group_gives_administrator_and_second_factor_still_applies(
    client, slapd, use_directory, start_tls
):
    use_directory(slapd, start_tls=start_tls)
    response = _login(client, "alice")
    # alice is in portal-admins only through vsphere-operators (nested groupOfNames).
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    assert list(alice.groups.values_list("name", flat=True)) == ["administrator"]
    assert not alice.has_usable_password()  # a directory account: no local password
    assert (alice.first_name, alice.email) == ("Alice", "alice@example.org")
    event = _last("auth.login")
    assert (event.actor, event.detail["source"]) == ("alice", "ldap")
    # An administrator from the directory still enrols and uses the portal's TOTP.
    follow = client.get(reverse("home"))
    assert follow.status_code == 302 and reverse("two-factor-setup") in follow["Location"]
    _no_secrets_in_audit()


def test_roles_and_scopes_from_groups(client, slapd, use_directory, vc_ldap):
    use_directory(slapd)
    assert _login(client, "bob").status_code == 302
    client.logout()
    assert _login(client, "carol").status_code == 302
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    bob, carol = users.get(username="bob"), users.get(username="carol")
    assert list(bob.groups.values_list("name", flat=True)) == ["security_officer"]
    assert list(carol.groups.values_list("name", flat=True)) == ["auditor"]
    assert scopes_of(bob) == (frozenset(), frozenset())
    assert scopes_of(carol) == (frozenset({vc_ldap.pk}), frozenset())
    assert _last("auth.login").detail["scope_groups"] == [
        "cn=vc-ldap-readers,ou=groups,dc=example,dc=org"
    ]


def test_nested_groups_give_role_and_scope(client, slapd, use_directory, vc_ldap):
    # frank is in vc-ldap-ops, a member of vc-ldap-team, which is a member of both
    # portal-auditors (the role) and vc-ldap-readers (the scope): two levels of nesting.
    use_directory(slapd)
    assert _login(client, "frank").status_code == 302
    from django.contrib.auth import get_user_model

    frank = get_user_model().objects.get(username="frank")
    assert list(frank.groups.values_list("name", flat=True)) == ["auditor"]
    assert scopes_of(frank) == (frozenset({vc_ldap.pk}), frozenset())
    assert _last("auth.login").detail["scope_groups"] == [
        "cn=vc-ldap-readers,ou=groups,dc=example,dc=org"
    ]


def test_scope_naming_an_unknown_endpoint_refuses_rather_than_unscoping(
    client, slapd, use_directory
):
    use_directory(slapd)  # no endpoint vc-ldap exists
    response = _login(client, "carol")
    assert response.status_code == 200
    event = _last("auth.login_failed")
    assert event.detail == {
        "source": "ldap",
        "reason": "scope_unknown",
        "detail": "scope target 'vc-ldap' does not exist",
    }
    assert not ObjectScope.objects.exists()


def test_removed_group_takes_the_role_away_at_the_next_login(client, slapd, use_directory):
    use_directory(slapd)
    assert _login(client, "bob").status_code == 302
    group = "cn=portal-officers,ou=groups,dc=example,dc=org"
    bob_dn = f"uid=bob,{PEOPLE}".encode()
    slapd.modify(group, [(ldap.MOD_REPLACE, "member", [f"uid=erin,{PEOPLE}".encode()])])
    try:
        client.logout()
        assert _login(client, "bob").status_code == 200
        assert _last("auth.login_failed").detail["reason"] == "no_role"
        from django.contrib.auth import get_user_model

        assert not get_user_model().objects.get(username="bob").groups.exists()
    finally:
        slapd.modify(group, [(ldap.MOD_REPLACE, "member", [bob_dn])])


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("dave", PASSWORD, "disabled"),
        ("alice", "wrong-password", "wrong_password"),
        ("erin", PASSWORD, "no_role"),
        ("nobody", PASSWORD, "unknown_user"),
    ],
)
def test_refusals_are_audited_with_their_reason(
    client, slapd, use_directory, username, password, reason
):
    use_directory(slapd)
    response = _login(client, username, password)
    assert response.status_code == 200
    assert b"User name or password is wrong." in response.content
    event = _last("auth.login_failed")
    assert event.actor == username
    assert (event.detail["source"], event.detail["reason"]) == ("ldap", reason)
    assert event.result == AuditEvent.Result.FAILURE
    _no_secrets_in_audit()


def test_disabling_in_the_directory_ends_an_open_session(client, slapd, use_directory):
    from django.contrib.auth import get_user_model

    use_directory(slapd)  # LDAP_RECHECK_SECONDS=0: every request asks the directory
    assert _login(client, "bob").status_code == 302
    assert client.get(reverse("home")).status_code in (200, 302)
    assert client.session.get("_auth_user_id")
    bob = f"uid=bob,{PEOPLE}"
    slapd.modify(bob, [(ldap.MOD_ADD, "pwdAccountLockedTime", [b"000001010000Z"])])
    try:
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert not client.session.get("_auth_user_id")
        event = _last("auth.session_ended_by_directory")
        assert (event.actor, event.detail) == (
            "bob",
            {"source": "ldap", "reason": "disabled", "api_access_revoked": 0},
        )
        assert not get_user_model().objects.get(username="bob").groups.exists()
    finally:
        slapd.modify(bob, [(ldap.MOD_DELETE, "pwdAccountLockedTime", None)])


def test_disabling_in_the_directory_stops_the_users_api_tokens(client, slapd, use_directory):
    """A token made while the account was enabled must not outlive it in the directory."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from portal.models import ApiToken
    from portal.tokens import api_token_create

    use_directory(slapd)  # LDAP_RECHECK_SECONDS=0: every use asks the directory
    assert _login(client, "bob").status_code == 302
    bob_user = get_user_model().objects.get(username="bob")
    _, key = api_token_create(user=bob_user, name="script", actor=bob_user)
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/endpoints/").status_code == 200
    bob = f"uid=bob,{PEOPLE}"
    slapd.modify(bob, [(ldap.MOD_ADD, "pwdAccountLockedTime", [b"000001010000Z"])])
    try:
        answer = api.get("/api/endpoints/")
        assert answer.status_code == 401
        assert answer.json()["error"]["message"] == "The directory no longer allows this account."
        event = _last("auth.token_refused_by_directory")
        assert (event.actor, event.result) == ("bob", AuditEvent.Result.DENIED)
        assert event.detail == {"source": "ldap", "reason": "disabled", "api_access_revoked": 1}
        # Role and scopes are gone with it, and the token is revoked for good.
        assert not bob_user.groups.exists()
        assert ApiToken.objects.get(user=bob_user).revoked_at is not None
    finally:
        slapd.modify(bob, [(ldap.MOD_DELETE, "pwdAccountLockedTime", None)])
    # Enabled again: the next login gives the role back; the old token stays revoked.
    client.logout()
    assert _login(client, "bob").status_code == 302
    assert list(bob_user.groups.values_list("name", flat=True)) == ["security_officer"]
    assert api.get("/api/endpoints/").status_code == 401


def test_local_account_is_never_taken_over_by_the_directory(client, slapd, use_directory):
    use_directory(slapd)
    local = UserFactory(username="alice", role="auditor")
    # The directory's password for "alice" does not open the local account.
    assert _login(client, "alice").status_code == 200
    assert _last("auth.login_failed").detail == {"source": "local", "reason": "bad_credentials"}
    local.refresh_from_db()
    assert local.has_usable_password()
    assert list(local.groups.values_list("name", flat=True)) == ["auditor"]


def test_directory_down_says_so_and_break_glass_still_works(client, slapd, use_directory):
    use_directory(slapd)
    UserFactory(username="breakglass", role="administrator")
    slapd.stop()
    try:
        response = _login(client, "alice")
        assert response.status_code == 200
        assert b"The directory cannot be reached" in response.content
        assert _last("auth.login_failed").detail == {
            "source": "ldap",
            "reason": "directory_unreachable",
        }
        assert _login(client, "breakglass", LOCAL_PASSWORD).status_code == 302
        event = _last("auth.login")
        assert (event.actor, event.detail["source"]) == ("breakglass", "local")
    finally:
        slapd.start()
    client.logout()
    assert _login(client, "alice").status_code == 302  # back once the directory is


def test_certificate_from_another_ca_is_refused(client, slapd, use_directory, tmp_path):
    other = CertAuthority.create(tmp_path / "other", name="Some other CA")
    use_directory(slapd, LDAP_CA_FILE=str(other.ca_file))
    response = _login(client, "alice")
    assert response.status_code == 200
    assert b"its certificate or the service account was refused" in response.content
    assert _last("auth.login_failed").detail["reason"] == "directory_tls_failed"
