"""End to end on fakepve: a node's links and bridges, and a storage that goes away.

A bond and a bridge are made through PVE's REST API as an administrator would (write the
interfaces, then reload the network: ``PUT /nodes/{node}/network``), and a Ceph storage is added
with ``POST /storage``. What no API call does is done in fakepve's model, and each test says
why: a second NIC plugged in and a cable pulled (hardware), Ceph becoming unreachable (fakepve's
own ``ceph_down`` scenario).

Not possible on Proxmox: NET-002 and NET-004 need a link speed, which PVE's network API does
not report; NET-005 judges switch security policies, which a Linux bridge does not have.
"""

from __future__ import annotations

import pytest

from inventory.models import Datastore, Host, PhysicalNic, VirtualSwitch
from simulators.endpoints import proxmox_endpoint
from simulators.fakepve import GiB

from .e2e import assert_resolved, open_finding, opened_by, resolved_by, result, sync_and_check
from .test_end_to_end_proxmox import PveApi

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def pve(fake_pve):
    """A Proxmox endpoint on a fresh fake, an API session and the fake itself."""
    return proxmox_endpoint(fake_pve, "pve-net", sync=False), PveApi(fake_pve), fake_pve


def bond_the_uplinks(api, fake, node: str) -> None:
    """Plug in a second NIC and put vmbr0 on a bond of both, as an administrator would."""
    # A NIC is hardware: no API call adds one.
    fake.call(fake.pve.add_nic, node, "eno2")
    api.call(
        "POST",
        f"/nodes/{node}/network",
        iface="bond0",
        type="bond",
        slaves="eno1 eno2",
        bond_mode="active-backup",
    )
    api.call("PUT", f"/nodes/{node}/network/vmbr0", type="bridge", bridge_ports="bond0")
    api.wait(node, api.call("PUT", f"/nodes/{node}/network"))


def pull_cable(fake, node: str, nic: str, *, up: bool = False) -> None:
    """A link goes down (or up again): the kernel's state, not a setting."""
    fake.call(fake.pve.set_link, node, nic, up=up)


def test_a_bridge_on_one_nic_fails_net_003_and_a_bond_of_two_passes(pve):
    endpoint, api, fake = pve
    run = sync_and_check(endpoint)
    bridge = VirtualSwitch.objects.get(endpoint=endpoint, host__name="pve1", name="vmbr0")
    finding = open_finding("NET-003", bridge)
    assert finding.status == "fail"
    assert finding.evidence["physical_links"] == ["eno1"]
    assert result(run, "NET-003").failed == 2  # each node's vmbr0 hangs on eno1 alone

    bond_the_uplinks(api, fake, "pve1")
    run = sync_and_check(endpoint)
    assert_resolved(finding)
    assert result(run, "NET-003").passed == 1
    bridge.refresh_from_db()
    assert bridge.uplinks == ["bond0"]


def test_a_bridge_on_a_vlan_port_of_a_bond_passes_net_003_and_on_a_nics_vlan_fails(pve):
    endpoint, api, fake = pve
    bond_the_uplinks(api, fake, "pve1")
    for iface, raw in (("bond0.20", "bond0"), ("eno1.30", "eno1")):
        api.call(
            "POST", "/nodes/pve1/network", iface=iface, type="vlan", **{"vlan-raw-device": raw}
        )
    api.call("POST", "/nodes/pve1/network", iface="vmbr20", type="bridge", bridge_ports="bond0.20")
    api.call("POST", "/nodes/pve1/network", iface="vmbr30", type="bridge", bridge_ports="eno1.30")
    api.wait("pve1", api.call("PUT", "/nodes/pve1/network"))
    run = sync_and_check(endpoint)
    on_bond = VirtualSwitch.objects.get(endpoint=endpoint, host__name="pve1", name="vmbr20")
    on_nic = VirtualSwitch.objects.get(endpoint=endpoint, host__name="pve1", name="vmbr30")
    assert on_bond.uplinks == ["bond0.20"]
    assert open_finding("NET-003", on_bond) is None
    assert open_finding("NET-003", on_nic).evidence["physical_links"] == ["eno1"]
    assert result(run, "NET-003").passed == 2  # pve1's vmbr0 on bond0 and vmbr20

    # A cable of the bond pulled: a dead link under the VLAN port is a dead uplink.
    pull_cable(fake, "pve1", "eno2")
    sync_and_check(endpoint)
    nic = PhysicalNic.objects.get(host__endpoint=endpoint, host__name="pve1", name="eno2")
    assert open_finding("NET-001", nic).evidence["used_as_uplink"] is True


