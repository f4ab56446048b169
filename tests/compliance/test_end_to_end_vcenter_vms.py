"""End to end on vCenter VMs: reconfigure them in govmomi's simulator, sync, check, see flips.

Limits of the simulator (govmomi 0.24) met here:
- SNAP-001: the simulator stamps ``createTime`` with the current time and offers no way to age a
  snapshot, so the test lowers the allowed age to 0 days instead of waiting 3 days.
- SNAP-003: the simulator records the VM's power state as the snapshot's state whatever the
  ``memory`` flag says; vCenter does so only for memory snapshots. The test therefore takes the
  snapshot without memory from a powered-off VM.
- Console connections, tools state and ballooned memory (CON-002, OPS-005, MEM-002) come from the
  guest and the console on a real vCenter; the simulator sets them through its ``SET.`` keys.
"""

from __future__ import annotations

import pytest
from pyVmomi import vim

from compliance.services import baseline_approve, check_parameters_update, config_diff
from inventory.models import Datastore, Network, Snapshot, VirtualMachine

from .e2e import assert_resolved, open_finding, result, sync_and_check

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
MiB = 1024 * 1024


def cluster_vm(endpoint) -> VirtualMachine:
    return (
        VirtualMachine.objects.filter(endpoint=endpoint, host__cluster__isnull=False)
        .select_related("host", "host__cluster")
        .order_by("name")
        .first()
    )


