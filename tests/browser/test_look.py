"""The portal's look in a real browser (issue 16, item 9): every main page as an administrator and
as an auditor passes axe-core with no serious or critical violation, is photographed at 1440 and
390 px (test-artifacts/screenshots/), nothing sticks out sideways at 390 px, the header stays one
row at 1280 px in English and German, and the menu collapses behind a toggle at 390 px.

axe-core is vendored from npm (tools/vendor-static.sh, integrity in tools/vendor-static.lock) and
served to the browser by Playwright from that file under the portal's own origin, so the strict
CSP (script-src 'self') stays on while it runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from compliance.catalog import load_catalogs
from compliance.models import CheckMapping, Finding, Requirement, RequirementSentence
from compliance.services.runs import check_run_execute
from inventory.models import SyncRun
from operations.models import Operation
from tests.inventory.factories import DatastoreFactory, NetworkFactory

from .conftest import SCREENSHOTS, log_in, screenshot, small_estate, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_URL = "/__axe-core__/axe.min.js"  # answered by Playwright from AXE, never by the portal
SERIOUS = ("serious", "critical")


@pytest.fixture
def estate():
    """A little of everything the main pages show: two platforms, states good and bad, a
    snapshot, an operation, a sync run and the findings of a real check run."""
    load_catalogs(Requirement, RequirementSentence, CheckMapping)  # flushed by earlier tests
    estate = small_estate()
    vc, pve, web = estate["vc"], estate["pve"], estate["web"]
    DatastoreFactory(endpoint=vc, name="ds-gold")
    NetworkFactory(endpoint=vc, name="VM Network")
    SyncRun.objects.create(endpoint=pve, trigger="schedule", status="failed", error="refused")
    op = Operation.objects.create(
        kind="create", vm=web, params={"name": "pre-patch"}, state="failed", error="no space"
    )
    check_run_execute(trigger="command", actor="test")
    finding = Finding.objects.order_by("pk").first()
    assert finding is not None, "the check run found nothing to show"
    return estate | {"op": op, "finding": finding}


def main_pages(estate: dict, role: str) -> list[tuple[str, str]]:
    """(name, path) of the main pages a role may open."""
    pages = [
        ("dashboard", "/"),
        ("vm-list", "/vms/"),
        ("vm-detail", f"/vms/{estate['web'].pk}/"),
        ("host-list", "/hosts/"),
        ("host-detail", f"/hosts/{estate['esx'].pk}/"),
        ("datastore-list", "/datastores/"),
        ("network-list", "/networks/"),
        ("snapshot-list", "/snapshots/"),
        ("operation-list", "/operations/"),
        ("operation-detail", f"/operations/{estate['op'].pk}/"),
        ("snapshot-policies", "/snapshot-policies/"),
        ("compliance", "/compliance/"),
        ("finding-list", "/compliance/findings/"),
        ("finding-detail", f"/compliance/findings/{estate['finding'].pk}/"),
        ("requirement-list", "/compliance/requirements/"),
        ("requirement-detail", "/compliance/requirements/SYS.1.5.A3/"),
        ("check-runs", "/compliance/runs/"),
        ("checks", "/compliance/checks/"),
        ("waivers", "/compliance/waivers/"),
        ("baselines", "/compliance/baselines/"),
        ("targets", "/compliance/targets/"),
        ("my-notifications", "/account/notifications/"),
        ("task-log", "/tasks/"),
        ("endpoint-list", "/endpoints/"),
        ("endpoint-detail", f"/endpoints/{estate['vc'].pk}/"),
        ("sync-runs", "/sync-runs/"),
        ("search", "/search/?q=web"),
        ("status", "/status/"),
        ("account-security", "/security/"),
        ("api-tokens", "/security/tokens/"),
    ]
    if role == "auditor":
        pages.append(("audit-trail", "/audit/"))
    else:
        pages += [
            ("endpoint-add", "/endpoints/new/"),
            ("snapshot-policy-new", "/snapshot-policies/new/"),
            ("notification-deliveries", "/notifications/deliveries/"),
        ]
    return pages


def serious_violations(page) -> list[str]:
    """axe-core's violations of impact serious or critical on the page as it stands."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def serve_axe(page) -> None:
    page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=str(AXE)))


