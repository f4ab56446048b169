"""Playwright driving Debian's Chromium against the portal served by ``live_server``.

Playwright's own browser download does not work on the CI machines, so the browser is
``/usr/bin/chromium``. Screenshots of the main pages go to ``test-artifacts/screenshots/`` at
the two widths the portal is designed for (1440 px desktop, 390 px phone); the header is also
checked at 1280 px (test_look.py).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from portal.security.models import EncryptedTotpDevice as TOTPDevice
from tests.inventory import factories as inv

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = {"desktop": 1440, "phone": 390}

# expect() waits for a condition, never for a fixed time: on a loaded 2-core machine a page
# (Swagger UI building its operations, say) can take longer than Playwright's 5 s default.
expect.set_options(timeout=30_000)

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary blocking calls and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _is_error(message) -> bool:
    # Also a missing icon: the portal ships one (base template and /favicon.ico).
    return message.type == "error"


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser context (no cookies) at desktop width, English unless switched."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    # A CSP violation or a script error is a bug: collect them and fail the test at the end.
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if _is_error(msg) else None)
    yield tab
    context.close()
    assert not errors, errors


def small_estate() -> dict:
    """Two platforms with states good and bad: a vCenter with two hosts and two VMs (one with a
    9-day-old snapshot) and a Proxmox VE node with a stopped container whose last sync failed."""
    now = timezone.now()
    vc = inv.EndpointFactory(name="vc-prod", last_success_at=now, last_sync_status="succeeded")
    pve = inv.EndpointFactory(name="pve-lab", proxmox=True, last_sync_status="failed")
    esx = inv.HostFactory(endpoint=vc, name="esx01", cpu_usage_percent=91.0)
    inv.HostFactory(endpoint=vc, name="esx02", connection_state="notResponding")
    node = inv.HostFactory(endpoint=pve, name="pve01", connection_state="online")
    web = inv.VirtualMachineFactory(endpoint=vc, host=esx, name="web01")
    inv.VirtualMachineFactory(endpoint=vc, host=esx, name="db01", power_state="poweredOff")
    inv.VirtualMachineFactory(
        endpoint=pve, host=node, name="ct01", kind="lxc", power_state="stopped"
    )
    inv.SnapshotFactory(
        endpoint=vc, vm=web, name="before-patch", created_at=now - dt.timedelta(days=9)
    )
    return {"vc": vc, "pve": pve, "esx": esx, "web": web}


def totp_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def log_in(page, user, password: str, device: TOTPDevice) -> None:
    """Password, then the TOTP code from the user's device, as a person would."""
    page.goto("/")
    page.get_by_label("User name").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/login/verify/**")
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def screenshot(page, name: str) -> None:
    """Save the current page at both widths (full page), then restore the desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        # Nothing may stick out sideways at either width (tables scroll in their wrapper).
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px too wide at {label} width {width}"
    page.set_viewport_size({"width": 1280, "height": 900})
