"""Every finding names the object to fix: its full path and its platform id, everywhere.

A snapshot finding used to read "snap1" with nothing about its VM; a NIC or port group finding
carried only its own name ("vmnic1", "Management Network") three times over. Now each finding
stores where its object stands (endpoint › cluster › host › VM › object), the platform's id of
the object, and the segments for links, in the list, the detail page, the API, CSV, JSON and OSCAL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from compliance.models import Finding

from .factories import (
    ClusterFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    NicFactory,
    SnapshotFactory,
    SwitchFactory,
    VmFactory,
    run,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    endpoint = EndpointFactory(name="vc-prod")
    cluster = ClusterFactory(endpoint=endpoint, name="Production", external_id="domain-c8")
    host = HostFactory(endpoint=endpoint, cluster=cluster, name="esx07", external_id="host-21")
    vm = VmFactory(endpoint=endpoint, host=host, cluster=cluster, name="web01", external_id="vm-42")
    old = timezone.now() - dt.timedelta(days=10)
    snapshot = SnapshotFactory(
        vm=vm, name="snap1", external_id="snapshot-77", created_at=old, made_by_portal=False
    )
    nic = NicFactory(
        endpoint=endpoint,
        host=host,
        name="vmnic1",
        external_id="key-vim.host.PhysicalNic-vmnic1",
        link_up=False,
    )
    switch = SwitchFactory(endpoint=endpoint, host=host, name="vSwitch0", uplinks=["vmnic1"])
    network = NetworkFactory(
        endpoint=endpoint,
        switch=switch,
        name="Management Network",
        external_id="host-21/Management Network",
        allow_promiscuous=True,
    )
    return {"vm": vm, "host": host, "snapshot": snapshot, "nic": nic, "network": network}


def finding_on(obj, object_type: str) -> Finding:
    return Finding.objects.open().filter(object_type=object_type, object_id=obj.pk).first()


def test_a_snapshot_finding_names_its_vm_host_cluster_and_endpoint(estate):
    run()
    finding = finding_on(estate["snapshot"], "snapshot")
    assert finding is not None
    assert finding.object_path == "vc-prod › Production › esx07 › web01 › snap1"
    assert finding.object_external_id == "snapshot-77"
    assert [(s["type"], s["name"], s["external_id"]) for s in finding.path] == [
        ("endpoint", "vc-prod", ""),
        ("cluster", "Production", "domain-c8"),
        ("host", "esx07", "host-21"),
        ("vm", "web01", "vm-42"),
        ("snapshot", "snap1", "snapshot-77"),
    ]


def test_nic_and_port_group_findings_name_their_host(estate):
    run()
    nic = finding_on(estate["nic"], "nic")
    assert nic.object_path == "vc-prod › Production › esx07 › vmnic1"
    network = finding_on(estate["network"], "network")
    assert network.object_path == "vc-prod › Production › esx07 › vSwitch0 › Management Network"


def test_a_renamed_vm_renames_the_path_of_its_open_findings(estate):
    run()
    vm = estate["vm"]
    vm.name = "web01-renamed"
    vm.save()
    run()
    finding = finding_on(estate["snapshot"], "snapshot")
    assert "web01-renamed" in finding.object_path
    assert [s["name"] for s in finding.path if s["type"] == "vm"] == ["web01-renamed"]


def test_the_findings_api_finds_a_snapshot_finding_by_its_vms_name_and_shows_the_path(
    estate, api_for, auditor
):
    run()
    api = api_for(auditor)
    answer = api.get("/api/compliance/findings/", {"object": "web01", "check": "SNAP-001"})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert row["object_path"] == "vc-prod › Production › esx07 › web01 › snap1"
    assert row["object_external_id"] == "snapshot-77"
    assert row["path"][3] == {
        "type": "vm",
        "id": estate["vm"].pk,
        "name": "web01",
        "external_id": "vm-42",
    }
    by_id = api.get("/api/compliance/findings/", {"object": "vm-42"}).json()["results"]
    assert [r["object_type"] for r in by_id] != []  # the VM's own id finds its own findings
    assert all(r["object_external_id"] == "vm-42" for r in by_id)


def test_the_finding_pages_link_the_vm_and_host_of_a_snapshot_finding(estate, client_for, auditor):
    run()
    finding = finding_on(estate["snapshot"], "snapshot")
    web = client_for(auditor)
    listing = web.get("/compliance/findings/", {"object": "web01"}).content.decode()
    detail = web.get(f"/compliance/findings/{finding.pk}/").content.decode()
    for page in (listing, detail):
        assert f'href="/vms/{estate["vm"].pk}/"' in page
        assert f'href="/hosts/{estate["host"].pk}/"' in page
        assert "snapshot-77" in page


def test_csv_json_and_oscal_exports_carry_the_path_and_platform_id(estate, client_for, officer):
    run()
    web = client_for(officer)
    rows = list(
        csv.DictReader(io.StringIO(web.get("/compliance/reports/findings.csv").content.decode()))
    )
    snap = next(r for r in rows if r["object_type"] == "snapshot")
    assert snap["object_path"] == "vc-prod › Production › esx07 › web01 › snap1"
    assert snap["object_external_id"] == "snapshot-77"
    data = json.loads(web.get("/compliance/reports/findings.json").content)
    assert any(f["object_path"].endswith("web01 › snap1") for f in data["findings"])
    oscal = web.get("/compliance/reports/oscal.json").content.decode()
    assert "vc-prod › Production › esx07 › web01 › snap1" in oscal
    assert "snapshot-77" in oscal
