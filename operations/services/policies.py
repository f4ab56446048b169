"""Scheduled snapshot policies, as cv4pve-autosnap does them.

A policy selects VMs (endpoints, clusters, named VMs, a tag), takes a snapshot of each on its
crontab (a django-celery-beat PeriodicTask kept in step with the policy), keeps its last
``keep_last`` snapshots and prunes older ones and those past ``max_age_hours``. It only ever
prunes snapshots it made itself: made by one of its own create operations *and* named with its
``auto-<label>-`` prefix. Manual snapshots and other policies' snapshots are never touched.

Pruning follows the creates: at most one operation per VM is active, so each ended policy
operation queues the next deletion for its VM until nothing is left to prune
(:func:`policy_operation_ended`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from inventory.models import Datastore, Snapshot, VirtualMachine
from inventory.tags import tagged
from operations.models import Operation, PolicyRun, SnapshotPolicy
from portal.audit import audit, field_changes, source_for_trigger
from portal.models import AuditEvent
from portal.security.scopes import is_scoped

from .operations import OperationConflict, snapshot_create, snapshot_delete
from .policy_scopes import check_selection

LABEL = re.compile(r"^[a-z][a-z0-9]{1,11}$")
CRON_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")
_AUDITED = ("label", "enabled", "tag", "keep_last", "max_age_hours", "min_free_percent", "memory")


def _actor(policy: SnapshotPolicy) -> str:
    return f"policy:{policy.label}"


def failing_policies() -> QuerySet[SnapshotPolicy]:
    """Enabled policies whose last run failed or skipped VMs (for the dashboard)."""
    return SnapshotPolicy.objects.filter(
        enabled=True,
        last_run_state__in=[SnapshotPolicy.RunState.FAILED, SnapshotPolicy.RunState.PARTIAL],
    )


# --------------------------------------------------------------------------- editing


def _clean(values: dict[str, Any], instance: SnapshotPolicy | None, actor: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    label = values.get("label", instance.label if instance else "")
    if not LABEL.match(label or ""):
        errors["label"] = _(
            "Use 2 to 12 lower-case letters or digits, starting with a letter "
            "(it becomes part of the snapshot names on the platforms)."
        )
    elif SnapshotPolicy.objects.filter(label=label).exclude(pk=getattr(instance, "pk", None)):
        errors["label"] = _label_taken(label, actor)
    keep = values.get("keep_last", instance.keep_last if instance else 3)
    if keep is None or not 1 <= int(keep) <= 1000:
        errors["keep_last"] = _("Keep between 1 and 1000 snapshots.")
    free = values.get("min_free_percent", instance.min_free_percent if instance else 10)
    if free is None or not 0 <= int(free) <= 99:
        errors["min_free_percent"] = _("Give a free-space threshold from 0 to 99 percent.")
    cron = {f: values.get(f) for f in CRON_FIELDS if values.get(f) is not None}
    if cron or instance is None:
        try:
            values["crontab"] = _crontab(cron)
        except ValidationError as exc:
            # Each cron field's own error beside that field, never the error dict's repr.
            for field, texts in getattr(exc, "message_dict", {"minute": exc.messages}).items():
                errors[field if field in CRON_FIELDS else "minute"] = _(
                    "Not a valid schedule: %(error)s"
                ) % {"error": " ".join(texts)}
        except ValueError as exc:
            errors["minute"] = _("Not a valid schedule: %(error)s") % {"error": exc}
    if errors:
        raise ValidationError(errors)
    return values


def _label_taken(label: str, actor: Any) -> str:
    """Why ``label`` cannot be used, saying no more than ``actor`` may know.

    Labels are global: they are part of the snapshot names on the platforms, where a policy
    recognises its own snapshots by the ``auto-<label>-`` prefix. A user limited to some
    endpoints or clusters gets the same words whether the label is held by a policy they can
    see or by one outside their scope, and nothing about that policy (not that it "exists").
    """
    if getattr(actor, "is_authenticated", False) and is_scoped(actor):
        return _("This label cannot be used; choose another.")
    return _("A policy labelled “%(label)s” exists already.") % {"label": label}


def _crontab(fields: dict[str, str]) -> CrontabSchedule:
    cron = {f: str(fields.get(f) or "*").strip() for f in CRON_FIELDS}
    schedule = CrontabSchedule(**cron, timezone="UTC")
    schedule.full_clean(exclude=["timezone"])
    existing = CrontabSchedule.objects.filter(**cron, timezone="UTC").first()
    if existing:
        return existing
    schedule.save()
    return schedule


def _sync_periodic_task(policy: SnapshotPolicy) -> None:
    """Keep the policy's PeriodicTask in step with its crontab and enabled flag."""
    values = {
        "task": "inventory.policy_run",
        "crontab": policy.crontab,
        "interval": None,
        "args": json.dumps([policy.pk]),
        "enabled": policy.enabled,
    }
    if policy.periodic_task_id:
        PeriodicTask.objects.filter(pk=policy.periodic_task_id).update(**values)
        # .update() bypasses the signal that tells beat to reload its schedule.
        PeriodicTask.objects.get(pk=policy.periodic_task_id).save()
        return
    task = PeriodicTask.objects.create(name=f"snapshot-policy-{policy.pk}", **values)
    SnapshotPolicy.objects.filter(pk=policy.pk).update(periodic_task=task)
    policy.periodic_task = task


