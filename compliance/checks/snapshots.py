"""M 4.349: the creation and deletion of snapshots."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import Param, days_param, not_applicable, passed, register, verdict, warning

REQ = ("M4349.SNAPSHOTS",)


@register(
    "SNAP-001",
    title=_("Snapshot older than the allowed age"),
    requirements=REQ,
    target=ObjectType.SNAPSHOT,
    params=(days_param("max_age_days", 3, _("Largest snapshot age"), minimum=0),),
)
def snapshot_age(snapshot, params, ctx):
    """A snapshot is a temporary measure; old ones grow, slow the VM and hide from backups."""
    if snapshot.created_at is None:
        return not_applicable(msg("The platform did not report when the snapshot was taken."))
    age_days = (ctx.now - snapshot.created_at).total_seconds() / 86400
    evidence = {
        "created_at": snapshot.created_at.isoformat(),
        "age_days": round(age_days, 1),
        "threshold_days": params["max_age_days"],
    }
    return verdict(
        age_days > params["max_age_days"],
        msg(
            "Snapshot is %(age_days).1f days old (allowed %(max_age_days)s).",
            age_days=age_days,
            max_age_days=params["max_age_days"],
        ),
        msg("Snapshot is young enough."),
        evidence,
    )


@register(
    "SNAP-002",
    title=_("Too many snapshots on one VM"),
    requirements=REQ,
    target=ObjectType.VM,
    params=(Param("max_count", 3, _("Most snapshots per VM"), minimum=0, maximum=100),),
)
def snapshot_count(vm, params, ctx):
    """Long snapshot chains cost performance and make reverts error-prone."""
    count = len(ctx.snapshots_by_vm.get(vm.pk, ()))
    evidence = {"snapshots": count, "threshold": params["max_count"]}
    return verdict(
        count > params["max_count"],
        msg(
            "VM has %(count)s snapshots (allowed %(max_count)s).",
            count=count,
            max_count=params["max_count"],
        ),
        msg("VM has %(count)s snapshots.", count=count),
        evidence,
    )


@register(
    "SNAP-003",
    title=_("Snapshot includes the VM's memory"),
    requirements=REQ,
    target=ObjectType.SNAPSHOT,
    severity=Severity.LOW,
)
def snapshot_with_memory(snapshot, params, ctx):
    """A memory snapshot stores the guest's RAM, keys and passwords included, on the datastore."""
    if snapshot.with_memory is None:
        return not_applicable(msg("The platform did not report whether memory was included."))
    if snapshot.with_memory:
        return warning(
            msg("Snapshot holds the VM's memory (RAM contents on disk)."), with_memory=True
        )
    return passed(msg("Snapshot holds no memory."), with_memory=False)


@register(
    "SNAP-004",
    title=_("Snapshot past its expiry"),
    requirements=REQ,
    target=ObjectType.SNAPSHOT,
)
def snapshot_expired(snapshot, params, ctx):
    """Snapshots made through the portal carry an expiry; one past it should have been deleted."""
    if snapshot.expires_at is None:
        return not_applicable(msg("The snapshot has no expiry (not made through the portal)."))
    evidence = {"expires_at": snapshot.expires_at.isoformat()}
    return verdict(
        snapshot.expires_at < ctx.now,
        msg(
            "Snapshot expired on %(expires_at)s.",
            expires_at=format(snapshot.expires_at, "%Y-%m-%d %H:%M"),
        ),
        msg("Snapshot is within its expiry."),
        evidence,
    )


@register(
    "SNAP-005",
    title=_("Snapshot made outside the portal without an owner"),
    requirements=REQ,
    target=ObjectType.SNAPSHOT,
    severity=Severity.LOW,
)
def snapshot_without_owner(snapshot, params, ctx):
    """Every snapshot needs someone accountable for deleting it."""
    evidence = {
        "made_by_portal": snapshot.made_by_portal,
        "created_by": snapshot.created_by,
        "owner_id": snapshot.owner_id,
    }
    unowned = (
        msg(
            "Snapshot was made outside the portal by %(who)s and has no owner.",
            who=snapshot.created_by,
        )
        if snapshot.created_by
        else msg("Snapshot was made outside the portal and has no owner.")
    )
    return verdict(
        not snapshot.made_by_portal and snapshot.owner_id is None,
        unowned,
        msg("Snapshot has an owner."),
        evidence,
    )
