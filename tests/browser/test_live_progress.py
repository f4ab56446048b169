"""In the browser: a long sync's progress moves on the sync run list without a reload."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import SyncRun
from tests.inventory.factories import EndpointFactory

from .conftest import log_in, screenshot, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_running_syncs_progress_updates_live_and_the_list_settles_when_it_ends(
    page, officer, password
):
    run = SyncRun.objects.create(
        endpoint=EndpointFactory(name="vc-big"),
        status="running",
        started_at=timezone.now(),
        progress={"what": "VMs", "done": 1000, "total": None},
    )
    log_in(page, officer, password, totp_device(officer))
    page.goto("/sync-runs/")
    rows = page.locator("tbody[data-live-url]")
    expect(rows).to_contain_text("reading VMs: 1,000")

    SyncRun.objects.filter(pk=run.pk).update(progress={"what": "writing", "done": 5000})
    expect(rows).to_contain_text("writing the inventory", timeout=10_000)
    screenshot(page, "sync-progress")

    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", progress={})
    expect(rows).to_contain_text("succeeded", timeout=10_000)
    expect(rows).to_have_attribute("data-live-state", "stopped", timeout=10_000)
