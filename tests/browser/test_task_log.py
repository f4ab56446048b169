"""In the browser: the task log and an operation's step log update without a reload."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import SyncRun
from operations.models import Operation
from operations.services.steps import Step, log_step
from tests.inventory.factories import EndpointFactory, VirtualMachineFactory

from .conftest import log_in, screenshot, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_task_log_updates_live_and_settles_when_everything_has_ended(page, officer, password):
    endpoint = EndpointFactory(name="vc-tasks")
    run = SyncRun.objects.create(
        endpoint=endpoint,
        status="running",
        started_at=timezone.now(),
        progress={"what": "VMs", "done": 1000},
        requested_by="alice",
    )
    log_in(page, officer, password, totp_device(officer))
    page.goto("/tasks/")
    rows = page.locator("tbody[data-live-url]")
    expect(rows).to_contain_text("sync of vc-tasks")
    expect(rows).to_contain_text("reading VMs: 1,000")

    # A new operation appears at the top while the page stays open.
    vm = VirtualMachineFactory(endpoint=endpoint, name="web01")
    op = Operation.objects.create(
        kind="create", vm=vm, params={"name": "pre-patch"}, state="running"
    )
    expect(rows.locator("tr").first).to_contain_text("“pre-patch” on VM web01", timeout=10_000)
    screenshot(page, "task-log")

    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", progress={})
    Operation.objects.filter(pk=op.pk).update(state="failed", error="TASK ERROR: no space")
    expect(rows).to_contain_text("TASK ERROR: no space", timeout=10_000)
    expect(rows.locator(f'tr[data-task="sync-{run.pk}"]')).to_contain_text("succeeded")
    expect(rows).to_have_attribute("data-live-state", "stopped", timeout=10_000)


def test_an_operations_step_log_grows_live_on_its_page(page, officer, password):
    vm = VirtualMachineFactory(endpoint=EndpointFactory(name="pve-steps"), name="db01")
    op = Operation.objects.create(kind="create", vm=vm, params={"name": "nightly"}, state="queued")
    log_step(op, Step.QUEUED, message="requested by alice")
    log_in(page, officer, password, totp_device(officer))
    page.goto(f"/operations/{op.pk}/")
    log = page.locator("table.op-log tbody")
    expect(log).to_contain_text("requested by alice")

    Operation.objects.filter(pk=op.pk).update(state="running")
    log_step(op, Step.STARTED, message="on pve-steps")
    log_step(
        op,
        Step.SUBMITTED,
        sent="create snapshot 'nightly' of VM qemu/100 (memory=False, quiesce=False)",
        remote_ref="UPID:pve1:00001234:00000001:6750A1B2:qmsnapshot:100:root@pam:",
    )
    expect(log).to_contain_text("submitted to the platform", timeout=10_000)
    expect(log).to_contain_text("UPID:pve1:00001234")
    screenshot(page, "operation-log")

    log_step(op, Step.SUCCEEDED, remote_ref="UPID:pve1:00001234", message="snapshot nightly")
    Operation.objects.filter(pk=op.pk).update(state="succeeded")
    expect(log.locator("tr").last).to_contain_text("snapshot nightly", timeout=10_000)
    expect(log).to_have_attribute("data-live-state", "stopped", timeout=10_000)
