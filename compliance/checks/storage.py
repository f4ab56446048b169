"""M 4.349: sufficient mass storage (free space, allocated versus total capacity)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import failed, not_applicable, passed, percent_param, ratio_param, register, verdict

REQ = ("M4349.STORAGE", "M4349.UTILIZATION")


@register(
    "STO-001",
    title=_("Datastore free space below the limit"),
    requirements=REQ,
    target=ObjectType.DATASTORE,
    severity=Severity.HIGH,
    params=(percent_param("min_free_percent", 10, _("Least free space"), minimum=0),),
)
def datastore_free_space(datastore, params, ctx):
    """A full datastore stops every VM that writes to it, and snapshots grow without warning."""
    percent = datastore.free_percent
    if percent is None:
        return not_applicable(msg("The platform did not report capacity and free space."))
    evidence = {
        "free_bytes": datastore.free_bytes,
        "capacity_bytes": datastore.capacity_bytes,
        "free_percent": round(percent, 1),
        "threshold_percent": params["min_free_percent"],
    }
    return verdict(
        percent < params["min_free_percent"],
        msg(
            "%(percent).1f%% free (at least %(min_free_percent)s%% required).",
            percent=percent,
            min_free_percent=params["min_free_percent"],
        ),
        msg("%(percent).1f%% free.", percent=percent),
        evidence,
    )


@register(
    "STO-002",
    title=_("Datastore provisioned beyond its capacity"),
    requirements=REQ,
    target=ObjectType.DATASTORE,
    params=(ratio_param("max_ratio", 2.0, _("Most provisioned per capacity"), maximum=100),),
)
def datastore_overprovisioned(datastore, params, ctx):
    """Thin-provisioned disks can together promise more space than exists."""
    provisioned = datastore.provisioned_bytes
    if provisioned is None or not datastore.capacity_bytes:
        return not_applicable(msg("The platform did not report capacity and free space."))
    if datastore.uncommitted_bytes is None:
        return not_applicable(
            msg("The platform does not report uncommitted (thin) space for this datastore.")
        )
    ratio = provisioned / datastore.capacity_bytes
    evidence = {
        "provisioned_bytes": provisioned,
        "capacity_bytes": datastore.capacity_bytes,
        "ratio": round(ratio, 2),
        "threshold_ratio": params["max_ratio"],
    }
    return verdict(
        ratio > params["max_ratio"],
        msg(
            "Provisioned %(ratio).2f times the capacity (limit %(max_ratio)s).",
            ratio=ratio,
            max_ratio=params["max_ratio"],
        ),
        msg("Provisioned %(ratio).2f times the capacity.", ratio=ratio),
        evidence,
    )


@register(
    "STO-003",
    title=_("Datastore not accessible"),
    requirements=REQ,
    target=ObjectType.DATASTORE,
    severity=Severity.HIGH,
)
def datastore_accessible(datastore, params, ctx):
    """An inaccessible datastore means its VMs cannot run or be restarted elsewhere.

    Judged per host where the platform tells (vSphere ``mountInfo.accessible`` of each mount,
    each Proxmox node's status of a shared storage): storage lost on one host fails although
    the datastore-wide flag still says accessible. Hosts that are not connected are left out:
    their view is unknown, and OPS-002 reports them.
    """
    lost, reached = [], []
    for external_id, accessible in sorted((datastore.host_access or {}).items()):
        host = ctx.host_by_external_id.get((datastore.endpoint_id, external_id))
        if host is None or not ctx.traits(host).is_connected(host.connection_state):
            continue
        (reached if accessible else lost).append(host.name)
    evidence = {"accessible": datastore.accessible, "hosts_without_access": lost}
    if lost:
        if not reached:
            return failed(msg("Datastore is not accessible from any host."), **evidence)
        message = msg(
            "Datastore is not accessible from %(count)s host(s): %(hosts)s.",
            count=len(lost),
            hosts=", ".join(lost),
        )
        return failed(message, **evidence)
    if datastore.accessible is None:
        return not_applicable(msg("The platform did not report accessibility."))
    if not datastore.accessible:
        return failed(msg("Datastore is not accessible."), **evidence)
    if reached:
        message = msg("Datastore is accessible from %(count)s host(s).", count=len(reached))
        return passed(message, **evidence)
    return passed(msg("Datastore is accessible."), **evidence)