def _set_selector(policy: SnapshotPolicy, values: dict[str, Any]) -> None:
    for field in ("endpoints", "clusters", "vms"):
        if field in values and values[field] is not None:
            getattr(policy, field).set(values[field])


@transaction.atomic
def policy_create(*, actor: Any, request: Any = None, **values: Any) -> SnapshotPolicy:
    """Create a policy and its PeriodicTask. Cron fields default to ``*``."""
    values = _clean(dict(values), None, actor)
    selector = {k: values.pop(k, None) for k in ("endpoints", "clusters", "vms")}
    check_selection(actor, **{k: v or () for k, v in selector.items()}, tag=values.get("tag", ""))
    for f in CRON_FIELDS:
        values.pop(f, None)
    policy = SnapshotPolicy.objects.create(**values)
    _set_selector(policy, selector)
    _sync_periodic_task(policy)
    audit(
        action="snapshot_policy.create",
        request=request,
        actor=actor,
        target=policy,
        detail={k: getattr(policy, k) for k in _AUDITED} | {"crontab": str(policy.crontab)},
    )
    return policy


@transaction.atomic
def policy_update(
    *, policy: SnapshotPolicy, actor: Any, request: Any = None, **changes: Any
) -> SnapshotPolicy:
    changes = _clean(dict(changes), policy, actor)
    selector = {k: changes.pop(k, None) for k in ("endpoints", "clusters", "vms")}
    check_selection(  # the selection as it will be after the change
        actor,
        **{k: getattr(policy, k).all() if v is None else v for k, v in selector.items()},
        tag=changes.get("tag", policy.tag),
    )
    cron_before = str(policy.crontab)
    for f in CRON_FIELDS:
        changes.pop(f, None)
    before = {key: getattr(policy, key) for key in changes}
    before |= {k: _names(getattr(policy, k).all()) for k, v in selector.items() if v is not None}
    for key, value in changes.items():
        setattr(policy, key, value)
    policy.save()
    _set_selector(policy, selector)
    _sync_periodic_task(policy)
    after = {key: getattr(policy, key) for key in changes}
    after |= {k: _names(getattr(policy, k).all()) for k, v in selector.items() if v is not None}
    before["crontab"], after["crontab"] = cron_before, str(policy.crontab)
    audit(
        action="snapshot_policy.update",
        request=request,
        actor=actor,
        target=policy,
        detail={"changed": sorted(changes) + sorted(k for k, v in selector.items() if v)}
        | {k: getattr(policy, k) for k in _AUDITED}
        | {"changes": field_changes(before, after)},
    )
    return policy


@transaction.atomic
def policy_delete(*, policy: SnapshotPolicy, actor: Any, request: Any = None) -> None:
    """Delete the policy and its schedule; its snapshots stay (they are no longer pruned)."""
    audit(action="snapshot_policy.delete", request=request, actor=actor, target=policy)
    if policy.periodic_task_id:
        PeriodicTask.objects.filter(pk=policy.periodic_task_id).delete()
    policy.delete()


