"""SYS.1.5.A8 and A15: virtual IT systems of a higher protection need than their server."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import GOAL_WORDS, NEED_RANK, NEED_WORDS, ObjectType, Severity
from ..messages import msg
from ..models import PROTECTION_GOALS, path_text
from ..protection import host_needs, vm_needs
from .registry import failed, not_applicable, passed, register


def _named(ctx, kind: str, obj) -> dict:
    path = ctx.path_of(kind, obj)
    return {
        "id": obj.pk,
        "name": obj.name,
        "external_id": obj.external_id,
        "path": path_text(path),
    }


@register(
    "PRO-001",
    title=_("VM with a higher protection need than its host"),
    requirements=(),
    target=ObjectType.VM,
    severity=Severity.HIGH,
)
def vm_need_within_host(vm, params, ctx):
    """A VM whose protection need is above its server's runs on a server not rated for it, the
    conflict of protection needs SYS.1.5.A8 rules out. A VM's need is the highest of every target
    object it belongs to (estate, endpoint, cluster, tag groups); its host's is the need assigned
    through the estate, endpoint and cluster targets (the maximum principle)."""
    if not ctx.targets:
        return not_applicable(msg("No target object has a protection need (Grundschutz-Check)."))
    host = ctx.host(vm.host_id)
    if host is None:
        return not_applicable(msg("The platform did not report the VM's host."))
    vm_need, vm_from = vm_needs(vm, ctx.targets)
    host_need, host_from = host_needs(host, ctx.targets)
    higher = [g for g in PROTECTION_GOALS if NEED_RANK[vm_need[g]] > NEED_RANK[host_need[g]]]
    evidence = {
        "vm": _named(ctx, ObjectType.VM, vm),
        "host": _named(ctx, ObjectType.HOST, host),
        "vm_need": vm_need,
        "host_need": host_need,
        "vm_targets": sorted(t.name for t in vm_from),
        "host_targets": sorted(t.name for t in host_from),
    }
    if higher:
        # Each goal and need as a word of the reader's language ("Vertraulichkeit sehr hoch >
        # normal"), not the stored values (confidentiality very_high).
        goals = [
            msg(
                "%(goal)s %(vm_need)s > %(host_need)s",
                goal=GOAL_WORDS[g],
                vm_need=NEED_WORDS[vm_need[g]],
                host_need=NEED_WORDS[host_need[g]],
            )
            for g in higher
        ]
        return failed(
            msg(
                "VM %(vm)s (%(vm_id)s) needs more protection than its host %(host)s (%(host_id)s) "
                "is rated for: %(goals)s.",
                vm=vm.name,
                vm_id=vm.external_id,
                host=host.name,
                host_id=host.external_id,
                goals=goals,
            ),
            higher=higher,
            **evidence,
        )
    return passed(
        msg(
            "VM %(vm)s's protection need does not exceed its host %(host)s's.",
            vm=vm.name,
            host=host.name,
        ),
        **evidence,
    )
