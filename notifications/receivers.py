"""Listeners of the signals other apps own: each turns one report into an :class:`Event` with
its evidence, plans its deliveries and queues one task per immediate delivery.

The senders use ``send_robust``: whatever fails here is logged by Django and never breaks a
sync, an operation or a check run.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from portal.tasks import enqueue
from portal.timefmt import local_text

from .kinds import Kind
from .services import record, record_many


def connect() -> None:
    from compliance.events import findings_opened, requirement_status_changed
    from inventory.signals import sync_failed
    from operations.signals import operation_failed, snapshot_expiring

    findings_opened.connect(on_findings_opened, dispatch_uid="notifications.findings")
    requirement_status_changed.connect(
        on_requirement_changed, dispatch_uid="notifications.requirements"
    )
    operation_failed.connect(on_operation_failed, dispatch_uid="notifications.operations")
    sync_failed.connect(on_sync_failed, dispatch_uid="notifications.syncs")
    snapshot_expiring.connect(on_snapshot_expiring, dispatch_uid="notifications.expiry")


def _link(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page that moved: the message still names the object in full
        return ""


def _send(**fields) -> None:
    from .tasks import deliver

    for delivery_id in record(**fields):
        enqueue(deliver, delivery_id)


def _when(moment) -> str:
    return f"{local_text(moment)} ({moment.isoformat()})" if moment else "never"


def _endpoint(endpoint) -> list[str]:
    return ["Endpoint", f"{endpoint.name} ({endpoint.get_kind_display()}, {endpoint.url})"]


def on_findings_opened(sender=None, *, run_id: int, finding_ids: list[int], **kwargs) -> None:
    from compliance.checks import get_check
    from compliance.choices import Severity
    from compliance.models import Finding

    findings = Finding.objects.filter(pk__in=finding_ids, severity=Severity.HIGH).select_related(
        "endpoint", "first_run"
    )
    items = []
    for f in findings:
        spec = get_check(f.check_id)
        title = spec.title if spec else ""
        facts = [
            ["Object", f.object_path or f.object_name],
            ["Platform id", f.object_external_id or "-"],
            _endpoint(f.endpoint),
            ["Check", f"{f.check_id} {title}".strip()],
            ["Severity", f.get_severity_display()],
            ["Status", f.get_status_display()],
            ["Observed", f.message],
        ]
        facts += [[f"Evidence: {k}", str(v)[:300]] for k, v in (f.evidence or {}).items()]
        facts += [
            ["First seen", _when(f.first_seen)],
            ["Source", f"check run #{run_id} over the stored inventory"],
        ]
        items.append(
            {
                "key": f"finding:{f.pk}",
                "endpoint_id": f.endpoint_id,
                "cluster_id": f.cluster_id,
                "subject": f"High-severity finding {f.check_id} on {f.object_name}: {f.message}",
                "facts": facts,
                "link": _link("compliance:finding-detail", f.pk),
                "occurred_at": f.first_seen,
            }
        )
    # All of a run's new findings in a fixed number of queries (a first run opens thousands).
    from .tasks import deliver

    for delivery_id in record_many(Kind.FINDING_HIGH, items):
        enqueue(deliver, delivery_id)


def on_requirement_changed(
    sender=None, *, run_id: int, endpoint_id: int, ref: str, before: str, after: str, **kwargs
) -> None:
    """Only a real change to "not fulfilled": an endpoint's first run sets the baseline."""
    from compliance.choices import RequirementStatus
    from compliance.models import CheckRun, Requirement
    from inventory.models import Endpoint

    if after != RequirementStatus.NOT_FULFILLED or not before:
        return
    requirement = Requirement.objects.filter(ref=ref).first()
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    run = CheckRun.objects.filter(pk=run_id).first()
    if requirement is None or endpoint is None or run is None:
        return
    labels = dict(RequirementStatus.choices)
    _send(
        kind=Kind.REQUIREMENT_NOT_FULFILLED,
        key=f"requirement:{endpoint_id}:{ref}:run:{run_id}",
        endpoint_id=endpoint_id,
        subject=f"{ref} is not fulfilled on {endpoint.name} (was {labels.get(before, before)})",
        facts=[
            ["Requirement", f"{ref} {requirement.title}"],
            _endpoint(endpoint),
            ["Observed", labels[after]],
            ["Before", labels.get(before, before)],
            ["Expected", labels[RequirementStatus.FULFILLED]],
            ["Time", _when(run.finished_at)],
            ["Source", f"check run #{run_id}: every judged check of the requirement deviates"],
        ],
        link=_link("compliance:requirement-detail", ref),
        occurred_at=run.finished_at,
    )


