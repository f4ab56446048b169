"""Waivers: accepted deviations with a reason and an expiry, all audited."""

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
    """Waive ``check_id`` for an endpoint, a cluster or one object (given by ``finding``).

    Reason and an expiry in the future are required. Open findings in scope are marked waived
    at once; the next run marks new ones.
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
def waiver_revoke(*, waiver: Waiver, actor: Any, reason: str, request=None) -> Waiver:
    """End a waiver before its expiry (audited, with the reason). Revoking twice is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for revoking the waiver."})
    if waiver.revoked_at is not None:
        raise ValidationError("The waiver was already revoked.")
    waiver.revoked_at = timezone.now()
    waiver.revoked_by = _name(actor)
    waiver.revoke_reason = reason
    waiver.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit(
        action="compliance.waiver.revoke",
        request=request,
        actor=actor,
        target=waiver,
        detail={"check": waiver.check_id, "reason": reason},
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
