"""The inventory API filters the same way across vCenter and Proxmox objects."""

from __future__ import annotations

import pytest
from django.utils import timezone

from .factories import (
    DatastoreFactory,
    DatastoreHostFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    SnapshotFactory,
    UtilizationSampleFactory,
    VirtualMachineFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    """One vCenter and one Proxmox VE endpoint, each with a host, VMs and a datastore."""
    vc = EndpointFactory(name="vc-prod")
    pve = EndpointFactory(name="pve-lab", proxmox=True)
    vc_host = HostFactory(endpoint=vc, name="esx01")
    pve_host = HostFactory(endpoint=pve, name="pve01", power_state="running")
    return {
        "vc": vc,
        "pve": pve,
        "vc_host": vc_host,
        "pve_host": pve_host,
        "vc_vm": VirtualMachineFactory(endpoint=vc, host=vc_host, name="web-vc"),
        "vc_off": VirtualMachineFactory(
            endpoint=vc, host=vc_host, name="db-vc", power_state="poweredOff"
        ),
        "qemu": VirtualMachineFactory(endpoint=pve, host=pve_host, name="web-pve"),
        "lxc": VirtualMachineFactory(
            endpoint=pve, host=pve_host, name="ct-pve", kind="lxc", power_state="stopped"
        ),
        "gone": VirtualMachineFactory(
            endpoint=pve, host=pve_host, name="gone-pve", absent_since=timezone.now()
        ),
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_vms_list_present_objects_of_both_platforms_with_their_platform(api_for, auditor, estate):
    rows = api_for(auditor).get("/api/vms/").json()["results"]
    assert {r["name"]: r["platform"] for r in rows} == {
        "web-vc": "vcenter",
        "db-vc": "vcenter",
        "web-pve": "proxmox",
        "ct-pve": "proxmox",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("platform=proxmox", {"web-pve", "ct-pve"}),
        ("platform=vcenter", {"web-vc", "db-vc"}),
        ("name=WEB", {"web-vc", "web-pve"}),
        ("kind=lxc", {"ct-pve"}),
        ("kind=vm", {"web-vc", "db-vc"}),
        ("power_state=poweredOff", {"db-vc"}),
        ("running=true", {"web-vc", "web-pve"}),
        ("running=false", {"db-vc", "ct-pve"}),
        ("absent=true", {"gone-pve"}),
        ("absent=false", {"web-vc", "db-vc", "web-pve", "ct-pve"}),
        ("search=ct-", {"ct-pve"}),
    ],
)
def test_vm_filters_work_across_platforms(api_for, auditor, estate, query, expected):
    assert names(api_for(auditor).get(f"/api/vms/?{query}")) == expected


def test_vms_filter_by_endpoint_host_and_cluster(api_for, auditor, estate):
    api = api_for(auditor)
    pve, vc_host = estate["pve"], estate["vc_host"]
    assert names(api.get(f"/api/vms/?endpoint={pve.pk}")) == {"web-pve", "ct-pve"}
    assert names(api.get(f"/api/vms/?host={vc_host.pk}")) == {"web-vc", "db-vc"}
    assert names(api.get(f"/api/vms/?cluster={vc_host.cluster_id}")) == {"web-vc", "db-vc"}


def test_vms_order_by_name_descending(api_for, auditor, estate):
    rows = api_for(auditor).get("/api/vms/?ordering=-name").json()["results"]
    assert [r["name"] for r in rows] == ["web-vc", "web-pve", "db-vc", "ct-pve"]


def test_hosts_filter_by_platform_power_state_and_cluster(api_for, auditor, estate):
    api = api_for(auditor)
    assert names(api.get("/api/hosts/?platform=proxmox")) == {"pve01"}
    assert names(api.get("/api/hosts/?power_state=running")) == {"pve01"}
    cluster = estate["vc_host"].cluster_id
    assert names(api.get(f"/api/hosts/?cluster={cluster}")) == {"esx01"}


def test_a_shared_datastore_appears_once_when_filtered_by_cluster(api_for, auditor, estate):
    shared = DatastoreFactory(endpoint=estate["vc"], name="shared-ds")
    second = HostFactory(endpoint=estate["vc"], cluster=estate["vc_host"].cluster)
    DatastoreHostFactory(datastore=shared, host=estate["vc_host"])
    DatastoreHostFactory(datastore=shared, host=second)
    DatastoreFactory(endpoint=estate["pve"], name="local-lvm", type="lvmthin")
    api = api_for(auditor)
    cluster = estate["vc_host"].cluster_id
    answer = api.get(f"/api/datastores/?cluster={cluster}")
    assert [r["name"] for r in answer.json()["results"]] == ["shared-ds"]
    assert names(api.get("/api/datastores/?platform=proxmox")) == {"local-lvm"}


def test_networks_filter_by_host_of_their_switch(api_for, auditor, estate):
    NetworkFactory(endpoint=estate["vc"], switch__host=estate["vc_host"], name="VM Network")
    NetworkFactory(endpoint=estate["pve"], switch__host=estate["pve_host"], name="vmbr0")
    api = api_for(auditor)
    assert names(api.get(f"/api/networks/?host={estate['pve_host'].pk}")) == {"vmbr0"}
    assert names(api.get("/api/switches/?platform=vcenter")) == {
        n.switch.name for n in [estate["vc_host"].switches.get().networks.get()]
    }


def test_snapshots_filter_by_vm_and_platform(api_for, auditor, estate):
    SnapshotFactory(endpoint=estate["vc"], vm=estate["vc_vm"], name="before-patch")
    SnapshotFactory(endpoint=estate["pve"], vm=estate["qemu"], name="pre-upgrade")
    api = api_for(auditor)
    assert names(api.get("/api/snapshots/?platform=proxmox")) == {"pre-upgrade"}
    assert names(api.get(f"/api/snapshots/?vm={estate['vc_vm'].pk}")) == {"before-patch"}


def test_utilization_answers_the_samples_of_one_object(api_for, auditor, estate):
    host = estate["pve_host"]
    UtilizationSampleFactory.create_batch(3, subject=host)
    UtilizationSampleFactory(subject=estate["vc_host"])
    UtilizationSampleFactory(subject=estate["qemu"])
    rows = api_for(auditor).get(f"/api/utilization/?host={host.pk}").json()["results"]
    assert len(rows) == 3
    assert {(r["object_type"], r["object_id"], r["platform"]) for r in rows} == {
        ("host", host.pk, "proxmox")
    }


def test_a_bad_filter_value_is_a_400_in_the_portal_error_format(api_for, auditor, estate):
    answer = api_for(auditor).get("/api/vms/?platform=xen")
    assert answer.status_code == 400
    assert "platform" in answer.json()["error"]["fields"]
