"""Console history: read at every sync, from where the last read ended, stored once.

The cursor (:class:`~inventory.models.ConsoleHistory`) says which span of the platform's
history has been read. A read starts :data:`OVERLAP` before the end of the last one (clocks
and late writes), so the same event or task is often read twice; the unique source per endpoint
stores it once. The first read of an endpoint goes back :data:`FIRST_READ` (as far as the
platform still keeps it). A read that could not read everything stores what it read and leaves
the cursor where it was, so the next sync asks again.
"""

from __future__ import annotations

import datetime as dt
import logging

from inventory.connectors.base import CLOCK_SKEW, Connector, ConnectorError
from inventory.connectors.changes import ChangeFeed
from inventory.connectors.records import ConsoleRead, Inventory
from inventory.models import ConsoleHistory, ConsoleSession, Endpoint, VirtualMachine

log = logging.getLogger(__name__)

FIRST_READ = dt.timedelta(days=90)
OVERLAP = CLOCK_SKEW


def console_since(endpoint: Endpoint, now: dt.datetime) -> dt.datetime:
    """Where the next read of ``endpoint``'s console history starts (one query)."""
    history = ConsoleHistory.objects.filter(endpoint=endpoint).first()
    if history is None:
        return now - FIRST_READ
    if history.read_until is None:
        return history.read_from
    return max(history.read_from, history.read_until - OVERLAP)


def read_consoles(
    connector: Connector | ChangeFeed, endpoint: Endpoint, inventory: Inventory, now: dt.datetime
) -> tuple[dt.datetime, ConsoleRead]:
    """Read the console history since the cursor. Never raises for the platform's trouble:
    what could not be read is a warning of the read (and of the sync)."""
    since = console_since(endpoint, now)
    try:
        read = connector.read_console_sessions(since, inventory)
    except ConnectorError as exc:
        read = ConsoleRead(warnings=[f"console history not read: {exc}"])
    return since, read


def store_consoles(
    endpoint: Endpoint, since: dt.datetime, read: ConsoleRead, now: dt.datetime
) -> dict[str, int]:
    """Store the sessions of ``read`` and move the cursor; call inside the sync's transaction.

    A fixed number of queries whatever the number of sessions: the VMs' ids, the count before
    and after, the bulk insert (in batches) and the cursor.
    """
    external_ids = {s.vm_external_id for s in read.sessions}
    vm_ids = (
        dict(
            VirtualMachine.objects.filter(
                endpoint=endpoint, external_id__in=external_ids
            ).values_list("external_id", "pk")
        )
        if external_ids
        else {}
    )
    before = ConsoleSession.objects.filter(endpoint=endpoint).count()
    ConsoleSession.objects.bulk_create(
        [
            ConsoleSession(
                endpoint=endpoint,
                vm_id=vm_ids.get(s.vm_external_id),
                vm_external_id=s.vm_external_id[:200],
                vm_name=s.vm_name[:255],
                user=s.user[:255],
                started_at=s.started_at,
                kind=s.kind,
                source=s.source[:255],
                recorded_at=now,
            )
            for s in read.sessions
        ],
        batch_size=500,
        ignore_conflicts=True,  # read before: (endpoint, source) is unique
    )
    created = ConsoleSession.objects.filter(endpoint=endpoint).count() - before
    history = ConsoleHistory.objects.filter(endpoint=endpoint).first()
    if history is None:
        history = ConsoleHistory(endpoint=endpoint, read_from=since)
    if read.until is not None:
        history.read_until = max(read.until, history.read_until or read.until)
    history.last_read_at = now
    history.last_error = "; ".join(read.warnings)[:4000]
    history.save()
    return {"created": created, "updated": 0, "absent": 0}
