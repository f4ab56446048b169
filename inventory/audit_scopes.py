"""What a scoped user sees of the audit trail about inventory objects (portal.security.audit_scope).

Registered in :class:`inventory.apps.InventoryConfig`. Objects with their own endpoint and
cluster fields follow them; the others say how they reach an endpoint.
"""

from __future__ import annotations

from portal.security.audit_scope import register_audit_scope, register_scoped_app, scoped_by

from .models import Snapshot

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
