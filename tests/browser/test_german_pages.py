"""In the browser: a security officer switches the portal to German in the header and walks the
main pages; no English term of the portal's own is visible on any of them.

The fast Django-client test (tests/portal/test_german_sweep.py) covers every route and role;
this one reads what Chromium renders (``innerText``, so hidden text does not count) after the
real language switch. The terms are the same list (tests/portal/language_sweep.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.portal.language_sweep import hits, populate_findings

from .conftest import log_in, screenshot, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

MAIN_PAGES = (
    "/", "/vms/", "/hosts/", "/datastores/", "/networks/", "/snapshots/", "/operations/",
    "/snapshot-policies/", "/tasks/", "/compliance/", "/compliance/findings/",
    "/compliance/checks/", "/compliance/waivers/", "/compliance/baselines/", "/compliance/runs/",
    "/audit/", "/security/",
)  # fmt: skip

# Texts without German words yet (config keys, stored reasons) are marked lang="en"
# (compliance.evidence_text); the client sweep checks that nothing else is marked so.
DROP_MARKED = "document.querySelectorAll('span.untranslated[lang=en]').forEach(e => e.remove())"


def test_the_main_pages_in_german_show_no_english_term(page, officer, password):
    populate_findings()
    log_in(page, officer, password, totp_device(officer))
    page.select_option("#lang-select", "de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    wrong = []
    for path in MAIN_PAGES:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        page.evaluate(DROP_MARKED)
        text = " ".join(page.locator("body").inner_text().split())
        wrong += [f"{path}: {term!r} in {where}" for term, where in hits("de", text)]
    screenshot(page, "german-security-page")
    page.goto("/compliance/findings/")
    screenshot(page, "german-findings")
    assert not wrong, "\n".join(wrong)
