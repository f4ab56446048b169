"""VMware vCenter connector: the only product module that imports pyvmomi.

Trust
    Every TLS connection of the session, the one that carries the login included, is verified:
    with ``config.ca_pem`` by an ``SSLContext`` that trusts only that CA (chain and host name);
    with ``config.fingerprint`` by :class:`_PinnedHTTPSConnection`, which compares the SHA-256
    fingerprint of the presented certificate right after the handshake, before a byte of HTTP
    is sent, on every new connection of pyvmomi's pool. We do not use pyvmomi's own
    ``thumbprint=``: pyvmomi (9.1, ``SoapAdapter._Connect``) checks it only after a failed
    chain verification, so a certificate the context happens to trust skips the pin, and the
    fallback flips the shared context to ``CERT_NONE`` for every later pool connection.
    Neither CA nor fingerprint -> :class:`TrustError`.

    The API version is negotiated from ``/sdk/vimServiceVersions.xml`` over the same verified
    connection class (pyVim's ``SmartConnect`` fetches it outside the stub's pool), which also
    tells a vCenter from any other HTTPS server.

Reading
    One container view per object type and one ``RetrievePropertiesEx`` per type, followed by
    ``ContinueRetrievePropertiesEx`` pages of :attr:`VCenterConnector.page_size` objects. A whole
    inventory costs ``2 + 6 * 3 + P`` SOAP calls (P = continuation pages; 20 for a small
    vCenter), whatever the number of objects: RetrieveServiceContent and Login once, then per
    type CreateContainerView, RetrievePropertiesEx, DestroyView (types: cluster, host,
    datastore, distributed switch, distributed port group, VM); plus one HTTPS GET of
    ``vimServiceVersions.xml`` before the login and Logout on :meth:`close`.

External ids
    managed object ids (``host-21``, ``vm-42``, ``datastore-11``, ``dvportgroup-9``,
    ``snapshot-7``) for everything vCenter names; a standard vSwitch is ``<host>/<vswitch>`` and
    a standard port group ``<host>/<port group>`` (they exist per host; vCenter's ``Network``
    objects for standard port groups only aggregate them by name and carry no policy).

Faults
    InvalidLogin -> AuthenticationError; unreachable, refused, time-out -> ConnectorError (not
    permanent); certificate not trusted or not the pinned one -> TrustError; a server that does
    not speak the vSphere API, or an ESXi host instead of a vCenter -> ConnectorError
    (permanent). The secret never appears in a message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import http.client
import logging
import re
import socket
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

from pyVmomi import SoapStubAdapter, VmomiSupport, vim, vmodl
from pyVmomi.VmomiSupport import ManagedObject

from . import tls, vsphere_tags
from .base import (
    CLOCK_SKEW,
    AuthenticationError,
    ConnectorError,
    EndpointConfig,
    ObjectGoneError,
    Progress,
    TrustError,
    no_progress,
)
from .records import (
    AccountRecord,
    ClusterRecord,
    ConsoleRead,
    ConsoleSessionRecord,
    DatastoreRecord,
    HostRecord,
    Inventory,
    NetworkRecord,
    NicRecord,
    SampleRecord,
    ServiceRecord,
    SnapshotRecord,
    SwitchRecord,
    TaskStatus,
    VmNicRecord,
    VmRecord,
    grant,
)
from .vcenter_traits import TRAITS

log = logging.getLogger(__name__)

MiB = 1024 * 1024

# Service keys as ESXi names them -> the portal's platform-neutral keys.
SERVICE_KEYS: dict[str, str] = {
    "TSM-SSH": "ssh",
    "TSM": "esxi_shell",
    "ntpd": "ntp",
    "DCUI": "dcui",
    "vmsyslogd": "syslog",
    "snmpd": "snmp",
    "sfcbd-watchdog": "cim",
    "lwsmd": "active_directory",
    "vpxa": "vcenter_agent",
}

# Advanced host options the compliance checks read (config.option). Only those the host
# reports are stored; a missing one stays absent ("no data"), never a default.
ADVANCED_OPTIONS: tuple[str, ...] = (
    "Syslog.global.logHost",
    "Syslog.global.logDir",
    "UserVars.ESXiShellTimeOut",
    "UserVars.ESXiShellInteractiveTimeOut",
    "UserVars.DcuiTimeOut",
    "UserVars.HostClientSessionTimeout",
    "UserVars.SuppressShellWarning",
    "Security.AccountLockFailures",
    "Security.AccountUnlockTime",
    "Security.PasswordQualityControl",
    "Security.PasswordHistory",
    "Config.HostAgent.plugins.solo.enableMob",
    "Config.HostAgent.log.level",
    "Mem.ShareForceSalting",
    "Net.BlockGuestBPDU",
    "DCUI.Access",
)

# Advanced host options the hardening guides name (compliance/data/hardening/*.json), kept in
# Host.extra["hardening"]["options"] (not in advanced_options: the integrity baseline's hash
# stays as it was). Only those the host reports; a missing one stays absent ("not read").
HARDENING_OPTIONS: tuple[str, ...] = (
    "Annotations.WelcomeMessage",
    "Config.Etc.issue",
    "Config.HostAgent.log.level",
    "Config.HostAgent.plugins.solo.enableMob",
    "Config.HostAgent.vmacore.soap.sessionTimeout",
    "DCUI.Access",
    "Mem.MemEagerZero",
    "Mem.ShareForceSalting",
    "Net.BMCNetworkEnable",
    "Net.BlockGuestBPDU",
    "Net.DVFilterBindIpAddress",
    "Security.AccountLockFailures",
    "Security.AccountUnlockTime",
    "Security.PasswordHistory",
    "Security.PasswordMaxDays",
    "Security.PasswordQualityControl",
    "Syslog.global.auditRecord.remoteEnable",
    "Syslog.global.auditRecord.storageCapacity",
    "Syslog.global.auditRecord.storageEnable",
    "Syslog.global.certificate.checkSSLCerts",
    "Syslog.global.certificate.strictX509Compliance",
    "Syslog.global.logHost",
    "Syslog.global.logLevel",
    "UserVars.DcuiTimeOut",
    "UserVars.ESXiShellInteractiveTimeOut",
    "UserVars.ESXiShellTimeOut",
    "UserVars.ESXiVPsDisabledProtocols",
    "UserVars.HostClientSessionTimeout",
    "UserVars.SuppressHyperthreadWarning",
    "UserVars.SuppressShellWarning",
    "VMkernel.Boot.execInstalledOnly",
)

# The API's names of the VIB acceptance levels -> the names esxcli and the guides use.
ACCEPTANCE_LEVELS: dict[str, str] = {
    "vmware_certified": "VMwareCertified",
    "vmware_accepted": "VMwareAccepted",
    "partner": "PartnerSupported",
    "community": "CommunitySupported",
}

# VM extraConfig keys kept, compared without case as the VMX file does (M 4.349: VMware Tools
# isolation, console connections; the hardening guides' VM settings: device connection by the
# guest, SetInfo size, host information, console lock, 3D, log rotation, page-sharing salt, VNC).
EXTRA_CONFIG_PREFIXES: tuple[str, ...] = (
    "isolation.",
    "remotedisplay.maxconnections",
    "remotedisplay.vnc.enabled",
    "tools.setinfo.sizelimit",
    "tools.guestlib.enablehostinfo",
    "tools.guest.desktop.autolock",
    "mks.enable3d",
    "log.keepold",
    "log.rotatesize",
    "sched.mem.pshare.salt",
)
# dvfilter network filters attached to a VM NIC (ethernet0.filter1.name).
EXTRA_CONFIG_PATTERN = re.compile(r"^ethernet\d+\.filter\d+\.name$", re.IGNORECASE)


def _kept_extra_config(key: str) -> bool:
    return key.lower().startswith(EXTRA_CONFIG_PREFIXES) or bool(EXTRA_CONFIG_PATTERN.match(key))


# Devices the passthrough checks look at.
# Devices that hand a piece of the host (or a console client's hardware) to the guest. Not a
# USB controller (a virtual controller with nothing attached) nor a floppy or CD-ROM drive that
# reads an image file: those are virtual hardware. SR-IOV NICs are matched before Ethernet cards.
PASSTHROUGH_DEVICES: tuple[type, ...] = (
    vim.vm.device.VirtualUSB,
    vim.vm.device.VirtualPCIPassthrough,
    vim.vm.device.VirtualSCSIPassthrough,
    vim.vm.device.VirtualSerialPort,
    vim.vm.device.VirtualParallelPort,
)
# The device and backing types the VM mapping tells apart, resolved once: each ``vim.a.b.C``
# goes through pyVmomi's lazy type lookup, which per device of 5,000 VMs cost more than the
# rest of the mapping (profiled with pyinstrument, issue 17).
SRIOV_NIC = vim.vm.device.VirtualSriovEthernetCard
ETHERNET_CARD = vim.vm.device.VirtualEthernetCard
VIRTUAL_DISK = vim.vm.device.VirtualDisk
RDM_BACKING = vim.vm.device.VirtualDisk.RawDiskMappingVer1BackingInfo
NETWORK_BACKING = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo
DVPORT_BACKING = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo
# Backings of a CD-ROM or floppy drive that are the host's own drive.
HOST_DRIVE_BACKINGS: tuple[type, ...] = (
    vim.vm.device.VirtualCdrom.AtapiBackingInfo,
    vim.vm.device.VirtualCdrom.PassthroughBackingInfo,
    vim.vm.device.VirtualFloppy.DeviceBackingInfo,
)

TASK_STATES: dict[str, str] = {
    "queued": "queued",
    "running": "running",
    "success": "succeeded",
    "error": "failed",
}

# Property paths read per type. Kept to what the records need: ``config`` of a VM or host is
# large, so only its relevant branches are named.
# Objects per QueryPerf request for the network rates.
PERF_BATCH = 500
RIGHTS_NOT_READ = "permissions not read"  # the warning of a failed read of the permissions

CLUSTER_PROPS = ["name", "configurationEx"]
HOST_PROPS = [
    "name",
    "parent",
    "summary.config.product",
    "summary.hardware",
    "summary.quickStats",
    "runtime.connectionState",
    "runtime.powerState",
    "runtime.inMaintenanceMode",
    "config.lockdownMode",
    "config.network",
    "config.virtualNicManagerInfo",
    "config.service",
    "config.dateTimeInfo",
    "config.firewall",
    "capability",
    "configManager.advancedOption",
    "configManager.imageConfigManager",
]
# A host's advanced settings are read from its OptionManager (``configManager.advancedOption``),
# all hosts' managers in one RetrievePropertiesEx (and its pages) after the hosts: the same
# settings ESXi reports in ``config.option`` and PowerCLI's Get-AdvancedSetting shows.
OPTION_PROPS = ["setting"]
DATASTORE_PROPS = ["name", "summary", "host"]
DVS_PROPS = ["name", "config.defaultPortConfig", "config.uplinkPortgroup", "config.host"]
NETWORK_PROPS = ["name"]
DVPG_PROPS = ["name", "config"]
VM_PROPS = [
    "name",
    "config.instanceUuid",
    "config.guestFullName",
    "config.guestId",
    "config.version",
    "config.template",
    "config.changeVersion",
    "config.hardware.numCPU",
    "config.hardware.memoryMB",
    "config.hardware.device",
    "config.extraConfig",
    "runtime.powerState",
    "runtime.host",
    "runtime.numMksConnections",
    "summary.storage",
    "summary.quickStats",
    "guest.toolsRunningStatus",
    "datastore",
    "snapshot",
    "config.cpuAllocation",
    "config.memoryAllocation",
    "config.annotation",
    "config.tools",  # syncTimeWithHost, syncTimeWithHostAllowed (TIM-001)
    "customValue",
]


# How a sync's progress names what it reads (see VCenterConnector.read_inventory).
PROGRESS_LABELS = {
    vim.ClusterComputeResource: "clusters",
    vim.HostSystem: "hosts",
    vim.Datastore: "datastores",
    vim.DistributedVirtualSwitch: "switches",
    vim.dvs.DistributedVirtualPortgroup: "port groups",
    vim.VirtualMachine: "VMs",
}
# What tells who made a snapshot (see VCenterConnector._snapshot_creators).
TASK_PROPS = ["info.descriptionId", "info.state", "info.result", "info.reason"]
# The events of a console ticket, the ticket types that are a console, and how many events one
# page of the event collector holds and how many pages one read takes at most.
CONSOLE_EVENTS = ("VmAcquiredMksTicketEvent", "VmAcquiredTicketEvent")
CONSOLE_TICKETS = ("mks", "webmks")
CONSOLE_PAGE = 1000
CONSOLE_PAGES = 50


class _PinMismatch(Exception):
    """Raised inside the connection; turned into ``tls.pin_mismatch`` by the connector."""

    def __init__(self, presented: str) -> None:
        super().__init__("pinned certificate mismatch")
        self.presented = presented


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection that accepts exactly one certificate, by SHA-256 fingerprint.

    The chain is not verified (a pinned certificate is typically self-signed); the pin is
    compared after the handshake and before the request, so credentials and session cookies
    only ever travel to the pinned certificate. Subclassed per connector with ``expected``.
    """

    expected: ClassVar[str] = ""

    def connect(self) -> None:
        super().connect()
        assert self.sock is not None
        der = self.sock.getpeercert(binary_form=True) or b""  # type: ignore[union-attr]
        presented = tls.fingerprint_of_der(der)
        if not self.expected or not hmac.compare_digest(presented, self.expected):
            self.close()
            raise _PinMismatch(presented)


