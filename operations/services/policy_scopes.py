"""Which snapshot policies a user limited to some endpoints or clusters may see and manage.

A policy acts on every VM its selector names, so a scoped administrator may only see, change,
run or delete a policy whose whole selection lies inside the scope, and may only write such a
selection. A tag selects VMs across all endpoints, so scoped users cannot use one. Outside the
scope a policy does not exist for the user (404), as any other object.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from inventory.models import Cluster, Endpoint, VirtualMachine
from operations.models import PolicyRun, SnapshotPolicy
from portal.security.scopes import is_scoped, scopes_of


def _outside(user: Any) -> tuple[QuerySet, QuerySet, QuerySet]:
    """Endpoints, clusters and VMs outside ``user``'s scope."""
    endpoints, clusters = scopes_of(user)
    return (
        Endpoint.objects.exclude(pk__in=endpoints),
        Cluster.objects.exclude(Q(pk__in=clusters) | Q(endpoint_id__in=endpoints)),
        VirtualMachine.objects.exclude(Q(endpoint_id__in=endpoints) | Q(cluster_id__in=clusters)),
    )


def visible_policies(user: Any, qs: QuerySet[SnapshotPolicy]) -> QuerySet[SnapshotPolicy]:
    """``qs`` without the policies that select anything outside ``user``'s scope."""
    if not user.is_authenticated:
        return qs.none()
    if not is_scoped(user):
        return qs
    endpoints, clusters, vms = _outside(user)
    return (
        qs.filter(tag="")
        .exclude(endpoints__in=endpoints)
        .exclude(clusters__in=clusters)
        .exclude(vms__in=vms)
        .distinct()
    )


def check_selection(user: Any, *, endpoints=(), clusters=(), vms=(), tag: str = "") -> None:
    """Refuse a selection that reaches outside ``user``'s scope (ValidationError per field).

    Objects outside the scope are reported as unknown, not named: they do not exist for the user.
    System actors (the scheduler, a management command's name) are not scoped.
    """
    if not getattr(user, "is_authenticated", False) or not is_scoped(user):
        return
    outside_endpoints, outside_clusters, outside_vms = _outside(user)
    errors: dict[str, str] = {}
    if tag:
        errors["tag"] = (
            "a tag selects VMs on every endpoint; your account is limited to some endpoints "
            "or clusters, so leave the tag empty and choose endpoints, clusters or VMs"
        )
    for field, chosen, outside in (
        ("endpoints", endpoints, outside_endpoints),
        ("clusters", clusters, outside_clusters),
        ("vms", vms, outside_vms),
    ):
        ids = [getattr(o, "pk", o) for o in chosen or ()]
        if ids and outside.filter(pk__in=ids).exists():
            errors[field] = f"choose only {field} you can see; some of these do not exist"
    if errors:
        raise ValidationError(errors)


def visible_policy_runs(user: Any) -> QuerySet[PolicyRun]:
    """The runs of the policies ``user`` may see (what a scoped user's audit trail shows)."""
    policies = visible_policies(user, SnapshotPolicy.objects.all())
    return PolicyRun.objects.filter(policy__in=policies.values("pk"))