def on_operation_failed(sender=None, *, operation_id: int, **kwargs) -> None:
    from operations.models import Operation

    op = (
        Operation.objects.filter(pk=operation_id)
        .select_related("vm__endpoint", "vm__cluster", "snapshot")
        .first()
    )
    if op is None:
        return
    vm = op.vm
    path = " › ".join(
        part
        for part in (vm.endpoint.name, vm.cluster.name if vm.cluster_id else "", vm.name)
        if part
    )
    _send(
        kind=Kind.OPERATION_FAILED,
        key=f"operation:{op.pk}",
        endpoint_id=vm.endpoint_id,
        cluster_id=vm.cluster_id,
        subject=f"Operation failed: {op.audit_label()}",
        facts=[
            ["Operation", f"#{op.pk} {op.audit_label()}"],
            ["VM", path],
            ["Platform id", vm.external_id],
            ["Observed", f"failed: {op.error[:500]}"],
            ["Expected", "succeeded"],
            ["Requested by", op.requested_by_name or "-"],
            ["Remote task", op.remote_ref or "-"],
            ["Time", _when(op.finished_at)],
            ["Source", f"operation #{op.pk} as recorded by the worker"],
        ],
        link=_link("operations:operation-detail", op.pk),
        occurred_at=op.finished_at,
    )


def on_sync_failed(
    sender=None, *, endpoint_id: int, sync_run_id: int, failures_in_row: int, **kwargs
) -> None:
    """Once per streak: when the failures in a row reach NOTIFY_SYNC_FAILURES."""
    from inventory.models import Endpoint, SyncRun

    if failures_in_row != settings.NOTIFY_SYNC_FAILURES:
        return
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    run = SyncRun.objects.filter(pk=sync_run_id).first()
    if endpoint is None or run is None:
        return
    _send(
        kind=Kind.SYNC_FAILING,
        key=f"sync-failing:{endpoint_id}:run:{sync_run_id}",
        endpoint_id=endpoint_id,
        subject=f"Sync of {endpoint.name} failed {failures_in_row} times in a row",
        facts=[
            _endpoint(endpoint),
            ["Observed", f"{failures_in_row} failed syncs in a row; last error: {run.error[:500]}"],
            ["Expected", "a successful sync"],
            ["Last success", _when(endpoint.last_success_at)],
            ["Time", _when(run.finished_at)],
            ["Source", f"sync run #{run.pk}"],
        ],
        link=_link("inventory:endpoint-detail", endpoint_id),
        occurred_at=run.finished_at,
    )


def on_snapshot_expiring(sender=None, *, snapshot_id: int, notice_id: int, **kwargs) -> None:
    from inventory.models import Snapshot

    snap = (
        Snapshot.objects.filter(pk=snapshot_id)
        .select_related("vm__endpoint", "vm__cluster", "owner")
        .first()
    )
    if snap is None:
        return
    vm = snap.vm
    _send(
        kind=Kind.SNAPSHOT_EXPIRING,
        key=f"snapshot-expiry:{notice_id}",
        endpoint_id=vm.endpoint_id,
        cluster_id=vm.cluster_id,
        owner_id=snap.owner_id,
        subject=f"Snapshot {snap.name} of {vm.name} expires at {local_text(snap.expires_at)}",
        facts=[
            ["Snapshot", snap.audit_label()],
            ["Platform id", f"{vm.external_id} / {snap.external_id}"],
            ["Expires", _when(snap.expires_at)],
            ["Then", "deleted by the portal (operation requested by 'expiry')"],
            ["Reason given", snap.reason or "-"],
            ["Owner", snap.owner.get_username() if snap.owner_id else "-"],
            ["Source", f"expiry notice #{notice_id}"],
        ],
        link=_link("inventory:vm-detail", vm.pk),
        occurred_at=snap.expires_at,
    )
