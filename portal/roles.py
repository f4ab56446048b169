"""Roles as Django groups, and the API permission that enforces them.

- administrator: manages endpoints, runs snapshot operations, edits policies.
- security_officer: reads everything, sets check thresholds, grants waivers.
- auditor: reads everything, changes nothing.

Every API view states who may read with ``read_roles`` and who may change things with
``write_roles``; a view that states neither is refused to everyone (deny by default, see
portal.access). API tokens that are not marked ``write`` can only read.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.permissions import SAFE_METHODS, BasePermission

ADMINISTRATOR = "administrator"
SECURITY_OFFICER = "security_officer"
AUDITOR = "auditor"
ROLES = (ADMINISTRATOR, SECURITY_OFFICER, AUDITOR)
ROLE_LABELS = {
    ADMINISTRATOR: "Administrator",
    SECURITY_OFFICER: "Security officer",
    AUDITOR: "Auditor",
}


def role_of(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The user's role name, or "" for none. A user holds one role; the strongest wins."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ""
    cached = getattr(user, "_portal_role", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = next((r for r in ROLES if r in names), "")
        user._portal_role = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return role_of(user) in roles


class RolePermission(BasePermission):
    """``view.read_roles`` read; only ``view.write_roles`` write; read-only tokens never write."""

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        role = role_of(request.user)
        if not role:
            return False
        if request.method in SAFE_METHODS:
            return role in getattr(view, "read_roles", ())
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "can_write") and not token.can_write:
            self.message = "This API token is read-only; create one with write access."
            return False
        return role in getattr(view, "write_roles", ())
