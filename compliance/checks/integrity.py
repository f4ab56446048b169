"""M 4.93 / M 4.349: integrity of the configuration against an approved baseline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import not_applicable, register, verdict, warning

REQ = ("M4349.INTEGRITY", "M4.93")


def _against_baseline(obj, object_type: str, ctx):
    if not obj.config_hash:
        return not_applicable(msg("The platform gave no configuration to hash."))
    baseline = ctx.baselines.get((object_type, obj.pk))
    if baseline is None:
        return warning(
            msg("No approved baseline yet: approve the current configuration after review."),
            config_hash=obj.config_hash,
        )
    evidence = {
        "config_hash": obj.config_hash,
        "baseline_hash": baseline.config_hash,
        "baseline_approved_at": baseline.approved_at.isoformat(),
        "baseline_approved_by": baseline.approved_by,
        "baseline_id": baseline.pk,
    }
    return verdict(
        obj.config_hash != baseline.config_hash,
        msg("The configuration differs from the approved baseline."),
        msg("The configuration matches the approved baseline."),
        evidence,
    )


@register(
    "INT-001",
    title=_("Host configuration differs from its baseline"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.HIGH,
)
def host_integrity(host, params, ctx):
    """An unapproved change of a host's configuration may be an error or an attack."""
    return _against_baseline(host, ObjectType.HOST, ctx)


@register(
    "INT-002",
    title=_("VM configuration differs from its baseline"),
    requirements=REQ,
    target=ObjectType.VM,
)
def vm_integrity(vm, params, ctx):
    """An unapproved change of a VM's configuration (devices, isolation) may weaken it."""
    if vm.template:
        return not_applicable(msg("Templates are checked when deployed."))
    return _against_baseline(vm, ObjectType.VM, ctx)
