"""Anonymous denials are counted per source address and minute: the trail cannot be flooded
and no denial goes uncounted (portal.denials)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from portal import denials
from portal.models import AuditEvent, DeniedAccessTally
from portal.tasks import heartbeat

pytestmark = pytest.mark.django_db

MINUTE = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)


@pytest.fixture
def at_minute(monkeypatch):
    """Pin the minute the denials are counted in; return a setter to move it on."""
    now = {"minute": MINUTE}
    monkeypatch.setattr(denials, "current_minute", lambda: now["minute"])

    def move(minutes: int) -> None:
        now["minute"] = MINUTE + dt.timedelta(minutes=minutes)

    return move


def _deny(n: int, address: str) -> None:
    client = Client()
    for _ in range(n):
        assert client.get("/api/vms/", REMOTE_ADDR=address).status_code in (401, 403)


def test_a_flood_of_anonymous_denials_is_one_row_and_a_count(at_minute):
    _deny(60, "198.51.100.7")
    rows = AuditEvent.objects.filter(action__startswith="access.denied")
    assert [(e.action, e.source_address) for e in rows] == [("access.denied", "198.51.100.7")]
    assert DeniedAccessTally.objects.get().count == 60
    at_minute(1)
    _deny(1, "198.51.100.7")  # the next minute's first denial writes the finished minute
    repeated = AuditEvent.objects.get(action="access.denied.repeated")
    assert repeated.detail == {"count": 60, "minute": MINUTE.isoformat()}
    assert repeated.source_address == "198.51.100.7" and repeated.result == "denied"
    assert repeated.target_repr == "/api/vms/" and repeated.source == "api"
    assert AuditEvent.objects.filter(action="access.denied").count() == 2
    assert DeniedAccessTally.objects.get().count == 1  # the new minute, still counting


def test_each_address_is_counted_on_its_own(at_minute):
    _deny(3, "198.51.100.7")
    _deny(2, "203.0.113.9")
    assert AuditEvent.objects.filter(action="access.denied").count() == 2
    assert denials.denied_access_flush(before=MINUTE + dt.timedelta(minutes=1)) == 2
    counts = {
        e.source_address: e.detail["count"]
        for e in AuditEvent.objects.filter(action="access.denied.repeated")
    }
    assert counts == {"198.51.100.7": 3, "203.0.113.9": 2}
    assert not DeniedAccessTally.objects.exists()


def test_the_heartbeat_writes_the_count_when_the_traffic_stops(at_minute):
    _deny(5, "198.51.100.7")
    at_minute(1)  # no more requests; the minute is over
    heartbeat("beat")  # beat's task, run in-process
    assert AuditEvent.objects.get(action="access.denied.repeated").detail["count"] == 5
    assert not DeniedAccessTally.objects.exists()


def test_a_single_denial_is_not_written_twice(at_minute):
    _deny(1, "198.51.100.7")
    assert denials.denied_access_flush(before=MINUTE + dt.timedelta(minutes=1)) == 0
    assert AuditEvent.objects.filter(action__startswith="access.denied").count() == 1


def test_denials_of_signed_in_users_stay_one_row_each(client_for, admin_user, at_minute):
    client = client_for(admin_user)
    for _ in range(3):
        assert client.get("/audit/").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor=admin_user.username).count() == 3
    assert not DeniedAccessTally.objects.exists()
