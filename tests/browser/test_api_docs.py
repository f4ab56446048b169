"""The API docs page renders its operations in Chromium under the portal's strict CSP.

Swagger UI comes from the installed drf-spectacular-sidecar package (served by the portal);
the page fixture fails the test on any CSP violation or script error in the console.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import log_in, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_api_docs_page_lists_the_operations(page, officer, password):
    log_in(page, officer, password, totp_device(officer))
    page.get_by_role("link", name="API", exact=True).click()
    page.wait_for_url("**/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("VirtSec Portal API")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    expect(page.locator(".opblock-summary-path", has_text="/api/vms/").first).to_be_visible()
