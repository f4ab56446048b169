"""The API tokens page: every user manages their own tokens only; the key is shown once."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from portal.models import ApiToken, AuditEvent
from portal.tokens import api_token_create

pytestmark = pytest.mark.django_db

KEY = re.compile(r"vsp_[0-9a-f]{8}_[0-9a-f]{64}")


def test_a_user_creates_a_read_only_token_and_sees_the_key_once(auditor, verified_client):
    client = verified_client(auditor)
    answer = client.post(
        "/security/tokens/",
        {"name": "ci", "expires_days": 30, "allowed_networks": "10.0.0.0/8\n192.0.2.0/24"},
    )
    assert answer.status_code == 200
    key = KEY.search(answer.content.decode()).group(0)
    token = ApiToken.objects.get(user=auditor)
    assert not token.can_write and token.expires_at is not None
    assert token.allowed_networks == ["10.0.0.0/8", "192.0.2.0/24"]
    assert key not in client.get("/security/tokens/").content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/audit-events/", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_bad_network_or_expiry_is_refused_with_the_reason(auditor, verified_client):
    client = verified_client(auditor)
    answer = client.post(
        "/security/tokens/", {"name": "x", "expires_days": 0, "allowed_networks": "10.0.0.300/8"}
    )
    assert answer.status_code == 200
    assert b"CIDR" in answer.content
    assert not ApiToken.objects.exists()
    long_name = client.post("/security/tokens/", {"name": "n" * 101, "expires_days": 1})
    assert long_name.status_code == 200 and not ApiToken.objects.exists()


def test_a_non_administrator_cannot_create_for_others_or_see_their_tokens(
    auditor, officer, verified_client
):
    api_token_create(user=officer, name="officer-token")
    client = verified_client(auditor)
    page = client.get("/security/tokens/").content.decode()
    assert "officer-token" not in page
    client.post("/security/tokens/", {"name": "mine", "expires_days": 5, "user": officer.pk})
    assert ApiToken.objects.get(name="mine").user == auditor


def test_an_administrator_creates_and_revokes_only_own_tokens(admin_user, auditor, verified_client):
    client = verified_client(admin_user)
    client.post(
        "/security/tokens/",
        {"name": "for-arne", "expires_days": 7, "user": auditor.pk, "can_write": "on"},
    )
    token = ApiToken.objects.get(name="for-arne")
    assert token.user == admin_user and token.can_write
    assert client.post(f"/security/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke").exists()


def test_someone_elses_token_cannot_be_revoked(auditor, officer, verified_client):
    token, _ = api_token_create(user=officer, name="t")
    answer = verified_client(auditor).post(f"/security/tokens/{token.pk}/revoke/")
    assert answer.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_revoked_token_stops_working_at_once(auditor, verified_client):
    token, key = api_token_create(user=auditor, name="t")
    verified_client(auditor).post(f"/security/tokens/{token.pk}/revoke/")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/audit-events/").status_code == 401


def test_the_command_makes_expiring_write_tokens(admin_user, capsys):
    call_command("create_api_token", admin_user.username, "--write", "--expires-days", "3")
    key = capsys.readouterr().out.strip()
    assert KEY.fullmatch(key)
    token = ApiToken.objects.get()
    assert token.can_write and token.expires_at is not None


def test_token_keys_split_into_exactly_three_parts(auditor):
    # The secret must not contain the separator, or the prefix lookup breaks.
    for _ in range(50):
        _, key = api_token_create(user=auditor, name="t")
        assert len(key.split("_")) == 3
