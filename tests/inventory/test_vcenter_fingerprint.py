"""The VM configuration the vCenter connector fingerprints: settings, not runtime state (INT-002).

govmomi's simulator changes neither a NIC's ``connected`` on power off nor a disk's file on a
snapshot, so the connector's record is built here from the SDK's own data objects, as
PropertyCollector returns them.
"""

from __future__ import annotations

from pyVmomi import vim

from inventory.connectors.records import Inventory
from inventory.connectors.vcenter import VCenterConnector
from inventory.services.sync import config_hash


def _vm_config(*, connected: bool, start_connected: bool, disk_file: str) -> dict:
    nic = vim.vm.device.VirtualVmxnet3(
        key=4000,
        deviceInfo=vim.Description(label="Network adapter 1", summary=""),
        macAddress="00:50:56:00:00:01",
        backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName="VM Network"),
        connectable=vim.vm.device.VirtualDevice.ConnectInfo(
            connected=connected, startConnected=start_connected, allowGuestControl=False
        ),
    )
    disk = vim.vm.device.VirtualDisk(
        key=2000,
        deviceInfo=vim.Description(label="Hard disk 1", summary=""),
        capacityInBytes=16 * 1024**3,
        backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
            fileName=disk_file, diskMode="persistent", thinProvisioned=True
        ),
    )
    props = {
        "name": "app01",
        "config.guestId": "otherGuest64",
        "config.version": "vmx-19",
        "config.hardware.numCPU": 2,
        "config.hardware.memoryMB": 4096,
        "config.hardware.device": [nic, disk],
        "runtime.powerState": "poweredOn" if connected else "poweredOff",
    }
    inv = Inventory()
    connector = VCenterConnector.__new__(VCenterConnector)  # no session: records only
    connector._vm_records(inv, vim.VirtualMachine("vm-1"), props, {}, {})
    return inv.vms[0].config


def test_power_state_and_a_backup_snapshot_do_not_change_the_vm_fingerprint():
    running = _vm_config(connected=True, start_connected=True, disk_file="[ds1] app01/app01.vmdk")
    after = _vm_config(
        connected=False, start_connected=True, disk_file="[ds1] app01/app01-000001.vmdk"
    )
    assert config_hash(running) == config_hash(after)
    assert running["nics"][0]["start_connected"] is True
    assert "connected" not in running["nics"][0] and "file" not in running["disks"][0]


def test_a_nic_that_no_longer_connects_at_power_on_changes_the_vm_fingerprint():
    before = _vm_config(connected=True, start_connected=True, disk_file="[ds1] a/a.vmdk")
    after = _vm_config(connected=True, start_connected=False, disk_file="[ds1] a/a.vmdk")
    assert config_hash(before) != config_hash(after)
