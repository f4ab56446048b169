"""Sync through the API and a real worker; the schedule; one sync per endpoint at a time."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from compliance.models import CheckRun
from inventory.models import Endpoint, SyncRun, VirtualMachine
from inventory.services.sync import SyncBusy, claim, sync_endpoint
from inventory.tasks import schedule_syncs
from tests.inventory.test_sync_proxmox import register


def wait_for(run_id: int, timeout: float = 60) -> SyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = SyncRun.objects.get(pk=run_id)
        if run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED):
            return run
        time.sleep(0.3)
    raise AssertionError(f"sync run {run_id} still {run.status}")


@pytest.mark.slow
def test_post_sync_answers_202_and_a_worker_fills_the_inventory(
    transactional_db, celery_worker, fake_pve, api_for, admin_user
):
    endpoint = register(fake_pve)
    answer = api_for(admin_user).post(f"/api/endpoints/{endpoint.pk}/sync/")
    assert answer.status_code == 202
    run = wait_for(answer.json()["id"])
    assert run.status == SyncRun.Status.SUCCEEDED, run.error or celery_worker.log()[-2000:]
    assert VirtualMachine.objects.filter(endpoint=endpoint).count() > 0
    detail = api_for(admin_user).get(f"/api/sync-runs/{run.pk}/").json()
    assert detail["status"] == "succeeded" and detail["counts"]["vms"]["created"] > 0
    # The sync queued a compliance run in the worker: let it end before the tables are emptied.
    deadline = time.monotonic() + 60
    while CheckRun.objects.exclude(status__in=["succeeded", "failed"]).exists() or not (
        CheckRun.objects.exists()
    ):
        assert time.monotonic() < deadline, "the compliance run after the sync did not end"
        time.sleep(0.3)


@pytest.mark.django_db
def test_auditors_cannot_start_a_sync(fake_pve, api_for, auditor):
    endpoint = register(fake_pve)
    assert api_for(auditor).post(f"/api/endpoints/{endpoint.pk}/sync/").status_code == 403
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_a_second_sync_of_the_same_endpoint_is_refused_while_one_runs(fake_pve):
    endpoint = register(fake_pve)
    assert claim(endpoint, timezone.now())
    with pytest.raises(SyncBusy):
        sync_endpoint(endpoint, trigger="command")


@pytest.mark.django_db
def test_the_schedule_queues_only_endpoints_whose_interval_has_passed(
    fake_pve, django_capture_on_commit_callbacks
):
    due = register(fake_pve, name="due")
    fresh = register(fake_pve, name="fresh")
    Endpoint.objects.filter(pk=fresh.pk).update(last_sync_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        assert schedule_syncs() == 1
    assert len(callbacks) == 1
    assert SyncRun.objects.get().endpoint_id == due.pk


@pytest.mark.django_db
def test_an_unreachable_endpoint_fails_with_the_reason_and_no_traceback(fake_pve):
    endpoint = register(fake_pve)
    Endpoint.objects.filter(pk=endpoint.pk).update(url="https://127.0.0.1:1")
    endpoint.refresh_from_db()
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == SyncRun.Status.FAILED
    assert "Traceback" not in run.error
    assert run.error


@pytest.mark.django_db
def test_the_schedule_compares_each_endpoints_own_interval(fake_pve):
    now = timezone.now()
    late = register(fake_pve, name="late")
    early = register(fake_pve, name="early")
    Endpoint.objects.filter(pk=late.pk).update(
        sync_interval_minutes=1, last_sync_at=now - dt.timedelta(seconds=61)
    )
    Endpoint.objects.filter(pk=early.pk).update(
        sync_interval_minutes=15, last_sync_at=now - dt.timedelta(minutes=14)
    )
    assert schedule_syncs() == 1
    assert SyncRun.objects.get().endpoint_id == late.pk


@pytest.mark.django_db
def test_a_sync_that_ended_seconds_after_the_last_tick_is_due_at_the_next_one(fake_pve):
    """A 1-minute interval syncs every minute, not every second minute."""
    endpoint = register(fake_pve, name="every-minute")
    Endpoint.objects.filter(pk=endpoint.pk).update(
        sync_interval_minutes=1, last_sync_at=timezone.now() - dt.timedelta(seconds=52)
    )
    assert schedule_syncs() == 1
