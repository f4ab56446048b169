"""Reports an auditor accepts: the Prüfbericht (PDF, German and English), the verinice CSV and
OSCAL assessment results plus a plan of action and milestones, all from the same content.

Before: the German PDF was half English (statuses, severities, check titles), its "Nachweis"
column said "N objects checked by ...", a column header broke as "Umsetzun g", and there was no
verinice export and no POA&M.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from compliance.models import Finding
from compliance.reports.verinice import ext_id

from .factories import EndpointFactory, HostFactory, approved_waiver, run
from .oscal_schema import oscal_errors

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"

# The portal's own English terms that must not appear in the German report.
ENGLISH = (
    "fulfilled",
    "not checked",
    "risk accepted",
    "Requirement",
    "Evidence",
    "Open findings",
    "objects checked",
    "deviating",
    "Responsible",
    "No NTP server configured",
    "No NTP server is configured",  # the finding's message
    "No approved baseline yet",
    "Host in maintenance mode",
    "medium",
    "high",
    "virtual machine",
    "Implementation status",
    "as of",
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # Table cells wrap: join the lines so that a phrase reads as one.
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def estate():
    endpoint = EndpointFactory(name="vc-prod")
    bad = HostFactory(endpoint=endpoint, name="esx-no-ntp.example.org", ntp_servers=[])
    HostFactory(endpoint=endpoint, name="esx-good.example.org")
    run()
    return {"endpoint": endpoint, "bad": bad}


def test_the_german_pruefbericht_is_german_and_names_the_object_its_id_and_what_was_seen(
    estate, officer, client_for
):
    answer = client_for(officer).get("/compliance/reports/check.pdf?lang=de")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # for a reader to look at (CI keeps it)
    (ARTIFACTS / "pruefbericht-de.pdf").write_bytes(answer.content)
    text = pdf_text(answer.content)
    for german in (
        "IT-Grundschutz-Check: Prüfbericht",
        "Umsetzungsstatus",
        "Nachweis",
        "Offene Feststellungen je Objekt",
        "Kein NTP-Server konfiguriert",
        "SYS.1.5 Virtualisierung",
        "nicht geprüft",
    ):
        assert german in text, german
    found = [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
    assert found == [], found
    bad = estate["bad"]
    assert bad.name in text and bad.external_id in text
    assert "ntp_servers" in text  # the observed value, not just a count
    assert "Umsetzun g" not in text


def test_the_english_report_says_the_same_in_english(estate, officer, client_for):
    text = pdf_text(client_for(officer).get("/compliance/reports/check.pdf?lang=en").content)
    for english in ("IT-Grundschutz-Check: audit report", "Implementation status", "Evidence"):
        assert english in text
    assert estate["bad"].name in text
    assert "Prüfbericht" not in text


def test_the_evidence_column_says_what_each_check_judged_and_when(estate, officer, client_for):
    text = pdf_text(client_for(officer).get("/compliance/reports/check.pdf?lang=en").content)
    assert re.search(r"LOG-001 No NTP server configured: 2 checked, 1 deviating, 0 waived", text)
    assert "as of " in text


def test_the_verinice_csv_has_one_line_per_requirement_with_stable_external_ids(
    estate, officer, client_for
):
    web = client_for(officer)
    first = web.get("/compliance/reports/verinice.csv")
    assert first.status_code == 200
    lines = list(csv.DictReader(io.StringIO(first.content.decode())))
    by_ref = {line["bp_requirement_id"]: line for line in lines}
    assert "SYS.1.5.A18" not in by_ref  # withdrawn: not exported as a requirement to implement
    assert "SYS.1.5.A3" in by_ref
    a26 = by_ref["SYS.1.5.A26"]  # no check tests it: nothing claimed
    assert a26["bp_requirement_implementation_status"] == ""
    assert a26["virtsec_status"] == "not_checked"
    operating = by_ref["M4349.OPERATING"]
    assert operating["bp_requirement_implementation_status"] in (
        "bp_requirement_implementation_status_partially",
        "bp_requirement_implementation_status_no",
    )
    assert operating["extId"] == ext_id("estate", "M4349.OPERATING")
    assert by_ref["SYS.1.5.A3"]["bp_requirement_qualifier"] == "bp_requirement_qualifier_basic"
    again = list(
        csv.DictReader(io.StringIO(web.get("/compliance/reports/verinice.csv").content.decode()))
    )
    assert [line["extId"] for line in again] == [line["extId"] for line in lines]
    per_endpoint = web.get(f"/compliance/reports/verinice.csv?endpoint={estate['endpoint'].pk}")
    other_ids = {
        line["extId"] for line in csv.DictReader(io.StringIO(per_endpoint.content.decode()))
    }
    assert other_ids.isdisjoint({line["extId"] for line in lines})  # another target, other ids


def test_the_poam_lists_each_open_finding_with_its_object_and_validates(
    estate, officer, client_for
):
    document = json.loads(client_for(officer).get("/compliance/reports/oscal-poam.json").content)
    assert oscal_errors(document, "plan-of-action-and-milestones") == []
    poam = document["plan-of-action-and-milestones"]
    open_findings = Finding.objects.open()
    assert len(poam["poam-items"]) == open_findings.count() > 0
    items = {i["uuid"] for i in poam["local-definitions"]["inventory-items"]}
    subjects = {s["subject-uuid"] for o in poam["observations"] for s in o["subjects"]}
    assert subjects <= items  # every subject resolves to a defined object
    bad = estate["bad"]
    ntp = next(r for r in poam["risks"] if r["title"].startswith("LOG-001"))
    assert bad.name in ntp["title"] and ntp["status"] == "open"
    assert "M4349.OPERATING" in ntp["statement"]


def test_a_waived_finding_is_an_approved_deviation_with_the_waivers_expiry_as_deadline(
    estate, officer, client_for
):
    finding = Finding.objects.get(check_id="LOG-001", object_id=estate["bad"].pk)
    reason = "time from the PTP appliance"
    expires = approved_waiver(finding=finding, reason=reason, days=30, actor=officer).expires_at
    run()
    document = json.loads(client_for(officer).get("/compliance/reports/oscal-poam.json").content)
    assert oscal_errors(document, "plan-of-action-and-milestones") == []
    risk = next(
        r
        for r in document["plan-of-action-and-milestones"]["risks"]
        if r["title"].startswith("LOG-001")
    )
    assert risk["status"] == "deviation-approved"
    assert risk["deadline"].startswith(expires.astimezone(dt.UTC).strftime("%Y-%m-%d"))
    assert "PTP appliance" in risk["mitigating-factors"][0]["description"]


def test_assessment_results_subjects_resolve_to_inventory_items(estate, officer, client_for):
    document = json.loads(client_for(officer).get("/compliance/reports/oscal.json").content)
    assert oscal_errors(document) == []
    result = document["assessment-results"]["results"][0]
    items = {i["uuid"] for i in result["local-definitions"]["inventory-items"]}
    subjects = {s["subject-uuid"] for o in result["observations"] for s in o["subjects"]}
    assert subjects and subjects <= items


def test_an_estate_without_open_findings_gives_a_valid_poam_that_says_so(officer, client_for):
    EndpointFactory()
    run()
    assert not Finding.objects.open().exists()
    document = json.loads(client_for(officer).get("/compliance/reports/oscal-poam.json").content)
    assert oscal_errors(document, "plan-of-action-and-milestones") == []
    items = document["plan-of-action-and-milestones"]["poam-items"]
    assert [i["title"] for i in items] == ["No open findings"]


@pytest.fixture
def assessed(estate, officer):
    """The estate's endpoint as a target object, A3 documented "ja" with a plan for A19."""
    from compliance.models import Requirement
    from compliance.services.assessments import assessment_save, target_create

    target = target_create(
        kind="endpoint", endpoint=estate["endpoint"], actor=officer, name="Produktion"
    )
    assessment_save(
        requirement=Requirement.objects.get(ref="SYS.1.5.A3"),
        target=target,
        status="ja",
        justification="Hosts per Checkliste eingerichtet",
        responsible="Team Virtualisierung",
        last_review=timezone.localdate(),
        next_review=timezone.localdate() + dt.timedelta(days=180),
        actor=officer,
    )
    assessment_save(
        requirement=Requirement.objects.get(ref="SYS.1.5.A19"),
        target=target,
        status="teilweise",
        justification="Auditplan in Arbeit",
        responsible="ISB",
        due_date=timezone.localdate() + dt.timedelta(days=60),
        actor=officer,
    )
    return target


