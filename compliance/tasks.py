"""Celery tasks: thin wrappers that take ids and call one service (imported inside the task).

:func:`queue_check_run` is the one way callers (pages, API, the after-sync receiver) hand a
queued CheckRun to a worker.
"""

from __future__ import annotations

from celery import shared_task

from inventory.models import Endpoint
from portal.tasks import enqueue

from .models import CheckRun


@shared_task(name="compliance.run_checks", soft_time_limit=900, time_limit=960)
def run_checks(
    run_id: int | None = None, endpoint_id: int | None = None, trigger: str = "schedule"
) -> int | None:
    """Execute queued run ``run_id``, or a new run over ``endpoint_id`` (all when None)."""
    from .services import check_run_execute

    if run_id is not None:
        # Claim the queued run once: a redelivered task finds it no longer queued.
        if not CheckRun.objects.filter(pk=run_id, status=CheckRun.Status.QUEUED).update(
            status=CheckRun.Status.RUNNING
        ):
            return None
        return check_run_execute(run=CheckRun.objects.get(pk=run_id), trigger=trigger).pk
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first() if endpoint_id else None
    if endpoint_id and endpoint is None:
        return None
    return check_run_execute(endpoint=endpoint, trigger=trigger, actor="system").pk


@shared_task(name="compliance.expire_waivers", soft_time_limit=120, time_limit=180)
def expire_waivers() -> int:
    from .services import waivers_expire

    return waivers_expire()


def queue_check_run(run: CheckRun) -> None:
    """Run the queued ``run`` in a worker once the transaction commits (its trigger is stored)."""
    enqueue(run_checks, run.pk)
