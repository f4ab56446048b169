"""Anonymous denied access, counted per source address and minute (no flooding of the trail).

Every 401 or 403 is audited, but an anonymous client can send thousands a minute: one row each
would flood the trail. So an anonymous denial is counted in :class:`DeniedAccessTally` (one
counter per source address and minute, updated in place: the tally is a counter, not the trail)
and the trail gets:

- ``access.denied`` at once for the first denial of an address in a minute (as before), and
- ``access.denied.repeated`` with the minute's total ``count`` once the minute is over, when
  there was more than one. :func:`denied_access_flush` writes it: at the next anonymous denial
  of a later minute, and from the ``portal.heartbeat`` task every 30 seconds, so no count is
  lost when the traffic stops. A flushed tally is deleted in the same transaction.

At most two rows per address and minute, whatever the rate. Denials of signed-in users and
token holders stay one row each: they name an actor and are rare.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from .audit import audit, client_address
from .models import AuditEvent, DeniedAccessTally


def current_minute() -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0)


def denied_access_count(*, request: HttpRequest, status: int) -> None:
    """Count one anonymous denial; audit it when it is the address's first in this minute."""
    address = client_address(request) or ""
    minute = current_minute()
    path = request.path[:255]
    tallies = DeniedAccessTally.objects.filter(source_address=address, minute=minute)
    if tallies.update(count=F("count") + 1, last_path=path):
        return
    try:
        with transaction.atomic():
            DeniedAccessTally.objects.create(
                source_address=address, minute=minute, count=1, last_path=path
            )
    except IntegrityError:  # another process counted the first one a moment earlier
        tallies.update(count=F("count") + 1, last_path=path)
        return
    denied_access_audit(request, path, status=status, aggregated="per address and minute")
    denied_access_flush(before=minute)


def denied_access_audit(request: HttpRequest, path: str, **detail: object) -> None:
    """The ``access.denied`` audit event of a refused request for ``path``."""
    audit(
        action="access.denied",
        request=request,
        result=AuditEvent.Result.DENIED,
        target_type="url",
        target_id=request.method,
        target_repr=path,
        detail=detail,
    )


def denied_access_flush(*, before: dt.datetime | None = None) -> int:
    """Write ``access.denied.repeated`` for every finished minute; return how many were written."""
    before = before or current_minute()
    written = 0
    with transaction.atomic():
        finished = DeniedAccessTally.objects.select_for_update(skip_locked=True).filter(
            minute__lt=before
        )
        done = []
        for tally in finished.order_by("minute", "pk"):
            done.append(tally.pk)
            if tally.count < 2:
                continue  # its one denial is in the trail already
            audit(
                action="access.denied.repeated",
                actor="",
                source=(
                    AuditEvent.Source.API
                    if tally.last_path.startswith("/api/")
                    else AuditEvent.Source.WEB
                ),
                address=tally.source_address or None,
                result=AuditEvent.Result.DENIED,
                target_type="url",
                target_repr=tally.last_path,
                detail={"count": tally.count, "minute": tally.minute.isoformat()},
            )
            written += 1
        DeniedAccessTally.objects.filter(pk__in=done).delete()
    return written
