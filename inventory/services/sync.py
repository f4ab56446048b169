"""Sync: read an endpoint through its connector and store the inventory.

The read happens first, outside any transaction; the write is one transaction, so a failed or
partial read never replaces the last complete inventory. One sync per endpoint at a time: a
run claims the endpoint with a conditional update. Every run is a SyncRun row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import asdict, fields, is_dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from inventory.connectors.base import ConnectorError, get_connector
from inventory.connectors.records import Inventory
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
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
    VmDatastore,
)
from inventory.signals import sync_failed, sync_requested, sync_succeeded
from portal.audit import audit, source_for_trigger
from portal.models import AuditEvent

from .consoles import read_consoles, store_consoles
from .progress import ProgressReporter
from .read_state import keep_read_state, plan_read
from .upsert import replace_links, upsert

log = logging.getLogger(__name__)

# A claim older than this is a crashed sync, and may be taken over.
CLAIM_STALE = dt.timedelta(minutes=30)


class SyncBusy(Exception):
    """Another sync of the same endpoint is running."""


def config_hash(config: dict[str, Any]) -> str:
    """A stable hash of a configuration, for the integrity checks (M 4.93)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def host_config(host: Any) -> dict[str, Any]:
    """The host settings its config hash stands for, from a HostRecord or a stored Host.

    The one definition for the sync (which hashes it) and the baseline (which stores it), so an
    approved baseline holds exactly what was fingerprinted and a diff shows the change that
    made INT-001 fail. Services are keyed by their normalised key, so the diff names one.
    """
    services = {}
    for s in host.services:
        item = asdict(s) if is_dataclass(s) else dict(s)
        services[str(item.get("key", ""))] = {
            "label": item.get("label", ""),
            "running": item.get("running"),
            "policy": item.get("policy", ""),
        }
    return {
        "version": host.version,
        "build": host.build,
        "lockdown_mode": host.lockdown_mode,
        "services": dict(sorted(services.items())),
        "ntp_servers": list(host.ntp_servers),
        "syslog_target": host.syslog_target,
        "advanced_options": dict(host.advanced_options),
        "management_addresses": list(host.management_addresses),
    }


def _plain(record: Any, model: type[Model], **overrides: Any) -> dict[str, Any]:
    """The record's fields that the model stores under the same name, plus ``overrides``.

    Lists of nested records (services, VM NICs) become lists of dicts for the JSON fields.
    """
    names = _stored_names(model)
    row = {}
    for f in fields(record):
        if f.name in names and f.name not in overrides:
            value = getattr(record, f.name)
            if isinstance(value, list) and value and is_dataclass(value[0]):
                value = [asdict(item) for item in value]
            row[f.name] = value
    row.update(overrides)
    return row


@cache
def _stored_names(model: type[Model]) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.concrete_fields) - {
        "id",
        "endpoint",
        "external_id",
    }


