"""Examples for the inventory API, as Swagger UI and /api/schema/ show them.

One small estate throughout, so the examples read as one story: the vCenter ``vc-prod``
(endpoint 1) with the ESXi host ``esx01`` and the VM ``web-01`` (moref ``vm-42``), and the
Proxmox VE cluster ``pve-lab`` (endpoint 2) with the node ``pve1`` and the guests ``qemu/100``
and ``lxc/101``. tests/portal/test_openapi_examples.py checks every example against its
serializer's schema, so a field added to a serializer needs its value here too.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

VCENTER = {"endpoint": 1, "endpoint_name": "vc-prod", "platform": "vcenter"}
PROXMOX = {"endpoint": 2, "endpoint_name": "pve-lab", "platform": "proxmox"}
SEEN = {
    "first_seen": "2026-03-02T09:14:07Z",
    "last_seen": "2026-11-27T10:00:12Z",
    "absent_since": None,
}
GiB = 1024**3


def _example(name: str, value: dict, **kwargs) -> OpenApiExample:
    return OpenApiExample(name, value=value, **kwargs)


# ----------------------------------------------------------------------------- endpoints

ENDPOINT_EXAMPLES = [
    _example(
        "Register a vCenter",
        {
            "name": "vc-prod",
            "kind": "vcenter",
            "url": "https://vcenter.example.org",
            "username": "svc-portal@vsphere.local",
            "secret": "<the vCenter password>",
            "fingerprint": "3F:9A:61:0C:D2:7E:4B:88:15:A0:C3:5D:E9:72:1B:46:"
            "8C:D0:2F:93:57:E4:0A:B6:71:2C:D8:9E:45:03:BF:6A",
            "sync_interval_minutes": 15,
            "enabled": True,
        },
        request_only=True,
        description="The secret is write-only: no answer ever contains it.",
    ),
    _example(
        "Register a Proxmox VE cluster with an API token",
        {
            "name": "pve-lab",
            "kind": "proxmox",
            "url": "https://pve1.example.org:8006",
            "token_id": "portal@pve!sync",
            "secret": "<the API token's secret>",
            "ca_pem": "-----BEGIN CERTIFICATE-----\n<the cluster's CA certificate>\n"
            "-----END CERTIFICATE-----\n",
            "sync_interval_minutes": 15,
        },
        request_only=True,
    ),
    _example(
        "A vCenter",
        {
            "id": 1,
            "name": "vc-prod",
            "kind": "vcenter",
            "url": "https://vcenter.example.org",
            "username": "svc-portal@vsphere.local",
            "token_id": "",
            "has_secret": True,
            "ca_pem": "",
            "fingerprint": "3f9a610cd27e4b8815a0c35de9721b468cd02f9357e40ab6712cd89e4503bf6a",
            "fingerprint_display": "3F:9A:61:0C:D2:7E:4B:88:15:A0:C3:5D:E9:72:1B:46:"
            "8C:D0:2F:93:57:E4:0A:B6:71:2C:D8:9E:45:03:BF:6A",
            "trust_mode": "fingerprint",
            "sync_interval_minutes": 15,
            "enabled": True,
            "created_at": "2026-03-02T09:12:40Z",
            "last_sync_at": "2026-11-27T10:00:12Z",
            "last_sync_status": "succeeded",
            "last_success_at": "2026-11-27T10:00:12Z",
            "product": "VMware vCenter Server",
            "version": "8.0.3",
            "build": "24322831",
        },
        response_only=True,
    ),
    _example(
        "A Proxmox VE cluster",
        {
            "id": 2,
            "name": "pve-lab",
            "kind": "proxmox",
            "url": "https://pve1.example.org:8006",
            "username": "",
            "token_id": "portal@pve!sync",
            "has_secret": True,
            "ca_pem": "-----BEGIN CERTIFICATE-----\n<the cluster's CA certificate>\n"
            "-----END CERTIFICATE-----\n",
            "fingerprint": "",
            "fingerprint_display": "",
            "trust_mode": "ca",
            "sync_interval_minutes": 15,
            "enabled": True,
            "created_at": "2026-05-11T13:20:02Z",
            "last_sync_at": "2026-11-27T10:00:09Z",
            "last_sync_status": "succeeded",
            "last_success_at": "2026-11-27T10:00:09Z",
            "product": "",
            "version": "",
            "build": "",
        },
        response_only=True,
    ),
]

# A sync run as it is queued; the examples below change what a later moment changes.
_SYNC_RUN_QUEUED = {
    "id": 5522,
    "endpoint": 2,
    "endpoint_name": "pve-lab",
    "status": "queued",
    "trigger": "api",
    "requested_by": "alice",
    "queued_at": "2026-11-27T10:04:31Z",
    "started_at": None,
    "finished_at": None,
    "duration_seconds": None,
    "created": 0,
    "updated": 0,
    "absent": 0,
    "counts": {},
    "warnings": [],
    "error": "",
    "attempts": 0,
    "progress": {},
}

SYNC_RUN_EXAMPLES = [
    _example(
        "A finished sync of a vCenter",
        {
            **_SYNC_RUN_QUEUED,
            "id": 5521,
            "endpoint": 1,
            "endpoint_name": "vc-prod",
            "status": "succeeded",
            "trigger": "schedule",
            "requested_by": "",
            "queued_at": "2026-11-27T09:59:58Z",
            "started_at": "2026-11-27T09:59:59Z",
            "finished_at": "2026-11-27T10:00:12Z",
            "duration_seconds": 13.2,
            "created": 2,
            "updated": 37,
            "absent": 1,
            "counts": {
                "hosts": {"created": 0, "updated": 3, "absent": 0},
                "vms": {"created": 1, "updated": 29, "absent": 1},
                "snapshots": {"created": 1, "updated": 5, "absent": 0},
            },
            "attempts": 1,
        },
    ),
    _example(
        "A sync of a large vCenter, reading its VMs",
        {
            **_SYNC_RUN_QUEUED,
            "id": 5523,
            "endpoint": 3,
            "endpoint_name": "vc-dc2",
            "status": "running",
            "trigger": "schedule",
            "requested_by": "",
            "queued_at": "2026-11-27T10:05:00Z",
            "started_at": "2026-11-27T10:05:01Z",
            "attempts": 1,
            "progress": {"what": "VMs", "done": 4000, "total": None},
        },
    ),
    _example("A sync just queued from the API", _SYNC_RUN_QUEUED, status_codes=["200", "202"]),
]

# ----------------------------------------------------------------------------- topology

CLUSTER_EXAMPLES = [
    _example(
        "A vSphere cluster",
        {
            "id": 3,
            **VCENTER,
            "external_id": "domain-c8",
            "name": "Prod-Cluster",
            **SEEN,
            "ha_enabled": True,
            "drs_enabled": True,
            "quorate": None,
            "firewall_enabled": None,
        },
    ),
    _example(
        "A Proxmox VE cluster",
        {
            "id": 4,
            **PROXMOX,
            "external_id": "cluster/pve-lab",
            "name": "pve-lab",
            **SEEN,
            "ha_enabled": False,
            "drs_enabled": None,
            "quorate": True,
            "firewall_enabled": True,
        },
    ),
]

_ESXI = {
    "id": 7,
    **VCENTER,
    "external_id": "host-12",
    "name": "esx01.example.org",
    **SEEN,
    "cluster": 3,
    "cluster_name": "Prod-Cluster",
    "product": "VMware ESXi",
    "version": "8.0.2",
    "build": "22380479",
    "connection_state": "connected",
    "power_state": "poweredOn",
    "maintenance_mode": False,
    "lockdown_mode": "lockdownNormal",
    "cpu_model": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
    "cpu_sockets": 2,
    "cpu_cores": 64,
    "cpu_threads": 128,
    "cpu_mhz": 1995,
    "memory_bytes": 512 * GiB,
    "cpu_usage_percent": 23.4,
    "memory_used_bytes": 312 * GiB,
    "memory_percent": 60.9375,
    "swap_used_bytes": None,
    "ksm_shared_bytes": None,
    "uptime_seconds": 3804211,
    "management_addresses": ["10.1.0.21"],
    "services": [
        {"key": "ssh", "label": "SSH", "running": False, "policy": "off"},
        {"key": "esxi_shell", "label": "ESXi Shell", "running": False, "policy": "off"},
        {"key": "ntp", "label": "NTP Daemon", "running": True, "policy": "on"},
    ],
    "ntp_servers": ["ntp1.example.org", "ntp2.example.org"],
    "syslog_target": "udp://syslog.example.org:514",
    "timezone": "UTC",
}
_PVE_NODE = {
    "id": 9,
    **PROXMOX,
    "external_id": "node/pve1",
    "name": "pve1",
    **SEEN,
    "cluster": 4,
    "cluster_name": "pve-lab",
    "product": "Proxmox VE",
    "version": "8.3.0",
    "build": "c1689ccb1065a83b",
    "connection_state": "online",
    "power_state": "",
    "maintenance_mode": None,
    "lockdown_mode": "",
    "cpu_model": "AMD EPYC 7313P 16-Core Processor",
    "cpu_sockets": 1,
    "cpu_cores": 16,
    "cpu_threads": 32,
    "cpu_mhz": 3000,
    "memory_bytes": 128 * GiB,
    "cpu_usage_percent": 7.8,
    "memory_used_bytes": 71 * GiB,
    "memory_percent": 55.46875,
    "swap_used_bytes": 0,
    "ksm_shared_bytes": 2 * GiB,
    "uptime_seconds": 1209877,
    "management_addresses": ["10.2.0.11"],
    "services": [
        {
            "key": "ssh",
            "label": "OpenBSD Secure Shell server",
            "running": True,
            "policy": "enabled",
        },
        {
            "key": "ntp",
            "label": "chrony, an NTP client/server",
            "running": True,
            "policy": "enabled",
        },
        {"key": "firewall", "label": "Proxmox VE firewall", "running": True, "policy": "enabled"},
    ],
    "ntp_servers": [],
    "syslog_target": "",
    "timezone": "Europe/Berlin",
}
HOST_EXAMPLES = [_example("An ESXi host", _ESXI), _example("A Proxmox VE node", _PVE_NODE)]
HOST_DETAIL_EXAMPLES = [
    _example(
        "An ESXi host",
        {
            **_ESXI,
            "advanced_options": {
                "Syslog.global.logHost": "udp://syslog.example.org:514",
                "UserVars.ESXiShellTimeOut": 900,
                "Security.AccountLockFailures": 5,
                "Config.HostAgent.plugins.solo.enableMob": False,
            },
            "extra": {},
            "config_hash": "9b0e7d4c1f2a3e5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3",
            "updates_pending": None,
            "security_updates": [],
            "updates_pending_since": None,
        },
    ),
    _example(
        "A Proxmox VE node",
        {
            **_PVE_NODE,
            "advanced_options": {},
            "extra": {"kernel": "Linux 6.8.12-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4"},
            "config_hash": "4d2c9e1b7a6f5038e2d1c4b7a9f6e3d0c5b8a7f4e1d2c3b6a9f8e7d4c1b2a3f5",
            "updates_pending": 3,
            "security_updates": ["openssl 3.0.17-1~deb12u3 (Debian-Security)"],
            "updates_pending_since": "2026-11-25T04:00:00Z",
        },
    ),
]

NIC_EXAMPLES = [
    _example(
        "An ESXi uplink",
        {
            "id": 21,
            **VCENTER,
            "external_id": "host-12/vmnic0",
            "name": "vmnic0",
            **SEEN,
            "host": 7,
            "host_name": "esx01.example.org",
            "link_up": True,
            "speed_mbps": 25000,
            "full_duplex": True,
            "mac": "3c:ec:ef:5a:10:2e",
            "kind": "physical",
            "slaves": [],
        },
    ),
    _example(
        "A Proxmox bond",
        {
            "id": 26,
            **PROXMOX,
            "external_id": "node/pve1/bond0",
            "name": "bond0",
            **SEEN,
            "host": 9,
            "host_name": "pve1",
            "link_up": True,
            "speed_mbps": None,
            "full_duplex": None,
            "mac": "",
            "kind": "bond",
            "slaves": ["eno1", "eno2"],
        },
    ),
]

SWITCH_EXAMPLES = [
    _example(
        "A standard vSwitch",
        {
            "id": 14,
            **VCENTER,
            "external_id": "host-12/vSwitch0",
            "name": "vSwitch0",
            **SEEN,
            "host": 7,
            "host_name": "esx01.example.org",
            "kind": "vswitch",
            "uplinks": ["vmnic0", "vmnic1"],
            "active": None,
            "allow_promiscuous": False,
            "allow_mac_changes": False,
            "allow_forged_transmits": False,
        },
    ),
    _example(
        "A Linux bridge",
        {
            "id": 17,
            **PROXMOX,
            "external_id": "bridge/pve1/vmbr0",
            "name": "vmbr0",
            **SEEN,
            "host": 9,
            "host_name": "pve1",
            "kind": "bridge",
            "uplinks": ["bond0"],
            "active": True,
            "allow_promiscuous": None,
            "allow_mac_changes": None,
            "allow_forged_transmits": None,
        },
    ),
]

NETWORK_EXAMPLES = [
    _example(
        "A distributed port group",
        {
            "id": 52,
            **VCENTER,
            "external_id": "dvportgroup-1041",
            "name": "VM-Prod-110",
            **SEEN,
            "switch": 15,
            "switch_name": "DSwitch-Prod",
            "host": None,
            "vlan_id": 110,
            "allow_promiscuous": False,
            "allow_mac_changes": False,
            "allow_forged_transmits": False,
        },
    ),
]

DATASTORE_EXAMPLES = [
    _example(
        "A VMFS datastore",
        {
            "id": 31,
            **VCENTER,
            "external_id": "datastore-15",
            "name": "ds-prod-01",
            **SEEN,
            "type": "VMFS",
            "capacity_bytes": 4096 * GiB,
            "free_bytes": 1311 * GiB,
            "uncommitted_bytes": 402 * GiB,
            "provisioned_bytes": 3187 * GiB,
            "free_percent": 32.006835937,
            "accessible": True,
            "shared": True,
            "content": [],
            "hosts": [7, 8],
        },
    ),
    _example(
        "A Proxmox ZFS storage",
        {
            "id": 33,
            **PROXMOX,
            "external_id": "storage/pve1/local-zfs",
            "name": "local-zfs",
            **SEEN,
            "type": "zfspool",
            "capacity_bytes": 1800 * GiB,
            "free_bytes": 1236 * GiB,
            "uncommitted_bytes": None,
            "provisioned_bytes": 564 * GiB,
            "free_percent": 68.666666667,
            "accessible": True,
            "shared": False,
            "content": ["images", "rootdir"],
            "hosts": [9],
        },
    ),
]

# ----------------------------------------------------------------------------- machines

_WEB01 = {
    "id": 311,
    **VCENTER,
    "external_id": "vm-42",
    "name": "web-01",
    **SEEN,
    "kind": "vm",
    "instance_uuid": "5003c5a1-8f2e-4b7d-9c1a-2e6f0b3d4a71",
    "vmid": None,
    "host": 7,
    "host_name": "esx01.example.org",
    "cluster": 3,
    "cluster_name": "Prod-Cluster",
    "power_state": "poweredOn",
    "guest_os": "Ubuntu Linux (64-bit)",
    "vcpus": 4,
    "memory_bytes": 16 * GiB,
    "provisioned_bytes": 80 * GiB,
    "used_bytes": 42 * GiB,
    "tools_state": "guestToolsRunning",
    "template": False,
    "lock": "",
    "tags": ["Umgebung:prod", "Schutzbedarf:hoch"],
    "tags_known": True,
    "console_connections": 0,
    "passthrough_devices": [],
    "nics": [
        {
            "name": "Network adapter 1",
            "mac": "00:50:56:a1:3c:7e",
            "network": "VM-Prod-110",
            "vlan_id": None,
            "firewall": None,
            "connected": True,
        }
    ],
    "disks": [
        {
            "label": "Hard disk 1",
            "capacity_bytes": 80 * GiB,
            "file": "[ds-prod-01] web-01/web-01.vmdk",
            "datastore": "datastore-15",
            "thin": True,
            "mode": "persistent",
        }
    ],
    "datastores": [31],
    "cpu_usage_percent": 12.5,
    "memory_used_bytes": 3 * GiB,
    "ballooned_bytes": 0,
    "swapped_bytes": 0,
}
_DB01 = {
    "id": 318,
    **PROXMOX,
    "external_id": "qemu/100",
    "name": "db-01",
    **SEEN,
    "kind": "qemu",
    "instance_uuid": "",
    "vmid": 100,
    "host": 9,
    "host_name": "pve1",
    "cluster": 4,
    "cluster_name": "pve-lab",
    "power_state": "running",
    "guest_os": "l26",
    "vcpus": 4,
    "memory_bytes": 8 * GiB,
    "provisioned_bytes": 32 * GiB,
    "used_bytes": None,
    "tools_state": "running",
    "template": False,
    "lock": "",
    "tags": ["db", "prod"],
    "tags_known": True,
    "console_connections": None,
    "passthrough_devices": [],
    "nics": [
        {
            "name": "net0",
            "mac": "BC:24:11:5E:0A:21",
            "network": "vmbr0",
            "vlan_id": 110,
            "firewall": True,
            "connected": True,
        }
    ],
    "disks": [
        {
            "key": "scsi0",
            "volume": "local-zfs:vm-100-disk-0",
            "storage": "local-zfs",
            "size_bytes": 32 * GiB,
            "cdrom": False,
        }
    ],
    "datastores": [33],
    "cpu_usage_percent": 3.1,
    "memory_used_bytes": 5 * GiB,
    "ballooned_bytes": None,
    "swapped_bytes": None,
}
_CT = {
    **_DB01,
    "id": 319,
    "external_id": "lxc/101",
    "name": "dns-01",
    "kind": "lxc",
    "vmid": 101,
    "guest_os": "debian",
    "vcpus": 1,
    "memory_bytes": 512 * 1024**2,
    "provisioned_bytes": 8 * GiB,
    "tools_state": "",
    "tags": [],
    "tags_known": True,
    "nics": [
        {
            "name": "net0",
            "mac": "BC:24:11:7A:42:9C",
            "network": "vmbr0",
            "vlan_id": 20,
            "firewall": True,
            "connected": True,
        }
    ],
    "disks": [
        {
            "key": "rootfs",
            "volume": "local-zfs:subvol-101-disk-0",
            "storage": "local-zfs",
            "size_bytes": 8 * GiB,
            "cdrom": False,
        }
    ],
    "cpu_usage_percent": 0.4,
    "memory_used_bytes": 96 * 1024**2,
}
VM_EXAMPLES = [
    _example("A vSphere VM", _WEB01),
    _example("A Proxmox QEMU VM", _DB01),
    _example("A Proxmox LXC container", _CT),
]
# VMware Tools isolation and console limits (checks CON-001 and CON-003 read them).
_ISOLATION = {
    "RemoteDisplay.maxConnections": "1",
    "isolation.tools.copy.disable": "TRUE",
    "isolation.tools.paste.disable": "TRUE",
}
VM_DETAIL_EXAMPLES = [
    _example(
        "A vSphere VM",
        {
            **_WEB01,
            "extra_config": _ISOLATION,
            "config_version": "2026-11-20T08:31:44.512941Z",
            "config": {
                "name": "web-01",
                "guest_id": "ubuntu64Guest",
                "hardware_version": "vmx-20",
                "vcpus": 4,
                "memory_mb": 16384,
                "template": False,
                "extra_config": _ISOLATION,
                "nics": [
                    {
                        "name": "Network adapter 1",
                        "mac": "00:50:56:a1:3c:7e",
                        "network": "VM-Prod-110",
                        "connected": True,
                    }
                ],
                "disks": [
                    {
                        "label": "Hard disk 1",
                        "capacity_bytes": 80 * GiB,
                        "file": "[ds-prod-01] web-01/web-01.vmdk",
                        "thin": True,
                        "mode": "persistent",
                    }
                ],
                "passthrough": [],
            },
            "config_hash": "e41f0c7b9d2a8e3f5c6b1a0d9e8f7c6b5a4d3e2f1c0b9a8d7e6f5c4b3a2d1e0f",
        },
    ),
    _example(
        "A Proxmox QEMU VM",
        {
            **_DB01,
            "extra_config": {"vga": "qxl,clipboard=vnc", "vga.clipboard": "vnc"},
            "config_version": "5a1e3c9b0d7f2e4a6c8b1d3f5e7a9c0b2d4f6e8a",
            "config": {
                "name": "db-01",
                "ostype": "l26",
                "cores": 4,
                "sockets": 1,
                "memory": "8192",
                "agent": "1",
                "boot": "order=scsi0",
                "scsi0": "local-zfs:vm-100-disk-0,size=32G",
                "net0": "virtio=BC:24:11:5E:0A:21,bridge=vmbr0,firewall=1,tag=110",
                "vga": "qxl,clipboard=vnc",
            },
            "config_hash": "0c3b6a9f8e7d4c1b2a3f5e4d2c9e1b7a6f5038e2d1c4b7a9f6e3d0c5b8a7f4e1",
        },
    ),
]

# ----------------------------------------------------------------------------- snapshots

_BEFORE_PATCH = {
    "id": 3310,
    **VCENTER,
    "external_id": "snapshot-87",
    "name": "before-patch",
    **SEEN,
    "first_seen": "2026-11-27T10:02:40Z",
    "vm": 311,
    "vm_name": "web-01",
    "parent": None,
    "description": "kernel update [portal-op:9f2c41d07e5a4b3c8d16e0a7b5f93c28]",
    "created_at": "2026-11-27T10:02:31Z",
    "quiesced": False,
    "with_memory": False,
    "current": True,
    "created_by": "alice",
    "owner": "alice",
    "reason": "kernel update",
    "expires_at": "2026-11-30T18:00:00Z",
    "made_by_portal": True,
}
_PVE_SNAPSHOT = {
    "id": 3342,
    **PROXMOX,
    "external_id": "qemu/100/pre-upgrade",
    "name": "pre-upgrade",
    **SEEN,
    "first_seen": "2026-11-20T07:45:03Z",
    "vm": 318,
    "vm_name": "db-01",
    "parent": None,
    "description": "PostgreSQL 16 -> 17",
    "created_at": "2026-11-20T07:44:51Z",
    "quiesced": None,
    "with_memory": False,
    "current": True,
    "created_by": "root@pam",
    "owner": None,
    "reason": "",
    "expires_at": None,
    "made_by_portal": False,
}
SNAPSHOT_EXAMPLES = [
    _example("A portal snapshot on vCenter", _BEFORE_PATCH),
    _example("A Proxmox snapshot made outside the portal", _PVE_SNAPSHOT),
]
SAMPLE_EXAMPLES = [
    _example(
        "A host reading",
        {
            "id": 880412,
            **VCENTER,
            "object_type": "host",
            "object_id": 7,
            "taken_at": "2026-11-27T10:00:12Z",
            "cpu_percent": 23.4,
            "memory_percent": 60.9375,
            "storage_used_bytes": None,
            "net_rx_bps": 18350000.0,
            "net_tx_bps": 9420000.0,
        },
    ),
    _example(
        "A datastore reading",
        {
            "id": 880415,
            **PROXMOX,
            "object_type": "datastore",
            "object_id": 33,
            "taken_at": "2026-11-27T10:00:09Z",
            "cpu_percent": None,
            "memory_percent": None,
            "storage_used_bytes": 564 * GiB,
            "net_rx_bps": None,
            "net_tx_bps": None,
        },
    ),
]


# ----------------------------------------------------------------------------- console sessions

CONSOLE_SESSION_EXAMPLES = [
    _example(
        "A vSphere web console",
        {
            "id": 5120,
            **VCENTER,
            "vm": 42,
            "vm_name": "db01",
            "vm_external_id": "vm-42",
            "user": "VSPHERE.LOCAL\\alice",
            "started_at": "2026-11-27T09:14:03Z",
            "kind": "webmks",
            "source": "event-81723",
        },
    ),
    _example(
        "A Proxmox VE noVNC console of a guest since removed",
        {
            "id": 5121,
            **PROXMOX,
            "vm": None,
            "vm_name": "VMID 117",
            "vm_external_id": "117",
            "user": "bob@pve",
            "started_at": "2026-11-26T17:40:51Z",
            "kind": "vnc",
            "source": "UPID:pve1:0001C4E6:00A1B2C3:6745A1B0:vncproxy:117:bob@pve:",
        },
    ),
]
