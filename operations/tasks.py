"""Celery tasks of snapshot operations, policies and expiry: thin, ids only; each imports its
service inside the task. :func:`queue_operation` receives ``operation_queued`` from the services
(connected in OperationsConfig.ready()) and queues the first step once the operation is committed.

Found by Celery's autodiscovery (each installed app's ``tasks`` module). The task names keep
their ``inventory.`` prefix: beat's stored periodic tasks and messages in flight name them so.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from celery.signals import worker_process_shutdown

from inventory.connectors.sessions import close_all
from portal.tasks import enqueue


@shared_task(name="inventory.operation_step", soft_time_limit=120, time_limit=180)
def operation_step_task(operation_id: int) -> None:
    """One short step of an operation; schedules the next one while the remote task runs."""
    from operations.services.operation_runner import operation_step

    delay = operation_step(operation_id)
    if delay is not None:
        operation_step_task.apply_async(args=[operation_id], countdown=delay)


@shared_task(name="inventory.operations_reconcile", soft_time_limit=60, time_limit=120)
def operations_reconcile_task(stale_after_seconds: float | None = None) -> int:
    """Queue a step for every active operation nobody has touched lately (run by beat)."""
    from operations.services.operation_runner import operations_reconcile

    kwargs = {}
    if stale_after_seconds is not None:
        kwargs["stale_after"] = dt.timedelta(seconds=stale_after_seconds)
    ids = operations_reconcile(**kwargs)
    for operation_id in ids:
        operation_step_task.apply_async(args=[operation_id])
    return len(ids)


@shared_task(name="inventory.policy_run", soft_time_limit=300, time_limit=360)
def policy_run_task(policy_id: int) -> None:
    """Run one snapshot policy (its PeriodicTask sends this on the policy's crontab)."""
    from operations.services.policies import policy_run

    policy_run(policy_id=policy_id, trigger="schedule")


@shared_task(name="inventory.snapshots_expire", soft_time_limit=300, time_limit=360)
def snapshots_expire_task() -> None:
    """Give notice of expiring portal snapshots and delete expired ones (run by beat)."""
    from operations.services.expiry import snapshots_expire

    snapshots_expire()


@worker_process_shutdown.connect
def _log_out_of_kept_sessions(**_: object) -> None:
    """A pool process that ends logs out of the sessions it kept for operations."""
    close_all()


def queue_operation(sender=None, *, operation_id: int, **kwargs) -> None:
    """Receiver of ``operation_queued``: the first step runs once the operation is committed."""
    enqueue(operation_step_task, operation_id)
