"""Run the checks of an endpoint after each successful sync (the signals compliance sends are
in compliance/events.py).

After a partial change set (an incremental sync sends ``changed``, the external ids it wrote)
the run judges only what changed since the previous run (compliance/services/limited.py);
after a full sync, everything.
"""

from __future__ import annotations


def on_sync_succeeded(
    sender=None,
    *,
    endpoint_id: int,
    sync_run_id: int | None = None,
    changed: dict | None = None,
    **kwargs,
) -> None:
    from inventory.models import Endpoint

    from .models import CheckRun
    from .services import check_run_create
    from .tasks import queue_check_run

    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    run = check_run_create(
        endpoint=endpoint,
        trigger=CheckRun.Trigger.SYNC,
        actor="system",
        changed_only=changed is not None,
    )
    queue_check_run(run)