def _pin_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    # tls-audit: the certificate is checked by fingerprint in _PinnedHTTPSConnection.connect
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _moid(obj: Any) -> str | None:
    return obj._moId if obj is not None else None


def _domain_of(principal: str) -> str:
    """The domain of a vCenter principal: "VSPHERE.LOCAL\\bob" and "bob@vsphere.local" ->
    "VSPHERE.LOCAL" / "vsphere.local"; "" for a host-local name such as "root"."""
    if "\\" in principal:
        return principal.split("\\", 1)[0]
    return principal.rpartition("@")[2] if "@" in principal else ""


def _to_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _mib(value: Any) -> int | None:
    return int(value) * MiB if value is not None else None


def _percent(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * float(part) / float(whole), 2)


def _kbps(value: int | None) -> float | None:
    """KB/s from the PerformanceManager as bytes/s; -1 (no sample) and None stay None."""
    return float(value) * 1024.0 if value is not None and value >= 0 else None


def _bool_policy(policy: Any, name: str) -> bool | None:
    """A vSwitch/port group security flag (plain bool) or a DVS one (BoolPolicy.value)."""
    if policy is None:
        return None
    value = getattr(policy, name, None)
    if isinstance(value, vim.BoolPolicy):
        value = value.value
    return bool(value) if value is not None else None


def _security_policy(security: Any) -> dict[str, bool | None]:
    """A switch's, port group's or distributed port's security policy as record fields."""
    return {
        "allow_promiscuous": _bool_policy(security, "allowPromiscuous"),
        "allow_mac_changes": _bool_policy(security, "macChanges"),
        "allow_forged_transmits": _bool_policy(security, "forgedTransmits"),
    }


def _may_connect(dev: Any) -> bool:
    """A device that is connected or connects at power on (no connect info: it always is)."""
    info = getattr(dev, "connectable", None)
    return info is None or bool(info.connected) or bool(info.startConnected)


def _dvs_host_uplinks(members: Any) -> dict[str, list[str]]:
    """A distributed switch's physical uplinks per member host (``config.host[].config``).

    Each member's backing names the host's NICs (``pnicSpec[].pnicDevice``, e.g. vmnic1) that
    carry the switch's uplink ports on that host.
    """
    uplinks: dict[str, list[str]] = {}
    for member in members or []:
        config = getattr(member, "config", None)
        host = _moid(getattr(config, "host", None))
        if host is None:
            continue
        specs = getattr(getattr(config, "backing", None), "pnicSpec", None) or []
        uplinks[host] = sorted({str(s.pnicDevice) for s in specs if s.pnicDevice})
    return uplinks


# The times backup products write: ISO 8601 (Veeam's attribute, scripts) and the US form
# Veeam writes into the notes ("Last backup: 11/30/2026 2:05:11 AM").
_ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)")
_US_TIME = re.compile(r"(\d{1,2}/\d{1,2}/\d{4}) (\d{1,2}:\d{2}:\d{2})(?: ?([AP]M))?")
_NOTES_BACKUP = re.compile(r"last backup:?\s*(.+)", re.IGNORECASE)


def backup_time(text: str) -> dt.datetime | None:
    """The first time in ``text`` a backup product wrote (UTC when it names no zone)."""
    match = _ISO_TIME.search(text)
    try:
        if match:
            parsed = dt.datetime.fromisoformat(f"{match[1]}T{match[2]}")
        elif match := _US_TIME.search(text):
            fmt = "%m/%d/%Y %I:%M:%S %p" if match[3] else "%m/%d/%Y %H:%M:%S"
            value = f"{match[1]} {match[2]}" + (f" {match[3]}" if match[3] else "")
            parsed = dt.datetime.strptime(value, fmt)
        else:
            return None
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed


def _backup_of(vm: VmRecord, p: dict[str, Any], key: int | None, attribute: str) -> None:
    """The last backup a backup product wrote into the custom attribute or the notes.

    Neither the attribute nor a "Last backup:" line in the notes: not covered.
    """
    # vCenter keeps one value per key; govmomi's simulator appends on each SetField: the last.
    values = [str(c.value) for c in p.get("customValue") or [] if key is not None and c.key == key]
    value = values[-1].strip() if values else ""
    if value:
        vm.backup_covered = True
        vm.last_backup_at = backup_time(value)
        vm.backup_source = f"custom attribute {attribute!r}: {value[:120]}"
        return
    notes = _NOTES_BACKUP.search(str(p.get("config.annotation") or ""))
    if notes:
        vm.backup_covered = True
        vm.last_backup_at = backup_time(notes[1])
        vm.backup_source = f"notes: {notes[0].strip()[:120]}"
        return
    vm.backup_covered = False
    vm.backup_source = f"no custom attribute {attribute!r} and no 'Last backup' in the notes"


def _dvs_record(obj: Any, p: dict[str, Any]) -> SwitchRecord:
    """A distributed switch from its DVS_PROPS (the full read and the change feed)."""
    security = getattr(p.get("config.defaultPortConfig"), "securityPolicy", None)
    return SwitchRecord(
        external_id=obj._moId,
        name=p.get("name", ""),
        kind="dvswitch",
        host_uplinks=_dvs_host_uplinks(p.get("config.host")),
        **_security_policy(security),
    )