# --------------------------------------------------------------------------- running


def policy_selected_vms(policy: SnapshotPolicy) -> QuerySet[VirtualMachine]:
    """Present, non-template VMs the selector names (union of its parts)."""
    q = Q(pk__in=[])
    endpoint_ids = list(policy.endpoints.values_list("pk", flat=True))
    cluster_ids = list(policy.clusters.values_list("pk", flat=True))
    vm_ids = list(policy.vms.values_list("pk", flat=True))
    if endpoint_ids:
        q |= Q(endpoint_id__in=endpoint_ids)
    if cluster_ids:
        q |= Q(cluster_id__in=cluster_ids)
    if vm_ids:
        q |= Q(pk__in=vm_ids)
    if policy.tag:
        q |= tagged(policy.tag)
    return (
        VirtualMachine.objects.present()
        .filter(q, template=False)
        .select_related("endpoint")
        .order_by("pk")
    )


def _short_of_space(policy: SnapshotPolicy, datastores: Iterable[Datastore]) -> str:
    for store in datastores:
        free = store.free_percent
        if free is not None and free < policy.min_free_percent:
            return (
                f"datastore {store.name} has {free:.1f} % free, below the policy's "
                f"threshold of {policy.min_free_percent} %"
            )
    return ""


def _names(objects: Any) -> list[str]:
    return sorted(str(getattr(o, "name", o)) for o in objects)


def _requester(actor: Any) -> str:
    """Who asked for a run: a user's name, a system actor's own name ("" for the schedule)."""
    if isinstance(actor, str):
        return actor[:150]
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


def policy_run(
    *, policy_id: int, trigger: str = "schedule", actor: Any = None, request: Any = None
) -> PolicyRun | None:
    """Queue a snapshot of every selected VM that has room; record what was skipped and why.

    A run that cannot even queue its snapshots (an error in the selection) is closed as failed,
    audited as a failure and the error raised: it never stays "running" and is never recorded
    as a success.
    """
    policy = SnapshotPolicy.objects.filter(pk=policy_id).first()
    if policy is None or (not policy.enabled and trigger == "schedule"):
        return None
    now = timezone.now()
    run = PolicyRun.objects.create(
        policy=policy,
        trigger=trigger,
        requested_by=_requester(actor),
        status=PolicyRun.Status.RUNNING,
        queued_at=now,
        started_at=now,
    )
    SnapshotPolicy.objects.filter(pk=policy.pk).update(
        last_run_at=now, last_run_state=SnapshotPolicy.RunState.RUNNING, last_run_reason=""
    )
    who = {"request": request, "actor": actor or "scheduler", "source": source_for_trigger(trigger)}
    try:
        queued, skipped = _queue_snapshots(policy, run, now)
    except Exception as exc:
        reason = f"the run could not queue its snapshots: {type(exc).__name__}: {exc}"
        _close_run(run, SnapshotPolicy.RunState.FAILED, reason)
        audit(
            action="snapshot_policy.run",
            **who,
            target=policy,
            result=AuditEvent.Result.FAILURE,
            detail={"run": run.pk, "trigger": trigger, "error": reason[:500]},
        )
        raise
    audit(
        action="snapshot_policy.run",
        **who,
        target=policy,
        detail={"run": run.pk, "trigger": trigger, "queued": queued, "skipped": len(skipped)},
    )
    run.queued, run.skipped = queued, skipped
    if not queued:
        _finish_run(run)
    return run


def _queue_snapshots(
    policy: SnapshotPolicy, run: PolicyRun, now: dt.datetime
) -> tuple[int, list[dict[str, Any]]]:
    # Prefetched for the free-space check of every VM (one query, not one per VM).
    vms = policy_selected_vms(policy).prefetch_related("datastores")
    skipped: list[dict[str, Any]] = []
    queued = 0
    name = f"{policy.name_prefix}{now:%y%m%d%H%M%S}-{run.pk}"
    for vm in vms:
        reason = _short_of_space(policy, vm.datastores.all())
        if not reason:
            try:
                snapshot_create(
                    vm=vm,
                    name=name,
                    description=f"made by snapshot policy {policy.label}",
                    memory=policy.memory,
                    reason=f"snapshot policy {policy.label}",
                    actor=_actor(policy),
                    policy=policy,
                    policy_run=run,
                )
                queued += 1
                continue
            except (OperationConflict, ValidationError) as exc:
                reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        skipped.append({"vm": vm.pk, "name": vm.name, "reason": reason})
    PolicyRun.objects.filter(pk=run.pk).update(queued=queued, skipped=skipped)
    return queued, skipped


