"""Directory groups or token claims -> the portal role (a Django group) and object scopes.

At every directory or single sign-on login the user's role and scopes are set to what the
directory says now: a group removed there is a role removed here at the next login. Local
accounts are never passed through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q

from portal.roles import ROLES
from portal.security.models import ObjectScope

from .config import GrantMap


class GrantRefused(Exception):
    """The login is refused; ``reason`` goes to the audit trail, ``message`` to the user."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Grant:
    role: str
    scope_groups: tuple[str, ...]  # the groups that gave scopes (for the audit trail)
    endpoint_ids: frozenset[int]
    cluster_ids: frozenset[int]


def _norm(names: Iterable[str]) -> set[str]:
    return {str(n).strip().lower() for n in names if str(n).strip()}


def resolve(grants: GrantMap, memberships: Iterable[str]) -> Grant:
    """The role and scopes that ``memberships`` (group DNs or claim values) give.

    Refused when no group gives a role, or when a scope names an endpoint or cluster the portal
    does not know: an unresolved scope must not leave the user unscoped (seeing everything).
    """
    member_of = _norm(memberships)
    role = next((r for r, group in grants.roles if group.strip().lower() in member_of), "")
    if not role:
        raise GrantRefused("no_role", "member of none of the portal's role groups")
    endpoint_model = ObjectScope._meta.get_field("endpoint").related_model
    cluster_model = ObjectScope._meta.get_field("cluster").related_model
    endpoint_ids: set[int] = set()
    cluster_ids: set[int] = set()
    used: list[str] = []
    for grant in grants.scopes:
        if grant.group.strip().lower() not in member_of:
            continue
        used.append(grant.group)
        if grant.cluster:
            ids = list(
                cluster_model.objects.filter(
                    endpoint__name=grant.endpoint, name=grant.cluster
                ).values_list("pk", flat=True)
            )
            cluster_ids.update(ids)
        else:
            ids = list(
                endpoint_model.objects.filter(name=grant.endpoint).values_list("pk", flat=True)
            )
            endpoint_ids.update(ids)
        if not ids:
            target = f"{grant.endpoint}/{grant.cluster}" if grant.cluster else grant.endpoint
            raise GrantRefused("scope_unknown", f"scope target {target!r} does not exist")
    return Grant(role, tuple(used), frozenset(endpoint_ids), frozenset(cluster_ids))


@transaction.atomic
def apply(user, grant: Grant) -> None:
    """Give ``user`` exactly ``grant``'s role and scopes (replacing what they had)."""
    role_groups = {g.name: g for g in Group.objects.filter(name__in=ROLES)}
    group = role_groups.get(grant.role) or Group.objects.get_or_create(name=grant.role)[0]
    user.groups.remove(*[g for name, g in role_groups.items() if name != grant.role])
    user.groups.add(group)
    current = set(ObjectScope.objects.filter(user=user).values_list("endpoint_id", "cluster_id"))
    wanted = {(e, None) for e in grant.endpoint_ids} | {(None, c) for c in grant.cluster_ids}
    stale = current - wanted
    if stale:
        condition = Q(pk__in=[])
        for endpoint_id, cluster_id in stale:
            condition |= Q(endpoint_id=endpoint_id, cluster_id=cluster_id)
        ObjectScope.objects.filter(condition, user=user).delete()
    ObjectScope.objects.bulk_create(
        [ObjectScope(user=user, endpoint_id=e, cluster_id=c) for e, c in wanted - current]
    )
    _forget_cached(user)


def _forget_cached(user) -> None:
    for attr in ("_portal_role", "_portal_object_scopes"):  # caches of roles.py and scopes.py
        if hasattr(user, attr):
            delattr(user, attr)


@transaction.atomic
def revoke(user) -> None:
    """Take the role and scopes away (the directory no longer grants any)."""
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    ObjectScope.objects.filter(user=user).delete()
    _forget_cached(user)
