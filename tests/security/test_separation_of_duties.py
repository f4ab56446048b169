"""Separation of duties: own tokens only, tokens no stronger than their owner, global checks.

Part of the permission matrix: "a user can only manage their own tokens" and "a scoped
security officer does not change global checks" (issue 11, items 1 and 3).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from compliance.models import CheckSetting
from portal.models import ApiToken, AuditEvent, ObjectScope
from portal.tokens import api_token_create
from tests.factories import UserFactory
from tests.security.objects import make_estate

pytestmark = pytest.mark.django_db

KEY = re.compile(r"vsp_[0-9a-f]{8}_[0-9a-f]{64}")


def _api(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


# ----------------------------------------------------------------------------- own tokens only


def test_a_scoped_administrator_cannot_mint_a_token_for_the_officer(
    admin_user, officer, verified_client
):
    estate = make_estate()
    ObjectScope.objects.create(user=admin_user, endpoint=estate.outside)
    client = verified_client(admin_user)
    page = client.get("/security/tokens/").content.decode()
    assert 'name="user"' not in page  # no owner to choose
    answer = client.post(
        "/security/tokens/",
        {"name": "as-olga", "expires_days": 7, "can_write": "on", "user": officer.pk},
    )
    assert answer.status_code == 200
    assert not ApiToken.objects.filter(user=officer).exists()
    token = ApiToken.objects.get(name="as-olga")
    assert token.user == admin_user  # the "user" field is ignored: a token is always one's own
    key = KEY.search(answer.content.decode()).group(0)
    # With it the administrator is still itself: no audit trail, no check thresholds.
    assert _api(key).get("/api/audit-events/").status_code == 403
    patch = _api(key).patch(
        "/api/compliance/checks/SNAP-001/", {"parameters": {"max_age_days": 1}}, format="json"
    )
    assert patch.status_code == 403


def test_an_unscoped_administrator_sees_and_revokes_only_own_tokens(
    admin_user, auditor, verified_client
):
    theirs, their_key = api_token_create(user=auditor, name="arne-ci")
    mine, _ = api_token_create(user=admin_user, name="alice-ci")
    client = verified_client(admin_user)
    page = client.get("/security/tokens/").content.decode()
    assert "alice-ci" in page and "arne-ci" not in page
    assert client.post(f"/security/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert _api(their_key).get("/api/vms/").status_code == 200
    assert client.post(f"/security/tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_service_account_tokens_come_from_the_command_and_are_audited_as_a_command(officer, capsys):
    call_command("create_api_token", officer.username, "--name", "siem")
    key = capsys.readouterr().out.strip()
    assert KEY.fullmatch(key)
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.source == AuditEvent.Source.COMMAND
    assert event.detail["for_user"] == officer.username


# ------------------------------------------------------------------ no stronger than the owner


def test_a_token_of_a_user_scoped_later_sees_only_the_scope(admin_user):
    estate = make_estate()
    _, key = api_token_create(user=admin_user, name="t")
    names = {vm["name"] for vm in _api(key).get("/api/vms/").json()["results"]}
    assert names == {"app-1"}
    ObjectScope.objects.create(user=admin_user, endpoint=estate.outside)
    assert _api(key).get("/api/vms/").json()["results"] == []
    assert _api(key).get(f"/api/vms/{estate.vm.pk}/").status_code == 404


def test_a_write_token_of_a_demoted_user_no_longer_writes(admin_user):
    estate = make_estate()
    _, key = api_token_create(user=admin_user, name="t", can_write=True)
    admin_user.groups.set([Group.objects.get_or_create(name="auditor")[0]])
    answer = _api(key).post(f"/api/vms/{estate.vm.pk}/snapshots/", {"name": "x"}, format="json")
    assert answer.status_code == 403
    assert _api(key).get("/api/vms/").status_code == 200  # reads as an auditor now


def test_a_token_of_a_deactivated_or_role_less_user_stops(admin_user):
    _, key = api_token_create(user=admin_user, name="t")
    admin_user.groups.clear()
    assert _api(key).get("/api/vms/").status_code == 403
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    assert _api(key).get("/api/vms/").status_code == 401


# --------------------------------------------------------------------------- global checks


@pytest.fixture
def scoped_officer(db):
    estate = make_estate()
    user = UserFactory(username="sofia-scoped-officer", role="security_officer")
    ObjectScope.objects.create(user=user, endpoint=estate.inside)
    return user


def test_a_scoped_officer_cannot_change_a_global_check_through_the_api(scoped_officer, api_for):
    api = api_for(scoped_officer)
    for body in ({"parameters": {"max_age_days": 1}}, {"enabled": False}):
        answer = api.patch("/api/compliance/checks/SNAP-001/", body, format="json")
        assert answer.status_code == 403
        assert "without object scopes" in answer.json()["error"]["message"]
    assert not CheckSetting.objects.filter(check_id="SNAP-001").exists()
    assert api.get("/api/compliance/checks/SNAP-001/").status_code == 200


def test_a_scoped_officer_cannot_change_a_global_check_on_the_page(scoped_officer, verified_client):
    client = verified_client(scoped_officer)
    assert (
        'href="/compliance/checks/SNAP-001/"'
        not in client.get("/compliance/checks/").content.decode()
    )
    page = client.get("/compliance/checks/SNAP-001/")
    assert page.status_code == 403 and b"without object scopes" in page.content
    assert b'name="max_age_days"' not in page.content
    answer = client.post("/compliance/checks/SNAP-001/", {"max_age_days": "1"})
    assert answer.status_code == 403
    assert not CheckSetting.objects.filter(check_id="SNAP-001").exists()


def test_an_unscoped_officer_still_changes_checks(officer, api_for, verified_client):
    answer = api_for(officer).patch(
        "/api/compliance/checks/SNAP-001/", {"enabled": False}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["enabled"] is False
    assert b'href="/compliance/checks/SNAP-001/"' in (
        verified_client(officer).get("/compliance/checks/").content
    )


def test_the_migration_revokes_tokens_made_in_the_portal_for_someone_else(admin_user, officer, rf):
    import importlib

    from django.apps import apps

    page = rf.post("/security/tokens/")
    page.user = admin_user
    _, key = api_token_create(user=officer, name="as-olga", actor=admin_user, request=page)
    api_token_create(user=admin_user, name="mine", actor=admin_user, request=page)
    api_token_create(user=officer, name="siem", actor="manage.py")
    migration = importlib.import_module("portal.migrations.0006_revoke_tokens_made_for_others")
    migration.revoke_tokens_made_for_others(apps, None)
    revoked = set(ApiToken.objects.filter(revoked_at__isnull=False).values_list("name", flat=True))
    assert revoked == {"as-olga"}
    assert _api(key).get("/api/audit-events/").status_code == 401
