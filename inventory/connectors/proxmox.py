"""Proxmox VE connector: the only product module that imports proxmoxer.

Login
    ``config.token_id`` (``user@realm!name``) with ``config.secret`` as the token secret, or
    ``config.username`` + ``config.secret`` as password (a ticket). A ticket older than
    :attr:`ProxmoxConnector.ticket_renew_age` is renewed before the next request, and a request
    answered 401 is retried once after a fresh login, so a ticket that expires mid-sync does not
    fail the sync.

Trust
    Every request, the login included, goes through one ``requests`` session whose HTTPS adapter
    enforces the endpoint's trust: the CA PEM (an ``SSLContext`` holding only that CA, host name
    checked) or the pinned SHA-256 fingerprint (urllib3's ``assert_fingerprint`` on the very
    connection that carries the credentials). The adapter ignores requests' ``verify`` argument,
    so neither a false ``verify`` nor the system CA bundle can reach the pool. We only use
    ``proxmoxer.core`` (``ProxmoxResource``) with our own session: proxmoxer's https backend is
    never imported, because it silences urllib3's warnings process-wide and logs in with
    ``requests.post`` outside our session.

Requests of one :meth:`ProxmoxConnector.read_inventory` (N online nodes, G guests, S guests with
snapshots, R running guests, A running QEMU guests with the agent enabled)::

    14                /cluster/resources, /cluster/status, /cluster/ha/resources,
                      /cluster/ha/status/current, /cluster/ha/groups, /cluster/options,
                      /cluster/firewall/options, /cluster/backup,
                      /cluster/backup-info/not-backed-up, /access/users, /access/acl,
                      /access/roles, /access/tfa, /access/domains
    + B               /nodes/{n}/storage/{s}/content?content=backup (storages holding backups)
    + 8 * N           /nodes/{n}/status, services, time, network, rrddata,
                      firewall/options, version, apt/update (online nodes only)
    + G               /nodes/{n}/{qemu|lxc}/{id}/config       (guests on online nodes)
    + S               .../snapshot   only when the config names a ``parent`` (PVE sets it as soon
                      as a snapshot exists, so guests without snapshots cost nothing more)
    + R               .../rrddata   (running guests: their network rates)
    + A               .../agent/get-time (QEMU, running, ``agent`` enabled; ``probe_agent=False``
                      skips): whether the agent answers, and the guest's clock (TIM-001)
    + T               /nodes/{n}/tasks  (nodes holding snapshots: who made them)
    (+ 1 login with a password)

Storages come from ``/cluster/resources`` (one entry per node and storage), so they cost nothing
per node.

Cheap resyncs (issue 17)
    With :attr:`ProxmoxConnector.previous` (the :meth:`ProxmoxConnector.read_state` of the read
    the stored inventory came from; ``inventory/services/read_state.py`` hands it in for
    scheduled syncs) the read skips per-guest requests whose inputs did not change:

    - ``.../snapshot``: kept from the previous read when the config's ``digest`` is the same.
      PVE's digest is the SHA-1 of the whole config file, snapshot sections included, so a
      snapshot taken, deleted, rolled back or described anew changes it. The creators found
      then are kept with it (a task log only loses entries); the task log is read only for
      nodes holding snapshots that were read anew.
    - ``.../rrddata``: a guest running on since the previous read (same digest, running both
      times, uptime grown by the time between the reads, within 30 s) gets its network rates from the traffic counters of
      ``/cluster/resources`` (``netin``/``netout``, bytes since the guest started): the mean
      over the time between the two reads, not the newest RRD minute. Others read the RRD.
    - ``.../agent/get-time``: such a guest keeps the agent's last answer (state and clock
      reading with its ``read_at``); an agent stopped or restarted inside a guest PVE sees
      unchanged is noticed by the next full read.
    - ``.../config`` is read for every guest, every time: PVE gives the digest nowhere else (not
      in ``/cluster/resources``, ``/nodes/{n}/qemu`` or ``/nodes/{n}/lxc``; PVE API viewer), so
      only the config can say whether the config changed. An unchanged cheap resync costs
      ``14 + B + 8 * N + G + T'`` requests (T' nodes with snapshots read anew).

External ids
    cluster ``cluster/<name>``; host ``node/<name>``; guest ``qemu/<vmid>`` / ``lxc/<vmid>``;
    snapshot ``<guest id>/<snapshot name>``; datastore ``storage/<name>`` for a shared storage
    (one record, ``host_external_ids`` = every node that has it) and ``storage/<node>/<name>``
    for a local one (one record per node, as PVE's own resource id); switch (Linux or OVS bridge)
    ``bridge/<node>/<iface>``.

Faults
    401 -> AuthenticationError; 403 -> ConnectorError(permanent) with PVE's message; time-outs
    and unreachable hosts -> ConnectorError (retried); certificate problems -> TrustError. A node
    that is offline is recorded as ``connection_state="offline"`` with a warning and its guests
    are listed from ``/cluster/resources`` without their config. Lost quorum does not fail a read
    (PVE still answers reads): the cluster record says ``quorate=False``; writes (snapshot
    operations) then fail with PVE's "cluster not ready - no quorum?". A failing per-node or
    per-guest read (500, HTML instead of JSON, a node or guest that vanished, missing fields)
    becomes a line in ``Inventory.warnings`` naming what could not be read; a 403 anywhere fails
    the read (a token short of a privilege must not yield a quietly incomplete inventory).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from proxmoxer.core import ProxmoxResource, ResourceException
from requests.adapters import HTTPAdapter

from . import tls
from .base import (
    CLOCK_SKEW,
    AuthenticationError,
    ConnectorError,
    EndpointConfig,
    Progress,
    TrustError,
    no_progress,
)
from .proxmox_traits import TRAITS
from .records import (
    AccountRecord,
    ClusterRecord,
    ConsoleRead,
    ConsoleSessionRecord,
    DatastoreRecord,
    HostRecord,
    Inventory,
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

log = logging.getLogger(__name__)
T = TypeVar("T")
MiB = 1024**2

# PVE's service names, normalised to the keys the checks use (records.ServiceRecord.key).
SERVICE_KEYS = {
    "sshd": "ssh",
    "ssh": "ssh",
    "chrony": "ntp",
    "chronyd": "ntp",
    "ntp": "ntp",
    "ntpd": "ntp",
    "systemd-timesyncd": "ntp",
    "pve-firewall": "firewall",
}
QEMU_DISK = re.compile(r"^(ide|sata|scsi|virtio|efidisk|tpmstate|unused)\d+$")
LXC_DISK = re.compile(r"^(rootfs|mp\d+|unused\d+)$")
PASSTHROUGH = re.compile(r"^(usb|hostpci|serial|parallel|dev)\d+$")
# Task types of PVE's snapshot creation and how much of a node's task log one sync reads.
SNAPSHOT_TASKS = ("qmsnapshot", "vzsnapshot")
TASK_LOG_LIMIT = 1000
# Console task types of PVE 8 and the kind of console each opens; how many tasks one page of a
# node's task log holds and how many pages one console read takes at most.
CONSOLE_TASKS = {"vncproxy": "vnc", "termproxy": "term", "spiceproxy": "spice"}
CONSOLE_TASK_PAGE = 500
CONSOLE_TASK_PAGES = 20
NET_KEY = re.compile(r"^net\d+$")
SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$")
SIZE_UNITS = {"": 1, "K": 1024, "M": MiB, "G": 1024**3, "T": 1024**4}
FINGERPRINT_GOT = re.compile(r'got "?([0-9a-fA-F:]{64,95})"?')
# Keys of a guest config that are bookkeeping, not configuration: left out of the hashed config.
NOT_CONFIG = ("digest", "parent", "lock")
# The read state a cheap resync compares with (ProxmoxConnector.read_state); another version
# is not used. The keys of a snapshot list entry that the records are made of.
STATE_VERSION = 1
SNAPSHOT_KEYS = ("name", "parent", "description", "snaptime", "vmstate")
# Seconds a guest's uptime in /cluster/resources may lag (PVE's status daemon refreshes it
# every 10 s) when a cheap resync asks whether the guest ran through since the previous read.
UPTIME_SLACK = 30


def _firewall_state(datacenter: dict[str, Any] | None, node: dict[str, Any]) -> dict[str, Any]:
    """A node's effective firewall: the datacenter switch and input policy, the node's switch.

    PVE defaults: the datacenter firewall is off unless ``enable`` is set, its input policy is
    DROP unless ``policy_in`` says otherwise; a node's firewall is on unless ``enable: 0``.
    """
    return {
        "datacenter_enabled": None
        if datacenter is None
        else _switched_on(datacenter.get("enable")),
        "policy_in": None
        if datacenter is None
        else str(datacenter.get("policy_in") or "DROP").upper(),
        "policy_in_default": datacenter is not None and not datacenter.get("policy_in"),
        "node_enabled": _switched_on(node.get("enable", 1)),
    }


def _pending_updates(host: HostRecord, updates: list[Any]) -> None:
    """Count the packages ``apt/update`` lists and name those from a security origin.

    PVE lists what the last ``apt update`` (the daily pveupdate) found; a package counts as a
    security update when its ``Origin`` (or the archive/suite PVE may add) names a security
    repository, as Debian's ``Debian-Security`` and ``bookworm-security`` do.
    """
    packages = [u for u in updates if isinstance(u, dict) and u.get("Package")]
    host.updates_pending = len(packages)
    host.security_updates = sorted(
        f"{u['Package']} {u.get('Version') or '?'} ({u.get('Origin') or '?'})"
        for u in packages
        if any(
            "security" in str(u.get(key) or "").lower()
            for key in ("Origin", "Archive", "Suite", "Label")
        )
    )


def _host_device(key: str, volume: str) -> str:
    """A guest disk or mount point that is a piece of the host, or "".

    ``cdrom`` is the host's physical drive (ISO images are ``storage:iso/...``); a ``/dev/...``
    volume is a raw host disk or SCSI device handed to a VM; any other absolute path on a
    container's mount point is a bind mount of a host directory.
    """
    if volume == "cdrom":
        return f"{key}: host CD/DVD drive"
    if volume.startswith("/dev/"):
        return f"{key}: raw host device {volume}"
    if volume.startswith("/") and (key.startswith("mp") or key == "rootfs"):
        return f"{key}: bind mount of host path {volume}"
    return ""


def _switched_on(value: Any) -> bool:
    """A firewall ``enable`` option: 0/1, or (datacenter) the time stamp it was enabled at."""
    try:
        return int(str(value).strip()) >= 1
    except ValueError:
        return bool(_flag(value))


# ----------------------------------------------------------------------------- transport


class TrustAdapter(HTTPAdapter):
    """An HTTPS adapter that verifies with the endpoint's CA or pinned fingerprint, only.

    requests hands every send a ``verify`` value and copies it onto the pool (``cert_reqs``,
    ``ca_certs``); both hooks are overridden so that value can neither switch verification off
    nor add the system CA bundle to the endpoint's trust.
    """

    def __init__(self, *, context: ssl.SSLContext | None, fingerprint: str, pool: int) -> None:
        self._context = context
        self._fingerprint = fingerprint
        super().__init__(pool_connections=1, pool_maxsize=pool)

    def _trust(self) -> dict[str, Any]:
        if self._fingerprint:
            # The exact certificate is checked after the handshake, before any byte is sent.
            return {
                "cert_reqs": "CERT_NONE",  # tls-audit: pinned; assert_fingerprint checks it
                "assert_fingerprint": self._fingerprint,
            }
        return {"cert_reqs": "CERT_REQUIRED", "ssl_context": self._context}

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **kw: Any
    ) -> None:
        kw.update(self._trust())
        super().init_poolmanager(connections, maxsize, block=block, **kw)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, True, cert)
        pool_kwargs.pop("ca_certs", None)
        pool_kwargs.pop("ca_cert_dir", None)
        pool_kwargs.update(self._trust())
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        trust = self._trust()
        conn.cert_reqs = trust["cert_reqs"]
        conn.ca_certs = None
        conn.ca_cert_dir = None
        if self._fingerprint:
            conn.assert_fingerprint = self._fingerprint
        else:
            conn.ssl_context = self._context


class _Session(requests.Session):
    """The session proxmoxer's resources use: default time-out, verification always on."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.verify = True
        self.trust_env = False  # no proxy or CA bundle from the environment

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        kwargs["verify"] = True  # the adapter enforces the endpoint's trust whatever this says
        return super().request(method, url, *args, **kwargs)


