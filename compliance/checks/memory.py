"""M 4.349: main memory shortages that threaten the availability of virtual IT systems."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import ObjectType, Severity
from ..messages import msg
from .availability import cluster_members, design_limit
from .cpu import overcommit
from .registry import (
    failed,
    not_applicable,
    passed,
    percent_param,
    ratio_param,
    register,
    verdict,
    warning,
)
from .sustained import judge_host_load, sustain_params

REQ = ("M4349.MEMORY", "M4349.UTILIZATION")
GIB = 1024**3


def _gib(value: int) -> float:
    return round(value / GIB, 2)


@register(
    "MEM-001",
    title=_("Host memory usage above the limit"),
    requirements=REQ,
    target=ObjectType.HOST,
    params=(
        percent_param("max_percent", 90, _("Highest memory usage")),
        *sustain_params(),
    ),
)
def host_memory_usage(host, params, ctx):
    """A host short of memory balloons and swaps its guests.

    Judged over the stored samples like CPU-001 (sustained, with hysteresis).
    """
    percent = host.memory_percent
    if percent is None:
        return not_applicable(msg("The platform did not report memory size and use."))
    evidence = {
        "memory_used_bytes": host.memory_used_bytes,
        "memory_bytes": host.memory_bytes,
        "memory_percent": round(percent, 1),
        "threshold_percent": params["max_percent"],
    }
    high, message, evidence = judge_host_load(
        host, "memory_percent", percent, params, ctx, _("Memory usage"), evidence
    )
    return verdict(high, message, message, evidence)


@register(
    "MEM-002",
    title=_("VM memory ballooned or swapped"),
    requirements=REQ,
    target=ObjectType.VM,
    severity=Severity.LOW,
)
def vm_memory_reclaimed(vm, params, ctx):
    """Ballooning or hypervisor swapping means the host is already short of memory."""
    if not vm.is_running:
        return not_applicable(msg("The VM is not running."))
    if vm.ballooned_bytes is None and vm.swapped_bytes is None:
        return not_applicable(msg("The platform did not report ballooned or swapped memory."))
    ballooned, swapped = vm.ballooned_bytes or 0, vm.swapped_bytes or 0
    evidence = {"ballooned_bytes": ballooned, "swapped_bytes": swapped}
    if ballooned or swapped:
        return warning(
            msg(
                "%(ballooned_gib)s GiB ballooned, %(swapped_gib)s GiB swapped.",
                ballooned_gib=_gib(ballooned),
                swapped_gib=_gib(swapped),
            ),
            **evidence,
        )
    return passed(msg("No memory ballooned or swapped."), **evidence)


@register(
    "MEM-003",
    title=_("Running VMs configured with more memory than the host has"),
    requirements=REQ,
    target=ObjectType.HOST,
    params=(
        ratio_param("max_ratio", 1.0, _("Most configured memory per physical memory"), maximum=10),
    ),
)
def host_memory_overcommit(host, params, ctx):
    """Overcommitted memory works until the guests use what they were promised."""
    if not host.memory_bytes:
        return not_applicable(msg("The platform did not report the host's memory."))
    configured, ratio, load = overcommit(host, "memory_bytes", host.memory_bytes, params, ctx)
    evidence = {"configured_bytes": configured, "memory_bytes": host.memory_bytes, **load}
    return verdict(
        ratio > params["max_ratio"],
        msg(
            "Running VMs are configured with %(configured_gib)s GiB on a host with %(memory_bytes_gib)s GiB (ratio %(ratio).2f).",
            configured_gib=_gib(configured),
            memory_bytes_gib=_gib(host.memory_bytes),
            ratio=ratio,
        ),
        msg("Configured memory is %(ratio).2f of the host's memory.", ratio=ratio),
        evidence,
    )


@register(
    "MEM-004",
    title=_("Cluster cannot hold its running VMs if its largest host fails"),
    requirements=(*REQ, "M4349.OPERATING"),
    target=ObjectType.CLUSTER,
    severity=Severity.HIGH,
)
def cluster_failover_memory(cluster, params, ctx):
    """N+1: the remaining hosts must hold the memory of every running VM of the cluster.

    Demand counts the running VMs of every host of the cluster, connected or not: the VMs of a
    disconnected or failed host are exactly the ones that need room elsewhere. Capacity counts
    only connected hosts outside maintenance, less the largest of them. A cluster with a single
    host cannot have failover capacity by design: that is a warning of low severity (add a host
    or accept the risk), not a high-severity failure on every run.
    """
    members, hosts, running = cluster_members(cluster, ctx)
    if not hosts or any(h.memory_bytes is None for h in hosts):
        return not_applicable(msg("No connected host with a known memory size in this cluster."))
    online_ids = {h.pk for h in hosts}
    stranded = [vm for vm in running if vm.host_id not in online_ids]
    demand = sum(vm.memory_bytes or 0 for vm in running)
    largest = max(h.memory_bytes for h in hosts)
    remaining = sum(h.memory_bytes for h in hosts) - largest
    evidence = {
        "hosts": len(members),
        "usable_hosts": len(hosts),
        "unusable_hosts": sorted(h.name for h in members if h.pk not in online_ids),
        "running_vm_memory_bytes": demand,
        "stranded_vm_memory_bytes": sum(vm.memory_bytes or 0 for vm in stranded),
        "largest_host_bytes": largest,
        "remaining_capacity_bytes": remaining,
    }
    if not demand:
        return passed(msg("No running VM needs failover capacity."), **evidence)
    if len(members) == 1:
        return design_limit(
            msg("A cluster of one host has no failover capacity: its VMs stop with the host."),
            evidence,
        )
    if demand > remaining:
        if stranded:
            message = msg(
                "If the largest usable host fails, %(remaining_gib)s GiB remain for "
                "%(demand_gib)s GiB of running VMs (%(unusable)s host(s) already unusable).",
                remaining_gib=_gib(remaining),
                demand_gib=_gib(demand),
                unusable=len(members) - len(hosts),
            )
        else:
            message = msg(
                "If the largest usable host fails, %(remaining_gib)s GiB remain for "
                "%(demand_gib)s GiB of running VMs.",
                remaining_gib=_gib(remaining),
                demand_gib=_gib(demand),
            )
        return failed(message, **evidence)
    return passed(
        msg(
            "%(remaining_gib)s GiB remain after losing the largest host; %(demand_gib)s GiB needed.",
            remaining_gib=_gib(remaining),
            demand_gib=_gib(demand),
        ),
        **evidence,
    )


# ESXi: 0 lets transparent page sharing (TPS) merge pages of different VMs; 1 and 2 salt the
# sharing per VM, so pages are shared only within a VM or between VMs given the same salt.
SALTING = "Mem.ShareForceSalting"


@register(
    "MEM-005",
    title=_("Memory pages shared between VMs"),
    requirements=("M4349.MEMORY",),
    target=ObjectType.HOST,
)
def host_page_sharing(host, params, ctx):
    """Pages shared between VMs (ESXi page sharing without salting, Proxmox KSM) are a side
    channel between guests; the memory they save is memory promised twice (SYS.1.5.A23)."""
    sharing = ctx.traits(host).page_sharing
    if sharing not in ("ksm", "salting"):
        return not_applicable(msg("The platform's page sharing is not read."))
    if sharing == "ksm":
        shared = host.ksm_shared_bytes
        if shared is None:
            return not_applicable(msg("The node did not report KSM."))
        if shared > 0:
            return failed(
                msg(
                    "KSM shares %(shared_gib)s GiB of memory pages between the node's guests.",
                    shared_gib=_gib(shared),
                ),
                ksm_shared_bytes=shared,
            )
        return passed(msg("KSM shares no memory pages."), ksm_shared_bytes=0)
    raw = (host.advanced_options or {}).get(SALTING)
    if raw is None:
        return not_applicable(msg("The host did not report %(SALTING)s.", SALTING=SALTING))
    try:
        salting = int(str(raw).strip())
    except ValueError:
        return not_applicable(
            msg("%(SALTING)s is %(raw)r, not a number.", SALTING=SALTING, raw=raw), **{SALTING: raw}
        )
    if salting == 0:
        return failed(
            msg(
                "%(SALTING)s is 0: transparent page sharing merges pages of different VMs.",
                SALTING=SALTING,
            ),
            **{SALTING: salting},
        )
    return passed(
        msg(
            "%(SALTING)s is %(salting)s: pages are shared only within a VM (or between VMs given the same salt).",
            SALTING=SALTING,
            salting=salting,
        ),
        **{SALTING: salting},
    )
