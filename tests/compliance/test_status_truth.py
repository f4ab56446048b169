"""A requirement's status never says more than was checked, and a deviation never reads as
fulfilled: each status goes run → change → run here, and the reports say the same.

Before: switching a check off resolved its findings and the requirement turned "fulfilled"; a
waived finding counted as fulfilled (PDF "ja", OSCAL "satisfied"); OSCAL exported "not checked"
as "not-satisfied" and pointed ``import-ap`` at a plan that did not exist.
"""

from __future__ import annotations

import json

import pytest

from compliance.models import Finding
from compliance.services.parameters import check_parameters_update
from compliance.services.status import requirement_statuses

from .factories import HostFactory, ntp_deviation_waiver, run
from .oscal_schema import oscal_errors

pytestmark = pytest.mark.django_db

OPERATING = "M4349.OPERATING"  # LOG-001 (NTP), OPS-003 and others judge hosts


def status(ref: str = OPERATING) -> str:
    return {s.requirement.ref: s for s in requirement_statuses()}[ref].status


def test_fulfilled_turns_not_fulfilled_and_back_with_the_reason_fixed():
    host = HostFactory()
    run()
    assert status() == "fulfilled"
    host.ntp_servers = []
    host.save()
    run()
    assert status() in ("partly", "not_fulfilled")
    host.ntp_servers = ["ntp.example.org"]
    host.save()
    run()
    assert status() == "fulfilled"
    finding = Finding.objects.get(check_id="LOG-001", object_id=host.pk)
    assert finding.resolved_at is not None and finding.resolution == "fixed"


def test_a_check_switched_off_makes_its_requirement_not_checked_until_it_is_on_again(officer):
    host = HostFactory(ntp_servers=[])
    run()
    assert status() in ("partly", "not_fulfilled")
    check_parameters_update(check_id="LOG-001", values={}, enabled=False, actor=officer)
    run()
    # Its finding is no longer open, but the deviation was not fixed: not checked, not green.
    assert status() == "not_checked"
    finding = Finding.objects.get(check_id="LOG-001", object_id=host.pk)
    assert finding.resolution == "check_disabled"
    state = {s.requirement.ref: s for s in requirement_statuses()}[OPERATING]
    off = next(c for c in state.checks if c.check_id == "LOG-001")
    assert off.state == "off" and officer.username in off.reason
    check_parameters_update(check_id="LOG-001", values={}, enabled=True, actor=officer)
    run()
    assert status() in ("partly", "not_fulfilled")


def test_a_switched_off_check_does_not_hide_another_checks_deviation(officer):
    HostFactory(ntp_servers=[], maintenance_mode=True)  # LOG-001 and OPS-003 fail
    run()
    check_parameters_update(check_id="LOG-001", values={}, enabled=False, actor=officer)
    run()
    assert status() in ("partly", "not_fulfilled")


def _waived_ntp_deviation(officer) -> Finding:
    """A host without NTP servers, its LOG-001 finding waived (approved) and run again."""
    _, finding = ntp_deviation_waiver(officer, approve=True)
    run()
    return finding


def test_a_waived_deviation_is_risk_accepted_in_the_status_the_pdf_and_oscal(officer, client_for):
    finding = _waived_ntp_deviation(officer)
    assert status() == "risk_accepted"
    web = client_for(officer)
    document = json.loads(web.get("/compliance/reports/oscal.json").content)
    assert oscal_errors(document) == []
    result = document["assessment-results"]["results"][0]
    operating = next(f for f in result["findings"] if f["title"].startswith(OPERATING))
    assert operating["target"]["status"]["state"] == "not-satisfied"
    assert "risk accepted" in operating["description"]
    for lang in ("de", "en"):
        pdf = web.get(f"/compliance/reports/check.pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Revoked: the deviation counts again.
    from compliance.services.waivers import waiver_revoke

    waiver_revoke(
        waiver=Finding.objects.get(pk=finding.pk).waiver, actor=officer, reason="appliance gone"
    )
    assert status() in ("partly", "not_fulfilled")


def test_the_pdf_labels_a_risk_accepted_requirement_as_such_not_ja(officer, client_for):
    from .test_reports import pdf_text

    _waived_ntp_deviation(officer)
    assert status() == "risk_accepted"
    web = client_for(officer)
    for lang, word, fulfilled in (
        ("de", "Risiko akzeptiert", " ja "),
        ("en", "risk accepted", " yes "),
    ):
        text = pdf_text(web.get(f"/compliance/reports/check.pdf?lang={lang}").content)
        start = text.index(OPERATING)
        row = text[start : text.index("M4349.", start + len(OPERATING))]  # up to the next row
        assert word in row and fulfilled not in row, row


def test_oscal_claims_nothing_about_what_was_not_checked_and_imports_a_real_plan(
    officer, client_for
):
    HostFactory()
    run()
    document = json.loads(client_for(officer).get("/compliance/reports/oscal.json").content)
    assert oscal_errors(document) == []
    ar = document["assessment-results"]
    result = ar["results"][0]
    not_checked = [s.requirement.ref for s in requirement_statuses() if s.status == "not_checked"]
    assert "SYS.1.5.A26" in not_checked  # PKI: no automated check
    titles = [f["title"] for f in result["findings"]]
    assert not any(t.startswith(ref + " ") for ref in not_checked for t in titles)
    assert all(ref in result["remarks"] for ref in not_checked)
    # import-ap resolves to a resource of the document itself.
    href = ar["import-ap"]["href"]
    assert href.startswith("#")
    assert [r["uuid"] for r in ar["back-matter"]["resources"]] == [href[1:]]
    assert all(
        f["target"]["status"]["state"] == "satisfied"
        for f in result["findings"]
        if "Status: fulfilled." in f["description"]
    )
