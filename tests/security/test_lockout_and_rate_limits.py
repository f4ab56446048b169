"""Lockout per (user, address) with django-axes, the per-address login limit, API throttles."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from portal.models import AuditEvent
from portal.roles import ADMINISTRATOR, ROLES
from portal.security.throttles import OperationThrottle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _attempt(client: Client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_failures_lock_the_user_at_that_address_and_the_lock_is_audited(auditor, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _attempt(client, auditor.username, "wrong-password").status_code in (200, 429)
    locked = _attempt(client, auditor.username, PASSWORD)
    assert locked.status_code == 429
    assert b"locked" in locked.content
    event = AuditEvent.objects.filter(action="auth.lockout").latest("id")
    assert event.result == "denied" and event.target_repr == auditor.username
    assert event.source_address == "192.0.2.10"
    # The same user from another address is not locked (no denial of service by strangers).
    assert _attempt(Client(), auditor.username, PASSWORD, "198.51.100.7").status_code == 302


def test_the_lock_ends_after_the_cool_off_time(auditor, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, auditor.username, "wrong-password")
    assert _attempt(client, auditor.username, PASSWORD).status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert _attempt(Client(), auditor.username, PASSWORD).status_code == 302


def test_the_cool_off_is_finite_and_from_the_environment(settings):
    assert dt.timedelta(0) < settings.AXES_COOLOFF_TIME <= dt.timedelta(days=1)


@override_settings(LOGIN_RATE_PER_MINUTE=3)
def test_one_address_cannot_spray_passwords_over_many_users():
    client = Client()
    answers = [_attempt(client, f"user{i}", "guess").status_code for i in range(4)]
    assert answers[:3] == [200, 200, 200]
    assert answers[3] == 429
    assert AuditEvent.objects.filter(action="auth.rate_limited").exists()
    assert _attempt(Client(), "user9", "guess", "203.0.113.5").status_code == 200


class _Operation(APIView):
    throttle_classes = [OperationThrottle]
    read_roles = ROLES
    write_roles = (ADMINISTRATOR,)

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True}, status=202)


def test_the_operation_throttle_limits_changes_per_user_but_never_reads(admin_user, monkeypatch):
    monkeypatch.setattr(OperationThrottle, "THROTTLE_RATES", {"operation": "2/min"})
    factory = APIRequestFactory()
    view = _Operation.as_view()

    def call(method: str):
        request = getattr(factory, method)("/api/op/")
        force_authenticate(request, admin_user)
        return view(request)

    assert [call("post").status_code for _ in range(3)] == [202, 202, 429]
    assert call("get").status_code == 200


def test_the_operation_rate_is_in_the_drf_settings(settings):
    assert "operation" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
