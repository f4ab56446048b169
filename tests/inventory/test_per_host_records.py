"""What the connectors record per host: distributed-switch uplinks and datastore access.

Neither simulator can show one host losing a shared storage (fakepve keeps one state per
storage; govmomi's simulator mounts its datastore without per-host accessibility changes) nor
a distributed switch's uplinks per host (the simulator keeps no ``config.host``), so the
records are built here from the platforms' own answers.
"""

from __future__ import annotations

from pyVmomi import vim

from inventory.connectors.proxmox import ProxmoxConnector
from inventory.connectors.records import Inventory
from inventory.connectors.vcenter import VCenterConnector, _dvs_host_uplinks


def test_a_shared_proxmox_storage_records_each_nodes_own_status():
    resources = [
        {"type": "storage", "node": node, "storage": "nfs", "shared": 1, "status": status}
        for node, status in (("pve1", "available"), ("pve2", "unknown"), ("pve3", "available"))
    ]
    inv = Inventory()
    ProxmoxConnector._datastores(ProxmoxConnector.__new__(ProxmoxConnector), resources, inv)
    (store,) = inv.datastores
    assert store.accessible is True  # datastore-wide: some node reaches it
    assert store.host_access == {"node/pve1": True, "node/pve2": False, "node/pve3": True}


def test_a_vsphere_datastore_records_accessibility_per_mount():
    def mount(host: str, accessible: bool) -> vim.Datastore.HostMount:
        return vim.Datastore.HostMount(
            key=vim.HostSystem(host),
            mountInfo=vim.host.MountInfo(accessible=accessible, mounted=True, accessMode="rw"),
        )

    summary = vim.Datastore.Summary(
        name="ds1", type="VMFS", capacity=100, freeSpace=50, accessible=True
    )
    props = {
        "name": "ds1",
        "summary": summary,
        "host": [mount("host-1", True), mount("host-2", False)],
    }
    inv = Inventory()
    VCenterConnector._datastore_records(inv, vim.Datastore("datastore-1"), props)
    assert inv.datastores[0].host_access == {"host-1": True, "host-2": False}


def test_a_distributed_switch_records_its_uplinks_per_member_host():
    def member(host: str, nics: list[str]) -> vim.dvs.HostMember:
        backing = vim.dvs.HostMember.PnicBacking(
            pnicSpec=[vim.dvs.HostMember.PnicSpec(pnicDevice=n) for n in nics]
        )
        config = vim.dvs.HostMember.ConfigInfo(host=vim.HostSystem(host), backing=backing)
        return vim.dvs.HostMember(config=config)

    uplinks = _dvs_host_uplinks([member("host-1", ["vmnic2", "vmnic1"]), member("host-2", [])])
    assert uplinks == {"host-1": ["vmnic1", "vmnic2"], "host-2": []}
