"""Issue 16 in a real browser: the header's search (typing, arrow keys, Enter, Escape, "/",
scoped, and the form without JS) and bulk snapshot deletion with its confirmation page against
fake Proxmox VE with a real worker.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.models import Snapshot
from operations.models import Operation
from portal.models import AuditEvent
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import (
    EndpointFactory,
    HostFactory,
    SnapshotFactory,
    VirtualMachineFactory,
)

from .conftest import log_in, screenshot, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def estate():
    inside, outside = EndpointFactory(name="vc-in"), EndpointFactory(name="vc-out")
    esx = HostFactory(endpoint=inside, name="esx07", management_addresses=["10.9.8.7"])
    web = VirtualMachineFactory(endpoint=inside, host=esx, name="web01", external_id="vm-42")
    VirtualMachineFactory(endpoint=inside, host=esx, name="web02", external_id="vm-43")
    SnapshotFactory(endpoint=inside, vm=web, name="web-before-patch")
    VirtualMachineFactory(endpoint=outside, name="web-canary-zq", external_id="vm-77")
    return {"inside": inside, "web": web, "esx": esx}


def test_the_header_search_answers_as_you_type_and_by_keyboard(page, auditor, password, estate):
    log_in(page, auditor, password, totp_device(auditor))
    box = page.get_by_role("combobox", name="Search")
    page.locator("main h1").click()  # focus elsewhere, then "/" jumps to the box
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("web0")
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(3)  # web01, web02, "All results"
    expect(listbox).to_contain_text("Virtual machines")
    expect(listbox).to_contain_text("vc-in")
    expect(listbox).to_contain_text("vm-42")
    screenshot(page, "search-dropdown")
    # Arrow keys move the selection (wrapping), Escape closes, Enter opens the chosen one.
    page.keyboard.press("ArrowDown")
    expect(listbox.get_by_role("option").nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", "global-search-0")
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")  # opens it again
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/vms/{estate['web'].pk}/$"))

    # A host by its management address; Enter without a chosen result opens the search page.
    box = page.get_by_role("combobox", name="Search")
    box.fill("10.9.8.7")
    expect(page.get_by_role("listbox")).to_contain_text("esx07")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=10\.9\.8\.7"))
    expect(page.get_by_role("heading", name="Hosts")).to_be_visible()
    expect(page.get_by_role("link", name="esx07")).to_be_visible()


def test_a_scoped_user_finds_nothing_outside_and_the_form_works_without_script(
    browser, live_server, page, password, estate
):
    scoped = UserFactory(username="scoped-searcher", role="auditor")
    ObjectScope.objects.create(user=scoped, endpoint=estate["inside"])
    log_in(page, scoped, password, totp_device(scoped))
    box = page.get_by_role("combobox", name="Search")
    box.fill("canary")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_contain_text("Nothing found.")
    expect(listbox).not_to_contain_text("web-canary-zq")
    box.fill("web")
    expect(listbox).to_contain_text("web01")
    expect(listbox).not_to_contain_text("canary")

    # No JavaScript: the header box is a plain form that submits to the search page.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        tab = context.new_page()
        # A second device of the user: the first one's code was just used (no replay).
        log_in(tab, scoped, password, totp_device(scoped))
        tab.get_by_role("combobox", name="Search").fill("web0")
        tab.get_by_role("combobox", name="Search").press("Enter")
        expect(tab).to_have_url(re.compile(r"/search/\?q=web0"))
        expect(tab.get_by_role("link", name="web01")).to_be_visible()
        expect(tab.get_by_text("web-canary-zq")).to_have_count(0)
    finally:
        context.close()


@pytest.mark.slow
def test_an_administrator_deletes_two_snapshots_at_once_after_confirming(
    page, admin_user, password, fake_pve, celery_worker
):
    from tests.operations.conftest import register_pve, wait_quiet

    endpoint = register_pve(fake_pve, name="pve-bulk")
    chosen = []
    snapshots = Snapshot.objects.present().filter(endpoint=endpoint)
    for snap in snapshots.select_related("vm__endpoint", "vm__cluster", "vm__host"):
        if all(s.vm_id != snap.vm_id for s in chosen) and not snap.children.exists():
            chosen.append(snap)
        if len(chosen) == 2:
            break
    assert len(chosen) == 2, "fakepve gives every third guest snapshots"
    log_in(page, admin_user, password, totp_device(admin_user))
    page.goto(f"/snapshots/?endpoint={endpoint.pk}")
    for s in chosen:
        page.get_by_role("checkbox", name=f"Select {s.name} of {s.vm.name}").check()
    screenshot(page, "snapshot-list-selected")
    page.get_by_role("button", name="Delete selected…").click()

    expect(page.get_by_role("heading", name="Delete 2 snapshots?")).to_be_visible()
    table = page.locator("#bulk-selection")
    for s in chosen:
        where = [s.vm.endpoint.name, s.vm.cluster.name if s.vm.cluster else "", s.vm.host.name]
        expect(table).to_contain_text(" / ".join([*filter(None, where), s.vm.name]))
    assert not Operation.objects.exists()
    # The reason is required: the browser asks for it before anything is sent.
    page.get_by_role("button", name="Delete 2 snapshots").click()
    expect(page.get_by_role("heading", name="Delete 2 snapshots?")).to_be_visible()
    assert not Operation.objects.exists()
    page.get_by_label("Reason").fill("tidy up after the patch day (CHG-16)")
    screenshot(page, "snapshot-bulk-confirm")
    page.get_by_role("button", name="Delete 2 snapshots").click()
    page.wait_for_url(re.compile(r"/operations/$"))
    expect(page.get_by_text("2 deletions queued, one operation per snapshot.")).to_be_visible()

    wait_quiet(timeout=90)
    ops = list(Operation.objects.order_by("pk"))
    assert [(o.kind, o.state, o.snapshot_id) for o in ops] == [
        ("delete", "succeeded", chosen[0].pk),
        ("delete", "succeeded", chosen[1].pk),
    ], [o.error for o in ops]
    assert {o.params["reason"] for o in ops} == {"tidy up after the patch day (CHG-16)"}
    assert AuditEvent.objects.filter(action="snapshot.delete.requested").count() == 2
    for s in chosen:
        s.refresh_from_db()
        assert s.absent_since is not None  # the targeted resync saw it gone
