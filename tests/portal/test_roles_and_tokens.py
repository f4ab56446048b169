"""Roles and API tokens."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from portal.models import ApiToken, AuditEvent
from portal.roles import role_of
from portal.tokens import api_token_create

pytestmark = pytest.mark.django_db


def test_each_role_is_a_group(users):
    assert {role_of(u) for u in users.values()} == {"administrator", "security_officer", "auditor"}


def test_a_user_without_a_role_reads_nothing(db, api_for):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    assert api_for(nobody).get("/api/audit-events/").status_code == 403


def test_create_user_command_makes_a_user_with_a_role_and_audits_it(tmp_path, capsys):
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-passphrase-77\n")
    call_command("create_user", "carol", "--role", "auditor", "--password-file", str(secret))
    out = capsys.readouterr().out
    assert "a-long-enough-passphrase-77" not in out
    from django.contrib.auth import get_user_model

    assert role_of(get_user_model().objects.get(username="carol")) == "auditor"
    assert AuditEvent.objects.filter(action="user.create", source="command").exists()


def test_create_user_refuses_a_weak_password_with_the_reason(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("12345\n")
    with pytest.raises(CommandError, match="password refused"):
        call_command("create_user", "dave", "--role", "auditor", "--password-file", str(secret))


def test_a_token_from_the_command_authenticates_and_only_its_hash_is_stored(officer, capsys):
    call_command("create_api_token", officer.username)
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert key.split("_")[2] not in token.key_hash
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/audit-events/").status_code == 200


def test_a_token_in_the_url_is_refused(officer):
    _, key = api_token_create(user=officer, name="t")
    answer = APIClient().get("/api/audit-events/", {"token": key})
    assert answer.status_code in (401, 403)
    assert "URL" in answer.json()["error"]["message"]


def test_a_wrong_or_expired_token_is_refused(officer):
    token, key = api_token_create(user=officer, name="t", expires_days=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}x")
    assert api.get("/api/audit-events/").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at="2000-01-01T00:00:00Z")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/audit-events/").status_code == 401


def test_a_token_outside_its_allowed_networks_is_refused(officer):
    _, key = api_token_create(user=officer, name="t", allowed_networks=["10.0.0.0/8"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/audit-events/", REMOTE_ADDR="10.9.9.9").status_code == 200
    assert api.get("/api/audit-events/", REMOTE_ADDR="192.0.2.1").status_code == 401


def test_a_bad_network_is_refused_with_what_to_change(officer):
    with pytest.raises(ValueError, match="CIDR"):
        api_token_create(user=officer, name="t", allowed_networks=["10.0.0.300/8"])
