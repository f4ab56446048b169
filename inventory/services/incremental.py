"""Incremental sync: store only what a platform's change feed reports (issue 17).

:func:`apply_changes` writes a partial :class:`ChangeSet` the way :func:`apply_inventory` writes
a whole inventory: the same row values (the same ``_plain`` mapping and config hashes), the
same links, the same absent-marking, but only for the objects the change set names. Unchanged
objects are neither read nor written. A full change set (first read, lost feed) goes through
:func:`apply_inventory` itself.

:func:`incremental_sync` is :func:`sync_endpoint` with a change feed that outlives the task: the
feed (a logged-in vCenter session with its PropertyCollector filter) is kept per worker process
and endpoint (:data:`_feeds`), like the operations' connectors in ``connectors/sessions.py``.
The first incremental sync of an endpoint in a process, and every sync after the feed lost
track, is a full read. A platform without a change feed (Proxmox VE) gets a full sync.

What a partial change set does not write: utilisation samples (and network rates). They are
readings, not state, and come with full reads; see docs/architecture.md, "Incremental sync".
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from inventory.connectors.base import ConnectorError, EndpointConfig
from inventory.connectors.changes import FIRST_READ, ChangeFeed, ChangeSet, get_change_feed
from inventory.models import (
    Cluster,
    Datastore,
    DatastoreHost,
    Endpoint,
    Host,
    Network,
    PhysicalNic,
    PlatformAccount,
    Snapshot,
    SyncRun,
    VirtualMachine,
    VirtualSwitch,
    VmDatastore,
)
from inventory.signals import sync_succeeded

from .consoles import read_consoles, store_consoles
from .sync import (
    _audit_sync,
    _busy,
    _fail,
    _new_run,
    _plain,
    _totals,
    account_rows,
    apply_inventory,
    claim,
    config_hash,
    host_rows,
    network_rows,
    nic_rows,
    release,
    switch_rows,
    sync_endpoint,
)
from .upsert import replace_links, upsert

log = logging.getLogger(__name__)

# A kept feed unused for longer is closed and the next sync reads everything: well inside
# vCenter's idle session time-out (30 minutes by default).
FEED_IDLE_SECONDS = 20 * 60.0


# -- writing a change set -----------------------------------------------------------------------


def _prefixes(field: str, hosts: set[str]) -> Q:
    """Rows whose ``field`` starts with ``<host>/`` for one of ``hosts`` (per-host objects)."""
    return reduce(or_, (Q(**{f"{field}__startswith": f"{h}/"}) for h in sorted(hosts)), Q(pk=None))


def _present_ids(model: type[Model], endpoint: Endpoint, external_ids: set[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    return dict(
        model.objects.present()
        .filter(endpoint=endpoint, external_id__in=sorted(external_ids))
        .values_list("external_id", "pk")
    )


def apply_changes(endpoint: Endpoint, cs: ChangeSet, now: dt.datetime) -> dict[str, dict[str, int]]:
    """Write ``cs`` for ``endpoint``; return per-kind counts. Call inside a transaction.

    A fixed number of statements per kind, whatever the size of the change set or the estate.
    """
    if cs.full:
        return apply_inventory(endpoint, cs.inv, now)
    inv = cs.inv
    counts: dict[str, dict[str, int]] = {}

    def store(kind: str, model: type[Model], rows: dict[str, dict[str, Any]]):
        result = upsert(model, endpoint, rows, now, mark_absent=False) if rows else None
        counts[kind] = result.as_dict() if result else {"created": 0, "updated": 0, "absent": 0}
        return result.ids if result else {}

    def gone(kind: str, model: type[Model], where: Q, keep: set[str]) -> None:
        n = (
            model.objects.present()
            .filter(where, endpoint=endpoint)
            .exclude(external_id__in=sorted(keep))
            .update(absent_since=now)
        )
        counts.setdefault(kind, {"created": 0, "updated": 0, "absent": 0})["absent"] += n

    removed = cs.removed
    # Hosts whose per-host objects (NICs, standard switches and port groups) the set replaces.
    host_scope = cs.hosts_complete | removed["hosts"]

    # Clusters.
    cluster_ids = store(
        "clusters", Cluster, {c.external_id: _plain(c, Cluster) for c in inv.clusters}
    )
    gone("clusters", Cluster, Q(external_id__in=sorted(removed["clusters"])), set())
    wanted = {h.cluster_external_id for h in inv.hosts if h.cluster_external_id} - set(cluster_ids)
    cluster_ids = {**_present_ids(Cluster, endpoint, wanted), **cluster_ids}

    # Hosts and what hangs off them.
    host_ids = store("hosts", Host, host_rows(endpoint, inv, now, cluster_ids))
    gone("hosts", Host, Q(external_id__in=sorted(removed["hosts"])), set())
    nics = nic_rows(inv, host_ids)
    store("nics", PhysicalNic, nics)
    gone("nics", PhysicalNic, _prefixes("external_id", host_scope), set(nics))

    switch_ids = store("switches", VirtualSwitch, switch_rows(inv, host_ids))
    gone(
        "switches",
        VirtualSwitch,
        Q(external_id__in=sorted(removed["switches"])) | _prefixes("external_id", host_scope),
        set(switch_ids),
    )
    wanted = {n.switch_external_id for n in inv.networks if n.switch_external_id} - set(switch_ids)
    switch_ids = {**_present_ids(VirtualSwitch, endpoint, wanted), **switch_ids}
    network_ids = store("networks", Network, network_rows(inv, switch_ids))
    gone(
        "networks",
        Network,
        Q(external_id__in=sorted(removed["networks"])) | _prefixes("external_id", host_scope),
        set(network_ids),
    )

    # Hosts of the endpoint the datastores and VMs of the set refer to (present ones only, as
    # a full sync links only hosts it saw).
    referenced = {h for d in inv.datastores for h in d.host_external_ids}
    referenced |= {v.host_external_id for v in inv.vms if v.host_external_id}
    known_hosts = {
        ext: (pk, cluster)
        for ext, pk, cluster in Host.objects.present()
        .filter(endpoint=endpoint, external_id__in=sorted(referenced))
        .values_list("external_id", "pk", "cluster_id")
    }

    # Datastores.
    datastore_ids = store(
        "datastores", Datastore, {d.external_id: _plain(d, Datastore) for d in inv.datastores}
    )
    gone("datastores", Datastore, Q(external_id__in=sorted(removed["datastores"])), set())
    replace_links(
        DatastoreHost,
        "datastore",
        "host",
        list(datastore_ids.values()),
        {
            (datastore_ids[d.external_id], known_hosts[h][0])
            for d in inv.datastores
            for h in d.host_external_ids
            if h in known_hosts
        },
    )

    # VMs.
    vm_ids = store(
        "vms",
        VirtualMachine,
        {
            v.external_id: _plain(
                v,
                VirtualMachine,
                host_id=known_hosts.get(v.host_external_id or "", (None, None))[0],
                cluster_id=known_hosts.get(v.host_external_id or "", (None, None))[1],
                config_hash=config_hash(v.config),
            )
            for v in inv.vms
        },
    )
    gone("vms", VirtualMachine, Q(external_id__in=sorted(removed["vms"])), set())
    wanted = {d for v in inv.vms for d in v.datastore_external_ids} - set(datastore_ids)
    all_datastores = {**_present_ids(Datastore, endpoint, wanted), **datastore_ids}
    replace_links(
        VmDatastore,
        "vm",
        "datastore",
        list(vm_ids.values()),
        {
            (vm_ids[v.external_id], all_datastores[d])
            for v in inv.vms
            for d in v.datastore_external_ids
            if d in all_datastores
        },
    )

    # Snapshots of the VMs the set carries completely; those of removed VMs are gone too.
    snaps = [s for s in inv.snapshots if s.vm_external_id in vm_ids]
    creators = dict(
        Snapshot.objects.filter(endpoint=endpoint, external_id__in=[s.external_id for s in snaps])
        .exclude(created_by="")
        .values_list("external_id", "created_by")
    )
    snapshot_ids = store(
        "snapshots",
        Snapshot,
        {
            s.external_id: _plain(
                s,
                Snapshot,
                vm_id=vm_ids[s.vm_external_id],
                created_by=creators.get(s.external_id) or s.created_by,
            )
            for s in snaps
        },
    )
    vm_scope = sorted(cs.vms_complete | removed["vms"])
    gone("snapshots", Snapshot, Q(vm__external_id__in=vm_scope), set(snapshot_ids))
    if cs.accounts_complete:  # every principal: the ones not in the set are gone
        result = upsert(PlatformAccount, endpoint, account_rows(inv), now)
        counts["accounts"] = result.as_dict()
    stored_parents = dict(
        Snapshot.objects.filter(pk__in=list(snapshot_ids.values())).values_list("pk", "parent_id")
    )
    changed = [
        Snapshot(
            pk=snapshot_ids[s.external_id], parent_id=snapshot_ids.get(s.parent_external_id or "")
        )
        for s in snaps
        if stored_parents.get(snapshot_ids[s.external_id])
        != snapshot_ids.get(s.parent_external_id or "")
    ]
    if changed:
        Snapshot.objects.bulk_update(changed, ["parent"], batch_size=2000)
    return counts


# -- feeds kept per worker process -------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    config: EndpointConfig
    feed: ChangeFeed
    used_at: float


_feeds: dict[int, _Entry] = {}
_lock = threading.Lock()


def _take_feed(endpoint_id: int, config: EndpointConfig) -> ChangeFeed | None:
    """The endpoint's kept feed if it is still usable, else a new one (None: no change feed)."""
    with _lock:
        entry = _feeds.pop(endpoint_id, None)
    if entry is not None:
        if entry.config == config and time.monotonic() - entry.used_at < FEED_IDLE_SECONDS:
            return entry.feed
        entry.feed.close()
    return get_change_feed(config)


