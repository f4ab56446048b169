"""Run the checks of an endpoint after each successful sync."""

from __future__ import annotations

from .models import CheckRun
from .services import check_run_create


def on_sync_succeeded(
    sender=None, *, endpoint_id: int, sync_run_id: int | None = None, **kwargs
) -> None:
    from inventory.models import Endpoint

    from .tasks import queue_check_run

    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    run = check_run_create(endpoint=endpoint, trigger=CheckRun.Trigger.SYNC, actor="system")
    queue_check_run(run)
