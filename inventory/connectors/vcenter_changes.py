"""vCenter's change feed: one PropertyCollector filter per session over the properties the full
read reads (VM_PROPS, HOST_PROPS, ...), asked with ``WaitForUpdatesEx``.

How it works
    On the first call the feed logs in, creates its own PropertyCollector
    (``CreatePropertyCollector``, so no other user of the session sees its updates), one
    container view over the six object types the full read reads and one filter on it with the
    same property paths (``partialUpdates=False``: a change reports the whole value of the path
    named in the filter). ``WaitForUpdatesEx`` with version ``""`` answers with every object as
    an ``enter`` update: that is the full read (pages of ``maxObjectUpdates`` while
    ``truncated``). Each later call passes the version of the previous answer and gets only
    what changed since: ``enter`` (created or moved into view), ``modify`` (with the new values
    of the changed paths) and ``leave`` (removed).

    The feed keeps the last value of every property of every object. A change to one path
    rebuilds the object's whole record with the same mapping code the full read uses (the
    ``VCenterConnector`` methods), so a record from the feed equals a record from a full read
    of the same state. Records that depend on other objects are rebuilt with them: the VMs on a
    changed or removed host (cluster, CPU MHz for the usage percentage), VMs on a removed
    datastore, every VM when a distributed port group's name changes (NIC network names), every
    distributed port group when a distributed switch changes (uplink port groups are not
    networks).

When it reads everything again (``ChangeSet.full``)
    the first call; ``InvalidCollectorVersion`` (the version is lost);
    ``ManagedObjectNotFound`` for the collector or filter (destroyed); ``NotAuthenticated`` (the
    session ended: the feed logs in again). The fall-back is done once per call; a second
    failure is a ConnectorError like any read failure.

What the filter does not report
    A host's advanced settings (on its OptionManager, not the HostSystem) and VM tags (vAPI)
    change without an update. Each call that does not wait, and a waiting call (the watcher) at
    most every :attr:`VCenterChangeFeed.unfed_interval` seconds, reads every host's settings
    (one RetrievePropertiesEx over all OptionManagers) and every VM's tags (the full read's vAPI
    read) and rebuilds the hosts and VMs whose records they change; a waiting call that is not
    due reads the settings of the changed hosts and the tags of the created VMs. Changed hosts
    get their hardening facts as in the full read (the acceptance level: one call per changed
    connected host; an unchanged host's is read again only by a full read). Accounts and
    permissions (``AuthorizationManager.RetrieveAllPermissions``, a method, not a property) are
    read with every call that does not wait and at most every
    :attr:`VCenterChangeFeed.accounts_interval` seconds by one that waits, and carried (as a
    complete list) only when they differ from the copy.

Cost
    A call with no change is one ``WaitForUpdatesEx`` round trip, plus the settings request and
    the vAPI read (about 7 requests) when they are due. A change set costs one round trip (plus
    pages), the mapping of the changed objects, and, when it contains snapshots, the
    snapshot-creator lookup of the full read (``TaskManager.recentTask``). Network rates
    (``QueryPerf``) are read only with a full change set: they are not properties.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from pyVmomi import vim, vmodl

from .base import ConnectorError, EndpointConfig, Progress, no_progress
from .changes import FIRST_READ, ChangeSet
from .records import ConsoleRead, Inventory
from .vcenter import (
    ADVANCED_OPTIONS,
    CLUSTER_PROPS,
    DATASTORE_PROPS,
    DVPG_PROPS,
    DVS_PROPS,
    HARDENING_OPTIONS,
    HOST_PROPS,
    RIGHTS_NOT_READ,
    VM_PROPS,
    VCenterConnector,
    _backup_of,
    _dvs_record,
    _moid,
    _plain,
)

log = logging.getLogger(__name__)

# (type, internal kind, paths): the full read's types and paths, in its order.
TYPES: tuple[tuple[type, str, list[str]], ...] = (
    (vim.ClusterComputeResource, "cluster", CLUSTER_PROPS),
    (vim.HostSystem, "host", HOST_PROPS),
    (vim.Datastore, "datastore", DATASTORE_PROPS),
    (vim.DistributedVirtualSwitch, "dvs", DVS_PROPS),
    (vim.dvs.DistributedVirtualPortgroup, "dvpg", DVPG_PROPS),
    (vim.VirtualMachine, "vm", VM_PROPS),
)
_PATHS = {kind: frozenset(paths) for _, kind, paths in TYPES}
# The host settings a record is made of (HostRecord.advanced_options, extra["hardening"]).
_SETTINGS_KEYS = frozenset(ADVANCED_OPTIONS) | frozenset(HARDENING_OPTIONS)
# Faults after which the feed cannot tell what changed: read everything again.
_LOST = (
    vmodl.query.InvalidCollectorVersion,
    vmodl.fault.ManagedObjectNotFound,
    vim.fault.NotAuthenticated,
)


def _settings_view(settings: list[Any] | None) -> tuple[tuple[str, Any], ...] | None:
    """What the records use of a host's settings (None: not read), to tell a change."""
    if settings is None:
        return None
    return tuple(sorted((o.key, _plain(o.value)) for o in settings if o.key in _SETTINGS_KEYS))


