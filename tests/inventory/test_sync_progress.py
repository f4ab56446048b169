"""A running sync shows how far it is; a finished one shows none."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from inventory.connectors.vcenter import VCenterConnector
from inventory.models import SyncRun
from inventory.services.progress import ProgressReporter
from simulators.endpoints import proxmox_endpoint
from tests.connectors.test_vcenter import config
from tests.inventory.factories import EndpointFactory

pytestmark = pytest.mark.slow


def test_a_sync_in_the_worker_shows_its_guests_counting_up_then_no_progress(
    transactional_db, celery_worker, fake_pve, api_for, admin_user
):
    endpoint = proxmox_endpoint(fake_pve, "pve-progress", sync=False)
    # The backup jobs are read right after the guests: holding that answer keeps the sync in
    # its guest phase until this test has seen it, however slowly either side runs.
    after_guests = ("GET", "/cluster/backup")
    fake_pve.call(fake_pve.pve.hold, *after_guests)
    try:
        answer = api_for(admin_user).post(f"/api/endpoints/{endpoint.pk}/sync/")
        seen: list[dict] = []
        deadline = time.monotonic() + 120
        while (run := SyncRun.objects.get(pk=answer.json()["id"])).status in ("queued", "running"):
            assert time.monotonic() < deadline, f"the sync did not end; progress seen: {seen}"
            if run.progress and run.progress not in seen:
                seen.append(run.progress)
                if run.progress["what"] == "guests":
                    fake_pve.call(fake_pve.pve.release_held, *after_guests)
            time.sleep(0.05)
    finally:
        fake_pve.call(fake_pve.pve.release_held, *after_guests)
    assert run.status == "succeeded", run.error
    assert run.progress == {}
    guests = [p["done"] for p in seen if p["what"] == "guests"]
    assert guests and guests == sorted(guests) and max(guests) > 0, seen
    # The write phase can be shorter than one poll on a loaded machine: that it is announced
    # is shown in-process below, where every report is heard.


@pytest.mark.django_db
def test_a_sync_announces_the_write_phase_last_then_clears_its_progress(fake_pve, monkeypatch):
    from inventory.services import sync as sync_service

    heard: list[str] = []
    original = ProgressReporter.__call__

    def spy(self, what, done, total=None, *, now=False):
        heard.append(what)
        return original(self, what, done, total, now=now)

    monkeypatch.setattr(ProgressReporter, "__call__", spy)
    endpoint = proxmox_endpoint(fake_pve, "pve-phases", sync=False)
    run = sync_service.sync_endpoint(endpoint, trigger="command")
    assert run.status == "succeeded", run.error
    assert heard and heard[-1] == "writing" and "guests" in heard
    run.refresh_from_db()
    assert run.progress == {}


def test_the_vcenter_connector_reports_each_kind_it_reads_with_its_count(vcsim):
    heard: list[tuple[str, int]] = []
    with VCenterConnector(config(vcsim)) as conn:
        inv = conn.read_inventory(progress=lambda what, done: heard.append((what, done)))
    finals = {}
    for what, done in heard:
        finals[what] = done
    assert finals["VMs"] == len(inv.vms) and finals["hosts"] == len(inv.hosts)
    assert [w for w in finals if w in ("clusters", "hosts", "datastores")] == [
        "clusters",
        "hosts",
        "datastores",
    ]


@pytest.mark.django_db
def test_the_reporter_writes_a_new_phase_at_once_and_counts_at_most_once_per_interval(
    fake_pve, progress_clock
):
    run = SyncRun.objects.create(endpoint=proxmox_endpoint(fake_pve, sync=False))
    report = ProgressReporter(SyncRun, run.pk, every=1.0)
    report("VMs", 1)
    progress_clock.advance(0.9)
    report("VMs", 2)  # the same phase within the interval: not written
    run.refresh_from_db()
    assert run.progress == {"what": "VMs", "done": 1, "total": None}
    progress_clock.advance(0.1)
    report("VMs", 4)  # the interval has passed on the reporter's clock: written
    run.refresh_from_db()
    assert run.progress["done"] == 4
    report("VMs", 3, now=True)
    run.refresh_from_db()
    assert run.progress["done"] == 3
    report("writing", 3)  # a new phase: at once
    run.refresh_from_db()
    assert run.progress["what"] == "writing"


@pytest.fixture
def running_sync(db):
    endpoint = EndpointFactory(name="vc-big")
    return SyncRun.objects.create(
        endpoint=endpoint,
        status="running",
        started_at=timezone.now(),
        progress={"what": "VMs", "done": 1200, "total": None},
    )


def test_the_sync_run_list_shows_a_running_syncs_progress_and_polls_its_rows(
    running_sync, client_for, auditor
):
    page = client_for(auditor).get("/sync-runs/")
    html = page.content.decode()
    assert "reading VMs: 1,200" in html
    assert 'data-live-url="?fragment=rows"' in html
    rows = client_for(auditor).get("/sync-runs/?fragment=rows")
    assert b"<table" not in rows.content and b"vc-big" in rows.content
    assert "X-Live-Done" not in rows


def test_once_every_run_has_ended_the_rows_tell_the_page_to_stop_polling(
    running_sync, client_for, auditor
):
    SyncRun.objects.filter(pk=running_sync.pk).update(status="succeeded", progress={})
    assert "data-live-url" not in client_for(auditor).get("/sync-runs/").content.decode()
    rows = client_for(auditor).get("/sync-runs/?fragment=rows")
    assert rows["X-Live-Done"] == "1"


def test_the_dashboard_shows_an_endpoint_syncing_with_its_progress_in_german(
    running_sync, client_for, auditor
):
    html = client_for(auditor).get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "VMs werden gelesen: 1.200" in html


def test_the_api_shows_a_running_syncs_progress(running_sync, api_for, auditor):
    answer = api_for(auditor).get(f"/api/sync-runs/{running_sync.pk}/").json()
    assert answer["progress"] == {"what": "VMs", "done": 1200, "total": None}