def test_a_vm_given_more_memory_than_its_host_opens_mem_003_and_mem_004(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    host, cluster = vm.host, vm.host.cluster
    assert open_finding("MEM-003", host) is None and open_finding("MEM-004", cluster) is None

    api.reconfigure(vm.external_id, memoryMB=host.memory_bytes // MiB + 1024)
    sync_and_check(endpoint)
    overcommit = open_finding("MEM-003", host)
    assert overcommit.evidence["configured_bytes"] > host.memory_bytes
    assert overcommit.evidence["ratio"] > 1
    # Two equal hosts: the survivor of a failure cannot hold a VM larger than itself.
    failover = open_finding("MEM-004", cluster)
    assert (
        failover.evidence["running_vm_memory_bytes"] > failover.evidence["remaining_capacity_bytes"]
    )

    api.reconfigure(vm.external_id, memoryMB=64)
    sync_and_check(endpoint)
    assert_resolved(overcommit, failover)


def test_more_vcpus_than_the_host_threads_allow_opens_cpu_002(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    host = vm.host
    assert open_finding("CPU-002", host) is None

    api.reconfigure(vm.external_id, numCPUs=host.cpu_threads * 4 + 1)
    sync_and_check(endpoint)
    finding = open_finding("CPU-002", host)
    assert finding.evidence["ratio"] > finding.evidence["threshold_ratio"] == 4.0

    api.reconfigure(vm.external_id, numCPUs=1)
    sync_and_check(endpoint)
    assert_resolved(finding)


def test_console_isolation_set_in_extra_config_resolves_con_001_and_con_003(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    unlimited = open_finding("CON-001", vm)
    assert unlimited.evidence["RemoteDisplay.maxConnections"] is None
    # No isolation keys: copy and paste are off by vSphere's default, no finding.
    assert open_finding("CON-003", vm) is None

    api.set_extra_config(
        vm.external_id,
        {"isolation.tools.copy.disable": "FALSE", "isolation.tools.paste.disable": "TRUE"},
    )
    sync_and_check(endpoint)
    clipboard = open_finding("CON-003", vm)
    assert clipboard.status == "fail"
    assert clipboard.evidence["source"]["isolation.tools.copy.disable"] == "explicit"

    api.set_extra_config(
        vm.external_id,
        {"RemoteDisplay.maxConnections": "1", "isolation.tools.copy.disable": "TRUE"},
    )
    sync_and_check(endpoint)
    assert_resolved(unlimited, clipboard)

    api.set_extra_config(vm.external_id, {"RemoteDisplay.maxConnections": "4"})
    sync_and_check(endpoint)
    assert open_finding("CON-001", vm).evidence["RemoteDisplay.maxConnections"] == "4"


def test_a_serial_port_added_to_a_vm_opens_con_004(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    # The simulator's VMs come with the host's CD drive connected: put an ISO in it first.
    api.set_cdrom_backing(vm.external_id, iso="[LocalDS_0] os.iso")
    sync_and_check(endpoint)
    assert open_finding("CON-004", vm) is None

    api.add_serial_port(vm.external_id)
    sync_and_check(endpoint)
    devices = open_finding("CON-004", vm).evidence["devices"]
    assert len(devices) == 1 and "serial" in devices[0].lower()


def test_the_hosts_cd_drive_opens_con_004_and_a_usb_controller_or_an_iso_does_not(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    # govmomi's simulator gives its VMs a CD/DVD drive on the host's device (ATAPI backing).
    finding = open_finding("CON-004", vm)
    assert finding.status == "fail"
    assert [d for d in finding.evidence["devices"] if d.endswith("(host drive)")]

    api.set_cdrom_backing(vm.external_id, iso="[LocalDS_0] os.iso")
    api.add_device(vm.external_id, vim.vm.device.VirtualUSBXHCIController(key=-1))
    sync_and_check(endpoint)
    assert_resolved(finding)
    assert open_finding("CON-004", vm) is None  # a USB controller is virtual hardware

    api.set_cdrom_backing(vm.external_id, iso=None)
    sync_and_check(endpoint)
    devices = open_finding("CON-004", vm).evidence["devices"]
    assert len(devices) == 1 and devices[0].endswith("(host drive)")


def test_guest_and_console_state_flip_con_002_ops_005_and_mem_002(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    # The simulator starts its VMs without running tools.
    tools = open_finding("OPS-005", vm)
    assert tools.evidence["tools_state"] == "guestToolsNotRunning"
    assert open_finding("CON-002", vm) is None and open_finding("MEM-002", vm) is None

    api.set_runtime_state(
        vm.external_id,
        {
            "guest.toolsRunningStatus": "guestToolsRunning",
            "runtime.numMksConnections": 2,
            "summary.quickStats.balloonedMemory": 512,
        },
    )
    sync_and_check(endpoint)
    assert_resolved(tools)
    assert open_finding("CON-002", vm).evidence["console_connections"] == 2
    assert open_finding("MEM-002", vm).evidence["ballooned_bytes"] == 512 * MiB

    api.set_runtime_state(
        vm.external_id,
        {"runtime.numMksConnections": 0, "summary.quickStats.balloonedMemory": 0},
    )
    sync_and_check(endpoint)
    assert open_finding("CON-002", vm) is None and open_finding("MEM-002", vm) is None


def test_snapshots_taken_in_vcenter_open_the_snapshot_findings(vc, officer):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm, other = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name")[:2]
    check_parameters_update(check_id="SNAP-002", values={"max_count": 1}, actor=officer)

    first = api.create_snapshot(vm.external_id, "before patch", memory=True)
    run = sync_and_check(endpoint)
    snapshot = Snapshot.objects.get(endpoint=endpoint, external_id=first)
    assert open_finding("SNAP-002", vm) is None
    made_outside = open_finding("SNAP-005", snapshot)
    assert made_outside.status == "fail"  # made outside, no owner
    # The finding names the VM and host to fix, and the snapshot's moref.
    assert made_outside.object_path.endswith(f" › {vm.host.name} › {vm.name} › before patch")
    assert made_outside.object_external_id == first
    assert open_finding("SNAP-003", snapshot).evidence["with_memory"] is True
    assert result(run, "SNAP-001").passed == 1  # 3 days allowed

    api.create_snapshot(vm.external_id, "second")
    check_parameters_update(check_id="SNAP-001", values={"max_age_days": 0}, actor=officer)
    sync_and_check(endpoint)
    assert open_finding("SNAP-002", vm).evidence["snapshots"] == 2
    assert open_finding("SNAP-001", snapshot).evidence["threshold_days"] == 0

    api.power_off(other.external_id)
    cold = api.create_snapshot(other.external_id, "cold")
    run = sync_and_check(endpoint)
    assert open_finding("SNAP-003", Snapshot.objects.get(external_id=cold)) is None
    assert result(run, "SNAP-003").passed == 1

    api.remove_all_snapshots(vm.external_id)
    sync_and_check(endpoint)
    assert open_finding("SNAP-002", vm) is None
    assert open_finding("SNAP-005", snapshot) is None  # the snapshot is gone


def test_a_reconfigured_vm_differs_from_its_approved_baseline_int_002(vc, officer):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    assert open_finding("INT-002", vm).status == "warning"  # nothing approved yet

    baseline = baseline_approve(object_type="vm", object_id=vm.pk, actor=officer)
    sync_and_check(endpoint)
    assert open_finding("INT-002", vm) is None

    api.reconfigure(vm.external_id, memoryMB=256)
    sync_and_check(endpoint)
    drift = open_finding("INT-002", vm)
    assert drift.status == "fail"
    assert drift.evidence["baseline_id"] == baseline.pk
    assert drift.evidence["config_hash"] != baseline.config_hash

    baseline_approve(object_type="vm", object_id=vm.pk, actor=officer, comment="more memory")
    sync_and_check(endpoint)
    assert_resolved(drift)


def test_int_002_ignores_power_state_and_backup_snapshots_and_names_a_changed_nic(vc, officer):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    baseline = baseline_approve(object_type="vm", object_id=vm.pk, actor=officer)
    # The baseline holds exactly what was hashed: the NIC's configuration, not its state.
    nic = baseline.config["nics"][0]
    assert "start_connected" in nic and "connected" not in nic
    assert all("file" not in disk for disk in baseline.config["disks"])

    # Runtime changes an administrator did not make: powered off (NICs disconnect), a backup
    # product's snapshot (disks move to delta files), powered on again.
    api.power_off(vm.external_id)
    api.create_snapshot(vm.external_id, "backup")
    run = sync_and_check(endpoint)
    assert open_finding("INT-002", vm) is None
    api.power_on(vm.external_id)
    sync_and_check(endpoint)
    assert open_finding("INT-002", vm) is None

    # A configuration change: the NIC no longer connects at power on.
    api.set_nic_start_connected(vm.external_id, False)
    sync_and_check(endpoint)
    drift = open_finding("INT-002", vm)
    assert drift.status == "fail" and drift.evidence["baseline_id"] == baseline.pk
    vm.refresh_from_db()
    changes = config_diff(baseline.config, vm.config)
    assert [(c.key, c.before, c.after) for c in changes] == [
        (f"nics.[{nic['name']}].start_connected", True, False)
    ]
    assert result(run, "INT-002").failed == 0


def test_a_promiscuous_distributed_port_group_opens_net_006(vc):
    endpoint, api = vc
    run = sync_and_check(endpoint)
    portgroup = Network.objects.get(endpoint=endpoint, name="DC0_DVPG0")
    # The simulator's port groups come without a security policy.
    assert open_finding("NET-006", portgroup) is None
    passed = result(run, "NET-006").passed

    api.set_portgroup_security(portgroup.external_id, promiscuous=False)
    run = sync_and_check(endpoint)
    assert result(run, "NET-006").passed == passed + 1

    api.set_portgroup_security(portgroup.external_id, promiscuous=True)
    sync_and_check(endpoint)
    finding = open_finding("NET-006", portgroup)
    assert finding.evidence["allow_promiscuous"] is True
    assert finding.evidence["allow_forged_transmits"] is False

    api.set_portgroup_security(portgroup.external_id, promiscuous=False)
    sync_and_check(endpoint)
    assert_resolved(finding)


def test_a_disk_that_fills_the_datastore_opens_sto_001(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    datastore = Datastore.objects.get(endpoint=endpoint)  # one datastore, mounted on every host
    assert open_finding("STO-001", datastore) is None

    # The simulator books a new disk's full size against the datastore's free space.
    key = api.add_disk(vm.external_id, int(datastore.free_bytes * 0.97))
    sync_and_check(endpoint)
    finding = open_finding("STO-001", datastore)
    assert finding.evidence["free_percent"] < finding.evidence["threshold_percent"]

    api.remove_disk(vm.external_id, key)
    sync_and_check(endpoint)
    assert_resolved(finding)
