"""Inventory tasks: thin, take ids, call one service (imported inside the task), decide retries.

Services announce work with a signal (inventory.signals); the receivers here queue the task once
the transaction commits (portal.tasks.enqueue). InventoryConfig.ready() connects them.
"""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task
from celery.signals import worker_process_shutdown, worker_shutting_down
from django.conf import settings
from django.utils import timezone

from inventory.connectors.base import ConnectorError
from inventory.models import SyncRun
from portal.tasks import enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@shared_task(bind=True, name="inventory.sync_endpoint", soft_time_limit=1800, time_limit=1900)
def sync_endpoint_task(self, endpoint_id: int, run_id: int) -> None:
    """Run one queued SyncRun; connection errors retry with backoff, then the run fails."""
    from inventory.services.incremental import incremental_sync
    from inventory.services.sync import SyncBusy, sync_endpoint

    run = (
        SyncRun.objects.select_related("endpoint")
        .filter(pk=run_id, endpoint_id=endpoint_id)
        .first()
    )
    if run is None or run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED):
        return  # already done (a redelivered message after a crash)
    retry = run.attempts + 1 < MAX_ATTEMPTS
    # Scheduled syncs may be incremental (issue 17); a request from a person reads everything.
    sync = (
        incremental_sync
        if settings.INVENTORY_INCREMENTAL_SYNC and run.trigger == "schedule"
        else sync_endpoint
    )
    try:
        sync(
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

    queued = len(schedule_due_syncs(timezone.now()))
    start_watchers()
    return queued


# A watcher lives this long, then logs out and queues its successor (a fresh session).
WATCH_TIME_LIMIT = 600 + 120


def start_watchers() -> int:
    """Queue a watcher for each endpoint that should have one and has none (INVENTORY_WATCH)."""
    from inventory.services.watch import endpoints_to_watch

    pending = endpoints_to_watch()
    for endpoint_id in pending:
        enqueue(watch_endpoint_task, endpoint_id)
    return len(pending)


@shared_task(
    name="inventory.watch_endpoint",
    soft_time_limit=WATCH_TIME_LIMIT,
    time_limit=WATCH_TIME_LIMIT + 60,
)
def watch_endpoint_task(endpoint_id: int, lifetime: float | None = None) -> str:
    """Store an endpoint's changes as they come, until stopped or its lifetime is over."""
    from inventory.services import watch

    reason = watch.watch(endpoint_id, lifetime=lifetime or watch.LIFETIME_SECONDS)
    if reason == "lifetime":
        enqueue(watch_endpoint_task, endpoint_id, lifetime)
    return reason


@worker_shutting_down.connect
def _stop_watchers(**_: object) -> None:
    """A worker that shuts down asks its watchers to stop (within one wait of the feed)."""
    from inventory.services.watch import request_stop

    with contextlib.suppress(Exception):  # shutting down must not fail on a missing cache
        request_stop()


@worker_process_shutdown.connect
def _close_kept_feeds(**_: object) -> None:
    """A pool process that ends logs out of the change feeds it kept for incremental syncs."""
    from inventory.services.incremental import close_all_feeds

    close_all_feeds()


def queue_sync(sender=None, *, endpoint_id: int, sync_run_id: int, **kwargs) -> None:
    """Receiver of ``sync_requested``: run the sync in a worker once the run is committed."""
    enqueue(sync_endpoint_task, endpoint_id, sync_run_id)


def queue_certificate_probe(sender=None, *, probe_id: int, **kwargs) -> None:
    """Receiver of ``certificate_probe_requested``: fetch the certificate in a worker."""
    enqueue(probe_certificate_task, probe_id)
