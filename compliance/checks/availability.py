"""Availability and backups (SYS.1.5.A20, M 4.349: the failure of one virtualisation server).

HA and admission control (vSphere), failover capacity for the reservations of running VMs
(vSphere; MEM-004 judges configured memory), HA resources and the quorum margin (Proxmox),
hosts outside a cluster, and a recent backup per VM (both platforms).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import PROXMOX, VCENTER

from ..choices import ObjectType, Severity, Status
from ..messages import Message, msg
from .registry import (
    Outcome,
    Param,
    failed,
    not_applicable,
    passed,
    percent_param,
    register,
    verdict,
    warning,
)

REQ = ("M4349.OPERATING",)
GIB = 1024**3
# Proxmox HA resource states that do not restart the guest elsewhere.
HA_INACTIVE = {"disabled", "ignored", "error"}
LISTED = 50  # names in the evidence at most


def cluster_members(cluster, ctx) -> tuple[list, list, list]:
    """The cluster's hosts, those usable for failover (connected, not in maintenance) and the
    running VMs of every member, a disconnected host's included (they need room elsewhere)."""
    members = list(ctx.hosts_by_cluster.get(cluster.pk, ()))
    usable = [
        h
        for h in members
        if ctx.traits(h).is_connected(h.connection_state) and not h.maintenance_mode
    ]
    running = [vm for h in members for vm in ctx.running_vms(h)]
    return members, usable, running


def design_limit(message: Message, evidence: dict) -> Outcome:
    """A warning of low severity: the cluster cannot do better by design (one host)."""
    return Outcome(
        Status.WARNING,
        str(message),
        {**evidence, "single_host": True},
        Severity.LOW,
        message.stored(),
    )


@register(
    "AVL-001",
    title=_("Cluster without vSphere HA or admission control"),
    requirements=REQ,
    target=ObjectType.CLUSTER,
    severity=Severity.HIGH,
    platforms=(VCENTER,),
    not_applicable_reason="Proxmox HA protects guests one by one: AVL-003 judges its resources.",
)
def cluster_ha(cluster, params, ctx):
    """Without HA the VMs of a failed host stay down; without admission control HA may have
    no room left to restart them."""
    admission = (cluster.extra or {}).get("ha_admission_control")
    evidence = {
        "ha_enabled": cluster.ha_enabled,
        "admission_control": admission,
        "admission_policy": (cluster.extra or {}).get("ha_admission_policy", ""),
        "expected": "HA on, admission control on",
    }
    if cluster.ha_enabled is None:
        return not_applicable(msg("The platform did not report the cluster's HA setting."))
    if not cluster.ha_enabled:
        return failed(msg("vSphere HA is off: VMs of a failed host are not restarted."), **evidence)
    if admission is None:
        return not_applicable(msg("HA is on; the platform did not report admission control."))
    if not admission:
        return failed(
            msg("vSphere HA is on but admission control is off: nothing keeps failover room free."),
            **evidence,
        )
    return passed(msg("vSphere HA and admission control are on."), **evidence)