def own_snapshots(policy: SnapshotPolicy, vm: VirtualMachine) -> QuerySet[Snapshot]:
    """The present snapshots of ``vm`` this policy made, newest first."""
    return (
        Snapshot.objects.present()
        .filter(
            vm=vm,
            name__startswith=policy.name_prefix,
            operations__policy=policy,
            operations__kind=Operation.Kind.CREATE,
            operations__state=Operation.State.SUCCEEDED,
        )
        .distinct()
        .order_by("-created_at", "-pk")
    )


def prunable(policy: SnapshotPolicy, vm: VirtualMachine) -> list[Snapshot]:
    """Own snapshots beyond the last ``keep_last`` or older than ``max_age_hours``."""
    own = list(own_snapshots(policy, vm))
    out = own[policy.keep_last :]
    if policy.max_age_hours:
        cutoff = timezone.now() - dt.timedelta(hours=policy.max_age_hours)
        out += [s for s in own[: policy.keep_last] if s.created_at and s.created_at < cutoff]
    return out


def policy_operation_ended(*, operation_id: int) -> None:
    """After one of a policy's operations: queue the next pruning deletion, or close the run."""
    op = Operation.objects.select_related("policy", "vm__endpoint", "policy_run").get(
        pk=operation_id
    )
    policy, run = op.policy, op.policy_run
    if policy is None:
        return
    if op.state == Operation.State.SUCCEEDED:
        excess = prunable(policy, op.vm)
        if excess:
            oldest = excess[-1]
            try:
                snapshot_delete(
                    snapshot=oldest,
                    actor=_actor(policy),
                    reason=f"pruned by snapshot policy {policy.label}",
                    policy=policy,
                    policy_run=run,
                )
                return
            except OperationConflict:
                pass  # another operation holds the VM; the next run prunes
    if run is not None:
        _finish_run(run)


def _finish_run(run: PolicyRun) -> None:
    """Close the run once none of its operations is active; set the policy's last state."""
    ops = Operation.objects.filter(policy_run=run)
    if ops.active().exists():
        return
    failed = list(ops.filter(state=Operation.State.FAILED).values_list("vm__name", "error"))
    run.refresh_from_db(fields=["skipped", "queued"])
    if failed:
        state = SnapshotPolicy.RunState.FAILED
        reason = "; ".join(f"{n}: {e}" for n, e in failed[:5])
    elif run.skipped:
        state = SnapshotPolicy.RunState.PARTIAL
        reason = "; ".join(f"{s['name']}: {s['reason']}" for s in run.skipped[:5])
    else:
        state, reason = SnapshotPolicy.RunState.SUCCEEDED, ""
    if _close_run(run, state, reason):
        ok = state == SnapshotPolicy.RunState.SUCCEEDED
        audit(
            action="snapshot_policy.run.ended",
            actor=_actor(run.policy),
            source="task",
            target=run.policy,
            result=AuditEvent.Result.SUCCESS if ok else AuditEvent.Result.FAILURE,
            detail={"run": run.pk, "state": state, "reason": reason[:500]},
        )


def _close_run(run: PolicyRun, state: str, reason: str) -> bool:
    """End a running run and set its policy's last state (once: False if already ended).

    ``state`` is the policy's: a partial run succeeded (its skipped VMs are recorded).
    """
    failed = state == SnapshotPolicy.RunState.FAILED
    done = (
        PolicyRun.objects.running()
        .filter(pk=run.pk)
        .update(
            status=PolicyRun.Status.FAILED if failed else PolicyRun.Status.SUCCEEDED,
            finished_at=timezone.now(),
            error=reason[:4000],
        )
        == 1
    )
    if done:
        SnapshotPolicy.objects.filter(pk=run.policy_id).update(
            last_run_state=state, last_run_reason=reason[:4000]
        )
    return done
