"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from inventory.models import Endpoint

from .models import CheckRun
from .services import check_run_execute, waivers_expire


@shared_task(name="compliance.run_checks", soft_time_limit=900, time_limit=960)
def run_checks(
    run_id: int | None = None, endpoint_id: int | None = None, trigger: str = "schedule"
) -> int | None:
    """Execute queued run ``run_id``, or a new run over ``endpoint_id`` (all when None)."""
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
    return waivers_expire()
