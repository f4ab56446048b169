"""Check runs in the task log (:mod:`portal.tasklog`): one query, narrowed to the user's scopes
(a scoped user does not see runs over all endpoints, as on the run list)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from inventory.services.progress import progress_text
from portal.audit_links import register_audit_link
from portal.tasklog import TaskFilters, TaskRow, register_task_kind, run_filters

from .scoping import visible_runs


@register_task_kind("check", _("Check run"))
def check_runs(user: Any, filters: TaskFilters, limit: int) -> list[TaskRow]:
    qs = visible_runs(user).select_related("endpoint").defer("endpoint__secret")
    qs = qs.defer("requirement_summary", "requirement_states")
    qs = run_filters(qs, filters, time="queued_at", status="status", who="requested_by")
    if filters.endpoint is not None:
        qs = qs.filter(endpoint_id=filters.endpoint)
    rows = []
    for run in qs.order_by("-queued_at", "-id")[:limit]:
        name = run.endpoint.name if run.endpoint else ""
        counts = run.counts or {}
        rows.append(
            TaskRow.from_run(
                "check",
                run,
                title=(
                    _("checks on %(endpoint)s") % {"endpoint": name}
                    if name
                    else _("checks on all endpoints")
                ),
                endpoint=name,
                progress=progress_text(run.progress),
                facts=(
                    (_("Endpoint"), name or _("all endpoints")),
                    *(
                        (key, counts[key])
                        for key in sorted(counts)
                        if not isinstance(counts[key], dict)
                    ),
                ),
            )
        )
    return rows


# Where the audit trail links events about compliance objects.
register_audit_link("compliance.checkrun", "task-detail", "check")
register_audit_link("compliance.finding", "compliance:finding-detail")
register_audit_link("compliance.targetobject", "compliance:target-detail")
