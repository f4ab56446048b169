"""Inventory list pages: every role reads them, filters span both platforms, CSV, no secret."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from .factories import (
    SECRET,
    DatastoreHostFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    SyncRunFactory,
    VirtualMachineFactory,
)

pytestmark = pytest.mark.django_db

PAGES = ["/endpoints/", "/sync-runs/", "/hosts/", "/vms/", "/datastores/", "/networks/"]


@pytest.fixture
def estate():
    vc = EndpointFactory(name="vc-prod")
    pve = EndpointFactory(name="pve-lab", proxmox=True)
    vc_host = HostFactory(endpoint=vc, name="esx01", cpu_usage_percent=None)
    pve_host = HostFactory(endpoint=pve, name="pve01", power_state="running")
    VirtualMachineFactory(endpoint=vc, host=vc_host, name="web-vc", memory_bytes=None)
    VirtualMachineFactory(endpoint=pve, host=pve_host, name="web-pve")
    VirtualMachineFactory(endpoint=pve, host=pve_host, name="ct-pve", kind="lxc")
    VirtualMachineFactory(endpoint=pve, host=pve_host, name="gone-pve", absent_since=timezone.now())
    DatastoreHostFactory(datastore__endpoint=vc, datastore__name="ds-vc", host=vc_host)
    DatastoreHostFactory(datastore__endpoint=pve, datastore__name="local-lvm", host=pve_host)
    NetworkFactory(endpoint=vc, switch__host=vc_host, name="VM Network")
    NetworkFactory(endpoint=pve, switch__host=pve_host, name="vmbr0")
    SyncRunFactory(endpoint=vc)
    SyncRunFactory(endpoint=pve, status="failed", error="TLS: fingerprint mismatch")
    return {"vc": vc, "pve": pve, "vc_host": vc_host, "pve_host": pve_host}


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("role", ["administrator", "security_officer", "auditor"])
@pytest.mark.parametrize("path", PAGES)
def test_every_role_reads_every_list_page(client_for, users, estate, role, path):
    answer = client_for(users[role]).get(path)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert SECRET not in body
    assert 'style="' not in body  # the CSP forbids inline style


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert "/login/" in answer["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_users_without_a_role_are_refused(client_for, path):
    from tests.factories import UserFactory

    assert client_for(UserFactory(username="no-role")).get(path).status_code == 403


def test_the_vm_list_shows_both_platforms_and_hides_absent_vms(client_for, auditor, estate):
    body = client_for(auditor).get("/vms/").content.decode()
    for name in ("web-vc", "web-pve", "ct-pve", "vCenter", "Proxmox"):
        assert name in body
    assert "gone-pve" not in body


def test_vm_list_filters_are_get_parameters(client_for, auditor, estate):
    client = client_for(auditor)
    body = client.get("/vms/?platform=proxmox&kind=lxc").content.decode()
    assert "ct-pve" in body
    assert "web-pve" not in body and "web-vc" not in body
    body = client.get("/vms/?absent=true").content.decode()
    assert "gone-pve" in body and "web-vc" not in body
    body = client.get(f"/vms/?host={estate['vc_host'].pk}&q=web").content.decode()
    assert "web-vc" in body and "web-pve" not in body


def test_a_value_the_source_did_not_give_shows_as_no_data(client_for, auditor, estate):
    body = client_for(auditor).get("/vms/?q=web-vc").content.decode()
    assert "no data" in body
    assert "0 bytes" not in body


def test_sorting_reverses_and_marks_the_column(client_for, auditor, estate):
    answer = client_for(auditor).get("/vms/?sort=-name")
    body = answer.content.decode()
    assert body.index("web-vc") < body.index("ct-pve")
    assert 'aria-sort="descending"' in body


def test_an_invalid_filter_is_ignored_and_reported(client_for, auditor, estate):
    answer = client_for(auditor).get("/vms/?platform=xen")
    assert answer.status_code == 200
    assert "Ignored filters" in answer.content.decode()


def test_vm_csv_export_streams_the_filtered_rows_of_all_pages(client_for, auditor, estate):
    VirtualMachineFactory.create_batch(12, endpoint=estate["pve"], host=estate["pve_host"])
    answer = client_for(auditor).get("/vms/?platform=proxmox&page_size=10&format=csv")
    rows = _csv_rows(answer)
    assert len(rows) == 14
    assert {r["platform"] for r in rows} == {"proxmox"}
    assert 'filename="vms.csv"' in answer["Content-Disposition"]


def test_csv_leaves_missing_values_empty_and_defuses_formulas(client_for, auditor, estate):
    VirtualMachineFactory(endpoint=estate["vc"], name="=HYPERLINK(1)", vcpus=None)
    rows = _csv_rows(client_for(auditor).get("/vms/?platform=vcenter&format=csv"))
    by_name = {r["name"]: r for r in rows}
    assert by_name["'=HYPERLINK(1)"]["vcpus"] == ""
    assert by_name["web-vc"]["memory bytes"] == ""


@pytest.mark.parametrize("path", PAGES)
def test_every_list_exports_csv_without_secrets(client_for, auditor, estate, path):
    answer = client_for(auditor).get(f"{path}?format=csv")
    rows = _csv_rows(answer)
    assert rows
    assert SECRET not in str(rows)


def test_endpoints_page_shows_trust_and_links_to_its_sync_runs(client_for, auditor, estate):
    body = client_for(auditor).get("/endpoints/").content.decode()
    assert "AB:AB:AB" in body  # the pinned fingerprint, formatted
    assert f"/sync-runs/?endpoint={estate['pve'].pk}" in body
    runs = client_for(auditor).get(f"/sync-runs/?endpoint={estate['pve'].pk}").content.decode()
    assert "fingerprint mismatch" in runs


def test_host_datastore_and_network_lists_filter_across_platforms(client_for, auditor, estate):
    client = client_for(auditor)
    hosts = client.get("/hosts/?platform=proxmox").content.decode()
    assert "pve01" in hosts and "esx01" not in hosts
    datastores = client.get(f"/datastores/?host={estate['vc_host'].pk}").content.decode()
    assert "ds-vc" in datastores and "local-lvm" not in datastores
    networks = client.get("/networks/?platform=proxmox").content.decode()
    assert "vmbr0" in networks and "VM Network" not in networks