def apply_inventory(
    endpoint: Endpoint, inv: Inventory, now: dt.datetime
) -> dict[str, dict[str, int]]:
    """Write ``inv`` for ``endpoint``; return per-kind counts. Call inside a transaction.

    Parents first, so every row can be linked by primary key: clusters, hosts, their NICs and
    switches, networks, datastores, VMs, snapshots; then links, accounts and samples.
    """
    counts: dict[str, dict[str, int]] = {}

    def store(kind: str, model: type[Model], rows: dict[str, dict[str, Any]]):
        result = upsert(model, endpoint, rows, now)
        counts[kind] = result.as_dict()
        return result

    clusters = store("clusters", Cluster, {c.external_id: _plain(c, Cluster) for c in inv.clusters})
    host_cluster = {h.external_id: clusters.ids.get(h.cluster_external_id or "") for h in inv.hosts}
    hosts = store("hosts", Host, host_rows(endpoint, inv, now, clusters.ids))
    store("nics", PhysicalNic, nic_rows(inv, hosts.ids))
    switches = store("switches", VirtualSwitch, switch_rows(inv, hosts.ids))
    store("networks", Network, network_rows(inv, switches.ids))
    datastores = store(
        "datastores", Datastore, {d.external_id: _plain(d, Datastore) for d in inv.datastores}
    )
    replace_links(
        DatastoreHost,
        "datastore",
        "host",
        list(datastores.ids.values()),
        {
            (datastores.ids[d.external_id], hosts.ids[h])
            for d in inv.datastores
            for h in d.host_external_ids
            if h in hosts.ids
        },
    )
    vms = store(
        "vms",
        VirtualMachine,
        {
            v.external_id: _plain(
                v,
                VirtualMachine,
                host_id=hosts.ids.get(v.host_external_id or ""),
                cluster_id=host_cluster.get(v.host_external_id or ""),
                config_hash=config_hash(v.config),
            )
            for v in inv.vms
        },
    )
    replace_links(
        VmDatastore,
        "vm",
        "datastore",
        list(vms.ids.values()),
        {
            (vms.ids[v.external_id], datastores.ids[d])
            for v in inv.vms
            for d in v.datastore_external_ids
            if d in datastores.ids
        },
    )
    # Governance fields (owner, reason, expiry) are not in the records, so sync never touches them.
    # Who made a snapshot is learnt once and kept: the portal's operation names its user (the
    # platform would name the portal's service account), the platform's task history names the
    # others while it still lists their task; a later sync that no longer sees it keeps it.
    creators = dict(
        Snapshot.objects.filter(endpoint=endpoint)
        .exclude(created_by="")
        .values_list("external_id", "created_by")
    )
    snapshots = store(
        "snapshots",
        Snapshot,
        {
            s.external_id: _plain(
                s,
                Snapshot,
                vm_id=vms.ids[s.vm_external_id],
                created_by=creators.get(s.external_id) or s.created_by,
            )
            for s in inv.snapshots
            if s.vm_external_id in vms.ids
        },
    )
    _link_snapshot_parents(endpoint, inv, snapshots.ids)
    store("accounts", PlatformAccount, account_rows(inv))
    _store_samples(
        endpoint, inv, now, {"host": hosts.ids, "vm": vms.ids, "datastore": datastores.ids}
    )
    return counts


def account_rows(inv: Inventory) -> dict[str, dict[str, Any]]:
    """The stored rows of ``inv``'s principals (full syncs and complete account change sets)."""
    return {a.key: _plain(a, PlatformAccount, name=a.userid) for a in inv.accounts}


def _updates_pending_since(
    endpoint: Endpoint, inv: Inventory, now: dt.datetime
) -> dict[str, dt.datetime | None]:
    """Since when each host has had updates pending: kept from the stored row while every sync
    in between saw some, ``now`` when this sync is the first to see them, None when none are
    pending or the platform reports none (one query)."""
    stored = dict(
        Host.objects.filter(endpoint=endpoint, updates_pending_since__isnull=False).values_list(
            "external_id", "updates_pending_since"
        )
    )
    return {
        h.external_id: (stored.get(h.external_id) or now) if h.updates_pending else None
        for h in inv.hosts
    }


def _link_snapshot_parents(endpoint: Endpoint, inv: Inventory, ids: dict[str, int]) -> None:
    """Set parent links in one statement, after every snapshot of the tree has a row."""
    stored = dict(
        Snapshot.objects.present().filter(endpoint=endpoint).values_list("pk", "parent_id")
    )
    changed = []
    for s in inv.snapshots:
        pk = ids.get(s.external_id)
        if pk is None:
            continue
        parent = ids.get(s.parent_external_id or "")
        if stored.get(pk) != parent:
            changed.append(Snapshot(pk=pk, parent_id=parent))
    if changed:
        Snapshot.objects.bulk_update(changed, ["parent"], batch_size=2000)


def _store_samples(
    endpoint: Endpoint, inv: Inventory, now: dt.datetime, ids: dict[str, dict[str, int]]
) -> None:
    samples = [
        UtilizationSample(
            endpoint=endpoint,
            object_type=s.object_type,
            object_id=ids[s.object_type][s.external_id],
            taken_at=now,
            cpu_percent=s.cpu_percent,
            memory_percent=s.memory_percent,
            storage_used_bytes=s.storage_used_bytes,
            net_rx_bps=s.net_rx_bps,
            net_tx_bps=s.net_tx_bps,
        )
        for s in inv.samples
        if s.external_id in ids.get(s.object_type, {})
    ]
    UtilizationSample.objects.bulk_create(samples, batch_size=5000)
    cutoff = now - dt.timedelta(days=settings.UTILIZATION_RETENTION_DAYS)
    UtilizationSample.objects.filter(endpoint=endpoint, taken_at__lt=cutoff).delete()


