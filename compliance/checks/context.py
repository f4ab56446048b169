"""Everything the checks read, loaded in a fixed number of queries whatever the inventory size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from inventory.connectors.traits import PlatformTraits
from inventory.models import (
    Cluster,
    ConsoleHistory,
    ConsoleSession,
    Datastore,
    Endpoint,
    Host,
    Network,
    PhysicalNic,
    PlatformAccount,
    Snapshot,
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
)

from ..choices import ObjectType

# Which model each check target reads. Objects gone from the source (absent_since) are skipped.
TARGET_MODELS = {
    ObjectType.CLUSTER: Cluster,
    ObjectType.HOST: Host,
    ObjectType.VM: VirtualMachine,
    ObjectType.SNAPSHOT: Snapshot,
    ObjectType.DATASTORE: Datastore,
    ObjectType.NIC: PhysicalNic,
    ObjectType.SWITCH: VirtualSwitch,
    ObjectType.NETWORK: Network,
    ObjectType.ACCOUNT: PlatformAccount,
}


@dataclass
class InventoryContext:
    """The inventory of some endpoints with the indexes checks need to look across objects."""

    now: dt.datetime
    endpoints: dict[int, Endpoint]
    objects: dict[str, list[Any]]
    baselines: dict[tuple[str, int], Any] = field(default_factory=dict)
    admin_networks: Any = None
    # The Grundschutz-Check's target objects with their protection need (PRO-001).
    targets: list[Any] = field(default_factory=list)
    # Indexes, filled by build_indexes().
    by_id: dict[str, dict[int, Any]] = field(default_factory=dict)
    vms_by_host: dict[int, list[VirtualMachine]] = field(default_factory=dict)
    hosts_by_cluster: dict[int, list[Host]] = field(default_factory=dict)
    snapshots_by_vm: dict[int, list[Snapshot]] = field(default_factory=dict)
    nics_by_host: dict[int, list[PhysicalNic]] = field(default_factory=dict)
    host_net_sample: dict[int, UtilizationSample] = field(default_factory=dict)
    vm_net_sample: dict[int, UtilizationSample] = field(default_factory=dict)
    # Recent host samples (CPU and memory use), oldest first, for load judged over time.
    host_load_history: dict[int, list[UtilizationSample]] = field(default_factory=dict)
    host_by_external_id: dict[tuple[int, str], Host] = field(default_factory=dict)
    switches_by_host: dict[int, list[VirtualSwitch]] = field(default_factory=dict)
    networks_by_switch: dict[int, list[Network]] = field(default_factory=dict)
    distributed_switches: dict[int, list[VirtualSwitch]] = field(default_factory=dict)
    # Every device a host's switches name as uplink, including its distributed-switch uplinks.
    uplinks_by_host: dict[int, set[str]] = field(default_factory=dict)
    # The platform's principals (users, groups, tokens) per endpoint, for the rights review.
    accounts_by_endpoint: dict[int, list[PlatformAccount]] = field(default_factory=dict)
    # Console sessions of the last CONSOLE_WINDOW per VM, newest first, and per endpoint how
    # far its console history has been read (CON-005, CON-006).
    console_sessions_by_vm: dict[int, list[ConsoleSession]] = field(default_factory=dict)
    console_history: dict[int, ConsoleHistory] = field(default_factory=dict)

    @classmethod
    def load(cls, endpoint_ids: Iterable[int] | None = None, *, now=None) -> InventoryContext:
        """Read the inventory of ``endpoint_ids`` (all enabled endpoints when None).

        One query per object kind plus one each for host and VM samples, baselines and target
        objects: about a dozen in all, independent of the number of objects.
        """
        from ..models import Baseline, TargetObject

        endpoints_qs = Endpoint.objects.all()
        if endpoint_ids is not None:
            endpoints_qs = endpoints_qs.filter(pk__in=list(endpoint_ids))
        else:
            endpoints_qs = endpoints_qs.filter(enabled=True)
        endpoints = {e.pk: e for e in endpoints_qs}
        ids = list(endpoints)
        objects: dict[str, list[Any]] = {ObjectType.ENDPOINT: list(endpoints.values())}
        for target, model in TARGET_MODELS.items():
            objects[target] = list(
                model.objects.present().filter(endpoint_id__in=ids).order_by("pk")
            )
        baselines = {
            (b.object_type, b.object_id): b
            for b in Baseline.objects.filter(endpoint_id__in=ids, superseded_at__isnull=True)
        }
        ctx = cls(
            now=now or timezone.now(), endpoints=endpoints, objects=objects, baselines=baselines
        )
        ctx.targets = list(TargetObject.objects.all())
        ctx.host_net_sample = _latest_samples(ids, UtilizationSample.ObjectType.HOST)
        ctx.vm_net_sample = _latest_samples(ids, UtilizationSample.ObjectType.VM)
        ctx.host_load_history = _host_load_history(ids, ctx.now)
        ctx.console_sessions_by_vm = _console_sessions(ids, ctx.now)
        ctx.console_history = {
            h.endpoint_id: h for h in ConsoleHistory.objects.filter(endpoint_id__in=ids)
        }
        ctx.build_indexes()
        return ctx

    @classmethod
    def from_objects(
        cls,
        *,
        now=None,
        endpoints=(),
        samples=(),
        baselines=(),
        targets=(),
        console_sessions=(),
        console_history=(),
        **objects,
    ) -> InventoryContext:
        """A context from unsaved or saved model instances, for unit tests of single checks."""
        ctx = cls(
            now=now or timezone.now(),
            endpoints={e.pk: e for e in endpoints},
            objects={str(k): list(v) for k, v in objects.items()},
            baselines={(b.object_type, b.object_id): b for b in baselines},
            targets=list(targets),
            console_history={h.endpoint_id: h for h in console_history},
        )
        for session in sorted(console_sessions, key=lambda s: s.started_at, reverse=True):
            ctx.console_sessions_by_vm.setdefault(session.vm_id, []).append(session)
        for sample in sorted(samples, key=lambda s: s.taken_at):
            if sample.object_type == UtilizationSample.ObjectType.VM:
                ctx.vm_net_sample[sample.object_id] = sample
            else:
                ctx.host_net_sample[sample.object_id] = sample
                ctx.host_load_history.setdefault(sample.object_id, []).append(sample)
        ctx.build_indexes()
        return ctx

    def build_indexes(self) -> None:
        for target in TARGET_MODELS:
            self.objects.setdefault(target, [])
        self.objects.setdefault(ObjectType.ENDPOINT, list(self.endpoints.values()))
        self.by_id = {t: {o.pk: o for o in objs} for t, objs in self.objects.items()}
        self.vms_by_host = _group(self.objects[ObjectType.VM], "host_id")
        self.hosts_by_cluster = _group(self.objects[ObjectType.HOST], "cluster_id")
        self.snapshots_by_vm = _group(self.objects[ObjectType.SNAPSHOT], "vm_id")
        self.nics_by_host = _group(self.objects[ObjectType.NIC], "host_id")
        self.switches_by_host = _group(self.objects[ObjectType.SWITCH], "host_id")
        self.networks_by_switch = _group(self.objects[ObjectType.NETWORK], "switch_id")
        self.distributed_switches = _group(
            [s for s in self.objects[ObjectType.SWITCH] if s.host_id is None], "endpoint_id"
        )
        self.accounts_by_endpoint = _group(self.objects[ObjectType.ACCOUNT], "endpoint_id")
        self.host_by_external_id = {
            (h.endpoint_id, h.external_id): h for h in self.objects[ObjectType.HOST]
        }
        uplinks: dict[int, set[str]] = defaultdict(set)
        for switch in self.objects[ObjectType.SWITCH]:
            if switch.host_id is not None:
                uplinks[switch.host_id].update(switch.uplinks or ())
            for external_id, devices in (switch.host_uplinks or {}).items():
                host = self.host_by_external_id.get((switch.endpoint_id, external_id))
                if host is not None:
                    uplinks[host.pk].update(devices or ())
        self.uplinks_by_host = dict(uplinks)

    # Look-ups checks use instead of following foreign keys (which would query per object).
    def host(self, host_id: int | None) -> Host | None:
        return self.by_id[ObjectType.HOST].get(host_id) if host_id else None

    def vm(self, vm_id: int | None) -> VirtualMachine | None:
        return self.by_id[ObjectType.VM].get(vm_id) if vm_id else None

    def cluster(self, cluster_id: int | None) -> Cluster | None:
        return self.by_id[ObjectType.CLUSTER].get(cluster_id) if cluster_id else None

    def endpoint(self, endpoint_id: int) -> Endpoint | None:
        return self.endpoints.get(endpoint_id)

    def running_vms(self, host: Host) -> list[VirtualMachine]:
        """The load the host carries: its running VMs (templates never run)."""
        return [vm for vm in self.vms_by_host.get(host.pk, ()) if vm.is_running and not vm.template]

    def traits(self, obj: Any) -> PlatformTraits:
        """The platform traits of the object's endpoint (how its platform reports things)."""
        if isinstance(obj, Endpoint):
            return obj.traits
        return self.endpoints[obj.endpoint_id].traits

    def path_of(self, target: str, obj: Any) -> list[dict[str, Any]]:
        """Where the object stands, outermost first: endpoint, cluster, host, VM, then the object.

        Each segment is ``{"type", "id", "name", "external_id"}`` (the platform's own id: vCenter
        moref, Proxmox ``node/pve1``, ``qemu/100``, storage id), so a finding names the VM of a
        snapshot and the host of a NIC, and every segment can link to its page. Read from the
        context's indexes: no query.
        """
        segments: list[dict[str, Any]] = []

        def add(kind: str, item: Any) -> None:
            if item is not None:
                external_id = getattr(item, "external_id", "")
                name = " ".join(str(getattr(item, "name", "") or "").split())
                segments.append(
                    {
                        "type": str(kind),
                        "id": item.pk,
                        # A blank name (vCenter allows it) still leaves a readable step.
                        "name": name or f"({external_id or item.pk})",
                        "external_id": external_id,
                    }
                )

        def add_host(host_id: int | None) -> None:
            host = self.host(host_id)
            if host is not None:
                add(ObjectType.CLUSTER, self.cluster(host.cluster_id))
                add(ObjectType.HOST, host)

        def add_vm(vm: Any) -> None:
            if vm.host_id:
                add_host(vm.host_id)
            else:
                add(ObjectType.CLUSTER, self.cluster(vm.cluster_id))
            add(ObjectType.VM, vm)

        if target == ObjectType.ENDPOINT:
            add(target, obj)
            return segments
        add(ObjectType.ENDPOINT, self.endpoints.get(obj.endpoint_id))
        if target == ObjectType.HOST:
            add(ObjectType.CLUSTER, self.cluster(obj.cluster_id))
        elif target == ObjectType.VM:
            add_vm(obj)
            return segments
        elif target == ObjectType.SNAPSHOT:
            vm = self.vm(obj.vm_id)
            if vm is not None:
                add_vm(vm)
        elif target in (ObjectType.NIC, ObjectType.SWITCH):
            add_host(obj.host_id)
        elif target == ObjectType.NETWORK:
            switch = self.by_id[ObjectType.SWITCH].get(obj.switch_id) if obj.switch_id else None
            if switch is not None:
                add_host(switch.host_id)
                add(ObjectType.SWITCH, switch)
        add(target, obj)
        return segments

    def cluster_id_of(self, target: str, obj: Any) -> int | None:
        """The cluster an object belongs to, for waivers scoped to a cluster."""
        if target == ObjectType.CLUSTER:
            return obj.pk
        if target in (ObjectType.HOST, ObjectType.VM):
            return obj.cluster_id
        if target == ObjectType.SNAPSHOT:
            vm = self.vm(obj.vm_id)
            return vm.cluster_id if vm else None
        if target in (ObjectType.NIC, ObjectType.SWITCH):
            host = self.host(obj.host_id)
            return host.cluster_id if host else None
        return None