def _console_session(event: Any, since: dt.datetime) -> ConsoleSessionRecord | None:
    """A console ticket event as a record; None for another ticket, an older event or one
    without a VM."""
    if isinstance(event, vim.event.VmAcquiredMksTicketEvent):
        kind = "mks"
    elif isinstance(event, vim.event.VmAcquiredTicketEvent):
        kind = str(getattr(event, "ticketType", "") or "")
        if kind not in CONSOLE_TICKETS:
            return None
    else:
        return None
    created = event.createdTime
    argument = getattr(event, "vm", None)
    vm = getattr(argument, "vm", None)
    if created is None or vm is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    created = created.astimezone(dt.UTC)
    if created < since:
        return None
    return ConsoleSessionRecord(
        vm_external_id=str(vm._moId),
        vm_name=str(getattr(argument, "name", "") or ""),
        user=str(event.userName or ""),
        started_at=created,
        kind=kind,
        source=f"event-{event.key}",
    )


def set_vm_tags(inv: Inventory, found: dict[str, list[str]] | None) -> None:
    """The VMs' tags from a vAPI read; ``found`` None (not read): every VM's tags unknown."""
    for vm in inv.vms:
        if found is None:
            vm.tags, vm.tags_known = [], False
        else:
            vm.tags, vm.tags_known = found.get(vm.external_id, []), True


def _plain(value: Any) -> Any:
    """JSON-friendly, order-stable copy of an option value for the config hash."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class _Rates:
    """The network rates of host and running-VM samples from the PerformanceManager.

    The latest realtime (20 s) sample of ``net.received`` and ``net.transmitted`` (KB/s), one
    QueryPerf per PERF_BATCH objects. The counter list and the QueryPerf requests run in one
    background thread of the connector's session (pyVmomi's stub keeps a pool of connections)
    while the caller goes on reading: :meth:`take` hands over the samples appended to the
    inventory since its last call, :meth:`finish` waits for the answers. The rates are the same
    as when read after the whole inventory; only the waiting overlaps. Rates are optional: a
    vCenter that has no such counters or refuses the query leaves them empty ("no data") with
    a warning.
    """

    def __init__(self, connector: VCenterConnector, inv: Inventory) -> None:
        self.c, self.inv = connector, inv
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="perf-rates")
        self.counters = self.pool.submit(self._counters)
        self.jobs: list[Any] = []
        self.pending: list[Any] = []
        self.samples_seen = self.vms_seen = 0
        self.running: set[str] = set()
        self.warning = ""

    def take(self) -> None:
        """Queue the samples of hosts and running VMs appended since the last call."""
        inv = self.inv
        self.running.update(
            v.external_id for v in inv.vms[self.vms_seen :] if v.power_state == "poweredOn"
        )
        self.vms_seen = len(inv.vms)
        for s in inv.samples[self.samples_seen :]:
            if s.object_type == "host" or (s.object_type == "vm" and s.external_id in self.running):
                self.pending.append(s)
        self.samples_seen = len(inv.samples)
        while len(self.pending) >= PERF_BATCH:
            self._submit()

    def finish(self) -> None:
        """Wait for every answer; add the warning of a failed read to the inventory."""
        try:
            self.take()
            if self.pending:
                self._submit()
            for job in self.jobs:
                job.result()
        finally:
            self.pool.shutdown(wait=True)
        if self.warning:
            self.inv.warnings.append(self.warning)

    def close(self) -> None:
        """Stop without waiting (the read failed)."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self) -> None:
        batch, self.pending = self.pending[:PERF_BATCH], self.pending[PERF_BATCH:]
        self.jobs.append(self.pool.submit(self._query, batch))

    def _counters(self) -> tuple[int, int] | None:
        perf = self.c._connect().perfManager
        try:
            counters = self.c._call("PerformanceManager.perfCounter", lambda: perf.perfCounter)
        except ConnectorError as exc:
            self.warning = f"network rates not read: {exc}"
            return None
        keys = {(c.groupInfo.key, c.nameInfo.key, str(c.rollupType)): c.key for c in counters or []}
        rx, tx = (
            keys.get(("net", "received", "average")),
            keys.get(("net", "transmitted", "average")),
        )
        if rx is None or tx is None:
            self.warning = "network rates not read: no net.received/transmitted counters"
            return None
        return rx, tx

    def _query(self, batch: list[Any]) -> None:
        keys = self.counters.result()  # the same thread: already done
        if keys is None or self.warning:
            return  # no counters, or an earlier request failed: the rest stay empty
        rx, tx = keys
        perf = self.c._connect().perfManager
        metric_ids = [vim.PerformanceManager.MetricId(counterId=k, instance="") for k in (rx, tx)]
        kinds = {"host": vim.HostSystem, "vm": vim.VirtualMachine}
        query_spec = vim.PerformanceManager.QuerySpec  # one lazy type lookup, not one per object
        specs = [
            query_spec(
                entity=kinds[s.object_type](s.external_id, self.c._stub),
                metricId=metric_ids,
                intervalId=20,
                maxSample=1,
            )
            for s in batch
        ]
        try:
            result = self.c._call("QueryPerf", lambda: perf.QueryPerf(querySpec=specs))
        except ConnectorError as exc:
            self.warning = f"network rates not read: {exc}"
            return
        latest = {
            m.entity._moId: {v.id.counterId: v.value[-1] for v in m.value or [] if v.value}
            for m in result or []
            if m.entity is not None
        }
        for sample in batch:
            values = latest.get(sample.external_id, {})
            sample.net_rx_bps = _kbps(values.get(rx))
            sample.net_tx_bps = _kbps(values.get(tx))