def claim(endpoint: Endpoint, now: dt.datetime) -> bool:
    """Take the endpoint's sync claim; False if another live sync holds it."""
    taken = Endpoint.objects.filter(
        Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=now - CLAIM_STALE), pk=endpoint.pk
    ).update(sync_claimed_at=now)
    return taken == 1


def release(endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(sync_claimed_at=None)


def sync_endpoint(
    endpoint: Endpoint,
    *,
    trigger: str,
    actor=None,
    run: SyncRun | None = None,
    raise_transient: bool = False,
) -> SyncRun:
    """Read ``endpoint`` and store its inventory; return the finished SyncRun.

    Never raises for hypervisor trouble: the run is marked failed with the reason, and the last
    good inventory stays. With ``raise_transient`` a retryable ConnectorError is re-raised
    after the run is recorded (the task retries with backoff). Raises SyncBusy if another
    sync of the endpoint holds the claim.
    """
    started = timezone.now()
    if not claim(endpoint, started):
        raise _busy(endpoint, run)
    if run is None:
        run = _new_run(endpoint, trigger, actor)
    run.start(started, attempts=run.attempts + 1)
    t0 = time.monotonic()
    connector = None
    mode = {"mode": "full"}
    try:
        connector = get_connector(endpoint.connector_config())
        plan = plan_read(connector, endpoint, trigger, started)
        mode = {"mode": plan.mode or "full", "full_read_reason": plan.reason}
        progress = ProgressReporter(SyncRun, run.pk)
        inventory = connector.read_inventory(progress=progress)
        console_from, consoles = read_consoles(connector, endpoint, inventory, started)
        inventory.warnings.extend(consoles.warnings)
        read_seconds = time.monotonic() - t0
        progress("writing", len(inventory.vms), now=True)  # the write is one transaction
        with transaction.atomic():
            counts = apply_inventory(endpoint, inventory, started)
            counts["console_sessions"] = store_consoles(endpoint, console_from, consoles, started)
            totals, finished = _totals(counts), timezone.now()
            run.finish(finished, counts=counts, warnings=inventory.warnings[:200], **totals)
            Endpoint.objects.filter(pk=endpoint.pk).update(
                product=inventory.product,
                version=inventory.version,
                build=inventory.build,
                last_sync_at=finished,
                last_sync_status=run.status,
                last_success_at=finished,
                sync_claimed_at=None,
            )
            keep_read_state(plan, connector, endpoint, finished)
            transaction.on_commit(
                lambda: sync_succeeded.send(
                    sender=SyncRun, endpoint_id=endpoint.pk, sync_run_id=run.pk
                )
            )
        log.info(
            "sync %s: %s in %.1fs (read %.1fs), %s",
            endpoint.name, run.status, time.monotonic() - t0, read_seconds, totals,
        )  # fmt: skip
    except ConnectorError as exc:
        _fail(endpoint, run, str(exc))
        if raise_transient and not exc.permanent:
            raise
    except Exception as exc:
        # Anything else is a bug or odd data: record it, keep the last good inventory.
        log.exception("sync %s failed unexpectedly", endpoint.name)
        _fail(endpoint, run, f"unexpected error: {exc.__class__.__name__}: {exc}")
    finally:
        if connector is not None:
            connector.close()
        release(endpoint)
    _audit_sync(endpoint, run, actor, trigger, **mode)
    return run


# The rows of the host-side kinds, from the records: one mapping for the full write
# (apply_inventory) and the partial one (incremental.apply_changes), given the primary keys of
# the parents already stored, by external id.


def host_rows(
    endpoint: Endpoint, inv: Inventory, now: dt.datetime, cluster_ids: dict[str, int]
) -> dict[str, dict[str, Any]]:
    pending_since = _updates_pending_since(endpoint, inv, now)
    return {
        h.external_id: _plain(
            h,
            Host,
            cluster_id=cluster_ids.get(h.cluster_external_id or ""),
            config_hash=config_hash(host_config(h)),
            updates_pending_since=pending_since.get(h.external_id),
        )
        for h in inv.hosts
    }


def nic_rows(inv: Inventory, host_ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """A NIC's external id is its host's and its device name; NICs of unknown hosts are left out."""
    return {
        f"{n.host_external_id}/{n.device}": _plain(
            n, PhysicalNic, name=n.device, host_id=host_ids[n.host_external_id]
        )
        for n in inv.nics
        if n.host_external_id in host_ids
    }


def switch_rows(inv: Inventory, host_ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    return {
        s.external_id: _plain(s, VirtualSwitch, host_id=host_ids.get(s.host_external_id or ""))
        for s in inv.switches
    }


def network_rows(inv: Inventory, switch_ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    return {
        n.external_id: _plain(n, Network, switch_id=switch_ids.get(n.switch_external_id or ""))
        for n in inv.networks
    }


def _name(actor) -> str:
    if actor is None:
        return ""
    return actor if isinstance(actor, str) else actor.get_username()


def _new_run(endpoint: Endpoint, trigger: str, actor) -> SyncRun:
    return SyncRun.objects.create(endpoint=endpoint, trigger=trigger, requested_by=_name(actor))


def _busy(endpoint: Endpoint, run: SyncRun | None) -> SyncBusy:
    """The error for a sync that meets another run's claim. A queued run fails with the reason;
    a running one is this run's own message delivered twice (a worker restart): the delivery
    that holds the claim goes on."""
    if run is not None and run.status == SyncRun.Status.QUEUED:
        run.fail("another sync of this endpoint is running")
    return SyncBusy(f"a sync of {endpoint.name} is already running")


def _totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """Created, updated and absent over every kind of object, for the run."""
    return {k: sum(c[k] for c in counts.values()) for k in ("created", "updated", "absent")}


def _audit_sync(endpoint: Endpoint, run: SyncRun, actor, trigger: str, **detail: Any) -> None:
    """The audit event of a finished sync run (full or incremental), whatever its outcome."""
    audit(
        action="endpoint.sync",
        actor=actor if actor is not None else "scheduler",
        source=source_for_trigger(trigger),
        target=endpoint,
        result=AuditEvent.Result.SUCCESS
        if run.status == SyncRun.Status.SUCCEEDED
        else AuditEvent.Result.FAILURE,
        detail={"sync_run": run.pk, "trigger": trigger, "error": run.error[:500], **detail},
    )


def _fail(endpoint: Endpoint, run: SyncRun, error: str) -> None:
    log.warning("sync %s failed: %s", endpoint.name, error)
    run.fail(error[:4000])
    Endpoint.objects.filter(pk=endpoint.pk).update(
        last_sync_at=run.finished_at, last_sync_status=run.status
    )
    last_success = (
        Endpoint.objects.filter(pk=endpoint.pk).values_list("last_success_at", flat=True).first()
    )
    failed = SyncRun.objects.filter(endpoint_id=endpoint.pk, status=SyncRun.Status.FAILED)
    if last_success is not None:
        failed = failed.filter(finished_at__gt=last_success)
    in_row = failed.count()
    transaction.on_commit(
        lambda: sync_failed.send_robust(
            sender=SyncRun, endpoint_id=endpoint.pk, sync_run_id=run.pk, failures_in_row=in_row
        )
    )


def sync_request(*, endpoint: Endpoint, actor, request=None, trigger: str = "api") -> SyncRun:
    """Queue a sync from a request: a SyncRun row now, the task once the transaction commits
    (``sync_requested``; inventory/tasks.py queues it)."""
    with transaction.atomic():
        run = _new_run(endpoint, trigger, actor)
        audit(
            action="endpoint.sync_requested",
            request=request,
            actor=actor,
            target=endpoint,
            detail={"sync_run": run.pk},
        )
        sync_requested.send(sender=SyncRun, endpoint_id=endpoint.pk, sync_run_id=run.pk)
    return run
