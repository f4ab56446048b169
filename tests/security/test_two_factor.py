"""Two-factor login: enrolment, verification, recovery codes, and the API's share of it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from rest_framework.test import APIClient

from portal.models import AuditEvent
from portal.security.models import EncryptedTotpDevice as TOTPDevice
from portal.security.models import recovery_code_hash
from portal.tokens import api_token_create
from tests.factories import UserFactory
from tests.security.helpers import code_for, login_fully, login_with_password, totp_device_for

pytestmark = pytest.mark.django_db


def _enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/login/setup/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post("/login/setup/", {"code": code_for(device)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{8})</code>", done.content.decode())
    return device, codes


def test_an_administrator_must_enrol_before_anything_else(admin_user):
    client = Client()
    assert login_with_password(client, admin_user).status_code == 302
    for path in ("/", "/status/", "/audit/", "/admin/", "/security/tokens/"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/login/setup/"), path


def test_a_security_officer_must_enrol_too(officer):
    client = Client()
    login_with_password(client, officer)
    assert client.get("/audit/")["Location"].startswith("/login/setup/")


def test_enrolment_confirms_the_device_and_shows_ten_recovery_codes_once(admin_user):
    client = Client()
    login_with_password(client, admin_user)
    device, codes = _enrol(client)
    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_enrol").exists()
    # Shown once: no page shows them again.
    for path in ("/", "/security/", "/login/setup/"):
        body = client.get(path, follow=True).content.decode()
        assert not any(code in body for code in codes), path


def test_an_auditor_may_work_without_a_second_factor(auditor):
    client = Client()
    login_with_password(client, auditor)
    assert client.get("/").status_code == 200


def test_an_auditor_who_enrolled_must_verify(auditor):
    totp_device_for(auditor)
    client = Client()
    login_with_password(client, auditor)
    assert client.get("/")["Location"].startswith("/login/verify/")


def test_a_wrong_code_is_refused_and_audited(admin_user):
    totp_device_for(admin_user)
    client = Client()
    login_with_password(client, admin_user)
    answer = client.post("/login/verify/", {"code": "000000"})
    assert answer.status_code == 200
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.second_factor_failed", result="failure").exists()


def test_the_right_code_lets_the_session_in_with_a_new_key(admin_user):
    device = totp_device_for(admin_user)
    client = Client()
    login_with_password(client, admin_user)
    before = client.cookies["sessionid"].value
    answer = client.post("/login/verify/", {"code": code_for(device), "next": "/status/"})
    assert answer.status_code == 302 and answer["Location"] == "/status/"
    assert client.cookies["sessionid"].value != before
    assert client.get("/").status_code == 200


def test_next_never_leads_off_site(admin_user):
    device = totp_device_for(admin_user)
    client = Client()
    login_with_password(client, admin_user)
    answer = client.post(
        "/login/verify/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert answer["Location"] == "/"


def test_a_code_cannot_be_used_twice_in_its_time_step(admin_user):
    device = totp_device_for(admin_user)
    code = code_for(device)
    first = Client()
    login_with_password(first, admin_user)
    assert first.post("/login/verify/", {"code": code}).status_code == 302
    second = Client()
    login_with_password(second, admin_user)
    assert second.post("/login/verify/", {"code": code}).status_code == 200
    assert second.get("/").status_code == 302


def test_a_recovery_code_works_once(admin_user):
    client = Client()
    login_with_password(client, admin_user)
    _, codes = _enrol(client)
    client.post("/logout/")
    again = Client()
    login_with_password(again, admin_user)
    assert again.post("/login/verify/", {"code": codes[0]}).status_code == 302
    assert again.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.recovery_code_used").exists()
    assert not StaticToken.objects.filter(token=recovery_code_hash(codes[0])).exists()
    assert StaticToken.objects.count() == 9
    third = Client()
    login_with_password(third, admin_user)
    assert third.post("/login/verify/", {"code": codes[0]}).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(admin_user):
    client = Client()
    login_with_password(client, admin_user)
    _, old = _enrol(client)
    answer = client.post("/login/recovery-codes/")
    new = re.findall(r"<code>([a-z0-9]{8})</code>", answer.content.decode())
    assert len(new) == 10
    assert not StaticToken.objects.filter(token__in=[recovery_code_hash(c) for c in old]).exists()
    assert StaticToken.objects.filter(token__in=[recovery_code_hash(c) for c in new]).count() == 10


def test_the_admin_site_uses_the_same_login_and_second_factor(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    assert client.get("/admin/login/")["Location"].startswith("/login/")
    login_with_password(client, admin_user)
    assert client.get("/admin/")["Location"].startswith("/login/setup/")
    totp_device_for(admin_user)
    login_fully(Client(), admin_user)


def test_there_is_no_password_reset_that_could_skip_the_second_factor(client):
    for path in ("/password_reset/", "/accounts/password_reset/", "/admin/password_reset/"):
        assert client.get(path).status_code in (302, 404)
        assert "/login/" in client.get(path).get("Location", "/login/")


def test_an_api_session_that_owes_the_second_factor_is_refused(officer):
    api = APIClient()
    login_with_password(api, officer)
    assert api.get("/api/audit-events/").status_code == 403
    totp_device_for(officer)
    api = APIClient()
    login_with_password(api, officer)
    assert api.get("/api/audit-events/").status_code == 403


def test_a_verified_api_session_reads(officer, api_for):
    assert api_for(officer).get("/api/audit-events/").status_code == 200


def test_api_tokens_are_not_interactive_and_need_no_second_factor(officer):
    _, key = api_token_create(user=officer, name="ci")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/audit-events/").status_code == 200


def test_a_user_without_a_role_is_not_asked_to_enrol(db):
    nobody = UserFactory(username="nobody")
    client = Client()
    login_with_password(client, nobody)
    # Not sent to enrolment: refused outright, as everywhere without a role (deny by default).
    assert client.get("/").status_code == 403
