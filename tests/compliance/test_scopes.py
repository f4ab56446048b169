"""Object scopes on compliance pages, downloads and the API: outside the scope nothing exists."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.utils import timezone

from compliance.models import CheckRun, Finding, Waiver
from compliance.scoping import statuses_for
from compliance.services import baseline_approve, check_run_execute, waiver_create
from compliance.services.status import requirement_summary
from inventory.models import Cluster, Endpoint, Host, VirtualMachine
from portal.models import ObjectScope

from .factories import ClusterFactory, EndpointFactory, HostFactory, VmFactory

pytestmark = pytest.mark.django_db
SECRET_HOST = "esx-outside-secret.example.org"
SECRET_VM = "vm-outside-secret"


@dataclass
class Estate:
    inside: Endpoint
    outside: Endpoint
    inside_cluster: Cluster
    host: Host
    vm: VirtualMachine
    outside_host: Host
    outside_vm: VirtualMachine


def _deviating(endpoint, cluster, host_name, vm_name):
    # No NTP, no syslog, SSH running; a VM with a serial port: several findings each.
    host = HostFactory(
        endpoint=endpoint,
        cluster=cluster,
        name=host_name,
        ntp_servers=[],
        syslog_target="",
        services=[{"key": "ssh", "label": "SSH", "running": True, "policy": "on"}],
    )
    vm = VmFactory(
        endpoint=endpoint, cluster=cluster, host=host, name=vm_name, passthrough_devices=["s0"]
    )
    return host, vm


@pytest.fixture
def estate(officer) -> Estate:
    inside, outside = EndpointFactory(name="vc-inside"), EndpointFactory(name="vc-outside")
    inside_cluster = ClusterFactory(endpoint=inside)
    host, vm = _deviating(inside, inside_cluster, "esx-inside.example.org", "vm-inside")
    outside_host, outside_vm = _deviating(
        outside, ClusterFactory(endpoint=outside), SECRET_HOST, SECRET_VM
    )
    for endpoint in (inside, outside):
        check_run_execute(endpoint=endpoint, trigger="command", actor="t")
    ObjectScope.objects.create(user=officer, endpoint=inside)
    return Estate(inside, outside, inside_cluster, host, vm, outside_host, outside_vm)


def _outside_waiver(estate, officer) -> Waiver:
    finding = Finding.objects.filter(endpoint=estate.outside, check_id="LOG-001").get()
    return waiver_create(
        check_id="LOG-001",
        scope="object",
        finding=finding,
        reason="vendor appliance",
        expires_at=timezone.now() + dt.timedelta(days=5),
        actor="someone-unscoped",
    )


def assert_nothing_outside(body: str) -> None:
    assert SECRET_HOST not in body and SECRET_VM not in body and "vc-outside" not in body


def test_the_dashboard_lists_only_the_worst_hosts_and_vms_in_scope(estate, officer, client_for):
    answer = client_for(officer).get("/compliance/")
    assert [row["object_name"] for row in answer.context["worst_hosts"]] == [estate.host.name]
    assert [row["object_name"] for row in answer.context["worst_vms"]] == [estate.vm.name]
    assert list(answer.context["endpoints"]) == [estate.inside]
    assert_nothing_outside(answer.content.decode())


def test_an_endpoint_outside_the_scope_reads_as_no_endpoint(estate, officer, client_for):
    answer = client_for(officer).get(f"/compliance/?endpoint={estate.outside.pk}")
    assert answer.context["endpoint"] is None
    assert_nothing_outside(answer.content.decode())


def test_a_cluster_scope_sees_its_clusters_objects_on_the_dashboard(estate, auditor, client_for):
    ObjectScope.objects.create(user=auditor, cluster=estate.inside_cluster)
    answer = client_for(auditor).get("/compliance/")
    assert [row["object_name"] for row in answer.context["worst_hosts"]] == [estate.host.name]


def test_an_unscoped_user_still_sees_every_worst_host(estate, admin_user, client_for):
    answer = client_for(admin_user).get("/compliance/")
    names = {row["object_name"] for row in answer.context["worst_hosts"]}
    assert names == {estate.host.name, SECRET_HOST}


def test_requirement_status_counts_only_findings_in_scope(estate, officer, admin_user):
    mine = {s.requirement.ref: s for s in statuses_for(officer)}["M4349.ADMIN"]
    everyone = {s.requirement.ref: s for s in statuses_for(admin_user)}["M4349.ADMIN"]
    assert everyone.open_findings == 2 * mine.open_findings > 0


@pytest.mark.parametrize(
    "path",
    [
        "/compliance/requirements/M4349.OPERATING/",
        "/compliance/findings/?status=open",
        "/compliance/waivers/",
        "/compliance/baselines/",
        "/compliance/runs/",
        "/compliance/reports/findings.csv",
        "/compliance/reports/findings.json",
        "/compliance/reports/oscal.json",
    ],
)
def test_pages_and_downloads_show_nothing_outside_the_scope(estate, officer, client_for, path):
    _outside_waiver(estate, officer)
    baseline_approve(object_type="host", object_id=estate.outside_host.pk, actor="someone")
    answer = client_for(officer).get(path)
    assert answer.status_code == 200
    assert_nothing_outside(answer.content.decode())


def test_the_pdf_report_of_a_scoped_user_is_built_from_its_scope(estate, officer, client_for):
    # Its text is glyph-encoded (embedded TrueType), so only the build is checked here; the
    # findings, waivers and statuses it is given are those the other downloads are given.
    _outside_waiver(estate, officer)
    answer = client_for(officer).get("/compliance/reports/check.pdf?lang=de")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")


def test_a_waiver_outside_the_scope_cannot_be_revoked(estate, officer, client_for):
    waiver = _outside_waiver(estate, officer)
    answer = client_for(officer).post(f"/compliance/waivers/{waiver.pk}/revoke/")
    assert answer.status_code == 404
    waiver.refresh_from_db()
    assert waiver.revoked_at is None


def test_a_baseline_outside_the_scope_cannot_be_seen_or_approved(estate, officer, client_for):
    client = client_for(officer)
    path = f"/compliance/baselines/host/{estate.outside_host.pk}/"
    assert client.get(path).status_code == 404
    assert client.post(path, {"comment": "x"}).status_code == 404
    assert client.get(f"/compliance/baselines/host/{estate.host.pk}/").status_code == 200


def test_checks_cannot_be_run_on_an_endpoint_outside_the_scope(estate, officer, client_for):
    client = client_for(officer)
    before = CheckRun.objects.count()
    assert client.post("/compliance/runs/", {"endpoint": estate.outside.pk}).status_code == 404
    # "All endpoints" would reach beyond the scope too.
    assert client.post("/compliance/runs/", {"endpoint": ""}).status_code == 302
    assert CheckRun.objects.count() == before


def test_the_api_status_of_an_endpoint_outside_the_scope_is_404(estate, officer, api_for):
    api = api_for(officer)
    assert api.get(f"/api/compliance/status/?endpoint={estate.outside.pk}").status_code == 404
    answer = api.get(f"/api/compliance/status/?endpoint={estate.inside.pk}")
    assert answer.status_code == 200


def test_the_api_lists_nothing_outside_the_scope(estate, officer, api_for):
    _outside_waiver(estate, officer)
    api = api_for(officer)
    for name in ("findings", "waivers", "runs", "status"):
        answer = api.get(f"/api/compliance/{name}/")
        assert answer.status_code == 200, name
        assert_nothing_outside(json.dumps(answer.json()))


def test_the_api_refuses_runs_and_waivers_outside_the_scope(estate, officer, api_for):
    api = api_for(officer)
    outside_finding = Finding.objects.filter(endpoint=estate.outside).first()
    answer = api.post("/api/compliance/runs/", {"endpoint": estate.outside.pk}, format="json")
    assert answer.status_code == 400
    answer = api.post("/api/compliance/runs/", {}, format="json")
    assert answer.status_code == 400
    answer = api.post(
        "/api/compliance/waivers/",
        {
            "check_id": outside_finding.check_id,
            "scope": "object",
            "finding": outside_finding.pk,
            "reason": "r",
            "expires_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert answer.status_code == 400
    assert not Waiver.objects.exists()
    answer = api.post("/api/compliance/runs/", {"endpoint": estate.inside.pk}, format="json")
    assert answer.status_code == 202


def _last(chart) -> dict[str, int]:
    return {series.status: series.last for series in chart["series"]}


def test_the_trend_of_a_scoped_user_draws_its_endpoints_counts_only(
    estate, officer, admin_user, client_for
):
    run = check_run_execute(trigger="command", actor="t")
    stored = run.requirement_summary["by_endpoint"]
    assert set(stored) == {str(estate.inside.pk), str(estate.outside.pk)}
    assert stored[str(estate.inside.pk)] == requirement_summary(estate.inside.pk)
    # Mark the inside slice so the chart shows which summary it drew.
    stored[str(estate.inside.pk)]["M4349"] = {"fulfilled": 9, "partly": 0, "not_fulfilled": 0}
    run.save(update_fields=["requirement_summary"])

    mine = client_for(officer).get("/compliance/").context["chart"]
    assert _last(mine) == {"fulfilled": 9, "partly": 0, "not_fulfilled": 0, "risk_accepted": 0}
    everyone = client_for(admin_user).get("/compliance/").context["chart"]
    overall = requirement_summary()["M4349"]
    assert _last(everyone) == {status: overall.get(status, 0) for status in _last(everyone)}


def test_the_api_shows_a_scoped_user_only_its_endpoints_run_summary(estate, officer, api_for):
    runs = api_for(officer).get("/api/compliance/runs/").json()["results"]
    assert [r["endpoint"] for r in runs] == [estate.inside.pk]
    assert runs[0]["requirement_summary"] == requirement_summary(estate.inside.pk)
