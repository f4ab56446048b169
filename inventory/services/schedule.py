"""The sync schedule: which endpoints are due, queued once per interval however many schedulers run.

Beat sends ``inventory.schedule_syncs`` once a minute. Several workers (and, by mistake or for
redundancy, several beats) may run it at the same time: each due endpoint's tick is taken by a
conditional update of ``Endpoint.sync_scheduled_at`` in the transaction that creates the run, so
exactly one of them queues the sync. A run that was queued but never started (its message was
lost) or whose worker died (its claim went stale) no longer blocks the endpoint: it is failed
with the reason and a new one is queued.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q

from inventory.models import Endpoint, SyncRun
from inventory.signals import sync_requested

from .sync import CLAIM_STALE

log = logging.getLogger(__name__)

# A sync finishes some seconds after its tick, so exactly one interval later it is a few seconds
# short of due and would wait a whole extra tick (a 1-minute interval synced every 2 minutes).
# An endpoint due within half a tick is queued now.
SCHEDULE_SLACK = dt.timedelta(seconds=30)
# A queued run no worker has started in this time was lost (its message never arrived).
QUEUED_STALE = CLAIM_STALE


def sync_due(endpoint: Endpoint, *, now: dt.datetime) -> bool:
    """Whether the endpoint's interval has passed since its last sync or scheduled tick."""
    seen = [t for t in (endpoint.last_sync_at, endpoint.sync_scheduled_at) if t is not None]
    interval = dt.timedelta(minutes=endpoint.sync_interval_minutes)
    return not seen or max(seen) <= now - interval + SCHEDULE_SLACK


def schedule_due_syncs(now: dt.datetime) -> list[SyncRun]:
    """Queue one sync for each enabled, due endpoint; return the runs this call queued."""
    # The interval test runs in Python, not as ``now - timedelta * F(...)``: SQLite (the
    # embedded default) has no interval arithmetic, and endpoints are few (one row each).
    candidates = Endpoint.objects.filter(enabled=True).filter(
        Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=now - CLAIM_STALE)
    )
    due = [e for e in candidates if sync_due(e, now=now)]
    active: dict[int, list[SyncRun]] = {}
    for run in SyncRun.objects.active().filter(endpoint__in=due):
        active.setdefault(run.endpoint_id, []).append(run)
    queued = []
    for endpoint in due:
        runs = active.get(endpoint.pk, [])
        if any(not _lost(run, endpoint, now) for run in runs):
            continue  # one is queued or running: it is this interval's sync
        run = _take_tick(endpoint, runs, now)
        if run is not None:
            queued.append(run)
    return queued


def _lost(run: SyncRun, endpoint: Endpoint, now: dt.datetime) -> bool:
    if run.status == SyncRun.Status.QUEUED:
        return run.queued_at < now - QUEUED_STALE
    claimed = endpoint.sync_claimed_at
    return claimed is None or claimed < now - CLAIM_STALE


def _take_tick(endpoint: Endpoint, lost: list[SyncRun], now: dt.datetime) -> SyncRun | None:
    with transaction.atomic():
        taken = Endpoint.objects.filter(
            pk=endpoint.pk, sync_scheduled_at=endpoint.sync_scheduled_at
        ).update(sync_scheduled_at=now)
        if not taken:
            return None  # another scheduler took this tick
        for run in lost:
            minutes = int(QUEUED_STALE.total_seconds() // 60)
            reason = (
                f"lost: no worker started it within {minutes} minutes; queued again"
                if run.status == SyncRun.Status.QUEUED
                else f"lost: the worker running it stopped (no claim renewed in {minutes} "
                "minutes); queued again"
            )
            if SyncRun.objects.filter(pk=run.pk, status=run.status).update(
                status=SyncRun.Status.FAILED, finished_at=now, error=reason, progress={}
            ):
                log.warning("sync run %s of %s %s", run.pk, endpoint.name, reason)
        run = SyncRun.objects.create(endpoint=endpoint, trigger="schedule")
        sync_requested.send(sender=SyncRun, endpoint_id=endpoint.pk, sync_run_id=run.pk)
    return run