class _Named:
    """A stand-in record with only the platform's id (for :meth:`VCenterChangeFeed._inventory_ids`)."""

    __slots__ = ("external_id",)

    def __init__(self, external_id: str) -> None:
        self.external_id = external_id


def _accounts_view(accounts: list[Any]) -> list[Any]:
    return sorted(accounts, key=lambda a: a.key)


def _kind_of(obj: Any) -> str | None:
    for obj_type, kind, _ in TYPES:
        if isinstance(obj, obj_type):
            return kind
    return None


class VCenterChangeFeed:
    """See the module docstring. Not thread-safe: one user at a time (a sync or the watcher)."""

    page_size = 1000
    reread_modified = True
    # Host advanced settings and VM tags change without an update of the filter (see the
    # module docstring): read on every call that does not wait, and at most this often by a
    # caller that waits (the watcher).
    unfed_interval = 60.0
    # Accounts and permissions (the rights review) are no properties of the filtered objects
    # either; a caller that waits reads them again at most this often.
    accounts_interval = 600.0

    def __init__(self, config: EndpointConfig, connector: VCenterConnector | None = None) -> None:
        self.config = config
        self.connector = connector or VCenterConnector(config)
        self._collector: Any = None
        self._views: list[Any] = []
        self._version: str | None = None
        self._lost_reason = FIRST_READ
        self._unapplied = False
        self._objs: dict[str, Any] = {}
        self._props: dict[str, dict[str, Any]] = {}
        self._kinds: dict[str, str] = {}
        self._backup_key: int | None = None
        self._portgroup_names: dict[str, str] = {}
        self._settings: dict[str, list[Any]] = {}  # OptionManager moref -> its settings
        self._tags: dict[str, list[str] | None] = {}  # VM moref -> its tags (None: unknown)
        self._tags_warning = ""  # why tags are unknown
        self._unfed_at: float | None = None  # monotonic time of the last read of all of both
        self._accounts: list[Any] | None = None  # the principals and grants last read
        self._accounts_at = 0.0  # monotonic time of that read

    # -- session and filter -------------------------------------------------------------------

    def _start(self) -> None:
        c = self.connector
        content = c._connect()
        self._collector = c._call(
            "CreatePropertyCollector", lambda: content.propertyCollector.CreatePropertyCollector()
        )
        pc = vmodl.query.PropertyCollector
        collector = self._collector
        # One container view per type, as the full read has, and two filters: the VMs alone and
        # the other five types together. govmomi's simulator (1) recomputes every filter over
        # the whole inventory for each update, once per filter, so fewer filters are cheaper,
        # and (2) fails a WaitForUpdatesEx when a filter with several types sees an update of an
        # object removed since (it looks the object up to match the other types' paths): VMs,
        # the objects that come and go, get a filter of their own.
        object_specs: dict[str, Any] = {}
        for obj_type, kind, _ in TYPES:
            view = c._call(
                "CreateContainerView",
                lambda t=obj_type: content.viewManager.CreateContainerView(
                    content.rootFolder, [t], True
                ),
            )
            self._views.append(view)
            object_specs[kind] = pc.ObjectSpec(
                obj=view,
                skip=True,
                selectSet=[
                    pc.TraversalSpec(
                        name="view", path="view", skip=False, type=vim.view.ContainerView
                    )
                ],
            )
        groups = [[t for t in TYPES if t[1] != "vm"], [t for t in TYPES if t[1] == "vm"]]
        for group in groups:
            spec = pc.FilterSpec(
                objectSet=[object_specs[kind] for _, kind, _ in group],
                propSet=[pc.PropertySpec(type=t, pathSet=paths) for t, _, paths in group],
            )
            c._call("CreateFilter", lambda s=spec: collector.CreateFilter(s, partialUpdates=False))
        self._backup_key = c._custom_field_key(self.config.backup_attribute)
        self._version = ""
        self._objs, self._props, self._kinds = {}, {}, {}
        self._portgroup_names = {}
        self._settings, self._tags, self._tags_warning = {}, {}, ""
        self._unfed_at = None
        self._accounts = None

    def _drop(self) -> None:
        """Forget the filter and log out: the session's collector, filters and views end with
        it (and a new session is the way back from a lost version or an ended session)."""
        self._collector, self._views = None, []
        self._version = None
        self.connector.close()

    def mark_unapplied(self) -> None:
        """The caller could not store the last change set: the next one is full (built from the
        copy of the properties, which is up to date, so nothing is read again)."""
        self._unapplied = True

    def close(self) -> None:
        """Destroy the filter and log out. Never raises."""
        self._drop()
        self._lost_reason = "the feed was closed"

    # -- the feed -------------------------------------------------------------------------

    def _wait(self, wait_seconds: float) -> list[Any]:
        """The object updates since ``self._version``; raises the SDK fault when lost."""
        collector = self._collector
        updates: list[Any] = []
        wait = max(0, round(wait_seconds))
        while True:
            options = vmodl.query.PropertyCollector.WaitOptions(
                maxWaitSeconds=wait, maxObjectUpdates=self.page_size
            )
            result = collector.WaitForUpdatesEx(self._version, options)
            if result is None:  # nothing changed within maxWaitSeconds
                return updates
            self._version = result.version
            for fs in result.filterSet or []:
                updates.extend(fs.objectSet or [])
            if not result.truncated:
                return updates
            wait = 0  # the rest of a truncated answer is there already

    def changes(self, wait_seconds: float = 0, progress: Progress = no_progress) -> ChangeSet:
        """The changes since the previous call; the whole inventory when the feed lost track."""
        for attempt in (1, 2):
            full = self._collector is None
            reason = self._lost_reason if full else ""
            if full:
                self._start()
                progress("objects", 0)
            try:
                updates = self._wait(0 if full or self._unapplied else wait_seconds)
            except _LOST as exc:
                self._lost_reason = (
                    "the session ended"
                    if isinstance(exc, vim.fault.NotAuthenticated)
                    else f"the change feed was lost ({type(exc).__name__})"
                )
                log.info("%s: %s, reading everything again", self.connector.url, self._lost_reason)
                self._drop()
                if attempt == 2:
                    raise ConnectorError(
                        f"{self.connector.url}: {self._lost_reason} twice in a row"
                    ) from None
                continue
            except Exception as exc:
                self._drop()
                self._lost_reason = "the previous read failed"
                raise self.connector._translate(exc, "WaitForUpdatesEx") from None
            try:
                changed, removed = self._apply(updates)
                if (
                    full
                    or wait_seconds <= 0
                    or self._unfed_at is None
                    or time.monotonic() - self._unfed_at >= self.unfed_interval
                ):
                    settings_changed, tags_changed = self._read_unfed(
                        self._of("host"), self._of("vm"), everything=True
                    )
                else:
                    # Between two reads of all: the changed hosts' settings and the new VMs'
                    # tags, so that their records are whole at once.
                    new_vms = [m for m in sorted(changed["vm"]) if m not in self._tags]
                    settings_changed, tags_changed = self._read_unfed(
                        sorted(changed["host"]), new_vms, everything=False
                    )
                accounts = None
                if not (full or self._unapplied) and (
                    wait_seconds <= 0
                    or time.monotonic() - self._accounts_at >= self.accounts_interval
                ):
                    accounts = self._read_accounts()
                if full or self._unapplied:
                    progress("objects", len(self._objs))
                    cs = self._full(reason or "the previous change set was not stored")
                    self._unapplied = False
                else:
                    cs = self._partial(changed, removed, settings_changed, tags_changed)
                    if accounts is not None:
                        cs.inv.accounts, cs.accounts_complete = accounts, True
            except Exception:
                # The copy may now disagree with the server: start over next time.
                self._drop()
                self._lost_reason = "the previous change set could not be read"
                raise
            cs.updates = len(updates)
            return cs
        raise AssertionError("unreachable")  # pragma: no cover

    def _apply(self, updates: list[Any]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Bring the property copy up to date; return changed and removed morefs per kind."""
        changed: dict[str, set[str]] = {k: set() for _, k, _ in TYPES}
        removed: dict[str, set[str]] = {k: set() for _, k, _ in TYPES}
        reread: list[str] = []
        for ou in updates:
            obj = ou.obj
            moid = obj._moId
            if str(ou.kind) == "leave":
                kind = self._kinds.pop(moid, None) or _kind_of(obj)
                self._objs.pop(moid, None)
                self._props.pop(moid, None)
                if kind is not None:
                    removed[kind].add(moid)
                    changed[kind].discard(moid)
                continue
            kind = _kind_of(obj)
            if kind is None:
                continue
            if str(ou.kind) == "enter":
                self._props[moid] = {}
            props = self._props.setdefault(moid, {})
            self._objs[moid] = obj
            self._kinds[moid] = kind
            removed[kind].discard(moid)
            changed[kind].add(moid)
            for ch in ou.changeSet or []:
                if ch.name not in _PATHS[kind]:
                    pass  # a nested path: the object is read again below
                elif str(ch.op) in ("remove", "indirectRemove"):
                    props.pop(ch.name, None)
                else:
                    props[ch.name] = ch.val
            if str(ou.kind) == "modify" and self.reread_modified:
                reread.append(moid)
        if updates and self.reread_modified:
            # Datastores (few) are read with every change set: govmomi's simulator changes a
            # datastore's free space in place when a VM is created or destroyed, without an
            # update, and a full read would see the new figure.
            datastores = self._of("datastore")
            reread.extend(datastores)
            changed["datastore"].update(datastores)
        self._reread(reread)
        return changed, removed

    def _reread(self, moids: list[str]) -> None:
        """Read all paths of the modified objects again: one RetrievePropertiesEx per type.

        The update names what changed; reading the object's paths again makes its record equal
        to a full read's even where the server reports fewer paths than changed (govmomi's
        simulator reports ``config.hardware.device`` for a ReconfigVM_Task that also changed
        ``config.hardware.numCPU``). An object gone in between keeps its copy: its ``leave``
        comes with the next call.
        """
        pc = vmodl.query.PropertyCollector
        for obj_type, kind, paths in TYPES:
            objs = [self._objs[m] for m in dict.fromkeys(moids) if self._kinds.get(m) == kind]
            if not objs:
                continue
            spec = pc.FilterSpec(
                objectSet=[pc.ObjectSpec(obj=o, skip=False) for o in objs],
                propSet=[pc.PropertySpec(type=obj_type, pathSet=paths)],
            )
            for obj, props in self.connector._pages(spec, f"changed {kind}s"):
                if props:
                    self._props[obj._moId] = props

    def _read_unfed(
        self, hosts: list[str], vms: list[str], everything: bool
    ) -> tuple[set[str], set[str]]:
        """Read what the filter does not report: the advanced settings of ``hosts`` (one
        RetrievePropertiesEx over their OptionManagers, as the full read) and the tags of
        ``vms`` (the full read's vAPI read, ~7 requests). Return the hosts and the VMs whose
        records they change; the copy keeps what was read. ``everything``: ``hosts`` and
        ``vms`` are all of them (what is not in the answer is not there)."""
        c = self.connector
        managers = {
            moid: m
            for moid in hosts
            if (m := self._props[moid].get("configManager.advancedOption")) is not None
        }
        settings = c._host_settings(iter(managers.values())) if managers else {}
        settings_changed = {
            moid
            for moid, m in managers.items()
            if _settings_view(settings.get(m._moId)) != _settings_view(self._settings.get(m._moId))
        }
        if everything:
            self._settings = settings
        else:
            for m in managers.values():
                if m._moId in settings:
                    self._settings[m._moId] = settings[m._moId]
                else:
                    self._settings.pop(m._moId, None)  # not read now: unread, as in a full read
        if everything:
            self._unfed_at = time.monotonic()
        elif not vms:
            return settings_changed, set()
        found, warning = c._read_tags(sorted(vms))
        tags: dict[str, list[str] | None]
        if found is None:
            # As the full read: the vAPI could not be read, every VM's tags are unknown.
            tags = dict.fromkeys(self._of("vm"))
            self._tags_warning = warning
        elif everything:
            tags = {v: found.get(v, []) for v in vms}
            self._tags_warning = ""
        else:
            tags = {v: t for v, t in self._tags.items() if self._kinds.get(v) == "vm"}
            tags.update((v, found.get(v, [])) for v in vms)
        tags_changed = {v for v in tags if v not in self._tags or tags[v] != self._tags[v]}
        self._tags = tags
        return settings_changed, tags_changed

    def _read_accounts(self) -> list[Any] | None:
        """The principals and their grants, read as the full read reads them
        (``VCenterConnector._rights``: the roles, ``RetrieveAllPermissions`` and the paths of
        the permissions' objects); None when they equal the copy or could not be read (then
        the stored ones stay: a partial change set never drops what it did not read)."""
        ids = self._inventory_ids()
        accounts = self.connector._rights(ids)
        self._accounts_at = time.monotonic()
        failed = [w for w in ids.warnings if w.startswith(RIGHTS_NOT_READ)]
        if failed:
            log.warning("%s: %s", self.connector.url, "; ".join(failed))
            return None
        if self._accounts is not None and _accounts_view(accounts) == _accounts_view(
            self._accounts
        ):
            return None
        self._accounts = accounts
        return accounts

    def _inventory_ids(self) -> Inventory:
        """An inventory naming only the clusters, hosts and VMs of the copy (the permission
        lookup of the full read places permissions on them by moref)."""
        inv = Inventory()
        inv.clusters = [_Named(m) for m in self._of("cluster")]  # type: ignore[misc]
        inv.hosts = [_Named(m) for m in self._of("host")]  # type: ignore[misc]
        inv.vms = [_Named(m) for m in self._of("vm")]  # type: ignore[misc]
        return inv

    def read_console_sessions(self, since: dt.datetime, inventory: Inventory) -> ConsoleRead:
        """The console history since ``since``, read in the feed's session (the full read's
        :meth:`VCenterConnector.read_console_sessions`)."""
        return self.connector.read_console_sessions(since, inventory)

    # -- records --------------------------------------------------------------------------

    def _of(self, kind: str) -> list[str]:
        return [m for m, k in self._kinds.items() if k == kind]

    def _context(self) -> tuple[dict[str, int], set[str], dict[str, str]]:
        """Host CPU MHz, uplink port groups and port group names, from the whole copy."""
        host_mhz: dict[str, int] = {}
        for moid in self._of("host"):
            hw = self._props[moid].get("summary.hardware")
            if hw is not None and hw.cpuMhz:
                host_mhz[moid] = int(hw.cpuMhz)
        uplinks: set[str] = set()
        for moid in self._of("dvs"):
            uplinks.update(pg._moId for pg in self._props[moid].get("config.uplinkPortgroup") or [])
        names: dict[str, str] = {}
        for moid in self._of("dvpg"):
            p = self._props[moid]
            cfg = p.get("config")
            if cfg is not None and cfg.key:
                record = self.connector._dvportgroup(self._objs[moid], p)
                names[cfg.key] = record.name if record else p.get("name", "")
        return host_mhz, uplinks, names

    def _records(
        self, inv: Inventory, ids: dict[str, list[str]], removed_networks: set[str] | None = None
    ) -> None:
        """Append the records of the objects in ``ids`` (per kind) to ``inv``."""
        c = self.connector
        host_mhz, uplinks, names = self._context()
        self._portgroup_names = names
        for moid in ids.get("cluster", []):
            inv.clusters.append(c._cluster(self._objs[moid], self._props[moid]))
        for moid in ids.get("host", []):
            c._host_with_settings(inv, self._objs[moid], self._props[moid], self._settings)
        for moid in ids.get("datastore", []):
            c._datastore_records(inv, self._objs[moid], self._props[moid])
        for moid in ids.get("dvs", []):
            inv.switches.append(_dvs_record(self._objs[moid], self._props[moid]))
        for moid in ids.get("dvpg", []):
            record = c._dvportgroup(self._objs[moid], self._props[moid])
            if record is not None and moid not in uplinks:
                inv.networks.append(record)
            elif removed_networks is not None:
                removed_networks.add(moid)  # now an uplink port group: not a network
        for moid in ids.get("vm", []):
            p = self._props[moid]
            c._vm_records(inv, self._objs[moid], p, host_mhz, names)
            _backup_of(inv.vms[-1], p, self._backup_key, self.config.backup_attribute)
        for vm in inv.vms:
            tags = self._tags.get(vm.external_id)
            vm.tags, vm.tags_known = ([], False) if tags is None else (list(tags), True)
        if self._tags_warning and any(t is None for t in self._tags.values()):
            inv.warnings.append(self._tags_warning)

    def _full(self, reason: str) -> ChangeSet:
        about = self.connector._connect().about
        inv = Inventory(
            product=str(getattr(about, "name", "") or ""),
            version=str(getattr(about, "version", "") or ""),
            build=str(getattr(about, "build", "") or ""),
        )
        self._records(inv, {kind: self._of(kind) for _, kind, _ in TYPES})
        self.connector._network_rates(inv)
        self.connector._snapshot_creators(inv)
        inv.accounts = self.connector._rights(inv)
        self._accounts, self._accounts_at = inv.accounts, time.monotonic()
        return ChangeSet(full=True, inv=inv, reason=reason)

    def _partial(
        self,
        changed: dict[str, set[str]],
        removed: dict[str, set[str]],
        settings_changed: set[str],
        tags_changed: set[str],
    ) -> ChangeSet:
        old_names = self._portgroup_names
        _, _, names = self._context()
        vms = set(changed["vm"]) | (tags_changed - removed["vm"])
        if names != old_names:
            vms.update(self._of("vm"))
        moved_hosts = changed["host"] | removed["host"]
        if moved_hosts or removed["datastore"]:
            for moid in self._of("vm"):
                p = self._props[moid]
                host = _moid(p.get("runtime.host"))
                datastores = {d._moId for d in p.get("datastore") or []}
                if host in moved_hosts or datastores & removed["datastore"]:
                    vms.add(moid)
        datastores = set(changed["datastore"])
        if removed["host"]:
            for moid in self._of("datastore"):
                if any(
                    m.key is not None and m.key._moId in removed["host"]
                    for m in self._props[moid].get("host") or []
                ):
                    datastores.add(moid)
        dvpgs = set(self._of("dvpg")) if changed["dvs"] or removed["dvs"] else set(changed["dvpg"])
        cs = ChangeSet(full=False)
        removed_networks = set(removed["dvpg"])
        self._records(
            cs.inv,
            {
                "cluster": sorted(changed["cluster"]),
                "host": sorted(changed["host"] | (settings_changed - removed["host"])),
                "datastore": sorted(datastores),
                "dvs": sorted(changed["dvs"]),
                "dvpg": sorted(dvpgs),
                "vm": sorted(vms),
            },
            removed_networks,
        )
        cs.inv.samples.clear()  # utilisation comes with full reads (see ChangeSet)
        cs.removed["clusters"] = removed["cluster"]
        cs.removed["hosts"] = removed["host"]
        cs.removed["datastores"] = removed["datastore"]
        cs.removed["switches"] = removed["dvs"]
        cs.removed["networks"] = removed_networks
        cs.removed["vms"] = removed["vm"]
        cs.hosts_complete = set(changed["host"]) | (settings_changed - removed["host"])
        cs.vms_complete = vms
        if cs.inv.snapshots:
            self.connector._snapshot_creators(cs.inv)
        return cs
