"""Signals compliance sends, and its receiver that runs the checks of an endpoint after each
successful sync.

Both signals are sent once the check run's write has been committed, with ids and plain
values only, through ``send_robust``: a listener that fails never fails the run.
"""

from __future__ import annotations

from django.dispatch import Signal

# Findings a check run opened; kwargs: run_id (int), finding_ids (list[int]).
findings_opened = Signal()

# A requirement's status on an endpoint changed with a check run; kwargs: run_id (int),
# endpoint_id (int), ref (str, e.g. "SYS.1.5.A3"), before (str, a RequirementStatus, "" when the
# endpoint had no run yet), after (str).
requirement_status_changed = Signal()


def on_sync_succeeded(
    sender=None, *, endpoint_id: int, sync_run_id: int | None = None, **kwargs
) -> None:
    from inventory.models import Endpoint

    from .models import CheckRun
    from .services import check_run_create  # here: compliance.services sends this module's signals
    from .tasks import queue_check_run

    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    run = check_run_create(endpoint=endpoint, trigger=CheckRun.Trigger.SYNC, actor="system")
    queue_check_run(run)
