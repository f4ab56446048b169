"""Inventory tasks: thin, take ids, call one service (imported inside the task), decide retries.

Services announce work with a signal (inventory.signals); the receivers here queue the task once
the transaction commits (portal.tasks.enqueue). InventoryConfig.ready() connects them.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from inventory.connectors.base import ConnectorError
from inventory.models import SyncRun
from portal.tasks import enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@shared_task(bind=True, name="inventory.sync_endpoint", soft_time_limit=1800, time_limit=1900)
def sync_endpoint_task(self, endpoint_id: int, run_id: int) -> None:
    """Run one queued SyncRun; connection errors retry with backoff, then the run fails."""
    from inventory.services.sync import SyncBusy, sync_endpoint

    run = (
        SyncRun.objects.select_related("endpoint")
        .filter(pk=run_id, endpoint_id=endpoint_id)
        .first()
    )
    if run is None or run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED):
        return  # already done (a redelivered message after a crash)
    retry = run.attempts + 1 < MAX_ATTEMPTS
    try:
        sync_endpoint(
            run.endpoint,
            trigger=run.trigger,
            actor=run.requested_by or None,
            run=run,
            raise_transient=retry,
        )
    except SyncBusy:
        return
    except ConnectorError as exc:
        # Recorded as failed; a retry reopens the same run so the page shows one run, not three.
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.QUEUED, queued_at=timezone.now(), error=f"retrying: {exc}"
        )
        raise self.retry(countdown=10 * 2**run.attempts, max_retries=MAX_ATTEMPTS) from None


@shared_task(name="inventory.probe_certificate", soft_time_limit=120, time_limit=180)
def probe_certificate_task(probe_id: int) -> None:
    """Fetch the certificate a server presents, for an administrator to compare and pin."""
    from inventory.services.endpoints import certificate_probe_run

    certificate_probe_run(probe_id=probe_id)


@shared_task(name="inventory.schedule_syncs", soft_time_limit=60, time_limit=120)
def schedule_syncs() -> int:
    """Queue a sync for each enabled endpoint whose interval has passed (run by beat every minute)."""
    from inventory.services.schedule import schedule_due_syncs

    return len(schedule_due_syncs(timezone.now()))


def queue_sync(sender=None, *, endpoint_id: int, sync_run_id: int, **kwargs) -> None:
    """Receiver of ``sync_requested``: run the sync in a worker once the run is committed."""
    enqueue(sync_endpoint_task, endpoint_id, sync_run_id)


def queue_certificate_probe(sender=None, *, probe_id: int, **kwargs) -> None:
    """Receiver of ``certificate_probe_requested``: fetch the certificate in a worker."""
    enqueue(probe_certificate_task, probe_id)
