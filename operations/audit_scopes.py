"""What a scoped user sees of the audit trail about operations (portal.security.audit_scope).

Registered in :class:`operations.apps.OperationsConfig`. The events keep the type names they
had before the move out of inventory (``audit_type``). An operation is visible through its VM,
a policy through its whole selection, a run through its policy.
"""

from __future__ import annotations

from portal.security.audit_scope import register_audit_scope, register_scoped_app, scoped_by

from .models import ExpiryNotice, Operation, PolicyRun, SnapshotPolicy
from .services.policy_scopes import visible_policies, visible_policy_runs


def register_audit_scopes() -> None:
    register_scoped_app("operations")
    register_audit_scope(Operation.audit_type, scoped_by(Operation, "vm__endpoint", "vm__cluster"))
    register_audit_scope(
        SnapshotPolicy.audit_type,
        lambda user: visible_policies(user, SnapshotPolicy.objects.all()),
    )
    register_audit_scope(PolicyRun.audit_type, visible_policy_runs)
    register_audit_scope(
        ExpiryNotice.audit_type,
        scoped_by(ExpiryNotice, "snapshot__endpoint", "snapshot__vm__cluster"),
        audited=False,
    )
