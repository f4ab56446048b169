"""What a scoped user sees of the audit trail about compliance objects (portal.security.audit_scope).

Registered in :class:`compliance.apps.ComplianceConfig`: runs, findings, waivers and baselines
follow their own endpoint and cluster fields (target objects too), assessments their target's; settings and the catalog concern no endpoint.
"""

from __future__ import annotations

from portal.security.audit_scope import register_audit_scope, register_scoped_app, scoped_by

AUDITED = (
    "compliance.checkrun",
    "compliance.finding",
    "compliance.waiver",
    "compliance.baseline",
    "compliance.targetobject",
)


def register_audit_scopes() -> None:
    register_scoped_app("compliance")
    for label in AUDITED:
        register_audit_scope(label)
    from .models import Assessment  # an assessment reaches its scope through its target

    register_audit_scope(
        "compliance.assessment", scoped_by(Assessment, "target__endpoint", "target__cluster")
    )
