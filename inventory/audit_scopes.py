"""What a scoped user sees of the audit trail about inventory objects (portal.security.audit_scope).

Registered in :class:`inventory.apps.InventoryConfig`. Objects with their own endpoint and
cluster fields follow them; the others say how they reach an endpoint.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from portal.security.audit_scope import register_audit_scope, register_scoped_app, scoped_by

from .models import ExpiryNotice, Operation, PolicyRun, Snapshot, SnapshotPolicy
from .services.policy_scopes import visible_policies

OWN_SCOPE = (
    "inventory.endpoint",
    "inventory.cluster",
    "inventory.host",
    "inventory.virtualmachine",
    "inventory.datastore",
    "inventory.network",
)


def register_audit_scopes() -> None:
    register_scoped_app("inventory")
    for label in OWN_SCOPE:
        register_audit_scope(label)
    # As the snapshot list and the dashboard count them: a cluster scope reaches them via the VM.
    register_audit_scope("inventory.snapshot", scoped_by(Snapshot, "endpoint", "vm__cluster"))


# The operations' object types; they move to the operations app with their models.
def _policies(user: Any) -> QuerySet:
    """A policy is visible when its whole selection is (inventory.services.policy_scopes)."""
    return visible_policies(user, SnapshotPolicy.objects.all())


def _policy_runs(user: Any) -> QuerySet:
    return PolicyRun.objects.filter(policy__in=_policies(user).values("pk"))


def register_operation_audit_scopes() -> None:
    register_audit_scope("inventory.operation", scoped_by(Operation, "vm__endpoint", "vm__cluster"))
    register_audit_scope("inventory.snapshotpolicy", _policies)
    register_audit_scope("inventory.policyrun", _policy_runs)
    register_audit_scope(
        "inventory.expirynotice",
        scoped_by(ExpiryNotice, "snapshot__endpoint", "snapshot__vm__cluster"),
        audited=False,
    )