def _give_back(endpoint_id: int, config: EndpointConfig, feed: ChangeFeed) -> None:
    with _lock:
        other = _feeds.pop(endpoint_id, None)
        _feeds[endpoint_id] = _Entry(config, feed, time.monotonic())
    if other is not None and other.feed is not feed:
        other.feed.close()


def close_feed(endpoint_id: int) -> None:
    """Close the endpoint's kept feed (log out). Never raises."""
    with _lock:
        entry = _feeds.pop(endpoint_id, None)
    if entry is not None:
        entry.feed.close()


def close_all_feeds() -> None:
    with _lock:
        entries = list(_feeds.values())
        _feeds.clear()
    for entry in entries:
        entry.feed.close()


# -- the incremental sync -----------------------------------------------------------------------


def incremental_sync(
    endpoint: Endpoint,
    *,
    trigger: str,
    actor=None,
    run: SyncRun | None = None,
    raise_transient: bool = False,
    wait_seconds: float = 0,
    record_empty: bool = True,
) -> SyncRun | None:
    """Store what changed on ``endpoint`` since this process last asked; return the SyncRun.

    Like :func:`sync_endpoint` (claim, SyncRun, audit, ``sync_succeeded``), and a full sync
    where the platform has no change feed. ``wait_seconds`` waits that long for a first change
    (the watcher). With ``record_empty=False`` a call that found nothing leaves no SyncRun and
    returns None (the watcher's idle rounds). Raises SyncBusy if another sync holds the claim.
    """
    config = endpoint.connector_config()
    feed = _take_feed(endpoint.pk, config)
    if feed is None:
        return sync_endpoint(
            endpoint, trigger=trigger, actor=actor, run=run, raise_transient=raise_transient
        )
    t0 = time.monotonic()
    try:
        if wait_seconds > 0:
            # Wait without holding the claim (a scheduled full sync may run meanwhile); what
            # arrives is stored in the claimed part below.
            cs = feed.changes(wait_seconds=wait_seconds)
            if cs.empty and not record_empty:
                _give_back(endpoint.pk, config, feed)
                return None
        else:
            cs = None
    except ConnectorError:
        feed.close()
        raise
    started = timezone.now()
    if not claim(endpoint, started):
        if cs is not None:
            feed.mark_unapplied()  # the next change set is a full one, from the feed's copy
        _give_back(endpoint.pk, config, feed)
        raise _busy(endpoint, run)
    keep = True
    mode, updates = "full", 0
    try:
        if cs is None:
            cs = feed.changes()
        if cs.empty and not record_empty and run is None:
            return None
        if run is None:
            run = _new_run(endpoint, trigger, actor)
        run.start(started, attempts=run.attempts + 1)
        mode, updates = ("full" if cs.full else "incremental"), cs.updates
        # The console history, from the cursor, as sync_endpoint reads it (5 calls).
        console_from, consoles = read_consoles(feed, endpoint, cs.inv, started)
        cs.inv.warnings.extend(consoles.warnings)
        with transaction.atomic():
            counts = apply_changes(endpoint, cs, started)
            counts["console_sessions"] = store_consoles(endpoint, console_from, consoles, started)
            totals, finished = _totals(counts), timezone.now()
            warnings = list(cs.inv.warnings[:199])
            if cs.full and cs.reason != FIRST_READ:
                warnings.insert(0, f"full read: {cs.reason}")
            run.finish(finished, counts=counts, warnings=warnings, **totals)
            fields: dict[str, Any] = {
                "last_sync_at": finished,
                "last_sync_status": run.status,
                "last_success_at": finished,
                "sync_claimed_at": None,
            }
            if cs.full:
                fields.update(product=cs.inv.product, version=cs.inv.version, build=cs.inv.build)
            Endpoint.objects.filter(pk=endpoint.pk).update(**fields)
            if cs.full or not cs.empty:
                changed = (
                    {k: sorted(v) for k, v in cs.changed_ids().items()} if not cs.full else None
                )
                transaction.on_commit(
                    lambda: sync_succeeded.send(
                        sender=SyncRun, endpoint_id=endpoint.pk, sync_run_id=run.pk, changed=changed
                    )
                )
        log.info(
            "incremental sync %s: %s in %.2fs (%s, %d updates), %s",
            endpoint.name, run.status, time.monotonic() - t0,
            "full" if cs.full else "partial", cs.updates, totals,
        )  # fmt: skip
    except ConnectorError as exc:
        keep = False
        run = run or _new_run(endpoint, trigger, actor)
        _fail(endpoint, run, str(exc))
        if raise_transient and not exc.permanent:
            raise
    except Exception as exc:
        keep = False
        log.exception("incremental sync %s failed unexpectedly", endpoint.name)
        run = run or _new_run(endpoint, trigger, actor)
        _fail(endpoint, run, f"unexpected error: {exc.__class__.__name__}: {exc}")
    finally:
        if keep:
            _give_back(endpoint.pk, config, feed)
        else:
            feed.close()  # the stored inventory may lag the feed: start over with a full read
        release(endpoint)
    _audit_sync(endpoint, run, actor, trigger, mode=mode, updates=updates)
    return run
