"""Waivers: accepted deviations with a reason and an expiry, all audited.

Four eyes: :func:`waiver_create` records a *request*; it is in force only once another security
officer approved it (:func:`waiver_approve`). A request nobody approves does nothing and runs
out at its expiry; revoking it rejects it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inventory.models import Cluster, Endpoint
from portal.audit import audit
from portal.models import AuditEvent

from ..checks import get_check
from ..models import Finding, Waiver


def _name(actor: Any) -> str:
    return actor.get_username() if hasattr(actor, "get_username") else str(actor or "")


@transaction.atomic
def waiver_create(
    *,
    check_id: str,
    scope: str,
    reason: str,
    expires_at: dt.datetime | None,
    actor: Any,
    endpoint: Endpoint | None = None,
    cluster: Cluster | None = None,
    finding: Finding | None = None,
    request=None,
) -> Waiver:
    """Request a waiver of ``check_id`` for an endpoint, a cluster or one object (``finding``).

    Reason and an expiry in the future are required. The open findings in scope are linked at
    once so the approver sees what the waiver covers; they count as waived only from approval.
    """
    errors: dict[str, str] = {}
    if get_check(check_id) is None:
        errors["check_id"] = f"There is no check {check_id!r}."
    if not (reason or "").strip():
        errors["reason"] = "Give the reason the deviation is accepted."
    if expires_at is None:
        errors["expires_at"] = "Give the date the waiver ends; waivers cannot be open-ended."
    elif expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    target = {
        Waiver.Scope.ENDPOINT: endpoint,
        Waiver.Scope.CLUSTER: cluster,
        Waiver.Scope.OBJECT: finding,
    }
    if scope not in target:
        errors["scope"] = "Scope must be endpoint, cluster or object."
    elif target[scope] is None:
        errors[scope if scope != Waiver.Scope.OBJECT else "finding"] = (
            f"Choose the {scope} the waiver covers."
        )
    elif scope == Waiver.Scope.OBJECT and finding.check_id != check_id:
        errors["finding"] = f"The finding belongs to check {finding.check_id}, not {check_id}."
    if errors:
        raise ValidationError(errors)
    waiver = Waiver(
        check_id=check_id,
        scope=scope,
        reason=reason.strip(),
        expires_at=expires_at,
        created_by=_name(actor),
    )
    open_findings = Finding.objects.open().filter(check_id=check_id)
    if scope == Waiver.Scope.ENDPOINT:
        waiver.endpoint = endpoint
        open_findings = open_findings.filter(endpoint=endpoint)
    elif scope == Waiver.Scope.CLUSTER:
        waiver.cluster, waiver.endpoint_id = cluster, cluster.endpoint_id
        open_findings = open_findings.filter(cluster=cluster)
    else:
        waiver.endpoint_id = finding.endpoint_id
        waiver.object_type, waiver.object_id = finding.object_type, finding.object_id
        waiver.object_name = finding.object_name
        open_findings = open_findings.filter(
            object_type=finding.object_type, object_id=finding.object_id
        )
    waiver.save()
    marked = open_findings.update(waiver=waiver)
    audit(
        action="compliance.waiver.create",
        request=request,
        actor=actor,
        target=waiver,
        detail={
            "check": check_id,
            "scope": scope,
            "reason": waiver.reason,
            "expires_at": expires_at.isoformat(),
            "findings_marked": marked,
            "object": waiver.object_name or str(cluster or endpoint or ""),
        },
    )
    return waiver


@transaction.atomic
def waiver_approve(*, waiver: Waiver, actor: Any, request=None) -> Waiver:
    """Put a requested waiver in force: another security officer than the requester approves.

    The open findings in its scope are linked again (new ones may have opened since the request).
    """
    name = _name(actor)
    locked = Waiver.objects.select_for_update().get(pk=waiver.pk)
    if locked.approved_at is not None:
        raise ValidationError("The waiver was already approved.")
    if locked.revoked_at is not None:
        raise ValidationError("The waiver was rejected or revoked; request a new one.")
    if locked.expires_at <= timezone.now():
        raise ValidationError("The waiver has expired; request a new one.")
    if name == locked.created_by:
        raise ValidationError(
            "A waiver is approved by another security officer than the one who requested it."
        )
    locked.approved_at, locked.approved_by = timezone.now(), name
    locked.save(update_fields=["approved_at", "approved_by"])
    in_scope = Finding.objects.open().filter(check_id=locked.check_id)
    if locked.scope == Waiver.Scope.ENDPOINT:
        in_scope = in_scope.filter(endpoint_id=locked.endpoint_id)
    elif locked.scope == Waiver.Scope.CLUSTER:
        in_scope = in_scope.filter(cluster_id=locked.cluster_id)
    else:
        in_scope = in_scope.filter(object_type=locked.object_type, object_id=locked.object_id)
    marked = in_scope.update(waiver=locked)
    audit(
        action="compliance.waiver.approve",
        request=request,
        actor=actor,
        target=locked,
        detail={
            "check": locked.check_id,
            "requested_by": locked.created_by,
            "reason": locked.reason,
            "expires_at": locked.expires_at.isoformat(),
            "findings_marked": marked,
            "changes": {"state": ["requested", "approved"], "approved_by": [None, name]},
        },
    )
    return locked


@transaction.atomic
def waiver_revoke(*, waiver: Waiver, actor: Any, reason: str, request=None) -> Waiver:
    """End a waiver before its expiry, or reject a request (audited, with the reason). Twice
    is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for revoking the waiver."})
    if waiver.revoked_at is not None:
        raise ValidationError("The waiver was already revoked.")
    state_before = "approved" if waiver.approved_at is not None else "requested"
    waiver.revoked_at = timezone.now()
    waiver.revoked_by = _name(actor)
    waiver.revoke_reason = reason
    waiver.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit(
        action="compliance.waiver.revoke",
        request=request,
        actor=actor,
        target=waiver,
        detail={
            "check": waiver.check_id,
            "reason": reason,
            "changes": {
                "state": [state_before, "revoked" if state_before == "approved" else "rejected"],
                "revoke_reason": [None, reason],
            },
        },
    )
    return waiver


def waivers_expire(*, now: dt.datetime | None = None) -> int:
    """Audit each waiver that ran out, once. Expiry itself needs no write: it is read from the date."""
    now = now or timezone.now()
    count = 0
    due = Waiver.objects.filter(
        expires_at__lte=now, revoked_at__isnull=True, expiry_recorded_at__isnull=True
    )
    for waiver in due:
        # Conditional update: with two workers, only the one that flips the row audits it.
        if Waiver.objects.filter(pk=waiver.pk, expiry_recorded_at__isnull=True).update(
            expiry_recorded_at=now
        ):
            audit(
                action="compliance.waiver.expire",
                actor="system",
                source=AuditEvent.Source.TASK,
                target=waiver,
                detail={"check": waiver.check_id, "expired_at": waiver.expires_at.isoformat()},
            )
            count += 1
    return count
