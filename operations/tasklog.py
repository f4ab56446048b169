"""Snapshot operations and policy runs in the task log (:mod:`portal.tasklog`).

One query per kind, narrowed to the user's scopes: an operation through its VM (as on the
operation list), a policy run through its policy's whole selection (as on the policy list).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inventory.models import VirtualMachine
from inventory.services.progress import progress_text
from portal.audit_links import register_audit_link
from portal.security.scopes import scoped
from portal.tasklog import TaskFilters, TaskRow, register_task_kind, run_filters

from .models import Operation, PolicyRun, SnapshotPolicy
from .services.policy_scopes import visible_policies

OP_SCOPE = ("vm__endpoint", "vm__cluster")


@register_task_kind("operation", _("Snapshot operation"))
def operations(user: Any, filters: TaskFilters, limit: int) -> list[TaskRow]:
    qs = scoped(
        user,
        Operation.objects.select_related("vm__endpoint", "snapshot").defer(
            "vm__endpoint__secret", "first_answer"
        ),
        *OP_SCOPE,
    )
    qs = run_filters(qs, filters, time="created_at", status="state", who="requested_by_name")
    if filters.endpoint is not None:
        qs = qs.filter(vm__endpoint_id=filters.endpoint)
    rows = []
    for op in qs.order_by("-created_at", "-id")[:limit]:
        name = op.snapshot.name if op.snapshot_id else op.params.get("name", "")
        rows.append(
            TaskRow(
                kind="operation",
                id=op.pk,
                title=_("%(kind)s “%(name)s” on VM %(vm)s (%(ref)s)")
                % {
                    "kind": op.get_kind_display(),
                    "name": name,
                    "vm": op.vm.name,
                    "ref": op.vm.external_id,
                },
                endpoint=op.vm.endpoint.name,
                status=op.state,
                who=op.requested_by_name,
                trigger="policy" if op.policy_id else "",
                queued_at=op.created_at,
                started_at=op.started_at,
                finished_at=op.finished_at,
                error=op.error,
                url=reverse("operations:operation-detail", args=[op.pk]),
                facts=((_("Remote task"), op.remote_ref),),
            )
        )
    return rows


@register_task_kind("policy", _("Policy run"))
def policy_runs(user: Any, filters: TaskFilters, limit: int) -> list[TaskRow]:
    policies = visible_policies(user, SnapshotPolicy.objects.all())
    qs = PolicyRun.objects.filter(policy__in=policies.values("pk")).select_related("policy")
    qs = run_filters(qs, filters, time="queued_at", status="status", who="requested_by")
    if filters.endpoint is not None:
        # A policy run acts on whatever its policy selects: on the endpoint when it selects
        # the endpoint, a cluster of it or a VM on it (a tag reaches every endpoint).
        e = filters.endpoint
        on_endpoint = VirtualMachine.objects.filter(endpoint_id=e)
        selects = SnapshotPolicy.objects.filter(pk=OuterRef("policy_id")).filter(
            Q(endpoints=e) | Q(clusters__endpoint_id=e) | Q(vms__in=on_endpoint) | ~Q(tag="")
        )
        qs = qs.filter(Exists(selects))
    return [
        TaskRow.from_run(
            "policy",
            run,
            title=_("run of snapshot policy “%(label)s”") % {"label": run.policy.label},
            endpoint="",
            progress=progress_text(run.progress),
            facts=(
                (_("Policy"), run.policy.label),
                (_("Snapshots queued"), run.queued),
                (_("VMs skipped"), len(run.skipped)),
                *((s.get("name", ""), s.get("reason", "")) for s in run.skipped[:50]),
            ),
        )
        for run in qs.order_by("-queued_at", "-id")[:limit]
    ]


# Where the audit trail links events about operations and policy runs.
register_audit_link(Operation.audit_type, "operations:operation-detail")
register_audit_link(PolicyRun.audit_type, "task-detail", "policy")
