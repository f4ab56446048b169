"""End to end: change fakepve through its own REST API, sync, run the checks, see findings flip."""

from __future__ import annotations

import time

import pytest

from compliance.models import Finding
from inventory.models import Cluster, Host, VirtualMachine
from simulators.endpoints import proxmox_endpoint

from .e2e import assert_resolved, sync_and_check

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class PveApi:
    """A few calls of the Proxmox REST API, as an administrator would make them."""

    def __init__(self, fake) -> None:
        self.base = fake.url.rstrip("/") + "/api2/json"
        self.session = fake.api_session()
        self.session.headers["Authorization"] = f"PVEAPIToken={fake.token_id}={fake.token_secret}"

    def call(self, method: str, path: str, **data):
        answer = self.session.request(method, self.base + path, data=data or None, timeout=30)
        answer.raise_for_status()
        return answer.json().get("data")

    def wait(self, node: str, upid) -> None:
        if not isinstance(upid, str) or not upid.startswith("UPID:"):
            return
        for _ in range(100):
            if self.call("GET", f"/nodes/{node}/tasks/{upid}/status").get("status") == "stopped":
                return
            time.sleep(0.1)


@pytest.fixture
def pve(fake_pve):
    return proxmox_endpoint(fake_pve, "pve-e2e", sync=False), PveApi(fake_pve)


def test_turning_the_cluster_firewall_off_opens_adm_004_and_on_resolves_it(pve):
    endpoint, api = pve
    api.call("PUT", "/cluster/firewall/options", enable=1)
    sync_and_check(endpoint)
    assert not Finding.objects.open().filter(check_id="ADM-004").exists()
    api.call("PUT", "/cluster/firewall/options", enable=0)
    sync_and_check(endpoint)
    node = Host.objects.get(endpoint=endpoint, name="pve1")
    finding = Finding.objects.open().get(check_id="ADM-004", object_id=node.pk)
    assert finding.evidence["firewall_enabled"] is False
    api.call("PUT", "/cluster/firewall/options", enable=1)
    sync_and_check(endpoint)
    assert_resolved(finding)


def test_an_enabled_firewall_that_accepts_input_opens_adm_004_on_each_node(pve):
    endpoint, api = pve
    api.call("PUT", "/cluster/firewall/options", enable=1, policy_in="ACCEPT")
    run = sync_and_check(endpoint)
    findings = Finding.objects.open().filter(check_id="ADM-004")
    assert sorted(f.object_name for f in findings) == ["pve1", "pve2"]
    assert {f.evidence["policy_in"] for f in findings} == {"ACCEPT"}
    assert run.results.get(check_id="ADM-004").failed == 2

    api.call("PUT", "/cluster/firewall/options", policy_in="DROP")
    sync_and_check(endpoint)
    assert_resolved(*findings)

    # One node's own firewall switched off.
    api.call("PUT", "/nodes/pve2/firewall/options", enable=0)
    sync_and_check(endpoint)
    node = Host.objects.get(endpoint=endpoint, name="pve2")
    finding = Finding.objects.open().get(check_id="ADM-004")
    assert finding.object_id == node.pk
    assert finding.evidence["node_firewall_enabled"] is False


def test_a_standalone_node_without_a_cluster_record_is_checked_by_adm_004(pve, fake_pve):
    endpoint, api = pve
    # A standalone PVE node reports no cluster entry with a name: fakepve always belongs to a
    # cluster, so its model is told it has none (no API call un-clusters a node).
    fake_pve.call(setattr, fake_pve.pve, "cluster_name", "")
    api.call("PUT", "/cluster/firewall/options", enable=0)
    sync_and_check(endpoint)
    assert not Cluster.objects.filter(endpoint=endpoint, absent_since__isnull=True).exists()
    node = Host.objects.get(endpoint=endpoint, name="pve1")
    assert node.cluster_id is None
    finding = Finding.objects.open().get(check_id="ADM-004", object_id=node.pk)
    assert finding.status == "fail"


def test_snapshots_added_through_the_api_open_snap_002(pve, officer):
    from compliance.services import check_parameters_update

    endpoint, api = pve
    sync_and_check(endpoint)
    vm = (
        VirtualMachine.objects.filter(kind="qemu", absent_since__isnull=True)
        .order_by("vmid")
        .first()
    )
    node = vm.host.name
    count = vm.snapshots.count()
    check_parameters_update(check_id="SNAP-002", values={"max_count": count}, actor=officer)
    sync_and_check(endpoint)
    assert not Finding.objects.open().filter(check_id="SNAP-002", object_id=vm.pk).exists()
    api.wait(node, api.call("POST", f"/nodes/{node}/qemu/{vm.vmid}/snapshot", snapname="e2e1"))
    sync_and_check(endpoint)
    finding = Finding.objects.open().get(check_id="SNAP-002", object_id=vm.pk)
    assert finding.evidence["snapshots"] == count + 1
    # Made outside the portal and nobody owns it.
    assert Finding.objects.open().filter(check_id="SNAP-005", object_name="e2e1").exists()


def test_the_hosts_cd_drive_given_to_a_vm_opens_con_004_and_an_iso_resolves_it(pve):
    endpoint, api = pve
    sync_and_check(endpoint)
    # The harness gives each node's first VM a host USB device; take one without.
    vm = next(
        v
        for v in VirtualMachine.objects.filter(
            endpoint=endpoint, kind="qemu", absent_since__isnull=True
        ).order_by("vmid")
        if "usb0" not in v.config
    )
    node, path = vm.host.name, f"/nodes/{vm.host.name}/qemu/{vm.vmid}/config"
    assert not Finding.objects.open().filter(check_id="CON-004", object_id=vm.pk).exists()

    api.wait(node, api.call("POST", path, ide2="cdrom,media=cdrom"))
    sync_and_check(endpoint)
    finding = Finding.objects.open().get(check_id="CON-004", object_id=vm.pk)
    assert finding.evidence["devices"] == ["ide2: host CD/DVD drive"]

    api.wait(node, api.call("POST", path, ide2="none,media=cdrom"))
    sync_and_check(endpoint)
    assert_resolved(finding)
