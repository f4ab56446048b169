"""Sync runs in the task log (:mod:`portal.tasklog`): one query, narrowed to the user's scopes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.audit_links import register_audit_link
from portal.security.scopes import scoped
from portal.tasklog import (
    TaskFilters,
    TaskRow,
    register_endpoint_choices,
    register_task_kind,
    run_filters,
)

from .models import Endpoint, SyncRun
from .services.progress import progress_text


@register_task_kind("sync", _("Sync run"))
def sync_runs(user: Any, filters: TaskFilters, limit: int) -> list[TaskRow]:
    qs = scoped(user, SyncRun.objects.select_related("endpoint").defer("endpoint__secret"))
    qs = run_filters(qs, filters, time="queued_at", status="status", who="requested_by")
    if filters.endpoint is not None:
        qs = qs.filter(endpoint_id=filters.endpoint)
    return [
        TaskRow.from_run(
            "sync",
            run,
            title=_("sync of %(endpoint)s") % {"endpoint": run.endpoint.name},
            endpoint=run.endpoint.name,
            progress=progress_text(run.progress),
            facts=(
                (_("Endpoint"), run.endpoint.name),
                (_("Created"), run.created),
                (_("Updated"), run.updated),
                (_("Absent"), run.absent),
                (_("Attempts"), run.attempts),
                (_("Warnings"), "; ".join(str(w) for w in run.warnings[:20])),
            ),
        )
        for run in qs.order_by("-queued_at", "-id")[:limit]
    ]


@register_endpoint_choices
def endpoint_choices(user: Any) -> list[tuple[int, str]]:
    return list(scoped(user, Endpoint.objects.order_by("name")).values_list("pk", "name"))


# Where the audit trail links events about inventory objects.
register_audit_link("inventory.endpoint", "inventory:endpoint-detail")
register_audit_link("inventory.host", "inventory:host-detail")
register_audit_link("inventory.virtualmachine", "inventory:vm-detail")
register_audit_link("inventory.syncrun", "task-detail", "sync")