def sweep(page, pages: list[tuple[str, str]], photograph) -> dict[str, list]:
    """axe-core on each page; a screenshot at both widths of those ``photograph(name)`` picks."""
    problems: dict[str, list] = {}
    for name, path in pages:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
        expect(page.locator("main h1").first).to_be_visible()
        if found := serious_violations(page):
            problems[path] = found
        if photograph(name):
            screenshot(page, name)
    return problems


@pytest.mark.parametrize("role", ["administrator", "auditor"])
def test_the_main_pages_pass_axe_core_and_fit_both_widths(page, users, password, estate, role):
    assert AXE.is_file(), f"{AXE} is missing: run tools/vendor-static.sh"
    serve_axe(page)
    page.goto("/login/")
    problems = {"/login/": found} if (found := serious_violations(page)) else {}
    if role == "administrator":
        screenshot(page, "login")
    user = users[role]
    log_in(page, user, password, totp_device(user))
    # The administrator's sweep photographs each page; the auditor's checks the same pages with
    # fewer links and buttons, and photographs the audit trail, which only it may open.
    pages = main_pages(estate, role)
    if role == "administrator":
        problems |= sweep(page, pages, photograph=lambda name: True)
    else:
        problems |= sweep(page, pages, photograph=lambda name: name == "audit-trail")
    assert not problems, problems


def test_the_axe_check_finds_a_serious_violation_when_there_is_one(page):
    """The sweep above could pass by running nothing: here axe must report an image without
    a text alternative (impact critical) added to the login page."""
    serve_axe(page)
    page.goto("/login/")
    assert serious_violations(page) == []
    page.evaluate(
        """() => { const img = document.createElement("img");
                   img.src = "/static/favicon.svg"; document.querySelector("main").append(img); }"""
    )
    found = serious_violations(page)
    assert len(found) == 1 and found[0].startswith("image-alt (critical)"), found


def test_a_refused_page_and_a_missing_page_look_like_the_portal(
    browser, live_server, admin_user, password, estate
):
    """The 403 and 404 pages (the page fixture fails on the browser's console error for them)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    serve_axe(tab)
    log_in(tab, admin_user, password, totp_device(admin_user))
    for name, path, status in (("error-403", "/audit/", 403), ("error-404", "/no-such-page/", 404)):
        assert tab.goto(path).status == status
        expect(tab.get_by_role("navigation", name="Main")).to_be_visible()
        assert not serious_violations(tab), path
        screenshot(tab, name)
    context.close()


def header_rows(page) -> list[float]:
    """The distinct vertical centres of the header's parts (one value: one row)."""
    centres = page.evaluate(
        """() => Array.from(document.querySelectorAll(
             "header.top > .brand, header.top > .search, header.top > .who, header.top > .lang"))
             .map(el => { const r = el.getBoundingClientRect(); return Math.round(r.top + r.height / 2); })"""
    )
    return sorted(set(centres))


def test_the_header_is_one_row_at_1280_px_in_english_and_german(page, officer, password, estate):
    log_in(page, officer, password, totp_device(officer))
    page.set_viewport_size({"width": 1280, "height": 900})
    for language in ("en", "de"):
        if language == "de":
            page.get_by_label("Language").select_option("de")
            expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
        rows = header_rows(page)
        assert len(rows) == 1 or rows[-1] - rows[0] <= 4, (language, rows)
        height = page.locator("header.top").bounding_box()["height"]
        assert height <= 64, (language, height)
        # The menu is a column beside the page at this width: every entry visible, no toggle.
        expect(page.get_by_role("navigation", name=re.compile("Main|Haupt"))).to_be_visible()
        expect(page.locator(".menu-toggle")).to_be_hidden()


def test_at_390_px_the_menu_collapses_and_opens_and_nothing_overflows(
    page, admin_user, password, estate
):
    log_in(page, admin_user, password, totp_device(admin_user))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/vms/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    page.get_by_text("Menu", exact=True).click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="VMs")).to_have_attribute("aria-current", "page")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "menu-open-390.png"), full_page=True)
    nav.get_by_role("link", name="Hosts").click()
    expect(page).to_have_url(re.compile(r"/hosts/$"))
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # closed on the next page
    expect(page.get_by_role("link", name="esx01")).to_be_visible()
