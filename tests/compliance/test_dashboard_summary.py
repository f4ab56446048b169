"""The dashboard's requirement tile reads the summary the newest check run stored (issue 16).

It no longer derives the status on every load; it says which run computed the figures and when,
and flags waiver and check-setting changes made after that run instead of passing the stored
figures off as current. A user limited by object scopes never gets the estate-wide figures.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compliance.models import CheckSetting, Finding
from compliance.services import check_run_execute, waiver_approve, waiver_create
from compliance.services.status import requirement_summary, summary_of
from compliance.tiles import requirement_tile
from inventory.models import Endpoint
from portal.models import ObjectScope
from portal.tiles import Scope

from .factories import EndpointFactory, HostFactory

pytestmark = pytest.mark.django_db
CHANGED = "waivers or check settings changed since"


@pytest.fixture
def run():
    endpoint = EndpointFactory(name="vc-tile")
    HostFactory(endpoint=endpoint, name="esx-tile.example.org", ntp_servers=[], syslog_target="")
    return check_run_execute(trigger="command", actor="t")


def _counts(tile) -> dict[str, dict[str, int]]:
    return {c["name"]: {str(r["label"]): r["count"] for r in c["rows"]} for c in tile.catalogs}


def test_the_tile_shows_the_stored_summary_of_the_newest_run_with_its_time(
    run, client_for, admin_user
):
    stored = summary_of(run.requirement_summary)
    assert stored == requirement_summary()  # what the run stored is the status at its end
    tile = requirement_tile(Scope(None))
    assert tile.available and tile.run.pk == run.pk and not tile.changed_since
    assert _counts(tile)["M4349"]["fulfilled"] == stored["M4349"].get("fulfilled", 0)

    # The tile reads the stored row, not the live status: a marked row shows up as it is.
    run.requirement_summary["M4349"] = {"fulfilled": 77, "not_fulfilled": 5}
    run.save(update_fields=["requirement_summary"])
    body = client_for(admin_user).get("/").content.decode()
    assert "<strong>77</strong>" in body and "<strong>5</strong>" in body
    assert f"As of check run #{run.pk}, finished" in body
    assert f'<time datetime="{run.finished_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M}' in body
    assert CHANGED not in body


def _waiver(expires_at: dt.datetime):
    """A requested waiver of the run's LOG-001 finding (officer-a asks, officer-b approves)."""
    finding = Finding.objects.open().filter(check_id="LOG-001").first()
    assert finding is not None
    what = {"check_id": "LOG-001", "scope": "object", "reason": "vendor appliance"}
    return waiver_create(**what, finding=finding, expires_at=expires_at, actor="officer-a")


def test_a_waiver_approved_after_the_run_is_flagged_not_hidden(run, client_for, admin_user):
    waiver = _waiver(timezone.now() + dt.timedelta(days=5))
    assert not requirement_tile(Scope(None)).changed_since  # a request changes no status
    waiver_approve(waiver=waiver, actor="officer-b")
    assert requirement_tile(Scope(None)).changed_since
    assert CHANGED in client_for(admin_user).get("/").content.decode()
    # The next run stores the status with the waiver and the flag goes.
    newer = check_run_execute(trigger="command", actor="t")
    tile = requirement_tile(Scope(None))
    assert tile.run.pk == newer.pk and not tile.changed_since


def test_a_waiver_expiring_after_the_run_is_flagged_from_its_expiry(run):
    expires = timezone.now() + dt.timedelta(days=2)
    waiver_approve(waiver=_waiver(expires), actor="officer-b")
    newer = check_run_execute(trigger="command", actor="t")
    assert not requirement_tile(Scope(None), expires - dt.timedelta(minutes=1)).changed_since
    tile = requirement_tile(Scope(None), expires + dt.timedelta(minutes=1))
    assert tile.run.pk == newer.pk and tile.changed_since


def test_a_check_switched_off_after_the_run_is_flagged(run):
    CheckSetting.objects.create(check_id="LOG-001", enabled=False, updated_by="officer-a")
    assert requirement_tile(Scope(None)).changed_since


def test_no_run_no_figures_and_a_scoped_user_never_gets_the_estate_wide_ones(
    run, client_for, officer, admin_user
):
    ObjectScope.objects.create(user=officer, endpoint=Endpoint.objects.get(name="vc-tile"))
    body = client_for(officer).get("/").content.decode()
    assert "As of check run" not in body and "No check run yet." in body
    assert "As of check run" in client_for(admin_user).get("/").content.decode()
    run.delete()
    assert not requirement_tile(Scope(None)).available
