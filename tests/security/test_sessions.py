"""Session keys, idle and absolute lifetime, deactivated users, logout."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from portal.models import AuditEvent
from portal.security.middleware import SESSION_STARTED_KEY
from tests.security.helpers import login_fully, login_with_password

pytestmark = pytest.mark.django_db


def test_login_gives_the_session_a_new_key(auditor):
    client = Client()
    client.get("/login/")
    client.cookies["sessionid"] = "anonymous-session-key-chosen-by-attacker"
    login_with_password(client, auditor)
    assert client.cookies["sessionid"].value != "anonymous-session-key-chosen-by-attacker"


def test_idle_timeout_is_the_cookie_age_renewed_on_every_request(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 60 <= settings.SESSION_COOKIE_AGE <= 24 * 3600


def test_a_session_ends_after_its_absolute_lifetime_however_active(admin_user, settings):
    client = login_fully(Client(), admin_user)
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    key = session.session_key
    answer = client.get("/status/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action="auth.session_expired").exists()


def test_an_expired_api_session_answers_401(officer, api_for, settings):
    api = api_for(officer)
    session = api.session
    session[SESSION_STARTED_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    assert api.get("/api/audit-events/").status_code == 401


def test_a_deactivated_user_is_out_at_the_next_request(officer, verified_client):
    client = verified_client(officer)
    assert client.get("/audit/").status_code == 200
    officer.is_active = False
    officer.save()
    answer = client.get("/audit/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_logout_ends_the_server_side_session(auditor):
    client = Client()
    login_with_password(client, auditor)
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/").status_code == 302