class _BadAnswer(Exception):
    """The server answered 2xx with something other than PVE's JSON envelope."""


class _Serializer:
    """proxmoxer's serializer contract: ``loads`` for 2xx bodies, ``loads_errors`` for errors."""

    def loads(self, response: requests.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            ctype = response.headers.get("Content-Type", "?").split(";")[0]
            raise _BadAnswer(f"answered {ctype} instead of JSON") from None
        if not isinstance(body, dict) or "data" not in body:
            raise _BadAnswer("answered JSON without PVE's 'data' field")
        return body["data"]

    def loads_errors(self, response: requests.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            return None
        return body.get("errors") if isinstance(body, dict) else None


class _Auth(requests.auth.AuthBase):
    """Adds the API token header, or the ticket cookie and (for writes) the CSRF token."""

    def __init__(self) -> None:
        self.token_header = ""
        self.ticket = ""
        self.csrf = ""

    def __call__(self, req: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.token_header:
            req.headers["Authorization"] = self.token_header
        elif self.ticket:
            req.headers["Cookie"] = f"PVEAuthCookie={self.ticket}"
            if req.method != "GET":
                req.headers["CSRFPreventionToken"] = self.csrf
        return req


# ----------------------------------------------------------------------------- parsing


def _props(text: Any, first_key: str = "") -> dict[str, str]:
    """A PVE property string ``a=1,b=2`` as a dict; a leading bare value goes to ``first_key``.

    ``virtio=BC:24:...,bridge=vmbr0`` (a NIC) keeps the model as ``model`` and the MAC as
    ``macaddr``, as PVE's own parser names them.
    """
    out: dict[str, str] = {}
    for i, part in enumerate(str(text or "").split(",")):
        if not part:
            continue
        key, sep, val = part.partition("=")
        if not sep:
            out[first_key or f"_{i}"] = key
        elif (
            i == 0
            and first_key == "model"
            and re.fullmatch(r"([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}", val)
        ):
            out["model"], out["macaddr"] = key, val
        else:
            out[key] = val
    return out


def _size(text: str | None) -> int | None:
    m = SIZE.match((text or "").strip())
    if not m:
        return None
    return int(float(m.group(1)) * SIZE_UNITS[m.group(2)])


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _flag(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _percent(used: Any, total: Any) -> float | None:
    u, t = _float(used), _float(total)
    if u is None or not t:
        return None
    return round(u / t * 100, 2)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _names(value: Any) -> list[str]:
    """PVE's comma (or space, semicolon) separated lists; lists pass through."""
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [n for n in re.split(r"[,;\s]+", str(value or "")) if n]


def _epoch(value: Any) -> dt.datetime | None:
    """PVE's ``expire`` (epoch seconds; 0 = never) as a time, None for never or unknown."""
    seconds = _int(value)
    return dt.datetime.fromtimestamp(seconds, dt.UTC) if seconds else None


def _directory(realm: str, realm_type: str) -> bool:
    """Whether a realm's accounts come from a directory (LDAP, AD, OpenID), not the node."""
    if realm_type:
        return realm_type not in ("pam", "pve")
    return realm not in TRAITS.local_realms


def parse_guest_id(external_id: str) -> tuple[str, int]:
    """``qemu/100`` -> ("qemu", 100); ValueError for anything else."""
    kind, _, vmid = external_id.partition("/")
    if kind not in ("qemu", "lxc") or not vmid.isdigit():
        raise ValueError(
            f"not a Proxmox guest id: {external_id!r} (expected qemu/<vmid> or lxc/<vmid>)"
        )
    return kind, int(vmid)


def parse_snapshot_id(external_id: str) -> tuple[str, int, str]:
    """``qemu/100/before-update`` -> ("qemu", 100, "before-update")."""
    guest, _, name = external_id.rpartition("/")
    kind, vmid = parse_guest_id(guest)
    if not name:
        raise ValueError(f"not a Proxmox snapshot id: {external_id!r}")
    return kind, vmid, name


def _console_session(task: Any, guests: dict[str, VmRecord]) -> ConsoleSessionRecord | None:
    """A guest console task of a node's task log as a record; None for anything else."""
    if not isinstance(task, dict):
        return None
    kind = CONSOLE_TASKS.get(str(task.get("type") or ""))
    vmid = str(task.get("id") or "")
    upid = str(task.get("upid") or "")
    start = _int(task.get("starttime"))
    if kind is None or not vmid.isdigit() or not upid.startswith("UPID:") or start is None:
        return None
    user = str(task.get("user") or "")
    if task.get("tokenid") and "!" not in user:
        user = f"{user}!{task['tokenid']}"
    guest = guests.get(vmid)
    return ConsoleSessionRecord(
        vm_external_id=guest.external_id if guest else vmid,
        vm_name=guest.name if guest else f"VMID {vmid}",
        user=user,
        started_at=dt.datetime.fromtimestamp(start, dt.UTC),
        kind=kind,
        source=upid,
    )


def _upid_node(upid: str) -> str:
    parts = upid.split(":")
    if len(parts) < 8 or parts[0] != "UPID" or not parts[1]:
        raise ConnectorError(f"not a Proxmox task id: {upid!r}", permanent=True)
    return parts[1]


# ----------------------------------------------------------------------------- connector


class ProxmoxConnector:
    """Reads a Proxmox VE cluster (or single node) and runs snapshot operations on it."""

    kind = "proxmox"
    #: Seconds after which a ticket is renewed before use (PVE's tickets live 2 hours).
    ticket_renew_age = 3600.0
    #: Parallel per-guest reads; the pool of the session is as large.
    max_workers = 8
    #: Ask running QEMU guests with the agent enabled whether it answers (one request each).
    probe_agent = True
    #: What the previous read saw (its :meth:`read_state`), handed in by the sync for a cheap
    #: resync: per-guest reads whose inputs did not change are skipped (see :data:`CHEAP`).
    #: None (the default) reads everything.
    previous: dict[str, Any] | None = None

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        try:
            host, port = tls.host_port(config.url)
        except ValueError as exc:
            raise ConnectorError(str(exc), permanent=True) from None
        self.base_url = f"https://{host}:{port}/api2/json"
        self._display = f"{host}:{port}"
        context: ssl.SSLContext | None = None
        fingerprint = ""
        if config.fingerprint:
            try:
                fingerprint = tls.normalize_fingerprint(config.fingerprint)
            except ValueError as exc:
                raise TrustError(f"pinned fingerprint of {config.url}: {exc}") from None
        elif config.ca_pem:
            try:
                context = tls.ca_context(tls.validate_ca_pem(config.ca_pem))
            except (ValueError, ssl.SSLError) as exc:
                raise TrustError(f"CA certificate of {config.url}: {exc}") from None
        else:
            raise TrustError(
                f"{config.url}: neither a CA certificate nor a pinned fingerprint is configured; "
                "the connection cannot be verified"
            )
        self._fingerprint = fingerprint
        self._session = _Session(config.timeout)
        self._session.mount(
            f"https://{host}:{port}/",
            TrustAdapter(context=context, fingerprint=fingerprint, pool=self.max_workers),
        )
        # Anything else (a redirect elsewhere) gets no adapter that could carry credentials.
        self._session.mount("https://", _RefusingAdapter())
        self._session.mount("http://", _RefusingAdapter())
        self._auth = _Auth()
        self._session.auth = self._auth
        self._api = ProxmoxResource(
            base_url=self.base_url, session=self._session, serializer=_Serializer()
        )
        self._login_lock = threading.Lock()
        self._ticket_born = 0.0
        if config.token_id:
            if "!" not in config.token_id or "@" not in config.token_id:
                raise AuthenticationError(
                    "the API token id must look like user@realm!tokenname", permanent=True
                )
            self._auth.token_header = f"PVEAPIToken={config.token_id}={config.secret}"
        elif not config.username:
            raise AuthenticationError("neither an API token nor a user name is configured")
        self.requests_made = 0
        self._state: dict[str, Any] = {}
        # node -> its clock minus ours in seconds, from /nodes/{n}/time (guest clock offsets).
        self._node_skew: dict[str, float] = {}

    # ------------------------------------------------------------------ plumbing

    def _login(self) -> None:
        """Get a ticket with the password, over the verified session."""
        user = self.config.username
        if "@" not in user:
            user += "@pam"
        try:
            data = self._send("post", "access/ticket", username=user, password=self.config.secret)
        except ResourceException as exc:
            if exc.status_code in (401, 403):
                raise AuthenticationError(
                    f"{self._display} refused the login of {user}: {exc.content}"
                ) from None
            raise self._error(exc, "login") from None
        if not isinstance(data, dict) or not data.get("ticket"):
            raise AuthenticationError(
                f"{self._display} answered the login of {user} without a ticket"
            )
        if data.get("NeedTFA"):
            raise AuthenticationError(
                f"{user} needs a second factor on {self._display}; use an API token for the portal"
            )
        self._auth.ticket = str(data["ticket"])
        self._auth.csrf = str(data.get("CSRFPreventionToken", ""))
        self._ticket_born = time.monotonic()

    def _ensure_login(self, force: bool = False, seen: str = "") -> None:
        if self._auth.token_header:
            return
        with self._login_lock:
            # Another thread may have renewed it already while this one waited.
            if force and self._auth.ticket != seen:
                return
            if (
                force
                or not self._auth.ticket
                or (time.monotonic() - self._ticket_born >= self.ticket_renew_age)
            ):
                self._login()

    def _send(self, method: str, path: str, **params: Any) -> Any:
        """One request through proxmoxer; transport failures become ConnectorError subclasses.

        PVE's own error answers stay ResourceException, for the caller to judge.
        """
        resource = self._api(path.strip("/"))
        self.requests_made += 1
        try:
            return getattr(resource, method)(**params)
        except ResourceException:
            raise
        except _BadAnswer as exc:
            raise ConnectorError(f"{self._display} {path}: {exc}") from None
        except requests.exceptions.SSLError as exc:
            raise self._tls_error(exc) from None
        except requests.exceptions.Timeout:
            raise ConnectorError(
                f"{self._display} did not answer {path} within {self.config.timeout:g} s"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise ConnectorError(f"cannot reach {self._display}: {_reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise ConnectorError(f"{self._display} {path}: {_reason(exc)}") from None

    def _call(self, method: str, path: str, **params: Any) -> Any:
        """One API request, logged in; PVE's errors become ConnectorError subclasses."""
        for attempt in (0, 1):
            self._ensure_login()
            ticket = self._auth.ticket
            try:
                return self._send(method, path, **params)
            except ResourceException as exc:
                if exc.status_code == 401 and not self._auth.token_header and attempt == 0:
                    # The ticket expired or was revoked mid-sync: log in again, once.
                    self._ensure_login(force=True, seen=ticket)
                    continue
                raise self._error(exc, path) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, path: str, **params: Any) -> Any:
        return self._call("get", path, **params)

    def _error(self, exc: ResourceException, path: str) -> ConnectorError:
        # proxmoxer's content is the HTTP reason, where PVE puts its own message.
        message = str(exc.content or "").strip() or str(exc.status_message or "")
        if exc.errors:
            message += f" ({_short(exc.errors)})"
        where = f"{self._display} {path}"
        if exc.status_code == 401:
            return AuthenticationError(f"{where}: authentication failed: {message}")
        if exc.status_code == 403:
            return ConnectorError(f"{where}: {message}", permanent=True)
        if exc.status_code == 400:
            return ConnectorError(f"{where}: {message}", permanent=True)
        return ConnectorError(f"{where}: {exc.status_code} {message}")

    def _tls_error(self, exc: Exception) -> TrustError:
        text = _reason(exc)
        if self._fingerprint:
            m = FINGERPRINT_GOT.search(text)
            if m:
                return tls.pin_mismatch(self.config.url, self._fingerprint, m.group(1))
        return TrustError(f"TLS verification of {self.config.url} failed: {text}")

    def _parallel(
        self,
        fn: Callable[[Any], T],
        items: Iterable[Any],
        done: Callable[[int], None] | None = None,
    ) -> list[T]:
        """``fn`` over ``items`` on up to ``max_workers`` threads; results in order.

        ``done`` hears how many have finished, from this (the caller's) thread.
        """
        items = list(items)
        results: list[T] = []
        if len(items) <= 1:
            results = [fn(i) for i in items]
        else:
            with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
                for result in pool.map(fn, items):
                    results.append(result)
                    if done is not None:
                        done(len(results))
        if done is not None:
            done(len(results))
        return results

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._session.close()

    def read_state(self) -> dict[str, Any]:
        """What the last :meth:`read_inventory` saw, for the next one's :attr:`previous`.

        ``{"v": 1, "t": epoch of its /cluster/resources, "guests": {"qemu/100": {"digest",
        "status", "uptime", "net": [netin, netout], "snapshots": [...], "by": {snapshot:
        creator}, "agent": {"tools_state", "guest_time"}}}}``; plain JSON, kept by the sync in
        the database with the inventory it belongs to.
        """
        return self._state

    @staticmethod
    def usable_state(state: Any) -> bool:
        """Whether ``state`` has the shape this version's :meth:`read_state` writes."""
        return _state_usable(state)

    # ------------------------------------------------------------------ reading

    def read_inventory(self, progress: Progress = no_progress) -> Inventory:
        """Read the whole inventory (see the module docstring for the requests it makes).

        ``progress`` hears of the nodes, then of each guest read: ``("guests", 40)``.
        """
        inv = Inventory()
        progress("nodes", 0)
        read_at = time.time()
        resources = _list(self._get("cluster/resources"))
        status = _list(self._get("cluster/status"))
        nodes = [
            r
            for r in resources
            if isinstance(r, dict) and r.get("type") == "node" and r.get("node")
        ]
        node_ip = {
            s.get("name"): s.get("ip")
            for s in status
            if isinstance(s, dict) and s.get("type") == "node" and s.get("ip")
        }
        cluster = next(
            (s for s in status if isinstance(s, dict) and s.get("type") == "cluster"), None
        )
        # The datacenter firewall (/cluster/firewall/options) exists on a standalone node too:
        # read once, judged on every node (ADM-004), whether or not there is a cluster record.
        fw = self._optional(inv, "cluster firewall options", "cluster/firewall/options")
        fw = _dict(fw) if fw is not None else None
        cluster_id = None
        if cluster and cluster.get("name"):
            cluster_id = f"cluster/{cluster['name']}"
            inv.clusters.append(self._cluster(cluster, inv, fw))
            inv.clusters[-1].extra["quorum"] = _quorum(status)
        online = {n["node"] for n in nodes if n.get("status") == "online"}
        for n in nodes:
            if n["node"] not in online:
                inv.warnings.append(
                    f"node {n['node']} is {n.get('status') or 'not online'}: not read"
                )

        host_results = self._parallel(
            lambda n: self._host(n, cluster_id, node_ip, inv),
            nodes,
            done=lambda n: progress("nodes", n),
        )
        for host, nics, switches, sample in host_results:
            if "firewall_node" in host.extra:
                host.extra["firewall"] = _firewall_state(fw, host.extra.pop("firewall_node"))
            inv.hosts.append(host)
            inv.nics.extend(nics)
            inv.switches.extend(switches)
            if sample:
                inv.samples.append(sample)

        storage_ids = self._datastores(resources, inv)
        guests = [
            r
            for r in resources
            if isinstance(r, dict)
            and r.get("type") in ("qemu", "lxc")
            and r.get("vmid") is not None
        ]
        previous = self.previous if self.usable_state(self.previous) else None
        known: dict[str, Any] = previous["guests"] if previous else {}
        since = read_at - float(previous["t"]) if previous else None
        self._state = {"v": STATE_VERSION, "t": read_at, "guests": {}}
        results = self._parallel(
            lambda g: self._guest(g, online, storage_ids, known, since),
            guests,
            done=lambda n: progress("guests", n),
        )
        kept: list[SnapshotRecord] = []
        for vm, snaps, sample, warnings, entry in results:
            inv.vms.append(vm)
            inv.snapshots.extend(snaps)
            inv.samples.append(sample)
            inv.warnings.extend(warnings)
            self._state["guests"][vm.external_id] = entry
            if entry.pop("kept", False):
                kept.extend(snaps)
        _thin_space(inv, storage_ids)
        self._backups(inv, online)
        self._snapshot_creators(inv, skip={id(s) for s in kept})
        for snap in inv.snapshots:
            if snap.created_by:
                entry = self._state["guests"][snap.vm_external_id]
                entry.setdefault("by", {})[snap.name] = snap.created_by
        inv.accounts = self._accounts(inv)
        return inv

    def _snapshot_creators(self, inv: Inventory, skip: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        """Who made each snapshot, from the task logs of the nodes that hold snapshots.

        One ``/nodes/{n}/tasks`` per such node, from a minute before its oldest snapshot. PVE's
        snapshot task (``qmsnapshot``/``vzsnapshot``) names the guest and the user (with the
        token, ``root@pam!autosnap``) but not the snapshot: the snapshot's ``snaptime`` lies in
        the task's run, so the latest such task of the guest started at or before it is the
        one. A task the log no longer holds, or two users' tasks in that second (PVE counts
        whole seconds), leave the creator unknown. Snapshots in ``skip`` (ids of records a cheap
        resync kept from the previous read, with the creator found then) are not looked up: a
        task log only loses entries, so a second look cannot find more.
        """
        node_of = {v.external_id: (v.host_external_id or "").removeprefix("node/") for v in inv.vms}
        by_node: dict[str, list[SnapshotRecord]] = {}
        for snap in inv.snapshots:
            node = node_of.get(snap.vm_external_id)
            if node and snap.created_at is not None and id(snap) not in skip:
                by_node.setdefault(node, []).append(snap)

        def task_log(node: str) -> tuple[str, list[Any]]:
            since = int(min(s.created_at for s in by_node[node]).timestamp()) - 60  # type: ignore[union-attr]
            path = f"nodes/{quote(node, safe='')}/tasks"
            log = self._optional(
                inv, f"task log of {node}", path, since=since, limit=TASK_LOG_LIMIT
            )
            return node, _list(log)

        for node, tasks in self._parallel(task_log, list(by_node)):
            runs: dict[str, list[tuple[int, str]]] = {}
            for t in tasks:
                if isinstance(t, dict) and t.get("type") in SNAPSHOT_TASKS and t.get("user"):
                    kind = "qemu" if t["type"] == "qmsnapshot" else "lxc"
                    start = _int(t.get("starttime")) or 0
                    runs.setdefault(f"{kind}/{t.get('id')}", []).append((start, str(t["user"])))
            for snap in by_node[node]:
                taken = int(snap.created_at.timestamp())  # type: ignore[union-attr]
                started = [r for r in runs.get(snap.vm_external_id, []) if r[0] <= taken]
                if not started:
                    continue
                latest = max(start for start, _ in started)
                users = {user for start, user in started if start == latest}
                if len(users) == 1:  # two users' tasks in the same second: rather unknown
                    snap.created_by = users.pop()

    def _backups(self, inv: Inventory, online: set[str]) -> None:
        """Backup coverage per guest (jobs, not-backed-up) and its newest backup's time.

        ``/cluster/backup`` names the jobs, ``/cluster/backup-info/not-backed-up`` the guests
        no enabled job covers; the newest backup per VMID comes from the content of every
        storage that holds backups (``ctime``), read on one online node per storage. A failed
        read leaves coverage unknown (None), never "not covered".
        """
        jobs = self._optional(inv, "backup jobs", "cluster/backup")
        uncovered = self._optional(
            inv, "guests without backup", "cluster/backup-info/not-backed-up"
        )
        if jobs is None or uncovered is None:
            return
        missing = {_int(g.get("vmid")) for g in _list(uncovered) if isinstance(g, dict)}
        stores: dict[str, tuple[str, str]] = {}  # datastore id -> (storage, a node to ask)
        for ds in inv.datastores:
            if "backup" not in ds.content:
                continue
            # A shared storage shows the same content on every node: one reachable node will do.
            for host_id, reachable in ds.host_access.items():
                node = host_id.removeprefix("node/")
                if reachable and node in online:
                    stores[ds.external_id] = (ds.name, node)
                    break

        def content(item: tuple[str, str]) -> list[Any]:
            name, node = item
            path = f"nodes/{quote(node, safe='')}/storage/{quote(name, safe='')}/content"
            return _list(self._optional(inv, f"backups on {name}", path, content="backup"))

        newest: dict[int, tuple[int, str]] = {}
        for volumes in self._parallel(content, list(stores.values())):
            for vol in (v for v in volumes if isinstance(v, dict)):
                vmid, ctime = _int(vol.get("vmid")), _int(vol.get("ctime"))
                if vmid is not None and ctime and ctime > newest.get(vmid, (0, ""))[0]:
                    newest[vmid] = (ctime, str(vol.get("volid") or ""))
        names = _job_names(_list(jobs))
        for vm in inv.vms:
            if vm.vmid is None or vm.template:
                continue
            vm.backup_covered = vm.vmid not in missing
            ctime, volid = newest.get(vm.vmid, (0, ""))
            vm.last_backup_at = dt.datetime.fromtimestamp(ctime, dt.UTC) if ctime else None
            vm.backup_source = (
                f"backup jobs {', '.join(names)}; newest backup {volid or 'none found'}"
                if vm.backup_covered
                else "listed by /cluster/backup-info/not-backed-up"
            )

    def _optional(self, inv: Inventory, what: str, path: str, **params: Any) -> Any:
        """A read whose failure is a warning, not a failed sync.

        Permanent errors (authentication, trust, 403 and 400) still raise: a token that lacks
        a privilege would otherwise yield a quietly incomplete inventory and wrong findings.
        """
        try:
            return self._get(path, **params)
        except ConnectorError as exc:
            if exc.permanent:
                raise
            inv.warnings.append(f"{what} not read: {exc}")
            return None

    def _cluster(
        self, cluster: dict[str, Any], inv: Inventory, fw: dict[str, Any] | None
    ) -> ClusterRecord:
        ha_resources = _list(self._optional(inv, "HA resources", "cluster/ha/resources"))
        ha_status = _list(self._optional(inv, "HA status", "cluster/ha/status/current"))
        ha_groups = _list(self._optional(inv, "HA groups", "cluster/ha/groups"))
        options = _dict(self._optional(inv, "cluster options", "cluster/options"))
        return ClusterRecord(
            external_id=f"cluster/{cluster['name']}",
            name=str(cluster["name"]),
            quorate=_flag(cluster.get("quorate")),
            ha_enabled=bool(ha_resources),
            firewall_enabled=None if fw is None else _switched_on(fw.get("enable")),
            extra={
                "nodes": cluster.get("nodes"),
                "ha_resources": ha_resources,
                "ha_status": ha_status,
                "ha_groups": [
                    {k: v for k, v in g.items() if k != "digest"}
                    for g in ha_groups
                    if isinstance(g, dict)
                ],
                "options": {k: v for k, v in options.items() if k != "digest"},
                "firewall_options": {k: v for k, v in (fw or {}).items() if k != "digest"},
            },
        )

    def _host(
        self, res: dict[str, Any], cluster_id: str | None, node_ip: dict[str, Any], inv: Inventory
    ) -> tuple[HostRecord, list[NicRecord], list[SwitchRecord], SampleRecord | None]:
        name = str(res["node"])
        hid = f"node/{name}"
        host = HostRecord(
            external_id=hid,
            name=name,
            cluster_external_id=cluster_id,
            product="Proxmox VE",
            connection_state="online" if res.get("status") == "online" else "offline",
            memory_bytes=_int(res.get("maxmem")),
            memory_used_bytes=_int(res.get("mem")),
            cpu_usage_percent=_scaled(res.get("cpu")),
            uptime_seconds=_int(res.get("uptime")),
        )
        if node_ip.get(name):
            host.management_addresses.append(str(node_ip[name]))
        if host.connection_state != "online":
            return host, [], [], None
        base = f"nodes/{quote(name, safe='')}"
        st = _dict(self._optional(inv, f"status of node {name}", f"{base}/status"))
        services = _list(self._optional(inv, f"services of node {name}", f"{base}/services"))
        clock_asked = time.time()
        clock = _dict(self._optional(inv, f"time of node {name}", f"{base}/time"))
        network = _list(self._optional(inv, f"network of node {name}", f"{base}/network"))
        node_fw = self._optional(inv, f"firewall of node {name}", f"{base}/firewall/options")
        if node_fw is not None:
            host.extra["firewall_node"] = _dict(node_fw)
        rrd = _list(
            self._optional(inv, f"RRD data of node {name}", f"{base}/rrddata", timeframe="hour")
        )
        release = _dict(self._optional(inv, f"version of node {name}", f"{base}/version"))
        version = str(st.get("pveversion") or "")
        m = re.match(r"pve-manager/([^/]+)/(\S+)", version)
        host.version, host.build = (m.group(1), m.group(2)) if m else (version, "")
        if release.get("version"):  # /nodes/{node}/version: {version, release, repoid}
            host.version = str(release["version"])
            host.build = str(release.get("repoid") or host.build)
        updates = self._optional(inv, f"pending updates of node {name}", f"{base}/apt/update")
        if updates is not None:
            _pending_updates(host, _list(updates))
        cpu = _dict(st.get("cpuinfo"))
        host.cpu_model = str(cpu.get("model") or "")
        host.cpu_sockets = _int(cpu.get("sockets"))
        per_socket = _int(cpu.get("cores"))
        host.cpu_cores = per_socket * host.cpu_sockets if per_socket and host.cpu_sockets else None
        host.cpu_threads = _int(cpu.get("cpus"))
        host.cpu_mhz = _int(cpu.get("mhz"))
        mem = _dict(st.get("memory"))
        host.memory_bytes = _int(mem.get("total")) or host.memory_bytes
        host.memory_used_bytes = _int(mem.get("used")) if mem else host.memory_used_bytes
        host.swap_used_bytes = _int(_dict(st.get("swap")).get("used"))
        host.ksm_shared_bytes = _int(_dict(st.get("ksm")).get("shared"))
        host.uptime_seconds = _int(st.get("uptime")) or host.uptime_seconds
        if st.get("cpu") is not None:
            host.cpu_usage_percent = _scaled(st.get("cpu"))
        if st.get("kversion"):
            host.extra["kernel"] = st["kversion"]
        host.timezone = str(clock.get("timezone") or "")
        if _float(clock.get("time")) is not None:
            # The node's clock against ours, so a guest's clock read later compares with the
            # node's (PVE gives whole seconds: the comparison is good to about a second).
            self._node_skew[name] = float(clock["time"]) + 0.5 - (clock_asked + time.time()) / 2
        for svc in services:
            if not isinstance(svc, dict):
                continue
            sname = str(svc.get("service") or svc.get("name") or "")
            key = SERVICE_KEYS.get(sname)
            if key is None:
                continue
            host.services.append(
                ServiceRecord(
                    key=key,
                    label=str(svc.get("desc") or sname),
                    running=(svc.get("state") == "running") if svc.get("state") else None,
                    policy=str(svc.get("unit-state") or ""),
                )
            )
        nics, switches = self._network(name, hid, network, host)
        rates = _last_rates(rrd)
        sample = SampleRecord(
            object_type="host",
            external_id=hid,
            cpu_percent=host.cpu_usage_percent,
            memory_percent=_percent(host.memory_used_bytes, host.memory_bytes),
            net_rx_bps=rates[0],
            net_tx_bps=rates[1],
        )
        return host, nics, switches, sample

    @staticmethod
    def _network(
        node: str, hid: str, network: list[Any], host: HostRecord
    ) -> tuple[list[NicRecord], list[SwitchRecord]]:
        nics: list[NicRecord] = []
        switches: list[SwitchRecord] = []
        for iface in network:
            if not isinstance(iface, dict) or not iface.get("iface"):
                continue
            name, kind = str(iface["iface"]), str(iface.get("type") or "")
            active = _flag(iface.get("active"))
            if kind == "eth":
                nics.append(NicRecord(host_external_id=hid, device=name, link_up=active))
            elif kind in ("bond", "OVSBond"):
                slaves = str(iface.get("slaves") or iface.get("ovs_bonds") or "").split()
                nics.append(
                    NicRecord(
                        host_external_id=hid,
                        device=name,
                        link_up=active,
                        kind="bond",
                        slaves=slaves,
                    )
                )
            elif kind in ("bridge", "OVSBridge"):
                ports = str(iface.get("bridge_ports") or iface.get("ovs_ports") or "").split()
                switches.append(
                    SwitchRecord(
                        external_id=f"bridge/{node}/{name}",
                        name=name,
                        host_external_id=hid,
                        kind="bridge" if kind == "bridge" else "ovs",
                        uplinks=ports,
                        active=active,
                    )
                )
            address = iface.get("address") or str(iface.get("cidr") or "").split("/")[0]
            if address and iface.get("gateway") and address not in host.management_addresses:
                host.management_addresses.append(str(address))
        return nics, switches

    def _datastores(self, resources: list[Any], inv: Inventory) -> dict[tuple[str, str], str]:
        """Datastore records; returns (node, storage) -> external id for the guests' disks."""
        by_id: dict[str, DatastoreRecord] = {}
        ids: dict[tuple[str, str], str] = {}
        for r in resources:
            if not isinstance(r, dict) or r.get("type") != "storage":
                continue
            node, name = r.get("node"), r.get("storage")
            if not node or not name:
                inv.warnings.append(f"storage entry without node or name skipped: {r.get('id')!r}")
                continue
            shared = bool(_flag(r.get("shared")))
            sid = f"storage/{name}" if shared else f"storage/{node}/{name}"
            ids[(str(node), str(name))] = sid
            total, used = _int(r.get("maxdisk")), _int(r.get("disk"))
            rec = by_id.get(sid)
            if rec is None:
                rec = by_id[sid] = DatastoreRecord(
                    external_id=sid,
                    name=str(name),
                    type=str(r.get("plugintype") or ""),
                    capacity_bytes=total,
                    free_bytes=total - used if total is not None and used is not None else None,
                    accessible=r.get("status") == "available",
                    shared=shared,
                    content=[c for c in str(r.get("content") or "").split(",") if c],
                )
                inv.datastores.append(rec)
                inv.samples.append(
                    SampleRecord(object_type="datastore", external_id=sid, storage_used_bytes=used)
                )
            elif r.get("status") == "available":
                rec.accessible = True  # datastore-wide: some node reaches it
            # Each node reports its own view of a shared storage; STO-003 judges them all.
            rec.host_access[f"node/{node}"] = r.get("status") == "available"
            rec.host_external_ids.append(f"node/{node}")
        return ids

    def _guest(
        self,
        res: dict[str, Any],
        online: set[str],
        storage_ids: dict[tuple[str, str], str],
        known: dict[str, Any],
        since: float | None,
    ) -> tuple[VmRecord, list[SnapshotRecord], SampleRecord, list[str], dict[str, Any]]:
        """One guest: its record, snapshots, sample, warnings and its entry of the read state.

        ``known`` is the previous read's state per guest (empty for a full read), ``since``
        the seconds since that read's ``/cluster/resources``.
        """
        kind, vmid, node = str(res["type"]), int(res["vmid"]), str(res.get("node") or "")
        gid = f"{kind}/{vmid}"
        warnings: list[str] = []
        vm = VmRecord(
            external_id=gid,
            name=str(res.get("name") or gid),
            kind=kind,
            vmid=vmid,
            power_state=str(res.get("status") or ""),
            host_external_id=f"node/{node}" if node else None,
            vcpus=_int(res.get("maxcpu")),
            memory_bytes=_int(res.get("maxmem")),
            provisioned_bytes=_int(res.get("maxdisk")),
            template=bool(_flag(res.get("template"))),
            lock=str(res.get("lock") or ""),
            tags=[t for t in re.split(r"[;, ]", str(res.get("tags") or "")) if t],
            cpu_usage_percent=_scaled(res.get("cpu")),
            memory_used_bytes=_int(res.get("mem")),
        )
        sample = SampleRecord(
            object_type="vm",
            external_id=gid,
            cpu_percent=vm.cpu_usage_percent,
            memory_percent=_percent(res.get("mem"), res.get("maxmem")),
        )
        # What the next cheap resync compares with: the config's digest, the power state,
        # uptime and traffic counters of /cluster/resources (a guest that restarted has a
        # smaller uptime), the raw snapshot list, the agent's answer.
        entry: dict[str, Any] = {
            "digest": "",
            "status": vm.power_state,
            "uptime": _int(res.get("uptime")) or 0,
            "net": [_int(res.get("netin")), _int(res.get("netout"))],
        }
        prev = _dict(known.get(gid))
        snaps: list[SnapshotRecord] = []
        if node not in online:
            warnings.append(f"{gid} on node {node or '?'} (not online): config not read")
            return vm, snaps, sample, warnings, entry
        base = f"nodes/{quote(node, safe='')}/{kind}/{vmid}"
        try:
            config = self._get(f"{base}/config")
            if not isinstance(config, dict):
                raise ConnectorError(f"{base}/config: not an object")
            self._apply_config(vm, config, node, storage_ids)
            entry["digest"] = vm.config_version
            # PVE's digest is the SHA-1 of the whole config file, snapshot sections included:
            # the same digest is the same snapshot list (and the same agent setting).
            same = (
                bool(prev) and bool(vm.config_version) and prev.get("digest") == vm.config_version
            )
            # Running through the whole time since the previous read: the same power state,
            # and the uptime grew by that time (a guest restarted in between did not).
            ran_on = (
                same
                and since is not None
                and vm.power_state == "running"
                and prev.get("status") == "running"
                and entry["uptime"] >= (_int(prev.get("uptime")) or 0) + since - UPTIME_SLACK
            )
            if config.get("parent"):
                if same and isinstance(prev.get("snapshots"), list):
                    raw = prev["snapshots"]
                    entry["kept"] = True
                else:
                    raw = [
                        {k: s.get(k) for k in SNAPSHOT_KEYS if k in s}
                        for s in _list(self._get(f"{base}/snapshot"))
                        if isinstance(s, dict)
                    ]
                entry["snapshots"] = raw
                snaps = self._snapshots(gid, raw)
                creators = _dict(prev.get("by")) if entry.get("kept") else {}
                for snap in snaps:
                    snap.created_by = str(creators.get(snap.name) or "")
            if vm.power_state == "running":
                rates = _counter_rates(prev, entry, since) if ran_on else None
                if rates is None:
                    # Network rates of the last minutes; a stopped guest has none to give.
                    rates = _last_rates(_list(self._get(f"{base}/rrddata", timeframe="hour")))
                sample.net_rx_bps, sample.net_tx_bps = rates
            if kind == "qemu":
                vm.guest_time = {
                    "source": "qemu_agent",
                    "agent_enabled": vm.tools_state == "enabled",
                    "offset_seconds": None,
                }
            if (
                self.probe_agent
                and kind == "qemu"
                and vm.tools_state == "enabled"
                and vm.power_state == "running"
            ):
                agent = _dict(prev.get("agent")) if ran_on else {}
                if agent:
                    # Asked while the guest ran on unchanged: its answer, with its read_at.
                    vm.tools_state, vm.guest_time = agent["tools_state"], agent["guest_time"]
                else:
                    vm.tools_state = self._agent_time(base, node, vm.guest_time)
                entry["agent"] = {"tools_state": vm.tools_state, "guest_time": vm.guest_time}
            elif vm.tools_state == "enabled":
                # A stopped guest's agent is not running; a running one not asked is unknown.
                vm.tools_state = "" if vm.power_state == "running" else "not running"
        except ConnectorError as exc:
            if exc.permanent:
                raise
            warnings.append(f"{gid}: not fully read: {exc}")
            entry["digest"] = ""  # read again in full next time
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # A config PVE should not send; keep what was read and say so.
            warnings.append(f"{gid}: unexpected config ({type(exc).__name__}: {exc})")
            entry["digest"] = ""
        return vm, snaps, sample, warnings, entry

    def _agent_time(self, base: str, node: str, guest_time: dict[str, Any]) -> str:
        """Ask the guest agent for the guest's clock: the agent's state, the clock's offset.

        One request serves both: ``agent/get-time`` (QEMU's ``guest-get-time``, nanoseconds
        since the epoch) answers only when the agent runs. The offset is the guest's time minus
        the node's at the moment of the request (the node's clock from ``/nodes/{n}/time``
        against ours, plus our clock at the request's midpoint), in seconds.
        """
        asked = time.time()
        try:
            answer = self._get(f"{base}/agent/get-time")
        except (AuthenticationError, TrustError):
            raise
        except ConnectorError as exc:
            guest_time["error"] = str(exc)[:200]
            return "not running"  # PVE: 500 "QEMU guest agent is not running"
        answered = time.time()
        nanoseconds = _float(_dict(answer).get("result") if isinstance(answer, dict) else answer)
        skew = self._node_skew.get(node)
        guest_time["read_at"] = dt.datetime.fromtimestamp(answered, dt.UTC).isoformat()
        if nanoseconds is None or skew is None:
            guest_time["error"] = (
                "the agent answered get-time without a time"
                if nanoseconds is None
                else f"the time of node {node} was not read"
            )
            return "running"
        node_now = (asked + answered) / 2 + skew
        guest_time["guest_time"] = round(nanoseconds / 1e9, 3)
        guest_time["node_time"] = round(node_now, 3)
        guest_time["offset_seconds"] = round(nanoseconds / 1e9 - node_now, 3)
        return "running"

    def _apply_config(
        self,
        vm: VmRecord,
        config: dict[str, Any],
        node: str,
        storage_ids: dict[tuple[str, str], str],
    ) -> None:
        vm.config_version = str(config.get("digest") or "")
        vm.config = {k: v for k, v in config.items() if k not in NOT_CONFIG}
        vm.lock = str(config.get("lock") or vm.lock or "")
        vm.template = bool(_flag(config.get("template"))) or vm.template
        mem = _int(_props(config.get("memory"), "current").get("current"))
        if mem:
            vm.memory_bytes = mem * MiB
        if vm.kind == "qemu":
            vm.name = str(config.get("name") or vm.name)
            vm.guest_os = str(config.get("ostype") or "")
            cores, sockets = _int(config.get("cores")) or 1, _int(config.get("sockets")) or 1
            vm.vcpus = _int(config.get("vcpus")) or cores * sockets
            agent = _props(config.get("agent"), "enabled")
            vm.tools_state = "enabled" if _flag(agent.get("enabled")) else "disabled"
            vga = _props(config.get("vga"), "type")
            if vga.get("clipboard"):
                vm.extra_config["vga.clipboard"] = vga["clipboard"]
            if config.get("vga"):
                vm.extra_config["vga"] = str(config["vga"])
            disk_key = QEMU_DISK
        else:
            vm.name = str(config.get("hostname") or vm.name)
            vm.guest_os = str(config.get("ostype") or "")
            vm.vcpus = _int(config.get("cores")) or vm.vcpus
            vm.extra_config["unprivileged"] = str(config.get("unprivileged", "0"))
            if config.get("features"):
                vm.extra_config["features"] = str(config["features"])
            disk_key = LXC_DISK
        provisioned = 0
        for key in sorted(config):
            value = config[key]
            if disk_key.match(key):
                p = _props(value, "volume")
                volume = p.get("volume", "")
                cdrom = p.get("media") == "cdrom"
                storage = volume.split(":", 1)[0] if ":" in volume else ""
                size = _size(p.get("size"))
                disk = {
                    "key": key,
                    "volume": volume,
                    "storage": storage,
                    "size_bytes": size,
                    "cdrom": cdrom,
                }
                vm.disks.append(disk)
                if device := _host_device(key, volume):
                    vm.passthrough_devices.append(device)
                if storage:
                    sid = storage_ids.get((node, storage))
                    if sid and sid not in vm.datastore_external_ids:
                        vm.datastore_external_ids.append(sid)
                if size and not cdrom and not key.startswith("unused"):
                    provisioned += size
            elif NET_KEY.match(key):
                p = _props(value, "model")
                vm.nics.append(
                    VmNicRecord(
                        name=key,
                        mac=p.get("macaddr") or p.get("hwaddr") or "",
                        network=p.get("bridge", ""),
                        vlan_id=_int(p.get("tag")),
                        firewall=bool(_flag(p.get("firewall"))),
                        connected=not _flag(p.get("link_down")),
                    )
                )
            elif PASSTHROUGH.match(key):
                if key.startswith("usb") and _props(value, "host").get("host") == "spice":
                    continue  # usbN: spice = the viewer's device redirected, not the host's
                vm.passthrough_devices.append(key)
        if provisioned:
            vm.provisioned_bytes = provisioned

    @staticmethod
    def _snapshots(gid: str, items: list[Any]) -> list[SnapshotRecord]:
        current_parent = next(
            (s.get("parent") for s in items if isinstance(s, dict) and s.get("name") == "current"),
            None,
        )
        out = []
        for s in items:
            if not isinstance(s, dict) or not s.get("name") or s["name"] == "current":
                continue
            snaptime = _int(s.get("snaptime"))
            out.append(
                SnapshotRecord(
                    external_id=f"{gid}/{s['name']}",
                    vm_external_id=gid,
                    name=str(s["name"]),
                    description=str(s.get("description") or ""),
                    created_at=dt.datetime.fromtimestamp(snaptime, dt.UTC) if snaptime else None,
                    parent_external_id=f"{gid}/{s['parent']}" if s.get("parent") else None,
                    with_memory=bool(_flag(s.get("vmstate"))),
                    current=s["name"] == current_parent,
                )
            )
        return out

    def _accounts(self, inv: Inventory) -> list[AccountRecord]:
        """Users, their API tokens and the ACL's groups, with what each may do where.

        Five reads, whatever the number of users: /access/users?full=1 (users, groups, tokens
        with expire and privsep), /access/acl, /access/roles, /access/tfa, /access/domains.
        """
        users = self._optional(inv, "users", "access/users", full=1)
        if users is None:
            return []
        acl = _list(self._optional(inv, "ACL", "access/acl"))
        roles = self._role_rights(_list(self._optional(inv, "roles", "access/roles")))
        tfa = _list(self._optional(inv, "TFA entries", "access/tfa"))
        with_tfa = {t.get("userid") for t in tfa if isinstance(t, dict) and _list(t.get("entries"))}
        # A realm's ``tfa`` option (type=oath, type=yubico) makes every login of the realm
        # ask for a second factor, whether or not the user has an entry in /access/tfa.
        domains = self._optional(inv, "realms", "access/domains")
        realms = {
            str(d["realm"]): d for d in _list(domains) if isinstance(d, dict) and d.get("realm")
        }
        realm_tfa = None if domains is None else {r: bool(d.get("tfa")) for r, d in realms.items()}
        groups: dict[str, list[str]] = {}
        accounts: dict[str, AccountRecord] = {}
        tokens: dict[str, AccountRecord] = {}
        for u in _list(users):
            if not isinstance(u, dict) or not u.get("userid"):
                continue
            uid = str(u["userid"])
            realm = uid.rpartition("@")[2]
            realm_type = str(_dict(realms.get(realm)).get("type") or "")
            accounts[uid] = AccountRecord(
                userid=uid,
                api_tokens=_api_tokens(u.get("tokens")),
                enabled=_flag(u.get("enable")) if u.get("enable") is not None else True,
                two_factor=uid in with_tfa or bool(u.get("keys")),
                realm_two_factor=None if realm_tfa is None else realm_tfa.get(realm, False),
                realm=realm,
                realm_type=realm_type,
                directory=_directory(realm, realm_type),
                expires_at=_epoch(u.get("expire")),
            )
            for g in _names(u.get("groups")):
                groups.setdefault(g, []).append(uid)
            # One parse of the user's tokens serves both readers: the user's ``api_tokens``
            # (HRD-103, HRD-104 judge them on the user) and one principal per token with its
            # own grants (the rights review: RGT-001..004, RGT-007).
            for t in accounts[uid].api_tokens:
                tid = f"{uid}!{t['tokenid']}"
                tokens[tid] = AccountRecord(
                    userid=tid,
                    enabled=accounts[uid].enabled,
                    kind="token",
                    realm=realm,
                    realm_type=realm_type,
                    directory=accounts[uid].directory,
                    expires_at=_epoch(t["expire"]),
                    privsep=bool(t["privsep"]),
                )
        group_accounts: dict[str, AccountRecord] = {}
        names = self._entity_names(inv)
        for entry in acl:
            if not isinstance(entry, dict):
                continue
            ugid, role, path = str(entry.get("ugid") or ""), entry.get("roleid"), entry.get("path")
            if not role or not path:
                continue
            kind = entry.get("type")
            propagate = True if entry.get("propagate") is None else bool(_flag(entry["propagate"]))
            given = grant(
                entity_path=f"{path} ({names[path]})" if path in names else str(path),
                entity_id=str(path),
                role=str(role),
                role_id=str(role),
                propagate=propagate,
                rights=roles.get(str(role)) or TRAITS.classify_role(str(role), []),
                root=path == "/",
            )
            if kind == "user" and ugid in accounts:
                accounts[ugid].roles.append(f"{path}:{role}")
                accounts[ugid].grants.append(given)
            elif kind == "group":
                group = group_accounts.setdefault(
                    ugid, AccountRecord(userid=ugid, kind="group", directory=None)
                )
                group.grants.append(given)
                for uid in groups.get(ugid, []):
                    accounts[uid].roles.append(f"{path}:{role} (group {ugid})")
                    accounts[uid].grants.append({**given, "via": f"group {ugid}"})
            elif kind == "token" and ugid.split("!")[0] in accounts:
                user, _, token = ugid.partition("!")
                accounts[user].roles.append(f"{path}:{role} (token {token})")
                if ugid in tokens:
                    tokens[ugid].grants.append(given)
        # A token without privilege separation acts with every right of its user.
        for tid, token in tokens.items():
            if token.privsep is False:
                user = accounts[tid.partition("!")[0]]
                token.grants.extend(
                    {**g, "via": f"user {user.userid} (no privilege separation)"}
                    for g in user.grants
                )
        return [*accounts.values(), *group_accounts.values(), *tokens.values()]

    @staticmethod
    def _role_rights(items: list[Any]) -> dict[str, dict[str, Any]]:
        """Role id -> its classification (admin, VM-admin and infrastructure privileges)."""
        out = {}
        for r in items:
            if isinstance(r, dict) and r.get("roleid"):
                privs = r.get("privs")
                if isinstance(privs, dict):  # PVE answers a string; some versions a map
                    privs = [k for k, v in privs.items() if _flag(v)]
                out[str(r["roleid"])] = TRAITS.classify_role(str(r["roleid"]), _names(privs))
        return out

    @staticmethod
    def _entity_names(inv: Inventory) -> dict[str, str]:
        """ACL path -> the name of what it points at (guests and nodes), from what was read."""
        names = {}
        for vm in inv.vms:
            vmid = vm.external_id.partition("/")[2]
            names[f"/vms/{vmid}"] = vm.name
        for host in inv.hosts:
            names[f"/nodes/{host.name}"] = host.name
        return names

    # ------------------------------------------------------------------ console history

    def read_console_sessions(self, since: dt.datetime, inventory: Inventory) -> ConsoleRead:
        """Who opened which guest's console since ``since``, from the nodes' task logs.

        PVE starts a task for every console it opens (noVNC ``vncproxy``, xterm.js
        ``termproxy``, SPICE ``spiceproxy``); its UPID names the node, the start time, the
        type, the guest's VMID and the user (``UPID:pve1:0001C4E6:00A1B2C3:6745A1B0:vncproxy:
        100:root@pam:``). One ``/nodes/{n}/tasks?since=...&source=all&limit=500`` per online
        node of ``inventory``, and one more per further 500 tasks (``start``): running
        consoles are active tasks, which PVE lists only with ``source=all``. Its own request:
        the snapshot read (``_snapshot_creators``) asks the nodes holding snapshots back to
        their oldest snapshot, with a limit, so console tasks of the last minutes could fall
        off its end. A node shell (``vncshell``, ``termproxy`` without a VMID) is not a guest
        console and is left out. A node whose log cannot be read is a warning, and the read
        then ends before ``since`` moves on (``until`` stays None).
        """
        read = ConsoleRead(until=dt.datetime.now(dt.UTC))
        guests = {str(v.vmid): v for v in inventory.vms if v.vmid is not None}
        nodes = [
            h.external_id.removeprefix("node/")
            for h in inventory.hosts
            if h.connection_state == "online"
        ]

        def node_log(node: str) -> tuple[list[Any], str]:
            tasks: list[Any] = []
            path = f"nodes/{quote(node, safe='')}/tasks"
            for page in range(CONSOLE_TASK_PAGES):
                try:
                    batch = _list(
                        self._get(
                            path,
                            since=int(since.timestamp()),
                            source="all",
                            start=page * CONSOLE_TASK_PAGE,
                            limit=CONSOLE_TASK_PAGE,
                        )
                    )
                except ConnectorError as exc:
                    if exc.permanent:
                        raise
                    return tasks, f"console tasks of node {node} not read: {exc}"
                tasks.extend(batch)
                if len(batch) < CONSOLE_TASK_PAGE:
                    return tasks, ""
            return tasks, (
                f"console tasks of node {node}: more than "
                f"{CONSOLE_TASK_PAGES * CONSOLE_TASK_PAGE} tasks since {since:%Y-%m-%d %H:%M} UTC, "
                "the older ones not read"
            )

        seen: set[str] = set()
        for tasks, warning in self._parallel(node_log, nodes):
            if warning:
                read.warnings.append(warning)
                read.until = None
            for t in tasks:
                session = _console_session(t, guests)
                if session is not None and session.source not in seen:
                    seen.add(session.source)
                    read.sessions.append(session)
        return read

    # ------------------------------------------------------------------ snapshots (phase 2)

    def _locate(self, kind: str, vmid: int) -> str:
        """The node the guest lives on (one request)."""
        for r in _list(self._get("cluster/resources", type="vm")):
            if isinstance(r, dict) and r.get("type") == kind and _int(r.get("vmid")) == vmid:
                if not r.get("node"):
                    break
                return str(r["node"])
        raise ConnectorError(f"{kind}/{vmid} does not exist on {self._display}", permanent=True)

    def _guest_base(self, kind: str, vmid: int) -> str:
        return f"nodes/{quote(self._locate(kind, vmid), safe='')}/{kind}/{vmid}"

    @staticmethod
    def _upid(result: Any, what: str) -> str:
        if not isinstance(result, str) or not result.startswith("UPID:"):
            raise ConnectorError(f"{what}: PVE answered without a task id ({_short(result)})")
        return result

    def create_snapshot(
        self,
        vm_external_id: str,
        name: str,
        description: str = "",
        memory: bool = False,
        quiesce: bool = False,
        marker: str = "",
    ) -> str:
        """Start a snapshot; returns the task's UPID at once, without waiting.

        ``marker`` is not needed: PVE keeps snapshot names unique per guest and refuses a
        create whose name exists, so the name the portal chose identifies its snapshot.
        ``memory`` saves the RAM (QEMU only; containers have no RAM state). ``quiesce`` is not a
        PVE parameter: PVE freezes the file systems through the guest agent by itself when the
        agent is enabled, so it is accepted and has no further effect.
        """
        kind, vmid = self._parse(parse_guest_id, vm_external_id)
        params: dict[str, Any] = {"snapname": name}
        if description:
            params["description"] = description
        if memory and kind == "qemu":
            params["vmstate"] = 1
        base = self._guest_base(kind, vmid)
        return self._upid(self._call("post", f"{base}/snapshot", **params), "snapshot")

    def delete_snapshot(self, snapshot_external_id: str) -> str:
        """Start deleting a snapshot; returns the UPID."""
        kind, vmid, name = self._parse(parse_snapshot_id, snapshot_external_id)
        base = self._guest_base(kind, vmid)
        path = f"{base}/snapshot/{quote(name, safe='')}"
        return self._upid(self._call("delete", path), "snapshot delete")

    def revert_snapshot(self, snapshot_external_id: str) -> str:
        """Start a rollback to the snapshot; returns the UPID."""
        kind, vmid, name = self._parse(parse_snapshot_id, snapshot_external_id)
        base = self._guest_base(kind, vmid)
        path = f"{base}/snapshot/{quote(name, safe='')}/rollback"
        return self._upid(self._call("post", path), "snapshot rollback")

    def task_status(self, ref: str, vm_external_id: str | None = None) -> TaskStatus:
        """The state of a task by UPID: running, succeeded or failed (with PVE's exit status).

        ``result_external_id`` is the guest the task acted on (``qemu/100``) when the UPID names
        one; PVE's task does not name the snapshot. ``vm_external_id`` is not used: PVE's task
        status and a guest's snapshots are two requests.
        """
        node = _upid_node(ref)
        data = _dict(self._get(f"nodes/{quote(node, safe='')}/tasks/{quote(ref, safe='')}/status"))
        parts = ref.split(":")
        ttype, tid = parts[5], parts[6]
        result = None
        if tid.isdigit():
            result = f"lxc/{tid}" if ttype.startswith(("vz", "lxc", "pct")) else f"qemu/{tid}"
        state = str(data.get("status") or "")
        if state == "running":
            return TaskStatus(state="running", result_external_id=result)
        if state != "stopped":
            raise ConnectorError(f"task {ref} on {self._display}: unknown status {state!r}")
        exit_status = str(data.get("exitstatus") or "")
        # PVE ends a task that logged warnings with "WARNINGS: n"; the work was done.
        if exit_status == "OK" or exit_status.startswith("WARNINGS"):
            return TaskStatus(
                state="succeeded",
                error="" if exit_status == "OK" else exit_status,
                result_external_id=result,
            )
        return TaskStatus(
            state="failed", error=exit_status or "unknown error", result_external_id=result
        )

    def _guest_snapshots(self, vm_external_id: str) -> tuple[str, list[SnapshotRecord]]:
        """The guest's node and its snapshots."""
        kind, vmid = self._parse(parse_guest_id, vm_external_id)
        node = self._locate(kind, vmid)
        path = f"nodes/{quote(node, safe='')}/{kind}/{vmid}/snapshot"
        return node, self._snapshots(f"{kind}/{vmid}", _list(self._get(path)))

    def created_snapshot(
        self, vm_external_id: str, name: str, ref: str, status: TaskStatus
    ) -> SnapshotRecord | None:
        """The snapshot ``name``, taken no earlier than the task the UPID names started (both
        times by the node's clock), of the guest the UPID names."""
        parts = ref.split(":")
        try:
            started = int(parts[4], 16)
        except (IndexError, ValueError):
            return None
        if status.result_external_id and status.result_external_id != vm_external_id:
            return None
        _, snaps = self._guest_snapshots(vm_external_id)
        snap = next((s for s in snaps if s.name == name), None)
        if snap is None or snap.created_at is None or snap.created_at.timestamp() < started:
            return None
        return snap

    def _principal_ran(self, task: dict[str, Any]) -> bool:
        """Whether this connector's own user (or API token) started the task."""
        user, token = str(task.get("user") or ""), str(task.get("tokenid") or "")
        if token and "!" not in user:
            user = f"{user}!{token}"  # PVE lists a token's tasks as user + tokenid
        return user == (self.config.token_id or self.config.username)

    def find_lost_snapshot(
        self, vm_external_id: str, name: str, marker: str, since: dt.datetime
    ) -> SnapshotRecord | None:
        """The snapshot ``name`` if a snapshot task of this connector's own user, started at or
        after ``since`` and not after the snapshot's time, did not fail on the node."""
        node, snaps = self._guest_snapshots(vm_external_id)
        snap = next((s for s in snaps if s.name == name), None)
        if snap is None or snap.created_at is None:
            return None
        kind, vmid = self._parse(parse_guest_id, vm_external_id)
        earliest = int((since - CLOCK_SKEW).timestamp())
        taken = int(snap.created_at.timestamp())
        tasks = _list(
            self._get(
                f"nodes/{quote(node, safe='')}/tasks",
                vmid=vmid,
                since=earliest,
                limit=TASK_LOG_LIMIT,
            )
        )
        task_type = "qmsnapshot" if kind == "qemu" else "vzsnapshot"
        for t in tasks:
            if not isinstance(t, dict) or t.get("type") != task_type:
                continue
            if str(t.get("id")) != str(vmid) or not self._principal_ran(t):
                continue
            start = _int(t.get("starttime")) or 0
            # The list gives an ended task's exit status in ``status``; a running one has none
            # (its snapshot exists already: the next sync shows whether the task failed).
            status = str(t.get("status") or "OK")
            if earliest <= start <= taken and (status == "OK" or status.startswith("WARNINGS")):
                return snap
        return None

    def snapshot_exists(self, vm_external_id: str, snapshot_external_id: str) -> bool:
        return any(
            s.external_id == snapshot_external_id for s in self._guest_snapshots(vm_external_id)[1]
        )

    def find_snapshot(self, vm_external_id: str, name: str) -> SnapshotRecord | None:
        """The guest's snapshot of this name, or None."""
        return next((s for s in self._guest_snapshots(vm_external_id)[1] if s.name == name), None)

    @staticmethod
    def _parse(parser: Callable[[str], Any], value: str) -> Any:
        try:
            return parser(value)
        except ValueError as exc:
            raise ConnectorError(str(exc), permanent=True) from None


class _RefusingAdapter(HTTPAdapter):
    """Mounted for every other origin: nothing leaves the session except to the endpoint."""

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        raise requests.exceptions.InvalidURL(
            "request to an origin other than the configured endpoint refused"
        )


def _thin_space(inv: Inventory, storage_ids: dict[tuple[str, str], str]) -> None:
    """Set each guest storage's uncommitted space: what its disks may still claim.

    PVE reports a storage's used bytes but not what its (thin) disks promise; the guests'
    configs give each disk's size, so uncommitted = sum of those sizes - used, never below 0
    (``provisioned = capacity - free + uncommitted``, as vSphere counts it). A storage without
    guest content (ISO, backup) keeps None: it provisions no disks.
    """
    promised: dict[str, int] = {}
    for vm in inv.vms:
        node = (vm.host_external_id or "").removeprefix("node/")
        for disk in vm.disks:
            sid = storage_ids.get((node, disk["storage"]))
            if sid and disk["size_bytes"] and not disk["cdrom"]:
                promised[sid] = promised.get(sid, 0) + disk["size_bytes"]
    for store in inv.datastores:
        if store.capacity_bytes is None or store.free_bytes is None:
            continue
        if not {"images", "rootdir"} & set(store.content):
            continue
        used = store.capacity_bytes - store.free_bytes
        store.uncommitted_bytes = max(0, promised.get(store.external_id, 0) - used)


def _state_usable(state: Any) -> bool:
    """Whether a previous read state has the shape this version writes."""
    return (
        isinstance(state, dict)
        and state.get("v") == STATE_VERSION
        and isinstance(state.get("t"), (int, float))
        and isinstance(state.get("guests"), dict)
    )


def _counter_rates(
    prev: dict[str, Any], entry: dict[str, Any], since: float | None
) -> tuple[float | None, float | None] | None:
    """Bytes/s received and sent since the previous read, from the traffic counters of
    ``/cluster/resources`` (bytes since the guest started); None when they cannot say (no
    previous counters, a counter that went back, no time between the reads)."""
    before, now = prev.get("net"), entry["net"]
    if not since or since <= 0 or not isinstance(before, list) or len(before) != 2:
        return None
    if None in before or None in now or now[0] < before[0] or now[1] < before[1]:
        return None
    return round((now[0] - before[0]) / since, 1), round((now[1] - before[1]) / since, 1)


def _quorum(status: list[Any]) -> dict[str, int]:
    """Votes present and expected from ``/cluster/status`` (one vote per node, PVE's default)."""
    nodes = [s for s in status if isinstance(s, dict) and s.get("type") == "node"]
    expected = len(nodes)
    return {
        "expected_votes": expected,
        "votes": sum(1 for s in nodes if _flag(s.get("online"))),
        "quorum": expected // 2 + 1,
    }


def _api_tokens(tokens: Any) -> list[dict[str, Any]]:
    """A user's API tokens from ``/access/users?full=1`` (``tokenid``, ``privsep``, ``expire``;
    PVE's defaults: privilege separation on, no expiry). The comment is left out."""
    out = []
    for t in _list(tokens):
        if isinstance(t, dict) and t.get("tokenid"):
            privsep = _flag(t.get("privsep"))
            out.append(
                {
                    "tokenid": str(t["tokenid"]),
                    "privsep": True if privsep is None else privsep,
                    "expire": _int(t.get("expire")) or 0,
                }
            )
    return sorted(out, key=lambda t: t["tokenid"])


def _job_names(jobs: list[Any]) -> list[str]:
    return sorted(str(j.get("id") or "?") for j in jobs if isinstance(j, dict))


def _scaled(fraction: Any) -> float | None:
    """PVE's 0..1 CPU fraction as percent."""
    value = _float(fraction)
    return None if value is None else round(value * 100, 2)


def _last_rates(rrd: list[Any]) -> tuple[float | None, float | None]:
    """netin/netout (bytes/s) of the newest RRD point that has them; (None, None) if none."""
    for point in reversed(rrd):
        if isinstance(point, dict) and point.get("netin") is not None:
            return _float(point.get("netin")), _float(point.get("netout"))
    return None, None


def _reason(exc: Exception) -> str:
    """The innermost useful text of a requests/urllib3 error (never holds a secret: no headers)."""
    text = str(exc)
    inner = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", None)
    if reason is not None:
        text = str(reason)
    return text[:500]


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."
