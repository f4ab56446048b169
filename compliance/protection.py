"""Schutzbedarf by the maximum principle, over target objects already read (no queries).

An object belongs to every target object that covers it: the estate covers everything, an
endpoint target its endpoint's objects, a cluster target its cluster's hosts and VMs, a tag
target the VMs that carry its tag (on its endpoint, if it names one). An object's effective
protection need is, per protection goal, the highest need of the targets it belongs to
(BSI-Standard 200-2, Maximumprinzip). A host belongs to the estate, its endpoint and its
cluster only: its need is its own assigned one, not the maximum of its VMs', so a VM tagged
into a group with a higher need than its host is visible as a deviation (check PRO-001).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .choices import ProtectionNeed, TargetKind, highest_need
from .models import PROTECTION_GOALS, TargetObject


def combine_needs(targets: Iterable[TargetObject]) -> dict[str, str]:
    """Per goal, the highest need of ``targets`` (normal when there are none)."""
    targets = list(targets)
    return {goal: highest_need([getattr(t, goal) for t in targets]) for goal in PROTECTION_GOALS}


def overall(needs: dict[str, str]) -> str:
    return highest_need(needs.values()) if needs else ProtectionNeed.NORMAL


def covers_host(target: TargetObject, host: Any) -> bool:
    if target.kind == TargetKind.ESTATE:
        return True
    if target.kind == TargetKind.ENDPOINT:
        return target.endpoint_id == host.endpoint_id
    if target.kind == TargetKind.CLUSTER:
        return host.cluster_id is not None and target.cluster_id == host.cluster_id
    return False


def covers_vm(target: TargetObject, vm: Any) -> bool:
    if target.kind == TargetKind.TAG:
        in_endpoint = target.endpoint_id is None or target.endpoint_id == vm.endpoint_id
        return in_endpoint and target.tag in (vm.tags or [])
    return covers_host(target, vm)


def containing(target: TargetObject, targets: Iterable[TargetObject]) -> list[TargetObject]:
    """``target`` and the targets that contain it (estate, its endpoint's), for inheritance.

    ``target`` itself is taken from ``targets`` when it is there (the fresher copy).
    """
    targets = list(targets)
    target = next((t for t in targets if t.pk == target.pk), target)
    found = [target]
    for other in targets:
        if other.pk == target.pk:
            continue
        if other.kind == TargetKind.ESTATE or (
            other.kind == TargetKind.ENDPOINT
            and target.kind in (TargetKind.CLUSTER, TargetKind.TAG)
            and target.endpoint_id is not None
            and other.endpoint_id == target.endpoint_id
        ):
            found.append(other)
    return found


def effective_needs(target: TargetObject, targets: Iterable[TargetObject]) -> dict[str, str]:
    """A target's need per goal with what it inherits from the targets containing it."""
    return combine_needs(containing(target, targets))


def vm_needs(vm: Any, targets: Iterable[TargetObject]) -> tuple[dict[str, str], list[TargetObject]]:
    """A VM's effective need per goal and the targets it comes from."""
    mine = [t for t in targets if covers_vm(t, vm)]
    return combine_needs(mine), mine


def host_needs(
    host: Any, targets: Iterable[TargetObject]
) -> tuple[dict[str, str], list[TargetObject]]:
    """A host's assigned need per goal (estate, endpoint, cluster) and the targets it comes from."""
    mine = [t for t in targets if covers_host(t, host)]
    return combine_needs(mine), mine