def _group(objs: list[Any], attribute: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for obj in objs:
        key = getattr(obj, attribute)
        if key is not None:
            grouped[key].append(obj)
    return dict(grouped)


def _latest_samples(endpoint_ids: list[int], object_type: str) -> dict[int, UtilizationSample]:
    """The newest sample that carries network rates, one per host or VM, in one query."""
    qs = UtilizationSample.objects.filter(
        endpoint_id__in=endpoint_ids, object_type=object_type
    ).exclude(net_rx_bps__isnull=True, net_tx_bps__isnull=True)
    if connection.vendor == "postgresql":
        qs = qs.order_by("object_id", "-taken_at").distinct("object_id")
        return {s.object_id: s for s in qs}
    latest: dict[int, UtilizationSample] = {}
    for sample in qs.order_by("object_id", "taken_at"):
        latest[sample.object_id] = sample
    return latest


def _host_load_history(endpoint_ids: list[int], now: dt.datetime) -> dict[int, list[Any]]:
    """Host samples of the last few hours with CPU or memory use, oldest first, in one query."""
    from .sustained import HISTORY

    history: dict[int, list[Any]] = defaultdict(list)
    qs = (
        UtilizationSample.objects.filter(
            endpoint_id__in=endpoint_ids,
            object_type=UtilizationSample.ObjectType.HOST,
            taken_at__gte=now - HISTORY,
        )
        .exclude(cpu_percent__isnull=True, memory_percent__isnull=True)
        .only("object_id", "taken_at", "cpu_percent", "memory_percent")
        .order_by("object_id", "taken_at")
    )
    for sample in qs:
        history[sample.object_id].append(sample)
    return dict(history)


# How far back the console checks look at most (their period parameters stop here).
CONSOLE_WINDOW = dt.timedelta(days=366)


def _console_sessions(endpoint_ids: list[int], now: dt.datetime) -> dict[int, list[Any]]:
    """Console sessions of the last :data:`CONSOLE_WINDOW` per VM, newest first, in one query."""
    sessions: dict[int, list[Any]] = defaultdict(list)
    qs = (
        ConsoleSession.objects.filter(
            endpoint_id__in=endpoint_ids,
            vm__isnull=False,
            started_at__gte=now - CONSOLE_WINDOW,
        )
        .only("vm_id", "endpoint_id", "user", "started_at", "kind", "source")
        .order_by("vm_id", "-started_at", "-id")
    )
    for session in qs:
        sessions[session.vm_id].append(session)
    return dict(sessions)