class VCenterConnector:
    """Reads one vCenter and runs snapshot tasks on it. See the module docstring."""

    kind = "vcenter"
    page_size = 1000

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        self.url = config.url.rstrip("/")
        try:
            self._host, self._port = tls.host_port(self.url)
        except ValueError as exc:
            raise ConnectorError(str(exc), permanent=True) from None
        path = urlsplit(self.url).path.rstrip("/")
        self._path = path if path else "/sdk"
        self._stub: SoapStubAdapter | None = None
        self._content: Any = None
        self._progress: Progress = no_progress
        self._scheme, self._context = self._trust()

    # -- connection ---------------------------------------------------------------------------

    def _trust(self) -> tuple[type[http.client.HTTPSConnection], ssl.SSLContext]:
        if self.config.ca_pem:
            try:
                return http.client.HTTPSConnection, tls.ca_context(self.config.ca_pem)
            except (ssl.SSLError, ValueError) as exc:
                raise TrustError(
                    f"the CA certificate of {self.url} cannot be used: {exc}"
                ) from None
        if self.config.fingerprint:
            try:
                expected = tls.normalize_fingerprint(self.config.fingerprint)
            except ValueError as exc:
                raise TrustError(f"pinned fingerprint for {self.url}: {exc}") from None
            scheme = type(
                "PinnedHTTPSConnection", (_PinnedHTTPSConnection,), {"expected": expected}
            )
            return scheme, _pin_context()
        raise TrustError(
            f"{self.url}: no CA certificate and no pinned fingerprint; "
            "the portal never connects without verifying the server's certificate"
        )

    def _scrub(self, text: str) -> str:
        secret = self.config.secret
        return text.replace(secret, "***") if secret else text

    def _translate(self, exc: BaseException, doing: str) -> ConnectorError:
        """Map an SDK/socket exception to a ConnectorError fit for an operator."""
        where = f"{self.url} ({doing})"
        if isinstance(exc, ConnectorError):
            return exc
        if isinstance(exc, _PinMismatch):
            return tls.pin_mismatch(self.url, self._scheme.expected, exc.presented)  # type: ignore[attr-defined]
        if isinstance(exc, ssl.SSLCertVerificationError):
            return TrustError(
                f"certificate of {self.url} is not trusted by the endpoint's CA certificate: "
                f"{exc.verify_message or exc.reason}"
            )
        if isinstance(exc, vim.fault.InvalidLogin):
            return AuthenticationError(
                f"vCenter at {self.url} rejected the user name or password "
                f"for {self.config.username!r}"
            )
        if isinstance(exc, vim.fault.NotAuthenticated):
            return AuthenticationError(f"{where}: the session is not authenticated")
        if isinstance(exc, vim.fault.NoPermission):
            priv = getattr(exc, "privilegeId", "") or "?"
            return ConnectorError(
                f"{where}: user {self.config.username!r} lacks privilege {priv}", permanent=True
            )
        if isinstance(exc, vmodl.fault.ManagedObjectNotFound):
            return ObjectGoneError(f"{where}: the object no longer exists")
        if isinstance(exc, vmodl.MethodFault):
            msg = exc.msg or type(exc).__name__
            return ConnectorError(self._scrub(f"{where}: vCenter answered {msg}"))
        if isinstance(exc, TimeoutError | socket.timeout):
            return ConnectorError(f"{where}: timed out after {self.config.timeout:g} s")
        if isinstance(exc, ssl.SSLError):
            return ConnectorError(f"{where}: TLS handshake failed: {exc.reason or exc}")
        if isinstance(exc, OSError):
            return ConnectorError(f"cannot reach {self._host}:{self._port}: {exc.strerror or exc}")
        if isinstance(exc, http.client.HTTPException | ExpatError | ET.ParseError):
            return ConnectorError(
                f"{self.url} does not answer as a vCenter SOAP API ({type(exc).__name__})",
                permanent=True,
            )
        return ConnectorError(self._scrub(f"{where}: {type(exc).__name__}: {exc}"))

    def _new_connection(self) -> http.client.HTTPSConnection:
        return self._scheme(
            self._host, self._port, context=self._context, timeout=self.config.timeout
        )

    def _negotiate_version(self) -> str:
        """The newest vim25 version both the server and pyvmomi know, e.g. ``vim.version.v8_0_2_0``."""
        conn = self._new_connection()
        try:
            conn.request("GET", f"{self._path}/vimServiceVersions.xml")
            resp = conn.getresponse()
            body = resp.read(1_000_000)
            status = resp.status
        finally:
            conn.close()
        if status != 200:
            raise ConnectorError(
                f"{self.url} does not answer as a vCenter (HTTP {status} for "
                f"{self._path}/vimServiceVersions.xml)",
                permanent=True,
            )
        root = ET.fromstring(body)  # noqa: S314 - our verified server, bounded read
        for ns in root.iter("namespace"):
            if (ns.findtext("name") or "").strip() != "urn:vim25":
                continue
            versions = [(ns.findtext("version") or "").strip()]
            versions += [(v.text or "").strip() for v in ns.iterfind("priorVersions/version")]
            for version in versions:
                known = VmomiSupport.versionMap.get(f"vim25/{version}")
                if known:
                    return known
        raise ConnectorError(
            f"{self.url} does not offer a vim25 API version this portal knows", permanent=True
        )

    def _connect(self) -> Any:
        """Log in once; return the ServiceContent. Raises ConnectorError."""
        if self._content is not None:
            return self._content
        try:
            version = self._negotiate_version()
            stub = SoapStubAdapter(
                host=self._host,
                port=self._port,
                path=self._path,
                version=version,
                sslContext=self._context,
                httpConnectionTimeout=self.config.timeout,
                connectionPoolTimeout=60,
            )
            # Every connection of the pool goes through our class (pin or CA context).
            stub.scheme = self._scheme
            si = vim.ServiceInstance("ServiceInstance", stub)
            content = si.RetrieveContent()
            api_type = content.about.apiType
            if api_type != "VirtualCenter":
                raise ConnectorError(
                    f"{self.url} is {content.about.fullName!r} ({api_type}), not a vCenter; "
                    "add the vCenter that manages it",
                    permanent=True,
                )
            content.sessionManager.Login(self.config.username, self.config.secret, None)
        except Exception as exc:
            raise self._translate(exc, "login") from None
        self._stub = stub
        self._content = content
        log.debug("logged in to %s as %s (API %s)", self.url, self.config.username, version)
        return content

    def close(self) -> None:
        """Log out and drop the connections. Never raises."""
        content, stub = self._content, self._stub
        self._content = self._stub = None
        if content is None:
            return
        try:
            content.sessionManager.Logout()
        except Exception:  # noqa: S110 - closing must not fail
            pass
        finally:
            if stub is not None:
                stub.DropConnections()

    def __enter__(self) -> VCenterConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, doing: str, func: Callable[[], Any]) -> Any:
        try:
            return func()
        except Exception as exc:
            raise self._translate(exc, doing) from None

    # -- property collector -------------------------------------------------------------------

    def _retrieve(
        self, obj_type: type, props: list[str], container: Any = None
    ) -> Iterator[tuple[Any, dict[str, Any]]]:
        """All objects of ``obj_type`` below ``container`` (root folder) with ``props``.

        One container view, one RetrievePropertiesEx and one ContinueRetrievePropertiesEx per
        further page. Properties vCenter reports as missing (or the simulator leaves unset) are
        simply absent from the dict.
        """
        content = self._connect()
        view = self._call(
            "CreateContainerView",
            lambda: content.viewManager.CreateContainerView(
                container or content.rootFolder, [obj_type], True
            ),
        )
        try:
            traversal = vmodl.query.PropertyCollector.TraversalSpec(
                name="view", path="view", skip=False, type=vim.view.ContainerView
            )
            spec = vmodl.query.PropertyCollector.FilterSpec(
                objectSet=[
                    vmodl.query.PropertyCollector.ObjectSpec(
                        obj=view, skip=True, selectSet=[traversal]
                    )
                ],
                propSet=[vmodl.query.PropertyCollector.PropertySpec(type=obj_type, pathSet=props)],
            )
            label = PROGRESS_LABELS.get(obj_type, obj_type.__name__)
            count = 0
            self._progress(label, count)
            for item in self._pages(spec, obj_type.__name__):
                yield item
                count += 1
                if count % 50 == 0:
                    self._progress(label, count)
            self._progress(label, count)
        finally:
            # A view left behind dies with the session anyway.
            with contextlib.suppress(Exception):
                view.DestroyView()

    def _pages(self, spec: Any, name: str) -> Iterator[tuple[Any, dict[str, Any]]]:
        """The objects of ``spec``: one RetrievePropertiesEx, one Continue… per further page."""
        pc = self._connect().propertyCollector
        options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=self.page_size)
        result = self._call(name, lambda: pc.RetrievePropertiesEx([spec], options))
        while result is not None:
            for oc in result.objects:
                yield oc.obj, {p.name: p.val for p in oc.propSet or []}
            token = result.token
            if not token:
                break
            result = self._call(name, lambda t=token: pc.ContinueRetrievePropertiesEx(t))

    def _properties(self, obj: Any, props: list[str]) -> dict[str, Any]:
        """Properties of one object, read through the PropertyCollector (one request)."""
        return self._properties_of([(obj, props)])[0]

    def _properties_of(
        self, wanted: list[tuple[Any, list[str]]]
    ) -> tuple[dict[str, Any], set[str]]:
        """Properties of several objects in one request: the first object's must exist (else a
        permanent ConnectorError, as :meth:`_properties`); the others are read where they
        exist. Their properties in one dict (the paths must differ) and the morefs found."""
        content = self._connect()
        collector = vmodl.query.PropertyCollector
        spec = collector.FilterSpec(
            objectSet=[collector.ObjectSpec(obj=obj, skip=False) for obj, _ in wanted],
            propSet=[collector.PropertySpec(type=type(obj), pathSet=p) for obj, p in wanted],
        )
        first = wanted[0][0]
        result = self._call(
            f"read {first._moId}",
            lambda: content.propertyCollector.RetrievePropertiesEx(
                [spec], collector.RetrieveOptions()
            ),
        )
        props: dict[str, Any] = {}
        found: set[str] = set()
        for oc in (result.objects if result is not None else None) or []:
            if any(
                isinstance(m.fault, vmodl.fault.ManagedObjectNotFound) for m in oc.missingSet or []
            ):
                continue
            found.add(oc.obj._moId)
            props.update({p.name: p.val for p in oc.propSet or []})
        if first._moId not in found:
            raise ConnectorError(f"{self.url}: {first._moId} not found", permanent=True)
        return props, found

    # -- inventory ----------------------------------------------------------------------------

    def read_inventory(self, progress: Progress = no_progress) -> Inventory:
        """Read clusters, hosts, networks, datastores, VMs and snapshots. Raises ConnectorError.

        ``progress`` hears of each page: ``("VMs", 1500)``.
        """
        content = self._connect()
        self._progress = progress
        about = content.about  # part of the ServiceContent read at login: no extra request
        inv = Inventory(
            product=str(getattr(about, "name", "") or ""),
            version=str(getattr(about, "version", "") or ""),
            build=str(getattr(about, "build", "") or ""),
        )
        for obj, p in self._retrieve(vim.ClusterComputeResource, CLUSTER_PROPS):
            inv.clusters.append(self._cluster(obj, p))

        host_mhz: dict[str, int] = {}
        host_props: list[tuple[Any, dict[str, Any]]] = []
        for obj, p in self._retrieve(vim.HostSystem, HOST_PROPS):
            host_props.append((obj, p))
            hw = p.get("summary.hardware")
            if hw is not None and hw.cpuMhz:
                host_mhz[obj._moId] = int(hw.cpuMhz)
        settings = self._host_settings(p.get("configManager.advancedOption") for _, p in host_props)
        for obj, p in host_props:
            self._host_with_settings(inv, obj, p, settings)

        for obj, p in self._retrieve(vim.Datastore, DATASTORE_PROPS):
            self._datastore_records(inv, obj, p)

        uplink_portgroups: set[str] = set()  # not VM networks; older vCenters lack config.uplink
        for obj, p in self._retrieve(vim.DistributedVirtualSwitch, DVS_PROPS):
            uplink_portgroups.update(pg._moId for pg in p.get("config.uplinkPortgroup") or [])
            inv.switches.append(_dvs_record(obj, p))

        portgroup_names: dict[str, str] = {}  # DVPG key -> name, for VM NIC backings
        for obj, p in self._retrieve(vim.dvs.DistributedVirtualPortgroup, DVPG_PROPS):
            record = self._dvportgroup(obj, p)
            cfg = p.get("config")
            if cfg is not None and cfg.key:
                portgroup_names[cfg.key] = record.name if record else p.get("name", "")
            if record is not None and obj._moId not in uplink_portgroups:
                inv.networks.append(record)

        backup_key = self._custom_field_key(self.config.backup_attribute)
        rates = _Rates(self, inv)  # read beside the VMs' pages
        try:
            rates.take()  # the hosts'
            for n, (obj, p) in enumerate(self._retrieve(vim.VirtualMachine, VM_PROPS), 1):
                self._vm_records(inv, obj, p, host_mhz, portgroup_names)
                _backup_of(inv.vms[-1], p, backup_key, self.config.backup_attribute)
                if n % PERF_BATCH == 0:
                    rates.take()
            rates.finish()
        except BaseException:
            rates.close()
            raise
        self._snapshot_creators(inv)
        inv.accounts = self._rights(inv)
        self._vm_tags(inv)
        return inv

    def _host_with_settings(
        self, inv: Inventory, obj: Any, p: dict[str, Any], settings: dict[str, list[Any]]
    ) -> None:
        """A host's records from its HOST_PROPS and the settings :meth:`_host_settings` read
        (by OptionManager moref), with its hardening facts: the full read and the change feed."""
        manager = p.get("configManager.advancedOption")
        p = {**p, "config.option": settings.get(manager._moId) if manager is not None else None}
        self._host_records(inv, obj, p)
        self._host_hardening(inv.hosts[-1], p)

    def _vm_tags(self, inv: Inventory) -> None:
        """The VMs' vSphere tags (``Category:Tag``) from the vAPI service, see :mod:`.vsphere_tags`.

        Over the same verified TLS and with the same credentials as the SOAP session; a
        certificate that is not the trusted one fails the read. A vAPI that cannot be read
        otherwise is a warning, not a failed sync: every VM's tags are then unknown
        (``tags_known`` False, no tags), so no tag target object claims or drops a VM on a
        stale tag list.
        """
        found, warning = self._read_tags([vm.external_id for vm in inv.vms])
        if warning:
            inv.warnings.append(warning)
        set_vm_tags(inv, found)

    def _read_tags(self, vm_ids: list[str]) -> tuple[dict[str, list[str]] | None, str]:
        """The tags of ``vm_ids`` (None: not read) and the warning when they were not read.
        Raises TrustError when the certificate is not the trusted one (see :meth:`_vm_tags`)."""
        try:
            found = vsphere_tags.read_vm_tags(
                self._new_connection, self.url, self.config.username, self.config.secret, vm_ids
            )
        except Exception as exc:
            error = self._translate(exc, "vAPI tags")
            if isinstance(error, TrustError):
                # The certificate changed since the SOAP login: that fails the read, as it would
                # on any other connection of the session.
                raise error from None
            return None, f"vSphere tags not read, the VMs' tags are unknown: {error}"
        return found, ""

    def _host_settings(self, managers: Iterator[Any]) -> dict[str, list[Any]]:
        """Every host's advanced settings by OptionManager moref, in one RetrievePropertiesEx.

        A manager vCenter cannot read (a disconnected host) is missing from the answer: its
        host's settings stay unread, never empty-as-compliant.
        """
        collector = vmodl.query.PropertyCollector
        objects = [collector.ObjectSpec(obj=m, skip=False) for m in managers if m is not None]
        if not objects:
            return {}
        spec = collector.FilterSpec(
            objectSet=objects,
            propSet=[collector.PropertySpec(type=vim.option.OptionManager, pathSet=OPTION_PROPS)],
        )
        self._progress("host settings", 0)
        found = {
            obj._moId: list(p.get("setting") or []) for obj, p in self._pages(spec, "settings")
        }
        self._progress("host settings", len(found))
        return found

    def _host_hardening(self, host: HostRecord, p: dict[str, Any]) -> None:
        """What the hardening guides ask of a host, into ``host.extra["hardening"]``.

        ``options``: the guides' advanced settings the host reports. ``firewall``: the default
        policy and the enabled rulesets that allow all IP addresses (with whether their IP list
        is the user's to set, vSphere 8.0 U2 and later). ``secure_boot``: the host's
        ``capability.uefiSecureBoot`` where reported. ``acceptance_level``: the image profile's
        VIB acceptance level (HostImageConfigManager, one call per connected host; absent where
        the host has no such manager or the call fails). A key is absent when not reported.
        """
        options = {o.key: o.value for o in p.get("config.option") or []}
        hardening: dict[str, Any] = {}
        if p.get("config.option") is not None:
            hardening["options"] = {
                k: _plain(options[k]) for k in HARDENING_OPTIONS if k in options
            }
        firewall = p.get("config.firewall")
        if firewall is not None:
            policy = getattr(firewall, "defaultPolicy", None)
            rulesets = list(getattr(firewall, "ruleset", None) or [])
            hardening["firewall"] = {
                "incoming_blocked": getattr(policy, "incomingBlocked", None),
                "outgoing_blocked": getattr(policy, "outgoingBlocked", None),
                "rulesets": len(rulesets),
                "open_rulesets": [
                    {
                        "key": r.key,
                        "label": r.label or r.key,
                        "ip_list_user_configurable": getattr(r, "ipListUserConfigurable", None),
                    }
                    for r in rulesets
                    if r.enabled and getattr(getattr(r, "allowedHosts", None), "allIp", False)
                ],
            }
        secure_boot = getattr(p.get("capability"), "uefiSecureBoot", None)
        if secure_boot is not None:
            hardening["secure_boot"] = bool(secure_boot)
        manager = p.get("configManager.imageConfigManager")
        if manager is not None and host.connection_state == "connected":
            try:
                level = manager.HostImageConfigGetAcceptance()
            except (vmodl.MethodFault, OSError, http.client.HTTPException) as exc:
                log.info("%s: acceptance level of %s not read: %s", self.url, host.name, exc)
            else:
                if level:
                    hardening["acceptance_level"] = ACCEPTANCE_LEVELS.get(str(level), str(level))
        host.extra["hardening"] = hardening

    # -- rights review ------------------------------------------------------------------------

    def _rights(self, inv: Inventory) -> list[AccountRecord]:
        """Every principal a permission names, with its grants (role, entity, propagation).

        Two requests for the roles and the permissions (AuthorizationManager.roleList,
        RetrieveAllPermissions), then one per distinct entity on the paths of the permissions'
        entities (usually a handful: permissions sit on folders, clusters and datacenters). A
        failure other than a denied login is a warning: the rights checks then see no accounts.
        """
        content = self._connect()
        manager = content.authorizationManager
        try:
            roles = {
                r.roleId: (
                    str(r.name),
                    TRAITS.classify_role(str(r.roleId), list(r.privilege or [])),
                )
                for r in self._call("read the roles", lambda: manager.roleList) or []
            }
            permissions = self._call("read the permissions", manager.RetrieveAllPermissions) or []
            permissions = self._place_permissions(inv, manager, permissions)
            paths = self._entity_paths([p.entity for p in permissions], content.rootFolder)
        except ConnectorError as exc:
            if exc.permanent:
                raise
            inv.warnings.append(f"{RIGHTS_NOT_READ}: {exc}")
            return []
        root = content.rootFolder._moId
        accounts: dict[tuple[bool, str], AccountRecord] = {}
        for p in permissions:
            principal = str(p.principal)
            group = bool(p.group)
            domain = _domain_of(principal)
            account = accounts.get((group, principal))
            if account is None:
                account = accounts[(group, principal)] = AccountRecord(
                    userid=principal,
                    kind="group" if group else "user",
                    realm=domain,
                    directory=domain.upper() not in TRAITS.local_realms,
                )
            moid = _moid(p.entity) if p.entity is not None else ""
            name, rights = roles.get(
                p.roleId, (str(p.roleId), TRAITS.classify_role(str(p.roleId), []))
            )
            path = paths.get(moid, moid) if moid else "(object not reported)"
            account.roles.append(f"{path}:{name}")
            account.grants.append(
                grant(
                    entity_path=path,
                    entity_id=moid,
                    role=name,
                    role_id=str(p.roleId),
                    propagate=bool(p.propagate),
                    rights=rights,
                    root=moid == root,
                )
            )
        return list(accounts.values())

    # Objects asked one by one when permissions come without their entity (below).
    PLACE_LIMIT = 2000

    def _place_permissions(self, inv: Inventory, manager: Any, permissions: list[Any]) -> list[Any]:
        """vCenter names each permission's entity. govmomi's simulator leaves it out for
        permissions set through the API; then the root folder, datacenters, folders, clusters,
        hosts and VMs are asked for their own permissions (RetrieveEntityPermissions, one
        request each, up to PLACE_LIMIT objects) to place them. Permissions still unplaced keep
        ``entity`` None (and are reported without a place)."""
        if all(p.entity is not None for p in permissions):
            return permissions
        content = self._connect()
        candidates = {content.rootFolder._moId: vim.Folder}
        for kind in (vim.Datacenter, vim.Folder):
            candidates.update((o._moId, kind) for o, _ in self._retrieve(kind, ["name"]))
        candidates.update((c.external_id, vim.ClusterComputeResource) for c in inv.clusters)
        candidates.update((h.external_id, vim.HostSystem) for h in inv.hosts)
        candidates.update((v.external_id, vim.VirtualMachine) for v in inv.vms)
        unplaced = sum(p.entity is None for p in permissions)
        if len(candidates) > self.PLACE_LIMIT:
            inv.warnings.append(
                f"{unplaced} permissions came without their object and were not placed "
                f"({len(candidates)} objects are too many to ask one by one)"
            )
            return permissions
        stub = content.rootFolder._stub
        placed = []
        for moid, kind in candidates.items():
            obj = kind(moid, stub)
            answer = self._call(
                f"permissions of {moid}", lambda o=obj: manager.RetrieveEntityPermissions(o, False)
            )
            for p in answer or []:
                p.entity = obj
                placed.append(p)
        known = {(p.principal, p.group, p.roleId) for p in placed}
        placed.extend(
            p
            for p in permissions
            if (_moid(p.entity) if p.entity is not None else "") not in candidates
            and (p.entity is not None or (p.principal, p.group, p.roleId) not in known)
        )
        return placed

    def _entity_paths(self, entities: list[Any], root: Any) -> dict[str, str]:
        """moid -> inventory path by names ("/DC0/host/C0/H0"; the root folder is "/"), walking
        each entity's parents once (cached across entities)."""
        parent_of: dict[str, tuple[str, Any]] = {root._moId: ("", None)}

        def path(obj: Any) -> str:
            chain = []
            while obj is not None and obj._moId != root._moId:
                if obj._moId not in parent_of:
                    p = self._properties(obj, ["name", "parent"])
                    parent_of[obj._moId] = (str(p.get("name", obj._moId)), p.get("parent"))
                name, parent = parent_of[obj._moId]
                chain.append(name)
                obj = parent
            return "/" + "/".join(reversed(chain))

        return {e._moId: path(e) for e in entities if e is not None}

    def _snapshot_creators(self, inv: Inventory) -> None:
        """Who made each snapshot, from the snapshot tasks vCenter still lists.

        ``TaskManager.recentTask`` holds the tasks of the last minutes (up to 200); a
        successful ``createSnapshot`` task's result is the new snapshot's moref and its reason
        names the user. A snapshot whose task has left the list keeps an unknown creator (the
        sync that first sees it usually runs within those minutes; the portal keeps what it
        learnt). One read of the list, one RetrievePropertiesEx (and pages) over its tasks.
        """
        if not inv.snapshots:
            return
        try:
            manager = self._connect().taskManager
            tasks = self._properties(manager, ["recentTask"]).get("recentTask") or []
            if not tasks:
                return
            collector = vmodl.query.PropertyCollector
            spec = collector.FilterSpec(
                objectSet=[collector.ObjectSpec(obj=t, skip=False) for t in tasks],
                # Named fields, not ``info``: see task_status.
                propSet=[collector.PropertySpec(type=vim.Task, pathSet=TASK_PROPS)],
            )
            creators = {}
            for _, p in self._pages(spec, "recent tasks"):
                result, reason = p.get("info.result"), p.get("info.reason")
                if (
                    p.get("info.descriptionId") == "VirtualMachine.createSnapshot"
                    and str(p.get("info.state")) == "success"
                    and isinstance(result, ManagedObject)
                    and getattr(reason, "userName", "")
                ):
                    creators[result._moId] = reason.userName
        except ConnectorError as exc:
            inv.warnings.append(f"snapshot creators not read: {exc}")
            return
        for snap in inv.snapshots:
            snap.created_by = creators.get(snap.external_id, "")

    def _network_rates(self, inv: Inventory) -> None:
        """Fill the network rates of host and running-VM samples from the PerformanceManager
        (all at once; :meth:`read_inventory` reads them beside the VMs' pages, see _Rates)."""
        rates = _Rates(self, inv)
        rates.take()
        rates.finish()

    def _custom_field_key(self, name: str) -> int | None:
        """The key of the custom attribute ``name`` (CustomFieldsManager), None if undefined."""
        manager = self._connect().customFieldsManager
        if manager is None or not name:
            return None
        defined = self._properties(manager, ["field"]).get("field") or []
        return next((int(f.key) for f in defined if f.name == name), None)

    def _cluster(self, obj: Any, p: dict[str, Any]) -> ClusterRecord:
        cfg = p.get("configurationEx")
        das = getattr(cfg, "dasConfig", None)
        drs = getattr(cfg, "drsConfig", None)
        extra: dict[str, Any] = {}
        if das is not None:
            extra["ha_host_monitoring"] = das.hostMonitoring or ""
            extra["ha_admission_control"] = das.admissionControlEnabled
            policy = das.admissionControlPolicy
            extra["ha_admission_policy"] = type(policy).__name__ if policy is not None else ""
        if drs is not None and drs.defaultVmBehavior:
            extra["drs_behavior"] = str(drs.defaultVmBehavior)
        return ClusterRecord(
            external_id=obj._moId,
            name=p.get("name", ""),
            ha_enabled=bool(das.enabled) if das is not None and das.enabled is not None else None,
            drs_enabled=bool(drs.enabled) if drs is not None and drs.enabled is not None else None,
            extra=extra,
        )

    def _host_records(self, inv: Inventory, obj: Any, p: dict[str, Any]) -> None:
        hid = obj._moId
        parent = p.get("parent")
        product = p.get("summary.config.product")
        hw = p.get("summary.hardware")
        qs = p.get("summary.quickStats")
        network = p.get("config.network")
        dt_info = p.get("config.dateTimeInfo")

        cpu_capacity = hw.cpuMhz * hw.numCpuCores if hw is not None and hw.cpuMhz else None
        cpu_used = getattr(qs, "overallCpuUsage", None)
        mem_used = getattr(qs, "overallMemoryUsage", None)

        options = {o.key: o.value for o in p.get("config.option") or []}
        advanced = {k: _plain(options[k]) for k in ADVANCED_OPTIONS if k in options}

        services = [
            ServiceRecord(
                key=SERVICE_KEYS.get(s.key, s.key),
                label=s.label or s.key,
                running=bool(s.running) if s.running is not None else None,
                policy=s.policy or "",
            )
            for s in getattr(p.get("config.service"), "service", None) or []
        ]
        ntp = getattr(getattr(dt_info, "ntpConfig", None), "server", None) or []
        timezone = getattr(getattr(dt_info, "timeZone", None), "name", None) or ""

        host = HostRecord(
            external_id=hid,
            name=p.get("name", ""),
            cluster_external_id=(
                parent._moId if isinstance(parent, vim.ClusterComputeResource) else None
            ),
            product=getattr(product, "name", "") or "",
            version=getattr(product, "version", "") or "",
            build=getattr(product, "build", "") or "",
            connection_state=str(p.get("runtime.connectionState") or ""),
            power_state=str(p.get("runtime.powerState") or ""),
            maintenance_mode=p.get("runtime.inMaintenanceMode"),
            lockdown_mode=str(p.get("config.lockdownMode") or ""),
            cpu_model=getattr(hw, "cpuModel", "") or "",
            cpu_sockets=_to_int(getattr(hw, "numCpuPkgs", None)),
            cpu_cores=_to_int(getattr(hw, "numCpuCores", None)),
            cpu_threads=_to_int(getattr(hw, "numCpuThreads", None)),
            cpu_mhz=_to_int(getattr(hw, "cpuMhz", None)),
            memory_bytes=_to_int(getattr(hw, "memorySize", None)),
            cpu_usage_percent=_percent(cpu_used, cpu_capacity),
            memory_used_bytes=_mib(mem_used),
            uptime_seconds=_to_int(getattr(qs, "uptime", None)),
            management_addresses=self._management_addresses(
                network, p.get("config.virtualNicManagerInfo")
            ),
            services=services,
            ntp_servers=[str(s) for s in ntp],
            syslog_target=str(advanced.get("Syslog.global.logHost") or ""),
            timezone=timezone,
            advanced_options=advanced,
        )
        inv.hosts.append(host)
        inv.samples.append(
            SampleRecord(
                object_type="host",
                external_id=hid,
                cpu_percent=host.cpu_usage_percent,
                memory_percent=_percent(host.memory_used_bytes, host.memory_bytes),
            )
        )
        if network is not None:
            self._host_network(inv, hid, network)

    @staticmethod
    def _management_addresses(network: Any, nic_manager: Any) -> list[str]:
        """IPs of the VMkernel NICs selected for management (all vmk NICs if vCenter does not say)."""
        vnics = list(getattr(network, "vnic", None) or [])
        selected: set[str] | None = None
        for cfg in getattr(nic_manager, "netConfig", None) or []:
            if cfg.nicType == "management":
                # selectedVnic holds "management.<vnic key>"
                selected = {k.split(".", 1)[-1] for k in cfg.selectedVnic or []}
        addresses = []
        for vnic in vnics:
            if selected is not None and vnic.key not in selected:
                continue
            ip = getattr(getattr(vnic.spec, "ip", None), "ipAddress", None)
            if ip:
                addresses.append(str(ip))
        return addresses

    @staticmethod
    def _host_network(inv: Inventory, hid: str, network: Any) -> None:
        pnic_names: dict[str, str] = {}
        for pnic in network.pnic or []:
            pnic_names[pnic.key] = pnic.device
            link = pnic.linkSpeed  # None = link down
            inv.nics.append(
                NicRecord(
                    host_external_id=hid,
                    device=pnic.device,
                    link_up=link is not None,
                    speed_mbps=_to_int(link.speedMb) if link is not None else None,
                    full_duplex=bool(link.duplex) if link is not None else None,
                    mac=pnic.mac or "",
                )
            )
        vswitch_names: dict[str, str] = {}
        for vs in network.vswitch or []:
            vswitch_names[vs.key] = vs.name
            security = getattr(getattr(vs.spec, "policy", None), "security", None)
            inv.switches.append(
                SwitchRecord(
                    external_id=f"{hid}/{vs.name}",
                    name=vs.name,
                    host_external_id=hid,
                    kind="vswitch",
                    uplinks=[pnic_names.get(k, k) for k in vs.pnic or []],
                    **_security_policy(security),
                )
            )
        for pg in network.portgroup or []:
            # The effective policy (computedPolicy) includes what the port group inherits.
            policy = pg.computedPolicy or pg.spec.policy
            security = getattr(policy, "security", None)
            vswitch = vswitch_names.get(pg.vswitch, pg.spec.vswitchName)
            inv.networks.append(
                NetworkRecord(
                    external_id=f"{hid}/{pg.spec.name}",
                    name=pg.spec.name,
                    switch_external_id=f"{hid}/{vswitch}" if vswitch else None,
                    vlan_id=_to_int(pg.spec.vlanId),
                    **_security_policy(security),
                )
            )

    @staticmethod
    def _dvportgroup(obj: Any, p: dict[str, Any]) -> NetworkRecord | None:
        cfg = p.get("config")
        if cfg is not None and getattr(cfg, "uplink", None):
            return None  # the switch's own uplink port group, not a VM network
        port = getattr(cfg, "defaultPortConfig", None)
        security = getattr(port, "securityPolicy", None)
        vlan = getattr(port, "vlan", None)
        vlan_id = (
            vlan.vlanId
            if isinstance(vlan, vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec)
            else None
        )
        dvs = getattr(cfg, "distributedVirtualSwitch", None)
        return NetworkRecord(
            external_id=obj._moId,
            name=p.get("name", ""),
            switch_external_id=_moid(dvs),
            vlan_id=_to_int(vlan_id),
            **_security_policy(security),
        )

    @staticmethod
    def _datastore_records(inv: Inventory, obj: Any, p: dict[str, Any]) -> None:
        s = p.get("summary")
        capacity = _to_int(getattr(s, "capacity", None))
        free = _to_int(getattr(s, "freeSpace", None))
        accessible = getattr(s, "accessible", None)
        shared = getattr(s, "multipleHostAccess", None)
        inv.datastores.append(
            DatastoreRecord(
                external_id=obj._moId,
                name=p.get("name", ""),
                type=getattr(s, "type", "") or "",
                capacity_bytes=capacity,
                free_bytes=free,
                uncommitted_bytes=_to_int(getattr(s, "uncommitted", None)),
                accessible=bool(accessible) if accessible is not None else None,
                shared=bool(shared) if shared is not None else None,
                host_external_ids=[m.key._moId for m in p.get("host") or [] if m.key is not None],
                # Per host, not summary.accessible (datastore-wide: true while any host reaches it).
                host_access={
                    m.key._moId: bool(m.mountInfo.accessible)
                    for m in p.get("host") or []
                    if m.key is not None
                    and m.mountInfo is not None
                    and m.mountInfo.accessible is not None
                    and m.mountInfo.mounted is not False
                },
            )
        )
        inv.samples.append(
            SampleRecord(
                object_type="datastore",
                external_id=obj._moId,
                storage_used_bytes=capacity - free
                if capacity is not None and free is not None
                else None,
            )
        )

    def _vm_records(
        self,
        inv: Inventory,
        obj: Any,
        p: dict[str, Any],
        host_mhz: dict[str, int],
        portgroup_names: dict[str, str],
    ) -> None:
        vid = obj._moId
        host = p.get("runtime.host")
        storage = p.get("summary.storage")
        qs = p.get("summary.quickStats")
        num_cpu = _to_int(p.get("config.hardware.numCPU"))
        memory_mb = _to_int(p.get("config.hardware.memoryMB"))
        committed = _to_int(getattr(storage, "committed", None))
        uncommitted = _to_int(getattr(storage, "uncommitted", None))

        extra_config = {
            str(o.key): str(o.value)
            for o in p.get("config.extraConfig") or []
            if _kept_extra_config(str(o.key))
        }
        nics: list[VmNicRecord] = []
        disks: list[dict[str, Any]] = []
        passthrough: list[str] = []
        for dev in p.get("config.hardware.device") or []:
            label = getattr(dev.deviceInfo, "label", "") or f"device-{dev.key}"
            if isinstance(dev, SRIOV_NIC):
                passthrough.append(f"{label} (SR-IOV)")
                nics.append(self._vm_nic(dev, label, portgroup_names))
            elif isinstance(dev, ETHERNET_CARD):
                nics.append(self._vm_nic(dev, label, portgroup_names))
            elif isinstance(dev, VIRTUAL_DISK):
                backing = dev.backing
                if isinstance(backing, RDM_BACKING) and backing.compatibilityMode == "physicalMode":
                    passthrough.append(f"{label} (raw LUN, physical mode)")
                disks.append(
                    {
                        "label": label,
                        "capacity_bytes": _to_int(dev.capacityInBytes)
                        or (_to_int(dev.capacityInKB) or 0) * 1024,
                        "file": getattr(backing, "fileName", "") or "",
                        "datastore": _moid(getattr(backing, "datastore", None)),
                        "thin": getattr(backing, "thinProvisioned", None),
                        "mode": getattr(backing, "diskMode", "") or "",
                    }
                )
            elif isinstance(dev, PASSTHROUGH_DEVICES):
                passthrough.append(label)
            elif isinstance(dev.backing, HOST_DRIVE_BACKINGS) and _may_connect(dev):
                passthrough.append(f"{label} (host drive)")

        guest_os = p.get("config.guestFullName") or p.get("config.guestId") or ""
        cpu_mhz = host_mhz.get(host._moId) if host is not None else None
        cpu_used = getattr(qs, "overallCpuUsage", None)
        mem_active = getattr(qs, "guestMemoryUsage", None)
        vm = VmRecord(
            external_id=vid,
            name=p.get("name", ""),
            kind="vm",
            instance_uuid=p.get("config.instanceUuid") or "",
            power_state=str(p.get("runtime.powerState") or ""),
            guest_os=guest_os,
            vcpus=num_cpu,
            memory_bytes=_mib(memory_mb),
            provisioned_bytes=(
                committed + uncommitted
                if committed is not None and uncommitted is not None
                else None
            ),
            used_bytes=committed,
            host_external_id=_moid(host),
            datastore_external_ids=[d._moId for d in p.get("datastore") or []],
            tools_state=str(p.get("guest.toolsRunningStatus") or ""),
            template=bool(p.get("config.template")),
            extra_config=extra_config,
            console_connections=_to_int(p.get("runtime.numMksConnections")),
            passthrough_devices=passthrough,
            nics=nics,
            disks=disks,
            config_version=str(p.get("config.changeVersion") or ""),
            cpu_usage_percent=_percent(
                cpu_used, num_cpu * cpu_mhz if num_cpu and cpu_mhz else None
            ),
            # guestMemoryUsage is the guest's active memory, vSphere's "memory usage".
            memory_used_bytes=_mib(mem_active),
            ballooned_bytes=_mib(getattr(qs, "balloonedMemory", None)),
            swapped_bytes=_mib(getattr(qs, "swappedMemory", None)),
            cpu_reservation_mhz=_to_int(
                getattr(p.get("config.cpuAllocation"), "reservation", None)
            ),
            memory_reservation_bytes=_mib(
                getattr(p.get("config.memoryAllocation"), "reservation", None)
            ),
            guest_time=_tools_time_sync(p.get("config.tools")),
        )
        # What the config hash is made of: settings an administrator changes, not runtime state.
        # Not a NIC's ``connected`` (it follows the power state) but ``startConnected``; not a
        # disk's file (every backup snapshot moves it to a delta disk) but its datastore.
        vm.config = {
            "name": vm.name,
            "guest_id": p.get("config.guestId") or "",
            "hardware_version": p.get("config.version") or "",
            "vcpus": num_cpu,
            "memory_mb": memory_mb,
            "template": vm.template,
            "extra_config": dict(sorted(extra_config.items())),
            "nics": [
                {
                    "name": n.name,
                    "mac": n.mac,
                    "network": n.network,
                    "start_connected": n.start_connected,
                }
                for n in nics
            ],
            "disks": [
                {k: d[k] for k in ("label", "capacity_bytes", "datastore", "thin", "mode")}
                for d in disks
            ],
            "passthrough": sorted(passthrough),
        }
        inv.vms.append(vm)
        inv.samples.append(
            SampleRecord(
                object_type="vm",
                external_id=vid,
                cpu_percent=vm.cpu_usage_percent,
                memory_percent=_percent(mem_active, memory_mb),
                storage_used_bytes=committed,
            )
        )
        info = p.get("snapshot")
        if info is not None:
            inv.snapshots.extend(self._snapshots(vid, info))

    @staticmethod
    def _vm_nic(dev: Any, label: str, portgroup_names: dict[str, str]) -> VmNicRecord:
        backing = dev.backing
        network = ""
        if isinstance(backing, NETWORK_BACKING):
            network = backing.deviceName or ""
        elif isinstance(backing, DVPORT_BACKING):
            key = getattr(backing.port, "portgroupKey", None) or ""
            network = portgroup_names.get(key, key)
        connectable = dev.connectable
        return VmNicRecord(
            name=label,
            mac=dev.macAddress or "",
            network=network,
            connected=bool(connectable.connected) if connectable is not None else None,
            start_connected=(bool(connectable.startConnected) if connectable is not None else None),
        )

    @staticmethod
    def _snapshots(vm_id: str, info: Any) -> list[SnapshotRecord]:
        """Flatten ``snapshot.rootSnapshotList`` (a tree) into records, parents first."""
        current = _moid(getattr(info, "currentSnapshot", None))
        out: list[SnapshotRecord] = []

        def walk(trees: Any, parent: str | None) -> None:
            for tree in trees or []:
                sid = tree.snapshot._moId
                created = tree.createTime
                if isinstance(created, dt.datetime) and created.tzinfo is None:
                    created = created.replace(tzinfo=dt.UTC)
                out.append(
                    SnapshotRecord(
                        external_id=sid,
                        vm_external_id=vm_id,
                        name=tree.name or "",
                        description=tree.description or "",
                        created_at=created,
                        parent_external_id=parent,
                        quiesced=bool(tree.quiesced) if tree.quiesced is not None else None,
                        # A snapshot of a powered-on VM in state poweredOn includes its memory.
                        with_memory=(str(tree.state) == "poweredOn") if tree.state else None,
                        current=sid == current,
                    )
                )
                walk(tree.childSnapshotList, sid)

        walk(getattr(info, "rootSnapshotList", None), None)
        return out

    # -- console history ----------------------------------------------------------------------

    def read_console_sessions(self, since: dt.datetime, inventory: Inventory) -> ConsoleRead:
        """Who opened which VM's console since ``since``, from vCenter's events.

        An ``EventHistoryCollector`` filtered on the console ticket events
        (``VmAcquiredMksTicketEvent``; ``VmAcquiredTicketEvent`` with ticket type ``mks`` or
        ``webmks``, the tickets the VMRC and the HTML5 console take; ``device``,
        ``guestControl`` and the other ticket types are no console) from ``since`` on, read
        rewound to the oldest and read with ``ReadNextEvents`` in pages of 1000 until it is
        empty, then destroyed: five SOAP calls and one per further page. The time is filtered here too (the simulator does not
        apply ``time``). The user is the event's ``userName``, the VM its ``vm`` argument
        (moref and name at the time of the event).
        """
        read = ConsoleRead(until=dt.datetime.now(dt.UTC))
        content = self._connect()
        spec = vim.event.EventFilterSpec(
            eventTypeId=list(CONSOLE_EVENTS),
            time=vim.event.EventFilterSpec.ByTime(beginTime=since),
        )
        collector = self._call(
            "reading console events",
            lambda: content.eventManager.CreateCollectorForEvents(filter=spec),
        )
        try:
            self._call(
                "reading console events", lambda: collector.SetCollectorPageSize(CONSOLE_PAGE)
            )
            # From the oldest event the filter matches, newer pages on (the scroll position
            # of a new collector is not documented).
            self._call("reading console events", collector.RewindCollector)
            seen: set[str] = set()
            for _ in range(CONSOLE_PAGES):
                events = self._call(
                    "reading console events", lambda: collector.ReadNextEvents(CONSOLE_PAGE)
                )
                if not events:
                    break
                for event in events:
                    session = _console_session(event, since)
                    if session is not None and session.source not in seen:
                        seen.add(session.source)
                        read.sessions.append(session)
            else:
                read.warnings.append(
                    f"console events: more than {CONSOLE_PAGES * CONSOLE_PAGE} since "
                    f"{since:%Y-%m-%d %H:%M} UTC, the rest not read"
                )
                read.until = None
        finally:
            with contextlib.suppress(Exception):
                collector.DestroyCollector()
        return read

    # -- snapshot operations (phase 2) --------------------------------------------------------

    def _task_ref(self, task: Any) -> str:
        return str(task._moId)

    def create_snapshot(
        self,
        vm_external_id: str,
        name: str,
        description: str = "",
        memory: bool = False,
        quiesce: bool = False,
        marker: str = "",
    ) -> str:
        """Start CreateSnapshot_Task on the VM; return the task moref at once (no waiting).

        ``marker`` goes at the end of the description: vCenter keeps no other field of a
        snapshot that a retry could search.
        """
        stub = self._stub_or_connect()
        vm = vim.VirtualMachine(vm_external_id, stub)
        description = f"{description} {marker}".strip()
        task = self._call(
            f"snapshot {vm_external_id}",
            lambda: vm.CreateSnapshot_Task(
                name=name, description=description, memory=memory, quiesce=quiesce
            ),
        )
        return self._task_ref(task)

    def delete_snapshot(self, snapshot_external_id: str) -> str:
        """Start RemoveSnapshot_Task (children are kept); return the task moref."""
        snap = vim.vm.Snapshot(snapshot_external_id, self._stub_or_connect())
        task = self._call(
            f"delete {snapshot_external_id}",
            lambda: snap.RemoveSnapshot_Task(removeChildren=False),
        )
        return self._task_ref(task)

    def revert_snapshot(self, snapshot_external_id: str) -> str:
        """Start RevertToSnapshot_Task; return the task moref."""
        snap = vim.vm.Snapshot(snapshot_external_id, self._stub_or_connect())
        task = self._call(f"revert {snapshot_external_id}", lambda: snap.RevertToSnapshot_Task())
        return self._task_ref(task)

    def task_status(self, ref: str, vm_external_id: str | None = None) -> TaskStatus:
        """State of a vCenter task by moref (``task-12``).

        ``result_external_id`` is the moref the task returned (the new snapshot of
        CreateSnapshot_Task); None for tasks that return nothing (delete, revert). A task vCenter no longer knows (they
        expire some minutes after they end) raises a permanent ConnectorError: the caller then
        checks the outcome with :meth:`find_snapshot`. With ``vm_external_id`` the same request
        reads that VM's snapshot tree (``snapshots``), so a finished create needs no second one.
        """
        stub = self._stub_or_connect()
        task = vim.Task(ref, stub)
        # Named fields rather than the whole ``info``: the simulator puts a Snapshot into
        # info.entity (a ManagedEntity by the WSDL), which pyvmomi refuses to deserialize.
        wanted = [(task, ["info.state", "info.error", "info.result"])]
        if vm_external_id:
            wanted.append((vim.VirtualMachine(vm_external_id, stub), ["snapshot"]))
        try:
            props, found = self._properties_of(wanted)
        except ObjectGoneError:
            if len(wanted) == 1:
                raise
            # vCenter refuses the whole request when one object is unknown: the VM may be
            # gone; the task's state alone then (a gone task raises as before).
            props, found = self._properties_of(wanted[:1])
        state = TASK_STATES.get(str(props.get("info.state") or ""), "running")
        error = ""
        fault = props.get("info.error")
        if fault is not None:
            error = fault.localizedMessage or getattr(fault.fault, "msg", "") or ""
            error = error or type(fault.fault).__name__
        result = props.get("info.result")
        result_id = _moid(result) if isinstance(result, ManagedObject) else None
        snapshots = None
        if vm_external_id and vm_external_id in found:
            info = props.get("snapshot")
            snapshots = [] if info is None else self._snapshots(vm_external_id, info)
        return TaskStatus(
            state=state,
            error=self._scrub(error),
            result_external_id=result_id,
            snapshots=snapshots,
        )

    def _vm_snapshots(self, vm_external_id: str) -> list[SnapshotRecord]:
        vm = vim.VirtualMachine(vm_external_id, self._stub_or_connect())
        info = self._properties(vm, ["snapshot"]).get("snapshot")
        return [] if info is None else self._snapshots(vm_external_id, info)

    def created_snapshot(
        self, vm_external_id: str, name: str, ref: str, status: TaskStatus
    ) -> SnapshotRecord | None:
        """The snapshot whose moref CreateSnapshot_Task returned (its ``info.result``), from
        the snapshots read with the task's state when there are some."""
        moref = status.result_external_id
        if not moref:
            return None
        snapshots = status.snapshots
        if snapshots is None or not any(s.external_id == moref for s in snapshots):
            snapshots = self._vm_snapshots(vm_external_id)
        return next((s for s in snapshots if s.external_id == moref), None)

    def find_lost_snapshot(
        self, vm_external_id: str, name: str, marker: str, since: dt.datetime
    ) -> SnapshotRecord | None:
        """The one snapshot whose description carries ``marker``, taken at or after ``since``."""
        if not marker:
            return None
        found = [
            s
            for s in self._vm_snapshots(vm_external_id)
            if marker in s.description
            and (s.created_at is None or s.created_at >= since - CLOCK_SKEW)
        ]
        if len(found) > 1:
            morefs = ", ".join(s.external_id for s in found)
            raise ConnectorError(
                f"{len(found)} snapshots of {vm_external_id} carry this operation's marker "
                f"({morefs}); none is taken as the operation's own",
                permanent=True,
            )
        return found[0] if found else None

    def snapshot_exists(self, vm_external_id: str, snapshot_external_id: str) -> bool:
        return any(
            s.external_id == snapshot_external_id for s in self._vm_snapshots(vm_external_id)
        )

    def find_snapshot(self, vm_external_id: str, marker: str) -> SnapshotRecord | None:
        """The VM's snapshot whose name equals ``marker`` or whose description contains it."""
        for snap in self._vm_snapshots(vm_external_id):
            if snap.name == marker or (marker and marker in snap.description):
                return snap
        return None

    def _stub_or_connect(self) -> SoapStubAdapter:
        self._connect()
        assert self._stub is not None
        return self._stub


def _tools_time_sync(tools: Any) -> dict[str, Any]:
    """VMware Tools' time settings of a VM (``config.tools``): periodic synchronisation with the
    host (``syncTimeWithHost``) and whether any synchronisation with the host is allowed
    (``syncTimeWithHostAllowed``, vSphere 7.0 U1 and later); None where vCenter leaves them unset."""
    if tools is None:
        return {}
    sync = getattr(tools, "syncTimeWithHost", None)
    allowed = getattr(tools, "syncTimeWithHostAllowed", None)
    return {
        "source": "vmware_tools",
        "sync_with_host": None if sync is None else bool(sync),
        "sync_allowed": None if allowed is None else bool(allowed),
    }
