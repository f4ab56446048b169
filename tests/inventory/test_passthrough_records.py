"""What the connectors call a passed-through host device (CON-004), from the platforms' answers.

Virtual hardware is not passthrough: a USB controller with nothing attached, a floppy or CD-ROM
drive reading an image, a USB device redirected from the viewer (SPICE). Passthrough is what
hands the guest a piece of the host: PCI and SCSI passthrough, SR-IOV functions, the host's own
optical drive, raw LUNs and ``/dev`` disks, a container's bind mount of a host path.
"""

from __future__ import annotations

from pyVmomi import vim

from inventory.connectors.proxmox import ProxmoxConnector
from inventory.connectors.records import Inventory, VmRecord
from inventory.connectors.vcenter import VCenterConnector


def _vsphere_passthrough(*devices) -> list[str]:
    props = {"name": "vm", "config.hardware.device": list(devices)}
    inv = Inventory()
    VCenterConnector.__new__(VCenterConnector)._vm_records(
        inv, vim.VirtualMachine("vm-1"), props, {}, {}
    )
    return inv.vms[0].passthrough_devices


def _label(text: str) -> vim.Description:
    return vim.Description(label=text, summary="")


def test_a_usb_controller_and_image_backed_drives_are_not_passthrough_on_vsphere():
    devices = [
        vim.vm.device.VirtualUSBXHCIController(key=1, deviceInfo=_label("USB xHCI controller")),
        vim.vm.device.VirtualFloppy(
            key=2,
            deviceInfo=_label("Floppy drive 1"),
            backing=vim.vm.device.VirtualFloppy.ImageBackingInfo(fileName="[ds] a.flp"),
        ),
        vim.vm.device.VirtualCdrom(
            key=3,
            deviceInfo=_label("CD/DVD drive 1"),
            backing=vim.vm.device.VirtualCdrom.IsoBackingInfo(fileName="[ds] os.iso"),
        ),
    ]
    assert _vsphere_passthrough(*devices) == []


def test_scsi_passthrough_host_cdrom_sriov_and_a_physical_rdm_are_passthrough_on_vsphere():
    devices = [
        vim.vm.device.VirtualSCSIPassthrough(key=1, deviceInfo=_label("SCSI device 0")),
        vim.vm.device.VirtualCdrom(
            key=2,
            deviceInfo=_label("CD/DVD drive 1"),
            backing=vim.vm.device.VirtualCdrom.AtapiBackingInfo(deviceName="/vmfs/devices/cdrom"),
        ),
        vim.vm.device.VirtualSriovEthernetCard(
            key=3, deviceInfo=_label("SR-IOV network adapter 1"), macAddress="00:50:56:00:00:02"
        ),
        vim.vm.device.VirtualDisk(
            key=4,
            deviceInfo=_label("Hard disk 2"),
            capacityInBytes=1024,
            backing=vim.vm.device.VirtualDisk.RawDiskMappingVer1BackingInfo(
                fileName="[ds] vm/rdm.vmdk", compatibilityMode="physicalMode", diskMode=""
            ),
        ),
    ]
    assert _vsphere_passthrough(*devices) == [
        "SCSI device 0",
        "CD/DVD drive 1 (host drive)",
        "SR-IOV network adapter 1 (SR-IOV)",
        "Hard disk 2 (raw LUN, physical mode)",
    ]


def _proxmox_passthrough(kind: str, config: dict) -> list[str]:
    vm = VmRecord(external_id=f"{kind}/100", name="g", kind=kind)
    ProxmoxConnector.__new__(ProxmoxConnector)._apply_config(vm, config, "pve1", {})
    return vm.passthrough_devices


def test_host_cdrom_raw_disks_and_mapped_usb_are_passthrough_on_proxmox_but_spice_usb_is_not():
    config = {
        "ide2": "cdrom,media=cdrom",
        "ide3": "local:iso/debian.iso,media=cdrom",
        "scsi0": "local-lvm:vm-100-disk-0,size=32G",
        "scsi1": "/dev/disk/by-id/ata-SAMSUNG_1234,size=500G",
        "usb0": "spice",
        "usb1": "host=1-2",
        "hostpci0": "0000:01:00.1,pcie=1",
    }
    assert _proxmox_passthrough("qemu", config) == [
        "hostpci0",
        "ide2: host CD/DVD drive",
        "scsi1: raw host device /dev/disk/by-id/ata-SAMSUNG_1234",
        "usb1",
    ]


def test_a_containers_bind_mount_is_passthrough_on_proxmox():
    config = {
        "rootfs": "local-lvm:vm-101-disk-0,size=8G",
        "mp0": "/srv/share,mp=/mnt/share",
        "mp1": "local-lvm:vm-101-disk-1,mp=/data,size=4G",
        "dev0": "/dev/ttyUSB0",
    }
    assert _proxmox_passthrough("lxc", config) == [
        "dev0",
        "mp0: bind mount of host path /srv/share",
    ]
