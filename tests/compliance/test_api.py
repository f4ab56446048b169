"""Compliance API: roles, validation messages, 202 runs, constant query counts, OSCAL, schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import CheckRun, Finding
from compliance.services import check_run_execute

from .factories import HostFactory, SnapshotFactory, VmFactory, approved_waiver
from .oscal_schema import oscal_errors

pytestmark = pytest.mark.django_db
LISTS = ["requirements", "checks", "findings", "runs", "waivers", "status"]


def inventory(n: int, officer) -> None:
    for _ in range(n):
        host = HostFactory(ntp_servers=[], syslog_target="")
        vm = VmFactory(host=host, endpoint=host.endpoint, passthrough_devices=["usb0"])
        SnapshotFactory(vm=vm, made_by_portal=False)
    check_run_execute(trigger="command", actor="t")
    check_run_execute(trigger="command", actor="t")
    finding = Finding.objects.filter(check_id="LOG-001").first()
    approved_waiver(finding=finding, reason="r", days=1, actor=officer)


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("role", ["administrator", "security_officer", "auditor"])
def test_every_role_reads_every_list(users, api_for, name, role):
    assert api_for(users[role]).get(f"/api/compliance/{name}/").status_code == 200


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_does_not_grow_with_the_data(officer, api_for, name):
    api = api_for(officer)
    url = f"/api/compliance/{name}/?page_size=500"
    inventory(2, officer)
    api.get(url)  # warm the session and role caches
    small = _queries(api, url)
    inventory(8, officer)
    assert _queries(api, url) == small


def test_findings_filter_by_status_check_requirement_endpoint_and_object(officer, auditor, api_for):
    inventory(2, officer)
    api = api_for(auditor)
    every = api.get("/api/compliance/findings/?page_size=500").json()["count"]
    assert api.get("/api/compliance/findings/?status=waived").json()["count"] == 1
    assert api.get("/api/compliance/findings/?check=CON-004").json()["count"] == 2
    by_req = api.get("/api/compliance/findings/?requirement=M2.449").json()["results"]
    assert {f["check_id"] for f in by_req} <= {
        "CON-001",
        "CON-002",
        "CON-003",
        "CON-004",
    } and by_req
    # A SYS.1.5 requirement finds the findings of the checks mapped to its sentences: a
    # passed-through device is a guest's access to the host's devices (A3), not console use (A25).
    a3 = api.get("/api/compliance/findings/?requirement=SYS.1.5.A3").json()["results"]
    assert {f["id"] for f in a3} == {f["id"] for f in by_req if f["check_id"] == "CON-004"}
    assert api.get("/api/compliance/findings/?requirement=SYS.1.5.A25").json()["count"] == 0
    host = HostFactory._meta.model.objects.first()
    mine = api.get(f"/api/compliance/findings/?endpoint={host.endpoint_id}").json()["results"]
    assert mine and all(f["endpoint"] == host.endpoint_id for f in mine)
    assert (
        api.get(f"/api/compliance/findings/?object_type=host&object_id={host.pk}").json()["count"]
        >= 2
    )
    assert every > 0
    answer = api.get("/api/compliance/findings/?status=bogus")
    assert answer.status_code == 400 and "status" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("role", "expected"), [("administrator", 202), ("security_officer", 202), ("auditor", 403)]
)
def test_queueing_a_run(
    users, api_for, role, expected, django_capture_on_commit_callbacks, monkeypatch
):
    from compliance import tasks

    monkeypatch.setattr(tasks.run_checks, "apply_async", lambda args: None)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_for(users[role]).post("/api/compliance/runs/", {}, format="json")
    assert answer.status_code == expected
    if expected == 202:
        assert CheckRun.objects.get(pk=answer.json()["id"]).status == "queued"


@pytest.mark.parametrize(
    ("role", "expected"), [("administrator", 403), ("security_officer", 200), ("auditor", 403)]
)
def test_only_officers_change_parameters(users, api_for, role, expected):
    answer = api_for(users[role]).patch(
        "/api/compliance/checks/SNAP-001/", {"parameters": {"max_age_days": 7}}, format="json"
    )
    assert answer.status_code == expected


def test_a_bad_parameter_answers_400_with_what_to_change(officer, api_for):
    answer = api_for(officer).patch(
        "/api/compliance/checks/CPU-002/", {"parameters": {"max_ratio": 0}}, format="json"
    )
    assert answer.status_code == 400
    assert "below the smallest allowed value 0.1" in answer.json()["error"]["message"]
    assert (
        api_for(officer).get("/api/compliance/checks/CPU-002/").json()["parameters"][0]["value"]
        == 4.0
    )


@pytest.mark.parametrize(
    ("role", "expected"), [("administrator", 403), ("security_officer", 201), ("auditor", 403)]
)
def test_only_officers_waive(users, officer, api_for, role, expected):
    inventory(1, officer)
    finding = Finding.objects.filter(check_id="CON-004").first()
    body = {
        "check_id": "CON-004",
        "scope": "object",
        "finding": finding.pk,
        "reason": "dongle",
        "expires_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
    }
    assert (
        api_for(users[role]).post("/api/compliance/waivers/", body, format="json").status_code
        == expected
    )


def test_a_waiver_without_expiry_is_refused(officer, api_for):
    inventory(1, officer)
    finding = Finding.objects.filter(check_id="CON-004").first()
    answer = api_for(officer).post(
        "/api/compliance/waivers/",
        {"check_id": "CON-004", "scope": "object", "finding": finding.pk, "reason": "x"},
        format="json",
    )
    assert answer.status_code == 400 and "expires_at" in answer.json()["error"]["fields"]


def test_pages_that_change_things_refuse_other_roles(users, client_for):
    assert client_for(users["administrator"]).get("/compliance/checks/SNAP-001/").status_code == 403
    assert client_for(users["auditor"]).post("/compliance/runs/").status_code == 403


def test_the_parameter_page_shows_the_error_and_saves_nothing(officer, client_for):
    answer = client_for(officer).post(
        "/compliance/checks/SNAP-001/", {"max_age_days": "-1", "enabled": "on"}
    )
    assert answer.status_code == 400 and b"below the smallest allowed value" in answer.content


def test_the_openapi_schema_lists_the_compliance_api(officer, api_for):
    answer = api_for(officer).get("/api/schema/", HTTP_ACCEPT="application/json")
    text = answer.content.decode()
    for name in LISTS:
        assert f"/api/compliance/{name}/" in text


def test_the_oscal_export_validates_against_the_published_schema(officer, client_for):
    inventory(1, officer)
    document = json.loads(client_for(officer).get("/compliance/reports/oscal.json").content)
    results = document["assessment-results"]["results"][0]
    assert results["findings"] and results["observations"]
    assert oscal_errors(document) == []


def test_the_oscal_export_stays_valid_with_odd_names_and_evidence(officer, client_for):
    # vCenter allows line breaks in names; an OSCAL title (markup-line) is one line.
    host = HostFactory(name="  esx odd\nname  ", ntp_servers=[], syslog_target="")
    VmFactory(host=host, endpoint=host.endpoint, name=" ", passthrough_devices=["usb0\n"])
    check_run_execute(trigger="command", actor="t")
    document = json.loads(client_for(officer).get("/compliance/reports/oscal.json").content)
    assert oscal_errors(document) == []
    subjects = {
        s["title"]
        for o in document["assessment-results"]["results"][0]["observations"]
        for s in o["subjects"]
    }
    assert f"{host.endpoint.name} › esx odd name" in subjects  # the host's path, one line
    assert f"{host.endpoint.name} › esx odd name › (obj-" in " ".join(subjects)  # nameless VM


def test_the_schema_check_refuses_a_broken_assessment_result(officer, client_for):
    inventory(1, officer)
    document = json.loads(client_for(officer).get("/compliance/reports/oscal.json").content)
    del document["assessment-results"]["metadata"]["title"]
    document["assessment-results"]["results"][0]["findings"][0]["uuid"] = "not-a-uuid"
    errors = oscal_errors(document)
    assert any("title" in e for e in errors), errors
    assert any("not-a-uuid" in e for e in errors), errors


def test_csv_neutralises_formula_cells(officer, client_for):
    host = HostFactory(name="=cmd|' /C calc'!A0", ntp_servers=[])
    check_run_execute(trigger="command", actor="t")
    body = client_for(officer).get("/compliance/reports/findings.csv").content.decode()
    assert "'=cmd" in body and host.name


@pytest.mark.parametrize("start", ["\t", "\r", "=", "@"])
def test_findings_csv_defuses_cells_starting_with_tab_or_cr_like_the_inventory_csvs(
    officer, client_for, start
):
    import csv
    import io

    HostFactory(name=f"{start}=HYPERLINK(1)", ntp_servers=[])
    check_run_execute(trigger="command", actor="t")
    body = client_for(officer).get("/compliance/reports/findings.csv").content.decode()
    names = {row["object_name"] for row in csv.DictReader(io.StringIO(body))}
    assert f"'{start}=HYPERLINK(1)" in names
    assert not any(name.startswith(("\t", "\r", "=", "+", "-", "@")) for name in names)