def test_a_target_objects_report_shows_the_assessment_beside_the_checks(
    assessed, officer, client_for
):
    answer = client_for(officer).get(f"/compliance/reports/check.pdf?lang=de&target={assessed.pk}")
    assert answer.status_code == 200
    text = pdf_text(answer.content)
    assert "Zielobjekt: Produktion" in text
    assert "Hosts per Checkliste eingerichtet" in text and "Team Virtualisierung" in text
    assert "Verantwortlich: ISB" in text and "Umsetzung bis:" in text


def test_the_verinice_csv_of_a_target_carries_the_documented_status_and_its_dates(
    assessed, officer, client_for
):
    answer = client_for(officer).get(f"/compliance/reports/verinice.csv?target={assessed.pk}")
    by_ref = {
        line["bp_requirement_id"]: line
        for line in csv.DictReader(io.StringIO(answer.content.decode()))
    }
    a19 = by_ref["SYS.1.5.A19"]
    # A19 is "teilweise" as documented, or worse if a check deviates — never better.
    assert a19["bp_requirement_implementation_status"] in (
        "bp_requirement_implementation_status_partially",
        "bp_requirement_implementation_status_no",
    )
    assert a19["responsible"] == "ISB"
    assert (
        a19["bp_requirement_implementation_by_date"]
        == (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    )
    assert a19["extId"] == ext_id(f"target-{assessed.pk}", "SYS.1.5.A19")
    assert "Auditplan in Arbeit" in a19["bp_requirement_implementation_explanation"]


def test_the_poam_of_a_target_plans_a_milestone_on_the_documented_due_date(
    assessed, officer, client_for
):
    # INT-001 (no approved baseline) deviates on both hosts and tests SYS.1.5.A19.
    document = json.loads(
        client_for(officer).get(f"/compliance/reports/oscal-poam.json?target={assessed.pk}").content
    )
    assert oscal_errors(document, "plan-of-action-and-milestones") == []
    planned = [r for r in document["plan-of-action-and-milestones"]["risks"] if "remediations" in r]
    assert planned, "no risk carries the planned remediation"
    task = planned[0]["remediations"][0]["tasks"][0]
    due = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    assert task["type"] == "milestone" and task["timing"]["on-date"]["date"].startswith(due)


def test_a_malformed_or_foreign_target_is_refused_with_a_message_not_a_500(officer, client_for):
    web = client_for(officer)
    bad = web.get("/compliance/reports/check.pdf?target=abc")
    assert bad.status_code == 400 and b"target" in bad.content
    assert web.get("/compliance/reports/verinice.csv?target=999999").status_code == 404


def test_the_target_page_links_its_reports(assessed, officer, client_for):
    page = client_for(officer).get(f"/compliance/targets/{assessed.pk}/").content.decode()
    for route in (
        "check.pdf?lang=de&amp;target=",
        "verinice.csv?target=",
        "oscal-poam.json?target=",
    ):
        assert f"/compliance/reports/{route}{assessed.pk}" in page
