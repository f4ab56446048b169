"""A fakepve server for tests, the demo and the benchmark, in a background thread.

fakepve (PyPI, AGPL, test and demo only) is a fake PVE 9 API on aiohttp. This module starts one
on its own loopback address with a freshly generated certificate, fills it from a small
:class:`FakeSpec` and hands out everything a connector needs (URL, password, API token, CA PEM,
SHA-256 fingerprint).

The fake runs on a private event loop in a daemon thread, so plain (non-async) tests can talk to
it over real HTTPS. The :class:`FakePve` object lives on that loop: change it only through
:meth:`RunningFakePve.call`, which runs a function (or coroutine function) on the loop and
returns its result.

What this harness adds to fakepve (which synthesises these from the API schema, with "fake"
strings and zeros): stateful answers for ``/access/users``, ``/access/acl``, ``/access/tfa``,
``/access/domains`` (realms and their ``tfa`` option), ``/access/roles`` (PVE 8's built-in roles
and their privileges, plus roles created), ACL entries set with ``PUT /access/acl`` or
:meth:`HarnessPve.set_acl` (users, groups, tokens), API tokens with their ``expire`` and
``privsep`` (:meth:`HarnessPve.add_token`, ``POST /access/users/{userid}/token/{tokenid}``),
``/cluster/backup``,
``/cluster/backup-info/not-backed-up``, ``/cluster/ha/resources`` and ``/cluster/ha/groups``
(from :attr:`HarnessPve.backup_jobs`, :attr:`HarnessPve.ha_resources` and
:attr:`HarnessPve.ha_groups`; archives on a storage with
:meth:`HarnessPve.add_backup`),
``/nodes/{node}/status``, ``/nodes/{node}/time``, ``/nodes/{node}/rrddata``,
``/nodes/{node}/version`` and ``/nodes/{node}/apt/update`` (pending updates, :meth:`HarnessPve.set_updates`)
from the spec;
writes that change them as PVE's do (a user created, an API token created, changed or
deleted with its ``privsep`` and ``expire`` (``/access/users/{userid}/token/{tokenid}``), a TOTP
factor added, a node service stopped or
started, a node's network interfaces created, changed and applied), and
:meth:`HarnessPve.fail_task` (a request answered with a UPID whose task ends in ``TASK ERROR``
with a message of our choosing; fakepve's own ``fail(error=...)`` only knows catalogued errors).

Run it standalone for the demo and the benchmark::

    python -m simulators.fakepve --guests 2000 --nodes 3

It prints one JSON line (url, credentials, token, fingerprint, ca_path) and serves until SIGTERM.
``--latency-ms N`` answers every request after N ms (fakepve's network latency; the waits
overlap). On SIGTERM it prints a second line, ``{"requests": count}`` (bench/scale_out.py).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakepve import FakePve, next_loopback, settle
from fakepve.certs import make_cert
from fakepve.model import PveError
from fakepve.server import API, USER, ok, params
from fakepve.shapes import networks as default_networks

from inventory.connectors.tls import fetch_presented_certificate, fingerprint_of_der

START_TIMEOUT = 30.0
GiB = 1024**3


@dataclass(slots=True)
class FakeUser:
    """A PVE user: ``tfa`` gives it a TOTP entry; ``acl`` holds (path, role) pairs (propagated);
    ``groups`` the groups it belongs to; ``tokens`` its API tokens by id, each with PVE's token
    options (``expire`` epoch seconds, 0 = never; ``privsep`` 1/0; ``comment``), which
    :func:`populate` gives it with :meth:`HarnessPve.add_token` (kept in ``token_info``)."""

    userid: str
    password: str = ""
    enabled: bool = True
    tfa: bool = False
    acl: list[tuple[str, str]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)


def _privs(*groups: list[str]) -> list[str]:
    return sorted({p for g in groups for p in g})


# PVE 8's privileges by group (PVE::AccessControl's $privgroups): the "root" ones only
# Administrator holds; PVEAdmin holds admin, user and audit of every group; PVE<X>Admin those of
# its group, PVE<X>User the user and audit ones.
_VM = {
    "admin": [
        "VM.Allocate", "VM.Migrate", "VM.Clone", "VM.Snapshot", "VM.Snapshot.Rollback",
        "VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network",
        "VM.Config.HWType", "VM.Config.Options",
    ],
    "user": ["VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.Backup", "VM.PowerMgmt"],
    "audit": ["VM.Audit", "VM.Monitor"],
}  # fmt: skip
_SYS = {
    "root": ["Sys.PowerMgmt", "Sys.Modify"],
    "admin": ["Sys.Console", "Sys.Syslog"],
    "audit": ["Sys.Audit"],
}
_DATASTORE = {
    "admin": ["Datastore.Allocate", "Datastore.AllocateTemplate"],
    "user": ["Datastore.AllocateSpace"],
    "audit": ["Datastore.Audit"],
}
_SDN = {"admin": ["SDN.Allocate"], "user": ["SDN.Use"], "audit": ["SDN.Audit"]}
_USER = {"root": ["Realm.Allocate", "Permissions.Modify"], "admin": ["User.Modify"]}
_GROUP = {"admin": ["Group.Allocate"]}
_POOL = {"admin": ["Pool.Allocate"], "audit": ["Pool.Audit"]}
_REALM = {"user": ["Realm.AllocateUser"]}
_MAPPING = {"admin": ["Mapping.Modify"], "user": ["Mapping.Use"], "audit": ["Mapping.Audit"]}
_ALL_GROUPS = (_VM, _SYS, _DATASTORE, _SDN, _USER, _GROUP, _POOL, _REALM, _MAPPING)


def _levels(group: dict[str, list[str]], *levels: str) -> list[str]:
    return [p for level in levels for p in group.get(level, [])]


BUILTIN_ROLES: dict[str, list[str]] = {
    "NoAccess": [],
    "Administrator": _privs(*(_levels(g, "root", "admin", "user", "audit") for g in _ALL_GROUPS)),
    "PVEAdmin": _privs(*(_levels(g, "admin", "user", "audit") for g in _ALL_GROUPS)),
    "PVEAuditor": _privs(*(_levels(g, "audit") for g in _ALL_GROUPS)),
    "PVEVMAdmin": _privs(_levels(_VM, "admin", "user", "audit")),
    "PVEVMUser": _privs(_levels(_VM, "user", "audit")),
    "PVESysAdmin": _privs(_levels(_SYS, "admin", "user", "audit")),
    "PVEDatastoreAdmin": _privs(_levels(_DATASTORE, "admin", "user", "audit")),
    "PVEDatastoreUser": _privs(_levels(_DATASTORE, "user", "audit")),
    "PVESDNAdmin": _privs(_levels(_SDN, "admin", "user", "audit")),
    "PVESDNUser": _privs(_levels(_SDN, "user", "audit")),
    "PVEUserAdmin": _privs(_levels(_USER, "admin", "user", "audit")),
    "PVEPoolAdmin": _privs(_levels(_POOL, "admin", "user", "audit")),
    "PVEPoolUser": _privs(_levels(_POOL, "user", "audit")),
    "PVEMappingAdmin": _privs(_levels(_MAPPING, "admin", "user", "audit")),
    "PVEMappingUser": _privs(_levels(_MAPPING, "user", "audit")),
    "PVETemplateUser": ["VM.Audit", "VM.Clone"],
}


@dataclass(slots=True)
class FakeSpec:
    """What the fake cluster holds. Guests get VMIDs from 100 upward, node by node.

    ``snapshot_every``: every n-th guest (counting from the first) gets ``snapshots_each``
    snapshots in a chain; 0 means none.
    """

    cluster_name: str = "lab"
    nodes: int = 2
    vms_per_node: int = 2
    cts_per_node: int = 1
    shared_storage: bool = True
    snapshot_every: int = 3
    max_guests: int | None = None  # stop adding guests here (the CLI's exact --guests)
    snapshots_each: int = 2
    users: list[FakeUser] = field(
        default_factory=lambda: [
            FakeUser("admin@pve", "admin-pw", tfa=True, acl=[("/", "Administrator")]),
            FakeUser("auditor@pve", "audit-pw", tfa=False, acl=[("/", "PVEAuditor")]),
            FakeUser("old@pve", enabled=False),
        ]
    )
    user: str = "root@pam"
    password: str = "secret"
    token_name: str = "portal"
    # The portal's token of ``user`` (root@pam): with separated privileges, as PVE's default.
    token_privsep: int = 1
    time_scale: float = 0.0


class HarnessPve(FakePve):
    """FakePve plus stateful users/ACL/TFA, node facts and injected task errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.harness_users: list[FakeUser] = []
        # node -> {"status": {...}, "timezone": str, "rrd": [{...}]}
        self.node_facts: dict[str, dict[str, Any]] = {}
        # (method, path suffix) -> message of the TASK ERROR, used once
        self.task_failures: dict[tuple[str, str], str] = {}
        # (method, path suffix) -> the event matching requests wait on (see hold()).
        self.held: dict[tuple[str, str], asyncio.Event] = {}
        # node -> its running network interfaces, and the written but not yet applied ones
        # (PVE's /etc/network/interfaces and interfaces.new); filled on first use from
        # fakepve's own answer, so a node nobody changes answers as before.
        self.node_network: dict[str, list[dict[str, Any]]] = {}
        self.network_pending: dict[str, list[dict[str, Any]]] = {}
        # Authentication realms (/access/domains), with their options such as ``tfa``.
        # Backup jobs (/cluster/backup: id, enabled, all, vmid "100,101", exclude) and HA
        # groups (/cluster/ha/groups); the guests no enabled job covers are derived from them.
        self.backup_jobs: list[dict[str, Any]] = []
        self.ha_groups: list[dict[str, Any]] = []
        self.ha_resources: list[dict[str, Any]] = []  # {"sid": "vm:100", "state": "started"}
        # API tokens' settings by full token id (user@realm!name), as PVE keeps them in
        # /etc/pve/user.cfg: privsep (default 1), expire (epoch, 0 = never), comment. The secret
        # stays in fakepve's own ``apitokens``, which authenticates.
        self.token_info: dict[str, dict[str, Any]] = {}
        self.realms: dict[str, dict[str, Any]] = {
            "pam": {"type": "pam", "comment": "Linux PAM standard authentication"},
            "pve": {"type": "pve", "comment": "Proxmox VE authentication server"},
        }
        # Rights (/access/roles, /access/acl beyond the users' own pairs).
        self.roles: dict[str, list[str]] = {k: list(v) for k, v in BUILTIN_ROLES.items()}
        self.acl_entries: list[dict[str, Any]] = []  # {path, type, ugid, roleid, propagate}
        # Every request answered, counted (``requests`` keeps only the last 10,000): the scale-out
        # benchmark multiplies it by the latency to tell the time spent waiting on the platform.
        self.request_count = 0

    def _record(self, request: Any, body: bytes) -> None:
        self.request_count += 1
        super()._record(request, body)

    # fakepve registers every ``_routes_*`` method's (method, template, handler) triples
    # before its schema catch-all, so these win over the synthesised answers.
    def _routes_harness(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", "/access/users", self._h_users),
            ("GET", "/access/acl", self._h_acl),
            ("GET", "/access/tfa", self._h_tfa),
            ("GET", "/nodes/{node}/status", self._h_node_status),
            ("GET", "/nodes/{node}/time", self._h_node_time),
            ("GET", "/nodes/{node}/rrddata", self._h_node_rrd),
            ("GET", "/nodes/{node}/version", self._h_node_version),
            ("GET", "/nodes/{node}/apt/update", self._h_node_updates),
            ("GET", "/nodes/{node}/qemu/{vmid}/rrddata", self._h_guest_rrd),
            ("GET", "/nodes/{node}/lxc/{vmid}/rrddata", self._h_guest_rrd),
            ("GET", "/nodes/{node}/services", self._h_node_services),
            ("POST", "/nodes/{node}/services/{service}/stop", self._h_service_stop),
            ("POST", "/nodes/{node}/services/{service}/start", self._h_service_start),
            ("GET", "/nodes/{node}/network", self._h_network),
            ("POST", "/nodes/{node}/network", self._h_network_create),
            ("PUT", "/nodes/{node}/network/{iface}", self._h_network_update),
            ("PUT", "/nodes/{node}/network", self._h_network_apply),
            ("POST", "/access/users", self._h_user_create),
            ("GET", "/access/users/{userid}/token", self._h_tokens),
            ("GET", "/access/users/{userid}/token/{tokenid}", self._h_token),
            ("POST", "/access/users/{userid}/token/{tokenid}", self._h_token_create),
            ("PUT", "/access/users/{userid}/token/{tokenid}", self._h_token_update),
            ("DELETE", "/access/users/{userid}/token/{tokenid}", self._h_token_delete),
            ("POST", "/access/tfa/{userid}", self._h_tfa_add),
            ("GET", "/cluster/backup", self._h_backup_jobs),
            ("GET", "/cluster/backup-info/not-backed-up", self._h_not_backed_up),
            ("GET", "/cluster/ha/groups", self._h_ha_groups),
            ("GET", "/cluster/ha/resources", self._h_ha_resources),
            ("GET", "/access/domains", self._h_realms),
            ("POST", "/access/domains", self._h_realm_create),
            ("PUT", "/access/domains/{realm}", self._h_realm_update),
            ("GET", "/access/roles", self._h_roles),
            ("POST", "/access/roles", self._h_role_create),
            ("PUT", "/access/acl", self._h_acl_update),
            ("PUT", "/access/users/{userid}", self._h_user_update),
        ]

    # ------------------------------------------------------------------ rights (PVE 8 shapes)

    async def _h_roles(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [
            {"roleid": r, "privs": ",".join(p), "special": 1 if r in BUILTIN_ROLES else 0}
            for r, p in sorted(self.roles.items())
        ]

    async def _h_role_create(self, v: dict[str, Any], user: str) -> None:
        if v["roleid"] in self.roles:
            raise PveError(500, f"create role failed: role '{v['roleid']}' already exists")
        self.roles[v["roleid"]] = sorted(
            p for p in str(v.get("privs") or "").replace(";", ",").split(",") if p.strip()
        )

    async def _h_acl_update(self, v: dict[str, Any], user: str) -> None:
        """PUT /access/acl: path, roles, users / groups / tokens (lists), propagate, delete."""
        delete = str(v.get("delete", 0)) in ("1", "true")
        propagate = 0 if str(v.get("propagate", 1)) in ("0", "false") else 1
        roles = [r for r in str(v.get("roles") or "").split(",") if r]
        for role in roles:
            if role not in self.roles:
                raise PveError(400, f"role '{role}' does not exist")
        for kind, key in (("user", "users"), ("group", "groups"), ("token", "tokens")):
            for ugid in [x for x in str(v.get(key) or "").split(",") if x]:
                for role in roles:
                    self.set_acl(v["path"], kind, ugid, role, propagate=propagate, delete=delete)

    def set_acl(
        self,
        path: str,
        kind: str,
        ugid: str,
        role: str,
        *,
        propagate: int = 1,
        delete: bool = False,
    ) -> None:
        """Grant (or with ``delete`` take away) ``role`` on ``path`` to a user, group or token."""
        self.acl_entries = [
            e
            for e in self.acl_entries
            if (e["path"], e["type"], e["ugid"], e["roleid"]) != (path, kind, ugid, role)
        ]
        if not delete:
            self.acl_entries.append(
                {"path": path, "type": kind, "ugid": ugid, "roleid": role, "propagate": propagate}
            )

    async def _h_user_update(self, v: dict[str, Any], user: str) -> None:
        """PUT /access/users/{userid}: ``groups`` (replaced, or added with ``append=1``),
        ``enable``."""
        target = next((u for u in self.harness_users if u.userid == v["userid"]), None)
        if target is None:
            raise PveError(500, f"update user failed: no such user ('{v['userid']}')")
        if "groups" in v:
            groups = [g for g in str(v.get("groups") or "").split(",") if g]
            append = str(v.get("append", 0)) in ("1", "true")
            target.groups = sorted({*target.groups, *groups}) if append else groups
        if "enable" in v:
            target.enabled = str(v["enable"]) not in ("0", "false")

    def add_token(self, userid: str, tokenid: str, **options: Any) -> str:
        """Give ``userid`` an API token (PVE's defaults: privsep 1, expire 0, as
        ``POST /access/users/{userid}/token/{tokenid}`` makes it); returns its secret."""
        self._user_exists(userid)
        full = f"{userid}!{tokenid}"
        self.token_info[full] = {"expire": 0, "privsep": 1, "comment": "", **options}
        self.apitokens.setdefault(full, secrets.token_hex(16))
        return self.apitokens[full]

    async def _h_backup_jobs(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [{"type": "vzdump", **job} for job in self.backup_jobs]

    def covered_vmids(self) -> set[int]:
        """The VMIDs an enabled backup job selects (all minus exclude, or its vmid list)."""
        vmids = {g.vmid for g in [*self.vms, *self.cts]}
        covered: set[int] = set()
        for job in self.backup_jobs:
            if not int(job.get("enabled", 1)):
                continue
            listed = {int(x) for x in str(job.get("vmid") or "").split(",") if x.strip()}
            excluded = {int(x) for x in str(job.get("exclude") or "").split(",") if x.strip()}
            covered |= (vmids - excluded) if int(job.get("all", 0)) else listed & vmids
        return covered

    async def _h_not_backed_up(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        covered = self.covered_vmids()
        return [
            {"vmid": g.vmid, "name": g.name, "type": "qemu" if g in self.vms else "lxc"}
            for g in [*self.vms, *self.cts]
            if g.vmid not in covered and not getattr(g, "template", False)
        ]

    async def _h_ha_resources(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [
            {"type": "vm" if r["sid"].startswith("vm:") else "ct", **r} for r in self.ha_resources
        ]

    async def _h_ha_groups(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [{"type": "group", **g} for g in self.ha_groups]

    def add_backup(self, storage: str, vmid: int, ctime: int, kind: str = "qemu") -> str:
        """Put a vzdump archive of ``vmid`` made at ``ctime`` (epoch) on ``storage``."""
        stamp = time.strftime("%Y_%m_%d-%H_%M_%S", time.gmtime(ctime))
        volname = f"backup/vzdump-{kind}-{vmid}-{stamp}.vma.zst"
        self.storages[storage].setdefault("volumes", {})[volname] = {
            "content": "backup",
            "format": "vma.zst",
            "size": 1024**3,
            "vmid": vmid,
            "ctime": ctime,
        }
        return f"{storage}:{volname}"

    async def _h_realms(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [{"realm": name, **options} for name, options in sorted(self.realms.items())]

    async def _h_realm_create(self, v: dict[str, Any], user: str) -> None:
        if v["realm"] in self.realms:
            raise PveError(500, f"create auth server failed: domain '{v['realm']}' already exists")
        self.realms[v["realm"]] = {k: val for k, val in v.items() if k not in ("realm", "digest")}

    async def _h_realm_update(self, v: dict[str, Any], user: str) -> None:
        realm = self.realms.get(v["realm"])
        if realm is None:
            raise PveError(500, f"update auth server failed: domain '{v['realm']}' does not exist")
        for key in str(v.get("delete") or "").replace(";", ",").split(","):
            realm.pop(key.strip(), None)
        realm.update({k: val for k, val in v.items() if k not in ("realm", "delete", "digest")})

    async def _h_users(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        """PVE's ``GET /access/users?full=1``: each user with its ``groups`` (a comma list) and
        ``tokens`` (tokenid, comment, expire, privsep), root@pam included."""
        out = [{"userid": self.user, "enable": 1, "expire": 0}]
        for u in self.harness_users:
            item: dict[str, Any] = {
                "userid": u.userid,
                "enable": 1 if u.enabled else 0,
                "expire": 0,
            }
            if u.groups:
                item["groups"] = ",".join(u.groups)
            out.append(item)
        for item in out:
            tokens = self.tokens_of(item["userid"])
            if tokens:
                item["tokens"] = tokens
        return out

    def tokens_of(self, userid: str) -> list[dict[str, Any]]:
        """The user's API tokens as PVE lists them (``/access/users/{userid}/token``)."""
        return [
            self.token_entry(token)
            for token in sorted(self.apitokens)
            if token.partition("!")[0] == userid
        ]

    def token_entry(self, token: str) -> dict[str, Any]:
        info = self.token_info.get(token, {})
        return {
            "tokenid": token.partition("!")[2],
            "comment": info.get("comment", ""),
            "expire": int(info.get("expire", 0)),
            "privsep": int(info.get("privsep", 1)),
        }

    def _user_exists(self, userid: str) -> None:
        if userid != self.user and not any(u.userid == userid for u in self.harness_users):
            raise PveError(500, f"no such user ('{userid}')")

    async def _h_tokens(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        self._user_exists(v["userid"])
        return self.tokens_of(v["userid"])

    def _token(self, v: dict[str, Any]) -> str:
        self._user_exists(v["userid"])
        token = f"{v['userid']}!{v['tokenid']}"
        if token not in self.apitokens:
            raise PveError(500, f"no such token '{v['tokenid']}' for user '{v['userid']}'")
        return token

    async def _h_token(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        entry = self.token_entry(self._token(v))
        del entry["tokenid"]
        return entry

    @staticmethod
    def _token_settings(v: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if v.get("privsep") is not None:
            out["privsep"] = 0 if str(v["privsep"]).lower() in ("0", "false") else 1
        if v.get("expire") is not None:
            out["expire"] = int(v["expire"])
        if v.get("comment") is not None:
            out["comment"] = str(v["comment"])
        return out

    async def _h_token_create(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        """``POST /access/users/{userid}/token/{tokenid}``: privsep 1 unless given, no expiry;
        answers the full id, the info and the secret (shown once, as PVE does)."""
        self._user_exists(v["userid"])
        token = f"{v['userid']}!{v['tokenid']}"
        if token in self.apitokens:
            raise PveError(500, f"Token already exists: {v['tokenid']}")
        secret = secrets.token_hex(16)
        self.apitokens[token] = secret
        self.token_info[token] = {"privsep": 1, "expire": 0, "comment": ""}
        self.token_info[token].update(self._token_settings(v))
        info = self.token_entry(token)
        del info["tokenid"]
        return {"full-tokenid": token, "info": info, "value": secret}

    async def _h_token_update(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        token = self._token(v)
        self.token_info.setdefault(token, {}).update(self._token_settings(v))
        info = self.token_entry(token)
        del info["tokenid"]
        return info

    async def _h_token_delete(self, v: dict[str, Any], user: str) -> None:
        token = self._token(v)
        self.apitokens.pop(token, None)
        self.token_info.pop(token, None)

    async def _h_acl(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        own = [
            {"path": path, "roleid": role, "type": "user", "ugid": u.userid, "propagate": 1}
            for u in self.harness_users
            for path, role in u.acl
        ]
        return own + [dict(e) for e in self.acl_entries]

    async def _h_tfa(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [
            {
                "userid": u.userid,
                "entries": [{"id": "totp-1", "type": "totp", "description": "phone", "created": 0}],
            }
            for u in self.harness_users
            if u.tfa
        ]

    async def _h_node_status(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        return self.node_facts.get(v["node"], {}).get("status", {})

    async def _h_node_time(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        now = int(time.time())
        tz = self.node_facts.get(v["node"], {}).get("timezone", "Europe/Berlin")
        return {"time": now, "localtime": now, "timezone": tz}

    async def _h_node_version(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        # PVE derives this from pve-manager, as the status's "pveversion" says.
        status = self.node_facts.get(v["node"], {}).get("status", {})
        _, version, repoid = [*str(status.get("pveversion") or "//").split("/"), "", ""][:3]
        return {"version": version, "release": version.rsplit(".", 1)[0], "repoid": repoid}

    async def _h_node_updates(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return self.node_facts.get(v["node"], {}).get("updates", [])

    def set_updates(self, node: str, updates: list[dict[str, Any]]) -> None:
        """What ``apt/update`` lists for ``node`` (PVE's keys: Package, Version, OldVersion,
        Origin, Title, Priority, Section)."""
        self.node_facts.setdefault(node, {})["updates"] = list(updates)

    async def _h_node_rrd(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return self.node_facts.get(v["node"], {}).get("rrd", [])

    async def _h_guest_rrd(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        # A guest's traffic, derived from its VMID so tests can predict it (bytes/s).
        vmid = int(v["vmid"])
        return [{"time": int(time.time()) - 60, "netin": 1000.0 * vmid, "netout": 500.0 * vmid}]

    async def _h_node_services(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        stopped = self.node_facts.get(v["node"], {}).get("stopped_services", ())
        return [
            {
                "service": name,
                "name": name,
                "desc": desc,
                "state": "dead" if name in stopped else "running",
                "active-state": "inactive" if name in stopped else "active",
                "unit-state": "disabled" if name in stopped else "enabled",
            }
            for name, desc in (
                ("chrony", "chrony, an NTP client/server"),
                ("corosync", "Corosync Cluster Engine"),
                ("pve-cluster", "The Proxmox VE cluster filesystem"),
                ("pve-firewall", "Proxmox VE firewall"),
                ("pveproxy", "PVE API Proxy Server"),
                ("sshd", "OpenBSD Secure Shell server"),
            )
        ]

    async def _service_task(self, node: str, service: str, user: str, stopped: bool) -> str:
        facts = self.node_facts.setdefault(node, {})
        names = facts["stopped_services"] = set(facts.get("stopped_services", ()))

        async def body() -> None:
            if stopped:
                names.add(service)
            else:
                names.discard(service)

        kind = "srvstop" if stopped else "srvstart"
        return await self.task(node, kind, service, user or self.user, body)

    async def _h_service_stop(self, v: dict[str, Any], user: str) -> str:
        return await self._service_task(v["node"], v["service"], user, stopped=True)

    async def _h_service_start(self, v: dict[str, Any], user: str) -> str:
        return await self._service_task(v["node"], v["service"], user, stopped=False)

    def network_of(self, node: str) -> list[dict[str, Any]]:
        """The running interfaces of ``node`` (fakepve's default until something changes)."""
        if node not in self.node_network:
            self.node_network[node] = default_networks({"node": node})
        return self.node_network[node]

    def add_nic(self, node: str, iface: str, *, active: bool = True) -> None:
        """Plug a physical NIC into ``node``: hardware, which no API call can add."""
        nic = {
            "iface": iface,
            "type": "eth",
            "method": "manual",
            "active": int(active),
            "exists": 1,
        }
        self.network_of(node).append(nic)

    def set_link(self, node: str, iface: str, *, up: bool) -> None:
        """A cable pulled or plugged in: the link state PVE reads from the kernel."""
        for item in self.network_of(node):
            if item["iface"] == iface:
                item["active"] = int(up)

    def _network_written(self, node: str) -> list[dict[str, Any]]:
        """The node's written, not yet applied interfaces (not `_pending`: fakepve's handler)."""
        if node not in self.network_pending:
            self.network_pending[node] = [dict(i) for i in self.network_of(node)]
        return self.network_pending[node]

    async def _h_network(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        kind = v.get("type")
        return [dict(i) for i in self.network_of(v["node"]) if kind in (None, i.get("type"))]

    @staticmethod
    def _iface_settings(v: dict[str, Any]) -> dict[str, Any]:
        return {k: val for k, val in v.items() if k not in ("node", "iface", "delete", "digest")}

    async def _h_network_create(self, v: dict[str, Any], user: str) -> None:
        pending = self._network_written(v["node"])
        if any(i["iface"] == v["iface"] for i in pending):
            raise PveError(400, f"interface '{v['iface']}' already exists")
        pending.append({"iface": v["iface"], "families": ["inet"], **self._iface_settings(v)})

    async def _h_network_update(self, v: dict[str, Any], user: str) -> None:
        for item in self._network_written(v["node"]):
            if item["iface"] == v["iface"]:
                for key in str(v.get("delete") or "").replace(";", ",").split(","):
                    item.pop(key.strip(), None)
                item.update(self._iface_settings(v))
                return
        raise PveError(400, f"interface '{v['iface']}' does not exist")

    async def _h_network_apply(self, v: dict[str, Any], user: str) -> str:
        """Reload the node's network (ifreload): the written interfaces run from now on."""
        node = v["node"]

        async def body() -> None:
            pending = self.network_pending.pop(node, None)
            if pending is None:
                return
            running = {i["iface"]: i for i in self.network_of(node)}
            for item in pending:
                # A bond or bridge comes up with the reload; a NIC keeps its link state.
                item.setdefault("active", running.get(item["iface"], {}).get("active", 1))
                item.setdefault("exists", 1)
            self.node_network[node] = pending

        return await self.task(node, "srvreload", "networking", user or self.user, body)

    async def _h_user_create(self, v: dict[str, Any], user: str) -> None:
        if v["userid"] == self.user or any(u.userid == v["userid"] for u in self.harness_users):
            raise PveError(500, f"create user failed: user '{v['userid']}' already exists")
        enabled = str(v.get("enable", 1)) not in ("0", "false")
        groups = [g for g in str(v.get("groups") or "").split(",") if g]
        self.harness_users.append(
            FakeUser(v["userid"], v.get("password") or "", enabled, groups=groups)
        )
        if v.get("password"):
            self.users[v["userid"]] = v["password"]

    async def _h_tfa_add(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        """Add a second factor. The code in ``value`` is not checked: the fake keeps no secrets."""
        for u in self.harness_users:
            if u.userid == v["userid"]:
                u.tfa = True
                return {"id": f"{v.get('type', 'totp')}-1"}
        raise PveError(500, f"no such user ('{v['userid']}')")

    def add_console_task(
        self,
        node: str,
        task_type: str,
        vmid: int | str,
        user: str,
        started: int | None = None,
        running: bool = False,
    ) -> str:
        """Plant a console task in ``node``'s task log as PVE 8 writes one when somebody opens
        a console (``vncproxy`` noVNC, ``termproxy`` xterm.js, ``spiceproxy`` SPICE,
        ``vncshell`` a node shell); ``started`` is its epoch second (now if None), ``running``
        leaves it active (an open console). Returns the UPID
        ``UPID:node:pid:pstart:starttime:type:id:user:`` (hex pid, pstart and starttime)."""
        pid = next(self._pids)
        start = int(time.time()) if started is None else int(started)
        upid = f"UPID:{node}:{pid:08X}:{pid * 7:08X}:{start:08X}:{task_type}:{vmid}:{user}:"
        record: dict[str, Any] = {
            "upid": upid,
            "node": node,
            "pid": pid,
            "pstart": pid * 7,
            "starttime": start,
            "type": task_type,
            "id": str(vmid),
            "user": user,
            "status": "running",
            "log": [],
        }
        if not running:
            record.update(status="stopped", exitstatus="OK", endtime=start + 60)
            record["log"].append("TASK OK")
        self.tasks[upid] = record
        self.tasklog.append(record)
        return upid

    async def _task_list(self, request: Any) -> Any:
        """fakepve's task list plus PVE's filters ``since``, ``until`` (start time),
        ``typefilter``, ``userfilter`` (substring) and ``source`` (``active``: running tasks,
        ``archive``: finished ones, ``all``); ``start`` and ``limit`` page the filtered list,
        newest first. Unlike PVE, which lists only finished tasks when ``source`` is not
        given, all tasks are listed then (as fakepve always did)."""
        node = request.match_info["node"]
        user = request[USER]
        p = self._verify(request, await params(request))
        vmid, since, until = p.get("vmid"), p.get("since"), p.get("until")
        typefilter, userfilter, source = p.get("typefilter"), p.get("userfilter"), p.get("source")
        audit = self.allowed(user, "/nodes/" + node, "Sys.Audit")

        def wanted(t: dict[str, Any]) -> bool:
            return (
                t["node"] == node
                and (vmid is None or t["id"] == str(vmid))
                and (since is None or t["starttime"] >= int(since))
                and (until is None or t["starttime"] <= int(until))
                and (not typefilter or t["type"] == typefilter)
                and (not userfilter or str(userfilter) in t["user"])
                and (source in (None, "all") or (t["status"] == "running") == (source == "active"))
                and (audit or self._task_owner(user, t))
            )

        data = [self._task_view(t, True) for t in self.tasklog if wanted(t)]
        data.sort(key=lambda t: -t["starttime"])
        start = int(p.get("start", 0))
        return ok(data[start : start + int(p.get("limit", 50))])

    def fail_task(self, method: str, suffix: str, message: str) -> None:
        """Answer the next ``method`` request whose path ends with ``suffix`` with a UPID; the
        task ends with ``TASK ERROR: message`` (as PVE does for errors inside its workers)."""
        self.task_failures[(method, suffix)] = message

    def hold(self, method: str, suffix: str) -> None:
        """Keep every ``method`` request whose path ends with ``suffix`` unanswered until
        :meth:`release_held`: a test can look at a client in the middle of its work without
        racing it."""
        self.held[(method, suffix)] = asyncio.Event()

    # Not ``release``: that is fakepve's own ``Model.release(vm, holder)``, which frees a guest's
    # config lock when its task ends; shadowing it leaves every guest locked after one task.
    def release_held(self, method: str, suffix: str) -> None:
        """Answer the requests :meth:`hold` kept waiting, and the later ones at once."""
        event = self.held.pop((method, suffix), None)
        if event is not None:
            event.set()

    async def _answer(self, request: Any, handler: Any, generic: Any, path_node: Any) -> Any:
        for (method, suffix), event in list(self.held.items()):
            if request.method == method and request.path.endswith(suffix):
                await event.wait()
        for key, message in list(self.task_failures.items()):
            if request.method == key[0] and request.path.endswith(key[1]):
                del self.task_failures[key]
                match = generic or self.resolve(request, API)
                return ok(await self._failed_task(request, path_node, message, match))
        return await super()._answer(request, handler, generic, path_node)


def node_name(index: int) -> str:
    return f"pve{index + 1}"


def populate(pve: HarnessPve, spec: FakeSpec) -> dict[str, Any]:
    """Fill ``pve`` from ``spec`` (before it starts). Returns the token id and secret."""
    pve.cluster_name = spec.cluster_name
    pve.time_scale = spec.time_scale
    # fakepve starts with a node "pve1"; replace the node table so nodes=0.. is honoured.
    pve.nodes = {}
    for i in range(spec.nodes):
        name = node_name(i)
        pve.add_node(name)
        pve.node_facts[name] = {
            "timezone": "Europe/Berlin",
            "status": {
                "pveversion": "pve-manager/9.0.10/deadbeefcafe0123",
                "kversion": "Linux 6.14.8-2-pve",
                "cpu": 0.05 + i / 100,
                "cpuinfo": {
                    "model": "Example CPU @ 2.00GHz",
                    "sockets": 2,
                    "cores": 8,
                    "cpus": 32,
                    "mhz": "2000.000",
                },
                "memory": {"total": 64 * GiB, "used": 16 * GiB, "free": 48 * GiB},
                "swap": {"total": 8 * GiB, "used": 1 * GiB, "free": 7 * GiB},
                "ksm": {"shared": 2 * GiB},
                "uptime": 86400 + i,
                "loadavg": ["0.10", "0.20", "0.30"],
            },
            # PVE's RRD points; the last ones may be empty (no data yet).
            "rrd": [
                {"time": 1, "netin": 1000.0 + i, "netout": 2000.0 + i, "cpu": 0.05},
                {"time": 2},
            ],
        }
    if spec.shared_storage:
        pve.storages["nfs-shared"] = {
            "type": "nfs",
            "active": 1,
            "content": "images,iso,backup",
            "files": set(),
            "shared": 1,
            "server": "192.0.2.50",
            "export": "/export/pve",
            "path": "/mnt/pve/nfs-shared",
        }
    pve.harness_users = list(spec.users)
    for u in spec.users:
        if u.password:
            pve.users[u.userid] = u.password
        for tokenid, options in u.tokens.items():
            pve.add_token(u.userid, tokenid, **options)
    vmid = 100
    count = 0
    for i in range(spec.nodes):
        node = node_name(i)
        for j in range(spec.vms_per_node + spec.cts_per_node):
            if spec.max_guests is not None and count >= spec.max_guests:
                break
            if j < spec.vms_per_node:
                guest = pve.add_vm(
                    vmid,
                    f"vm{vmid}",
                    node=node,
                    status="running" if j % 2 == 0 else "stopped",
                    config={
                        "cores": 2,
                        "sockets": 1,
                        "memory": 2048,
                        "ostype": "l26",
                        "agent": "1" if j % 2 == 0 else "0",
                        "scsi0": f"local-lvm:vm-{vmid}-disk-0,size=32G",
                        "ide2": "none,media=cdrom",
                        "net0": f"virtio=BC:24:11:00:{vmid // 256:02X}:{vmid % 256:02X},"
                        "bridge=vmbr0,firewall=1,tag=10",
                        "vga": "std,clipboard=vnc" if j == 0 else "std",
                        "tags": "prod",
                    },
                )
                if j == 0:
                    guest.config["usb0"] = "host=1234:5678"
                    guest.agent = {}  # the agent answers
            else:
                guest = pve.add_ct(
                    vmid,
                    f"ct{vmid}",
                    node=node,
                    status="running",
                    config={
                        "cores": 1,
                        "memory": 1024,
                        "rootfs": f"local-lvm:vm-{vmid}-disk-0,size=8G",
                        "net0": f"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:01:{vmid // 256:02X}:"
                        f"{vmid % 256:02X},ip=dhcp,firewall=1",
                    },
                )
            if spec.snapshot_every and count % spec.snapshot_every == 0:
                add_snapshots(guest, spec.snapshots_each)
            vmid += 1
            count += 1
    token_id = f"{spec.user}!{spec.token_name}"
    secret = secrets.token_hex(16)
    pve.apitokens[token_id] = secret
    pve.token_info[token_id] = {"privsep": spec.token_privsep, "expire": 0, "comment": "portal"}
    return {"token_id": token_id, "token_secret": secret}


def add_snapshots(guest: Any, n: int) -> None:
    """Give ``guest`` a chain of ``n`` snapshots (snap1 <- snap2 ...), current below the last."""
    parent = None
    for k in range(1, n + 1):
        name = f"snap{k}"
        snap = {
            key: val
            for key, val in guest.config.items()
            if key not in ("lock", "description", "parent")
        }
        snap.update(snaptime=1767225600 + k, description=f"before change {k}")
        if parent:
            snap["parent"] = parent
        if k == n and getattr(guest, "status", "") == "running" and hasattr(guest, "qmpstatus"):
            snap["vmstate"] = f"local-lvm:vm-{guest.vmid}-state-{name}"
        guest.snapshots[name] = snap
        parent = name
    if parent:
        guest.config["parent"] = parent


class RunningFakePve:
    """A started fake. Use as a context manager or call :meth:`stop`.

    Attributes: ``url``, ``username``, ``password``, ``token_id``, ``token_secret``,
    ``ca_path``, ``ca_pem``, ``fingerprint`` (SHA-256, 64 lower-case hex digits), ``spec`` and
    ``pve`` (the :class:`HarnessPve`; touch it only through :meth:`call`).
    """

    def __init__(self, spec: FakeSpec | None = None, host: str | None = None, port: int = 0):
        self.spec = spec or FakeSpec()
        self._tmp = tempfile.mkdtemp(prefix="virtsec-fakepve-")
        self.host = host or next_loopback()
        certfile, keyfile, _ = make_cert(self._tmp, hosts=(self.host,))
        self.ca_path = certfile
        with open(certfile, encoding="ascii") as fh:
            self.ca_pem = fh.read()
        self.pve = HarnessPve(
            user=self.spec.user, password=self.spec.password, host=self.host, port=port
        )
        creds = populate(self.pve, self.spec)
        self.username = self.spec.user
        self.password = self.spec.password
        self.token_id: str = creds["token_id"]
        self.token_secret: str = creds["token_secret"]
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="fakepve-harness", daemon=True)
        self._thread.start()
        try:
            self.call(self.pve.start, certfile, keyfile)
        except BaseException:
            self._halt()
            raise
        self.url: str = self.pve.url
        # Taken from the wire, as an operator would pin it.
        self.fingerprint: str = fingerprint_of_der(fetch_presented_certificate(self.url))

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(
        self, fn: Callable[..., Any], *args: Any, timeout: float = START_TIMEOUT, **kw: Any
    ) -> Any:
        """Run ``fn(*args, **kw)`` on the fake's loop (awaiting it if it is a coroutine)."""

        async def run() -> Any:
            result = fn(*args, **kw)
            if inspect.isawaitable(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def requests_seen(self) -> list[tuple[str, str]]:
        """(method, path) of every request the fake has answered, oldest first."""
        return self.call(lambda: [(m, p) for m, p, _ in self.pve.requests])

    def reset_requests(self) -> None:
        self.call(self.pve.requests.clear)

    def api_session(self) -> Any:
        """A ``requests`` session to this fake's API, pinned to its certificate with the portal's
        own adapter (the fake's leaf certificate is not a CA, so requests cannot anchor on it)."""
        import requests

        from inventory.connectors.proxmox import TrustAdapter

        session = requests.Session()
        session.trust_env = False  # no proxy or CA bundle from the environment
        session.mount("https://", TrustAdapter(context=None, fingerprint=self.fingerprint, pool=1))
        return session

    def info(self) -> dict[str, Any]:
        """What the CLI prints: everything a client needs to connect."""
        return {
            "url": self.url,
            "username": self.username,
            "password": self.password,
            "token_id": self.token_id,
            "token_secret": self.token_secret,
            "fingerprint": self.fingerprint,
            "ca_path": self.ca_path,
        }

    def _halt(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(START_TIMEOUT)
        if not self._thread.is_alive():
            self.loop.close()

    def stop(self) -> None:
        """Stop the server and remove the certificate files. Safe to call twice."""
        if self.loop.is_closed():
            return
        try:
            self.call(settle)
            self.call(self.pve.stop)
        finally:
            self._halt()
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> RunningFakePve:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_fake(spec: FakeSpec | None = None, **overrides: Any) -> RunningFakePve:
    """Start a fake from ``spec`` (or FakeSpec(**overrides))."""
    if spec is None:
        spec = FakeSpec(**overrides)
    return RunningFakePve(spec)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=10, help="guests in all (VMs and CTs)")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--ct-share", type=int, default=4, help="every n-th guest is a CT")
    parser.add_argument("--snapshot-every", type=int, default=10)
    parser.add_argument("--host", default=None, help="loopback address (default: next free)")
    parser.add_argument("--port", type=int, default=0, help="0: the system picks one")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="answer every request after this many milliseconds (a real PVE takes some; the "
        "wait does not block other requests)",
    )
    args = parser.parse_args(argv)
    per_node = max(1, -(-args.guests // max(args.nodes, 1)))
    cts = per_node // args.ct_share if args.ct_share else 0
    spec = FakeSpec(
        nodes=args.nodes,
        vms_per_node=per_node - cts,
        cts_per_node=cts,
        snapshot_every=args.snapshot_every,
        max_guests=args.guests,
    )
    fake = RunningFakePve(spec, host=args.host, port=args.port)
    if args.latency_ms > 0:
        fake.call(_slow, fake.pve, args.latency_ms / 1000)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        print(json.dumps(fake.info()), flush=True)
        stop.wait()
        print(json.dumps({"requests": fake.call(lambda: fake.pve.request_count)}), flush=True)
    finally:
        fake.stop()
        os._exit(0)


def _slow(pve: HarnessPve, seconds: float) -> None:
    """Every answer after ``seconds`` (fakepve's network latency, in real seconds)."""
    if not pve.time_scale:
        pve.time_scale = 1.0
    pve.slow_network(seconds / pve.time_scale)


if __name__ == "__main__":
    main()
