"""A day in the portal, in a real browser: log in with the second factor, read the dashboard,
follow a tile to its filtered list, switch to German, open the compliance report, and take a
snapshot from the VM page against fake Proxmox VE with a real worker.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.models import VirtualMachine
from operations.models import Operation
from portal.timefmt import local_text
from tests.inventory.factories import VirtualMachineFactory

from .conftest import log_in, screenshot, small_estate, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def estate():
    return small_estate()


def test_an_officer_reads_the_dashboard_filters_a_list_and_reads_german(
    page, officer, password, estate, settings
):
    settings.DASHBOARD_LIVE_SECONDS = 2
    log_in(page, officer, password, totp_device(officer))

    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Endpoints and sync")).to_be_visible()
    expect(page.get_by_role("img", name="Snapshots by age")).to_be_visible()
    expect(page.locator("#dashboard")).to_contain_text("failing")
    screenshot(page, "dashboard")

    # Live update: a new VM appears on the tile without a reload.
    VirtualMachineFactory(endpoint=estate["vc"], name="late01", power_state="suspended")
    expect(page.locator("#dashboard").get_by_text("suspended")).to_be_visible(timeout=10_000)

    # Keyboard: the skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    # A tile links to the filtered list behind it.
    page.locator("#t-vms").locator("xpath=..").get_by_role(
        "link", name=re.compile("powered off")
    ).click()
    expect(page).to_have_url(re.compile(r"/vms/\?.*power_state=poweredOff"))
    expect(page.get_by_role("link", name="db01")).to_be_visible()
    expect(page.get_by_role("link", name="web01")).to_have_count(0)
    screenshot(page, "vm-list")

    page.goto("/hosts/")
    screenshot(page, "host-list")

    # The report: the compliance dashboard and its PDF link.
    page.goto("/compliance/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "compliance")

    # German through the switch in the header; it stays for the next pages.
    page.goto("/")
    page.get_by_label("Language").select_option("de")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Snapshots nach Alter")).to_be_visible()
    screenshot(page, "dashboard-de")


@pytest.mark.slow
def test_an_administrator_takes_a_snapshot_from_the_vm_page(
    page, admin_user, password, fake_pve, celery_worker
):
    from tests.operations.conftest import register_pve

    endpoint = register_pve(fake_pve, name="pve-browser")
    vm = VirtualMachine.objects.filter(endpoint=endpoint, template=False).order_by("name").first()
    log_in(page, admin_user, password, totp_device(admin_user))
    page.goto(f"/vms/{vm.pk}/")
    screenshot(page, "vm-detail")
    page.get_by_text("Take a snapshot").click()
    page.get_by_label("Name").fill("browser1")
    page.get_by_label("Reason").fill("before the browser test")
    page.get_by_role("button", name="Take snapshot").click()
    page.wait_for_url(re.compile(r"/operations/\d+/"))
    # operations.js polls the state and turns the badge green without a reload.
    expect(page.locator(".op-state")).to_have_text("succeeded", timeout=45_000)
    op = Operation.objects.latest("created_at")
    assert op.state == "succeeded" and op.params["name"] == "browser1"
    # The line at the top follows the state too (it was a flash that kept saying "queued"),
    # and the finished time reads as the server renders it: local time with the zone name.
    expect(page.locator(".op-summary")).to_have_text(
        f"create snapshot “browser1” on {vm.name} succeeded."
    )
    # (The step log below it keeps "queued" as its first step: that is history, not state.)
    expect(page.locator(".op-summary")).not_to_contain_text("queued")
    expect(page.locator(".op-finished time")).to_have_text(local_text(op.finished_at, "seconds"))
    screenshot(page, "operation-detail")
