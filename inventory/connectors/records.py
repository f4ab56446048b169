"""Plain records that connectors return.

Connectors translate a hypervisor's API into these dataclasses and nothing else: no ORM
objects, no SDK objects. The sync service turns them into rows. Every field that the source
may not provide is optional and stays ``None`` ("no data"); a connector never invents a value.

Units: bytes for memory and storage, percent (0-100) for CPU and memory use, megabits per
second for link speed, bytes per second for network rates, seconds for uptime.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ClusterRecord:
    external_id: str
    name: str
    ha_enabled: bool | None = None
    drs_enabled: bool | None = None
    quorate: bool | None = None  # Proxmox: corosync quorum; vCenter: None
    firewall_enabled: bool | None = None  # Proxmox cluster firewall
    extra: dict[str, Any] = field(default_factory=dict)  # HA resources, firewall options ...


@dataclass(slots=True)
class ServiceRecord:
    key: str  # "ssh", "esxi_shell", "ntp", "firewall" ...; normalised across platforms
    label: str
    running: bool | None = None
    policy: str = ""  # vCenter: on/off/automatic; Proxmox: enabled/disabled


@dataclass(slots=True)
class HostRecord:
    external_id: str
    name: str
    cluster_external_id: str | None = None
    product: str = ""
    version: str = ""
    build: str = ""
    updates_pending: int | None = None  # Proxmox apt/update: packages with a newer version
    security_updates: list[str] = field(default_factory=list)  # of those, from a security origin
    connection_state: str = ""  # connected, disconnected, notResponding (vCenter) / online, offline
    power_state: str = ""
    maintenance_mode: bool | None = None
    lockdown_mode: str = ""  # lockdownDisabled, lockdownNormal, lockdownStrict; "" = unknown
    cpu_model: str = ""
    cpu_sockets: int | None = None
    cpu_cores: int | None = None
    cpu_threads: int | None = None
    cpu_mhz: int | None = None
    memory_bytes: int | None = None
    cpu_usage_percent: float | None = None
    memory_used_bytes: int | None = None
    swap_used_bytes: int | None = None
    ksm_shared_bytes: int | None = None
    uptime_seconds: int | None = None
    management_addresses: list[str] = field(default_factory=list)
    services: list[ServiceRecord] = field(default_factory=list)
    ntp_servers: list[str] = field(default_factory=list)
    syslog_target: str = ""
    timezone: str = ""
    advanced_options: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class NicRecord:
    host_external_id: str
    device: str  # vmnic0 / eno1
    link_up: bool | None = None
    speed_mbps: int | None = None
    full_duplex: bool | None = None
    mac: str = ""
    kind: str = "physical"  # physical, bond
    slaves: list[str] = field(default_factory=list)  # for bonds


@dataclass(slots=True, kw_only=True)
class SecurityPolicyRecord:
    """The layer-2 security policy of a switch or a port group; None = the platform has none
    (a Linux bridge) or did not report it."""

    allow_promiscuous: bool | None = None
    allow_mac_changes: bool | None = None
    allow_forged_transmits: bool | None = None


@dataclass(slots=True)
class SwitchRecord(SecurityPolicyRecord):
    """A virtual switch (vSwitch, distributed switch) or Linux bridge / OVS bridge."""

    external_id: str  # unique within the endpoint
    name: str
    host_external_id: str | None = None  # None for a distributed switch
    kind: str = "vswitch"  # vswitch, dvswitch, bridge, ovs
    uplinks: list[str] = field(default_factory=list)  # NIC devices or bonds
    # A distributed switch's uplinks per member host: {host external id: [NIC devices]}.
    host_uplinks: dict[str, list[str]] = field(default_factory=dict)
    active: bool | None = None


@dataclass(slots=True)
class NetworkRecord(SecurityPolicyRecord):
    """A port group / network a VM can attach to."""

    external_id: str
    name: str
    switch_external_id: str | None = None
    vlan_id: int | None = None


@dataclass(slots=True)
class DatastoreRecord:
    external_id: str
    name: str
    type: str = ""  # VMFS, NFS, vsan, dir, lvmthin, zfspool, rbd ...
    capacity_bytes: int | None = None
    free_bytes: int | None = None
    uncommitted_bytes: int | None = None  # provisioned = capacity - free + uncommitted
    accessible: bool | None = None
    shared: bool | None = None
    host_external_ids: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)  # Proxmox content types
    # Whether each host reaches it (vSphere mountInfo.accessible, PVE per-node storage status).
    host_access: dict[str, bool] = field(default_factory=dict)


@dataclass(slots=True)
class VmNicRecord:
    name: str  # net0 / "Network adapter 1"
    mac: str = ""
    network: str = ""  # bridge or port group name
    vlan_id: int | None = None
    firewall: bool | None = None
    connected: bool | None = None  # runtime: follows the power state, not in the config hash
    start_connected: bool | None = None  # configuration: connect at power on (vSphere)


@dataclass(slots=True)
class VmRecord:
    external_id: str  # vCenter moref (vm-42); Proxmox "qemu/100" or "lxc/101"
    name: str
    kind: str = "vm"  # vm (vSphere), qemu, lxc
    instance_uuid: str = ""
    vmid: int | None = None  # Proxmox VMID
    power_state: str = ""  # poweredOn, poweredOff, suspended / running, stopped, paused
    guest_os: str = ""
    vcpus: int | None = None
    memory_bytes: int | None = None
    provisioned_bytes: int | None = None
    used_bytes: int | None = None
    host_external_id: str | None = None
    datastore_external_ids: list[str] = field(default_factory=list)
    tools_state: str = (
        ""  # vCenter toolsRunningStatus; Proxmox agent: running, not running, disabled
    )
    template: bool = False
    lock: str = ""
    tags: list[str] = field(default_factory=list)  # Proxmox: "tag"; vSphere: "Category:Tag"
    tags_known: bool = True  # False: the platform's tags could not be read (vAPI unreachable)
    extra_config: dict[str, str] = field(default_factory=dict)  # isolation.tools.*, RemoteDisplay.*
    console_connections: int | None = None
    passthrough_devices: list[str] = field(default_factory=list)  # usb0, hostpci0, serial0 ...
    nics: list[VmNicRecord] = field(default_factory=list)
    disks: list[dict[str, Any]] = field(default_factory=list)
    config_version: str = ""  # vCenter changeVersion, Proxmox digest
    config: dict[str, Any] = field(default_factory=dict)  # the config the hash is made of
    cpu_usage_percent: float | None = None
    memory_used_bytes: int | None = None
    ballooned_bytes: int | None = None
    swapped_bytes: int | None = None
    # Reservations (vSphere cpuAllocation/memoryAllocation); Proxmox has none: None.
    cpu_reservation_mhz: int | None = None
    memory_reservation_bytes: int | None = None
    # Backups: covered by a backup job (PVE) or carrying the backup attribute (vSphere);
    # None = the platform's backups were not read. ``backup_source`` names where it came from.
    backup_covered: bool | None = None
    last_backup_at: dt.datetime | None = None
    backup_source: str = ""
    # Guest time synchronisation (SYS.1.5.A7), as the platform reports it; {} = not read.
    # vSphere: {"source": "vmware_tools", "sync_with_host": bool|None, "sync_allowed": bool|None}
    # Proxmox QEMU: {"source": "qemu_agent", "agent_enabled": bool, "offset_seconds": float|None,
    # "guest_time": epoch seconds, "node_time": epoch seconds, "read_at": ISO time, "error": str}
    guest_time: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SnapshotRecord:
    external_id: str  # vCenter snapshot moref; Proxmox "qemu/100/name"
    vm_external_id: str
    name: str
    description: str = ""
    created_at: dt.datetime | None = None
    parent_external_id: str | None = None
    quiesced: bool | None = None
    with_memory: bool | None = None
    current: bool = False
    created_by: str = ""  # from the platform's task history where it tells


@dataclass(slots=True)
class SampleRecord:
    """One utilization reading, taken at sync time."""

    object_type: str  # host, vm, datastore
    external_id: str
    cpu_percent: float | None = None
    memory_percent: float | None = None
    storage_used_bytes: int | None = None
    net_rx_bps: float | None = None
    net_tx_bps: float | None = None


@dataclass(slots=True)
class AccountRecord:
    """A principal of the platform, for the rights checks: a user, a group or an API token.

    Proxmox: every user of /access/users, its API tokens and the groups the ACL names;
    vCenter: every principal a permission names (vCenter's user directory is not read).
    """

    userid: str  # "alice@pve", "alice@pve!ci", "admins" (PVE group), "VSPHERE.LOCAL\\bob"
    enabled: bool | None = None
    two_factor: bool | None = None
    realm_two_factor: bool | None = None  # the user's realm enforces a second factor (PVE tfa)
    roles: list[str] = field(default_factory=list)  # "path:role" entries from the ACL
    kind: str = "user"  # user, group, token
    realm: str = ""  # PVE realm, vCenter domain ("" = none)
    realm_type: str = ""  # PVE: pam, pve, ldap, ad, openid; vCenter: "" (not reported)
    directory: bool | None = None  # False: a local account of the platform; None: unknown
    expires_at: dt.datetime | None = None  # account or token expiry; None = never / unknown
    privsep: bool | None = None  # tokens: privilege separation (False: the user's full rights)
    # What the principal may do where, one entry per grant (see :func:`grant`).
    grants: list[dict] = field(default_factory=list)
    # The user's API tokens (PVE /access/users?full=1 ``tokens``): {"tokenid", "privsep",
    # "expire"} each, the token's comment left out; [] = none.
    api_tokens: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The stored external id: groups are prefixed so a group and a user of one name differ."""
        return f"group:{self.userid}" if self.kind == "group" else self.userid


def grant(
    *,
    entity_path: str,
    entity_id: str,
    role: str,
    role_id: str,
    propagate: bool | None,
    rights: dict,
    via: str = "",
    root: bool = False,
) -> dict:
    """One grant of a role to a principal on an entity, as the rights checks read it.

    ``entity_path``: the full inventory path with names ("/DC0/vm/web01", PVE "/vms/100 (web01)");
    ``entity_id``: the platform's id (moref, ACL path); ``rights``: the role's classification
    (PlatformTraits.classify_role); ``via``: how it reaches the principal ("group admins", "user
    (token without privilege separation)"), "" when granted to it directly; ``root``: granted at
    the top of the platform's tree (vCenter's root folder, PVE "/").
    """
    return {
        "entity_path": entity_path,
        "entity_id": entity_id,
        "role": role,
        "role_id": str(role_id),
        "propagate": propagate,
        "via": via,
        "root": root,
        **rights,
    }


@dataclass(slots=True)
class ConsoleSessionRecord:
    """Somebody opened a VM's console: a vCenter ticket event or a Proxmox console task.

    ``source`` is the platform's own id of the record (vCenter event key ``event-1234``,
    Proxmox UPID), unique per endpoint, so reading the same span twice stores it once.
    """

    vm_external_id: str  # vm-42, qemu/100, lxc/101
    vm_name: str
    user: str
    started_at: dt.datetime  # aware, UTC
    kind: str  # mks, webmks, vnc, spice, term
    source: str


@dataclass(slots=True)
class ConsoleRead:
    """One read of the console history: the sessions in [since, until) and what was missed."""

    sessions: list[ConsoleSessionRecord] = field(default_factory=list)
    until: dt.datetime | None = None  # the read covers the span up to here (platform time)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Inventory:
    """Everything one read of an endpoint returned."""

    clusters: list[ClusterRecord] = field(default_factory=list)
    hosts: list[HostRecord] = field(default_factory=list)
    nics: list[NicRecord] = field(default_factory=list)
    switches: list[SwitchRecord] = field(default_factory=list)
    networks: list[NetworkRecord] = field(default_factory=list)
    datastores: list[DatastoreRecord] = field(default_factory=list)
    vms: list[VmRecord] = field(default_factory=list)
    snapshots: list[SnapshotRecord] = field(default_factory=list)
    samples: list[SampleRecord] = field(default_factory=list)
    accounts: list[AccountRecord] = field(default_factory=list)
    # The management server itself (vCenter's about): product, version, build; empty = unknown.
    product: str = ""
    version: str = ""
    build: str = ""
    # What could not be read, without failing the whole read (a node that vanished ...).
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TaskStatus:
    """The state of a remote task an operation follows (vCenter Task, Proxmox UPID)."""

    state: str  # queued, running, succeeded, failed
    error: str = ""  # the platform's own message when failed (or its warnings)
    result_external_id: str | None = None  # the object the task produced or acted on
    # The VM's snapshots, read in the same request as the state where the platform can
    # (vCenter, when asked with ``vm_external_id``); None when not read.
    snapshots: list[SnapshotRecord] | None = None