@register(
    "AVL-002",
    title=_("Reserved CPU and memory do not fit if the largest host fails"),
    requirements=REQ,
    target=ObjectType.CLUSTER,
    severity=Severity.HIGH,
    platforms=(VCENTER,),
    not_applicable_reason="Proxmox VE has no CPU or memory reservations; MEM-004 judges memory.",
    params=(
        percent_param(
            "max_percent",
            100,
            _("Highest share of the remaining capacity the reservations may take"),
        ),
    ),
)
def cluster_failover_reservations(cluster, params, ctx):
    """N+1 for what running VMs are guaranteed: their CPU (MHz) and memory reservations must fit
    on the connected hosts outside maintenance that remain when the largest one fails.

    Complements MEM-004 (configured memory): a reservation that does not fit keeps the VM from
    powering on elsewhere. Each resource is judged on its own, losing the host largest in it.
    """
    members, hosts, running = cluster_members(cluster, ctx)
    if not hosts or any(h.memory_bytes is None or not h.cpu_mhz or not h.cpu_cores for h in hosts):
        return not_applicable(
            msg("No connected host with a known CPU and memory size in this cluster.")
        )
    known = [
        vm
        for vm in running
        if vm.cpu_reservation_mhz is not None or vm.memory_reservation_bytes is not None
    ]
    if running and not known:
        return not_applicable(msg("The platform did not report the VMs' reservations."))
    cpu_demand = sum(vm.cpu_reservation_mhz or 0 for vm in known)
    mem_demand = sum(vm.memory_reservation_bytes or 0 for vm in known)
    cpu_sizes = [h.cpu_mhz * h.cpu_cores for h in hosts]
    mem_sizes = [h.memory_bytes for h in hosts]
    cpu_left = sum(cpu_sizes) - max(cpu_sizes)
    mem_left = sum(mem_sizes) - max(mem_sizes)
    share = params["max_percent"] / 100
    evidence = {
        "hosts": len(members),
        "usable_hosts": len(hosts),
        "unusable_hosts": sorted(h.name for h in members if h not in hosts),
        "reserved_cpu_mhz": cpu_demand,
        "reserved_memory_bytes": mem_demand,
        "remaining_cpu_mhz": cpu_left,
        "remaining_memory_bytes": mem_left,
        "threshold_percent": params["max_percent"],
        "running_vms": len(running),
    }
    if not cpu_demand and not mem_demand:
        return passed(msg("No running VM reserves CPU or memory."), **evidence)
    if len(members) == 1:
        return design_limit(
            msg("A cluster of one host has no room to restart VMs with reservations."), evidence
        )
    short = []
    if cpu_demand > cpu_left * share:
        short.append("cpu")
    if mem_demand > mem_left * share:
        short.append("memory")
    values = {
        "cpu_demand": cpu_demand,
        "cpu_left": round(cpu_left * share),
        "mem_demand_gib": round(mem_demand / GIB, 2),
        "mem_left_gib": round(mem_left * share / GIB, 2),
    }
    return verdict(
        bool(short),
        msg(
            "If the largest host fails, %(cpu_left)s MHz and %(mem_left_gib)s GiB remain "
            "for reservations of %(cpu_demand)s MHz and %(mem_demand_gib)s GiB.",
            **values,
        ),
        msg(
            "Reservations of %(cpu_demand)s MHz and %(mem_demand_gib)s GiB fit into the "
            "%(cpu_left)s MHz and %(mem_left_gib)s GiB left after losing the largest host.",
            **values,
        ),
        {"short_of": short, **evidence} if short else evidence,
    )


def _ha_sid(vm) -> str:
    return f"{'ct' if vm.kind == 'lxc' else 'vm'}:{vm.vmid}"


@register(
    "AVL-003",
    title=_("Running guests not protected by Proxmox HA"),
    requirements=REQ,
    target=ObjectType.CLUSTER,
    platforms=(PROXMOX,),
    not_applicable_reason="vSphere HA covers every VM of the cluster: AVL-001 judges it.",
    params=(
        percent_param("min_percent", 100, _("Lowest share of running guests under HA"), minimum=0),
    ),
)
def cluster_ha_resources(cluster, params, ctx):
    """A guest that is no HA resource (or one disabled, ignored, in error, or in a group that
    does not exist) stays down with its node."""
    extra = cluster.extra or {}
    if "ha_resources" not in extra:
        return not_applicable(msg("The platform did not report HA resources."))
    members, _, running = cluster_members(cluster, ctx)
    if len(members) < 2:
        return not_applicable(msg("A cluster of one node has nowhere to restart a guest."))
    groups = {str(g.get("group")) for g in extra.get("ha_groups") or [] if isinstance(g, dict)}
    active = set()
    for res in extra["ha_resources"]:
        if not isinstance(res, dict) or str(res.get("state") or "started") in HA_INACTIVE:
            continue
        if res.get("group") and "ha_groups" in extra and str(res["group"]) not in groups:
            continue  # names a group that does not exist: PVE cannot place it
        active.add(str(res.get("sid")))
    running = sorted(running, key=lambda vm: vm.name)
    unprotected = [vm.name for vm in running if _ha_sid(vm) not in active]
    evidence = {
        "running_guests": len(running),
        "unprotected_guests": unprotected[:LISTED],
        "unprotected_count": len(unprotected),
        "ha_resources": len(extra["ha_resources"]),
        "ha_groups": sorted(groups),
        "threshold_percent": params["min_percent"],
    }
    if not running:
        return passed(msg("No guest is running."), **evidence)
    percent = 100 * (len(running) - len(unprotected)) / len(running)
    evidence["protected_percent"] = round(percent, 1)
    return verdict(
        percent < params["min_percent"],
        msg(
            "%(unprotected)s of %(running)s running guests are not protected by HA "
            "(%(percent).1f %% protected, %(minimum)s %% required).",
            unprotected=len(unprotected),
            running=len(running),
            percent=percent,
            minimum=params["min_percent"],
        ),
        msg(
            "%(percent).1f %% of %(running)s running guests are protected by HA.",
            percent=percent,
            running=len(running),
        ),
        evidence,
    )


