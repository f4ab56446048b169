"""Pages show local time with its zone name, exports and live updates carry UTC.

The instants are in winter (CET, UTC+1) and summer (CEST, UTC+2): before the one helper, pages
printed Berlin time under a "(UTC)" label while the live update wrote true UTC.
"""

from __future__ import annotations

import datetime as dt

import pytest

from operations.models import Operation
from portal.models import AuditEvent
from portal.timefmt import local_text, utc_iso
from tests.inventory.factories import SnapshotFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db

WINTER = dt.datetime(2026, 1, 15, 12, 0, 5, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 12, 0, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"


def test_the_helper_gives_local_time_with_the_zone_and_utc_with_a_z():
    assert local_text(WINTER) == "2026-01-15 13:00 CET"
    assert local_text(SUMMER, "seconds") == "2026-07-15 14:00:05 CEST"
    assert local_text(WINTER, "date") == "2026-01-15"
    assert utc_iso(WINTER) == "2026-01-15T12:00:05Z"
    assert local_text(None) == "" and utc_iso(None) is None


def _operation(vm, **times) -> Operation:
    return Operation.objects.create(
        kind=Operation.Kind.CREATE, vm=vm, params={"name": "before-patch"}, **times
    )


def test_an_operation_page_shows_local_time_with_its_zone_and_no_utc_label(admin_user, client_for):
    vm = VirtualMachineFactory()
    op = _operation(
        vm,
        created_at=WINTER,
        started_at=WINTER,
        finished_at=WINTER + dt.timedelta(seconds=30),
        state=Operation.State.SUCCEEDED,
    )
    web = client_for(admin_user)
    for url in (f"/operations/{op.pk}/", "/operations/"):
        html = web.get(url).content.decode()
        assert "2026-01-15 13:00:05 CET" in html, url
        assert '<time datetime="2026-01-15T12:00:05Z">' in html, url
        assert "(UTC)" not in html, url
        assert "2026-01-15 12:00:05" not in html, url


def test_the_live_status_carries_utc_and_the_text_the_page_shows(admin_user, client_for):
    vm = VirtualMachineFactory()
    op = _operation(
        vm, created_at=SUMMER, finished_at=SUMMER, state=Operation.State.FAILED, error="x"
    )
    web = client_for(admin_user)
    status = web.get(f"/operations/{op.pk}/status.json").json()
    assert status["finished_at"] == "2026-07-15T12:00:05Z"
    assert status["finished_at_text"] == "2026-07-15 14:00:05 CEST"
    assert status["finished_at_text"] in web.get(f"/operations/{op.pk}/").content.decode()


def test_the_audit_trail_shows_local_time_under_a_plain_time_column(officer, client_for):
    AuditEvent.objects.create(
        occurred_at=WINTER, actor="someone", source="web", action="test.thing", target_repr="x"
    )
    html = client_for(officer).get("/audit/").content.decode()
    assert "Time (UTC)" not in html
    assert "2026-01-15 13:00:05 CET" in html


def test_snapshot_expiry_is_local_on_pages_and_utc_in_the_csv_export(admin_user, client_for):
    snap = SnapshotFactory(made_by_portal=True, expires_at=WINTER, created_at=WINTER)
    web = client_for(admin_user)
    html = web.get(f"/vms/{snap.vm_id}/").content.decode()
    assert "2026-01-15 13:00 CET" in html and "13:00 UTC" not in html
    export = b"".join(web.get("/snapshots/?format=csv").streaming_content).decode()
    assert "2026-01-15T12:00:05Z" in export
