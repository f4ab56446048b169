"""In the browser: an administrator adds fake Proxmox VE as an endpoint over real TLS.

The real worker fetches the certificate (the page polls until it has), the administrator
compares the fingerprint with the one the fake's certificate has, pins it, syncs now and
watches the run succeed, disables the endpoint, then deletes it after typing its name.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.models import Endpoint, SyncRun
from portal.models import AuditEvent

from .conftest import log_in, screenshot, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]


def _colons(hex_digits: str) -> str:
    return ":".join(hex_digits[i : i + 2] for i in range(0, len(hex_digits), 2)).upper()


def test_an_administrator_adds_syncs_disables_and_deletes_an_endpoint(
    page, admin_user, password, fake_pve, celery_worker
):
    log_in(page, admin_user, password, totp_device(admin_user))
    page.goto("/endpoints/")
    page.get_by_role("link", name="Add an endpoint").click()
    page.get_by_label("Platform").select_option("proxmox")
    page.get_by_label("URL").fill(fake_pve.url)
    page.get_by_role("button", name="Fetch the certificate").click()

    # endpoints.js reloads the page once the worker has the certificate.
    shown = page.locator("#presented-fingerprint")
    expect(shown).to_have_text(_colons(fake_pve.fingerprint), timeout=30_000)
    screenshot(page, "endpoint-add")
    page.get_by_label(re.compile(r"^Name")).fill("pve-browser")
    page.get_by_label("API token id").fill(fake_pve.token_id)
    page.get_by_label("Password or token secret").fill(fake_pve.token_secret)
    page.get_by_label(re.compile("I compared this fingerprint")).check()
    page.get_by_role("button", name="Pin the certificate and add the endpoint").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("pve-browser")
    endpoint = Endpoint.objects.get(name="pve-browser")
    assert endpoint.fingerprint == fake_pve.fingerprint
    assert fake_pve.token_secret not in page.content()

    page.get_by_role("button", name="Sync now").click()
    page.wait_for_url(re.compile(r"/sync-runs/\?endpoint=\d+"))
    expect(page.locator("tbody[data-live-url]")).to_contain_text("succeeded", timeout=45_000)
    assert SyncRun.objects.get(endpoint=endpoint).status == "succeeded"

    page.goto(f"/endpoints/{endpoint.pk}/")
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("Endpoint pve-browser disabled.")).to_be_visible()
    screenshot(page, "endpoint-detail")

    page.get_by_role("link", name="Delete…").click()
    delete = page.get_by_role("button", name="Delete")
    expect(delete).to_be_disabled()  # until the name is typed (operations.js)
    page.get_by_label("Type the endpoint's name to confirm").fill("pve-browser")
    delete.click()
    expect(page.get_by_text("Endpoint pve-browser deleted.")).to_be_visible()
    assert not Endpoint.objects.filter(name="pve-browser").exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="endpoint.").values_list("action", "source")
    )
    for action in ("endpoint.create", "endpoint.update", "endpoint.delete"):
        assert (action, "web") in actions, action