@register(
    "AVL-004",
    title=_("Cluster loses quorum if one more node fails"),
    requirements=REQ,
    target=ObjectType.CLUSTER,
    severity=Severity.HIGH,
    platforms=(PROXMOX,),
    not_applicable_reason="vCenter clusters have no quorum of their own.",
    params=(
        Param(
            "min_margin", 1, _("Nodes that may fail before quorum is lost"), minimum=0, maximum=16
        ),
    ),
)
def cluster_quorum_margin(cluster, params, ctx):
    """A cluster without quorum stops HA and refuses every change; the margin says how many more
    nodes may fail first. Votes are counted one per node (PVE's default); a QDevice is not read."""
    quorum = (cluster.extra or {}).get("quorum")
    if not isinstance(quorum, dict) or not quorum.get("expected_votes"):
        return not_applicable(msg("The platform did not report the cluster's votes."))
    expected, votes, needed = quorum["expected_votes"], quorum["votes"], quorum["quorum"]
    margin = votes - needed
    evidence = {
        "expected_votes": expected,
        "votes": votes,
        "quorum": needed,
        "margin": margin,
        "quorate": cluster.quorate,
        "threshold_margin": params["min_margin"],
    }
    if expected < 2:
        return not_applicable(msg("A single node has no quorum to lose."), **evidence)
    if margin < 0 or cluster.quorate is False:
        return failed(
            msg(
                "The cluster has lost quorum: %(votes)s of %(expected)s votes, %(needed)s needed.",
                votes=votes,
                expected=expected,
                needed=needed,
            ),
            **evidence,
        )
    return verdict(
        margin < params["min_margin"],
        msg(
            "%(votes)s of %(expected)s votes with %(needed)s needed: %(margin)s more node(s) "
            "may fail before quorum is lost (%(minimum)s required).",
            votes=votes,
            expected=expected,
            needed=needed,
            margin=margin,
            minimum=params["min_margin"],
        ),
        msg(
            "%(votes)s of %(expected)s votes with %(needed)s needed: %(margin)s node(s) may fail.",
            votes=votes,
            expected=expected,
            needed=needed,
            margin=margin,
        ),
        evidence,
    )


@register(
    "AVL-005",
    title=_("Host not in a cluster"),
    requirements=(),  # SYS.1.5.A20 only (mapping.json): an erhöht requirement
    target=ObjectType.HOST,
    severity=Severity.LOW,
)
def host_in_cluster(host, params, ctx):
    """A host outside a cluster has no other host to restart its VMs on."""
    if host.cluster_id is None:
        return failed(msg("The host is not in a cluster: its VMs stop with it."), cluster=None)
    cluster = ctx.cluster(host.cluster_id)
    return passed(
        msg("The host is in cluster %(cluster)s.", cluster=cluster.name if cluster else "?"),
        cluster=cluster.name if cluster else None,
    )


@register(
    "BAK-001",
    title=_("VM without a recent backup"),
    requirements=(),
    target=ObjectType.VM,
    severity=Severity.HIGH,
    params=(
        Param(
            "max_age_hours",
            26,
            _("Oldest allowed last backup"),
            minimum=1,
            maximum=24 * 90,
            unit="h",
        ),
    ),
)
def vm_backup(vm, params, ctx):
    """A VM no backup covers, or whose last backup is old, cannot be restored to a recent state.

    Proxmox: covered = selected by an enabled backup job (PVE's not-backed-up list), the last
    backup is the newest archive of its VMID on any backup storage. vSphere: covered = the
    backup product wrote the configured custom attribute (or "Last backup:" in the notes).
    """
    if vm.template:
        return not_applicable(msg("Templates are not backed up as running systems."))
    evidence = {
        "covered": vm.backup_covered,
        "last_backup_at": vm.last_backup_at.isoformat() if vm.last_backup_at else None,
        "source": vm.backup_source,
        "threshold_hours": params["max_age_hours"],
    }
    if vm.backup_covered is None:
        return not_applicable(msg("The platform's backups were not read."))
    if not vm.backup_covered:
        return failed(
            msg("No backup covers this VM (%(source)s).", source=vm.backup_source), **evidence
        )
    if vm.last_backup_at is None:
        return warning(
            msg(
                "A backup covers this VM but no backup time was found (%(source)s).",
                source=vm.backup_source,
            ),
            **evidence,
        )
    hours = (ctx.now - vm.last_backup_at).total_seconds() / 3600
    evidence["age_hours"] = round(hours, 1)
    if hours > params["max_age_hours"]:
        return warning(
            msg(
                "The last backup is %(age).1f hours old (allowed %(maximum)s).",
                age=hours,
                maximum=params["max_age_hours"],
            ),
            **evidence,
        )
    return passed(msg("The last backup is %(age).1f hours old.", age=hours), **evidence)
