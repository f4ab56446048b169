"""Expiry of snapshots the portal made: notice first, then deletion through an Operation.

A portal snapshot whose ``expires_at`` is within :data:`NOTICE_BEFORE` gets one notice (an audit
event, the banner on the operations page, and a mail to its owner when EMAIL_HOST is set). Once
expired, and noticed, it is deleted by the same operation path as a manual deletion, requested
by ``expiry``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.utils import timezone

from inventory.models import Snapshot
from operations.models import ExpiryNotice, Operation
from portal.audit import audit
from portal.models import AuditEvent
from portal.timefmt import local_text

from .operations import OperationConflict, snapshot_delete

log = logging.getLogger(__name__)

NOTICE_BEFORE = dt.timedelta(hours=24)
EXPIRY_ACTOR = "expiry"


def expiring_snapshots(*, within: dt.timedelta = NOTICE_BEFORE) -> QuerySet[Snapshot]:
    """Present portal snapshots that expire within ``within`` or have expired (banner, list)."""
    return (
        Snapshot.objects.present()
        .filter(
            made_by_portal=True,
            expires_at__isnull=False,
            expires_at__lte=timezone.now() + within,
        )
        .select_related("vm", "owner")
        .order_by("expires_at")
    )


def _notice(snapshot: Snapshot) -> None:
    ExpiryNotice.objects.create(snapshot=snapshot, expires_at=snapshot.expires_at)
    audit(
        action="snapshot.expiry_notice",
        actor=EXPIRY_ACTOR,
        source=AuditEvent.Source.SCHEDULE,  # snapshots_expire runs on beat's schedule
        target=snapshot,
        detail={"vm": snapshot.vm.name, "expires_at": snapshot.expires_at.isoformat()},
    )
    owner = snapshot.owner
    if settings.EMAIL_HOST and owner is not None and owner.email:
        try:
            send_mail(
                subject=f"Snapshot {snapshot.name} of {snapshot.vm.name} expires",
                message=(
                    f"The snapshot {snapshot.name} of {snapshot.vm.name} expires at "
                    f"{local_text(snapshot.expires_at)} and will then be deleted.\n"
                    f"Reason given: {snapshot.reason or '-'}\n"
                ),
                from_email=None,
                recipient_list=[owner.email],
            )
            ExpiryNotice.objects.filter(snapshot=snapshot).update(mailed=True)
        except OSError as exc:
            log.warning("expiry mail for snapshot %s not sent: %s", snapshot.pk, exc)


def snapshots_expire() -> dict[str, int]:
    """Give due notices and queue deletions of expired, noticed snapshots."""
    noticed = deleted = 0
    now = timezone.now()
    for snapshot in expiring_snapshots().filter(expiry_notice__isnull=True):
        _notice(snapshot)
        noticed += 1
    expired = expiring_snapshots().filter(expires_at__lte=now, expiry_notice__isnull=False)
    busy = Operation.objects.active().values("vm_id")
    for snapshot in expired.exclude(vm_id__in=busy):
        try:
            snapshot_delete(
                snapshot=snapshot,
                actor=EXPIRY_ACTOR,
                reason="expired",
                source=AuditEvent.Source.SCHEDULE,
            )
            deleted += 1
        except OperationConflict as exc:
            log.info("expired snapshot %s not deleted yet: %s", snapshot.pk, exc)
    return {"noticed": noticed, "deleted": deleted}