def test_a_pulled_cable_opens_net_001_and_plugging_it_in_resolves_it(pve):
    endpoint, _, fake = pve
    sync_and_check(endpoint)
    nic = PhysicalNic.objects.get(host__endpoint=endpoint, host__name="pve2", name="eno1")
    assert open_finding("NET-001", nic) is None

    finding = opened_by(endpoint, lambda: pull_cable(fake, "pve2", "eno1"), "NET-001", nic)
    assert finding.evidence["link_up"] is False
    assert finding.evidence["used_as_uplink"] is True  # vmbr0's only port

    resolved_by(endpoint, lambda: pull_cable(fake, "pve2", "eno1", up=True), finding)


def test_a_dead_bond_member_is_a_dead_uplink_for_net_001(pve):
    endpoint, api, fake = pve
    bond_the_uplinks(api, fake, "pve1")
    # A NIC nothing uses: its link down is only a warning.
    fake.call(fake.pve.add_nic, "pve1", "eno3", active=False)
    pull_cable(fake, "pve1", "eno2")
    sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve1")
    member = open_finding("NET-001", PhysicalNic.objects.get(host=host, name="eno2"))
    assert member.status == "fail"
    assert member.evidence["used_as_uplink"] is True  # through bond0, vmbr0's port
    spare = open_finding("NET-001", PhysicalNic.objects.get(host=host, name="eno3"))
    assert spare.status == "warning"
    assert spare.evidence["used_as_uplink"] is False


def test_a_storage_that_becomes_unreachable_opens_sto_003(pve):
    endpoint, api, fake = pve
    api.call(
        "POST",
        "/storage",
        storage="ceph-vm",
        type="rbd",
        pool="vm",
        content="images,rootdir",
    )
    sync_and_check(endpoint)
    # fakepve lists an RBD storage per node (PVE marks RBD shared): pve1's is enough here.
    storage = Datastore.objects.get(endpoint=endpoint, external_id="storage/pve1/ceph-vm")
    assert open_finding("STO-003", storage) is None

    # Ceph's monitors out of reach is a failure of the world, not a setting.
    finding = opened_by(endpoint, lambda: fake.call(fake.pve.ceph_down), "STO-003", storage)
    assert finding.evidence["accessible"] is False

    resolved_by(endpoint, lambda: fake.call(fake.pve.ceph_recover), finding)


def test_a_large_thin_disk_overprovisions_the_storage_for_sto_002_until_its_vm_goes(pve):
    endpoint, api, _ = pve
    run = sync_and_check(endpoint)
    storage = Datastore.objects.get(endpoint=endpoint, external_id="storage/pve1/local-lvm")
    assert open_finding("STO-002", storage) is None  # 72 GiB of disks on 100 GiB
    # Both local-lvm and the NFS storage take guest disks; "local" (ISO, backup) is not judged.
    assert result(run, "STO-002").passed == 3

    def create_vm() -> None:
        upid = api.call(
            "POST", "/nodes/pve1/qemu", vmid=150, name="big", memory=2048, scsi0="local-lvm:250"
        )
        api.wait("pve1", upid)

    finding = opened_by(endpoint, create_vm, "STO-002", storage)
    assert finding.evidence["provisioned_bytes"] == 322 * GiB
    assert finding.evidence["ratio"] == 3.22

    resolved_by(
        endpoint, lambda: api.wait("pve1", api.call("DELETE", "/nodes/pve1/qemu/150")), finding
    )
