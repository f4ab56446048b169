"""Carrying out an Operation in short, crash-safe steps.

A step claims the operation with a conditional update (a lease), does one short thing and
returns: submit the remote task and store its reference at once, or look at that task once.
While the remote task runs, the caller schedules the next step a few seconds later; nothing
blocks for longer than one hypervisor request.

Crash safety: ``attempts`` is counted *before* a submit, so a step that finds ``attempts > 0``
and no remote reference knows an earlier submit may have reached the hypervisor, and first
looks for the work through the connector, which adopts only a snapshot the platform ties to
the operation's own submit (the platform's traits, ``snapshot_identity``, say how; the audit
event of an adopted snapshot names it). A finished create is identified by what the platform
returned (the task's result or UPID), never by a name or description someone else could have
planted. A worker killed mid-step leaves a lease that runs out and an operation whose
``touched_at`` goes stale; :func:`operations_reconcile` (beat, every minute) queues it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from inventory.connectors.base import AuthenticationError, ConnectorError, ObjectGoneError
from inventory.connectors.records import SnapshotRecord, TaskStatus
from inventory.connectors.sessions import connector_for
from inventory.models import Snapshot
from operations.models import Operation
from operations.services.steps import (
    Step,
    describe_submit,
    last_remote_state,
    log_step,
    log_steps,
    step_row,
)
from operations.signals import operation_failed
from portal.audit import audit
from portal.models import AuditEvent

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)
POLL_SECONDS = 2.0
# Most snapshot tasks end within a second: look soon first, then every POLL_SECONDS.
FIRST_POLL_SECONDS = 0.2
# Looks at a just-submitted task within the same step (at once, then backing off; 1.55 s in
# all, far inside LEASE).
INLINE_POLLS = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8)
MAX_TRANSIENT_ERRORS = 5
# A remote task still running after this is given up (the platform's own log tells more).
DEADLINE = dt.timedelta(hours=2)
STALE_AFTER = dt.timedelta(seconds=90)


def _claim(op: Operation, now: dt.datetime) -> bool:
    """Take ``op`` as it was read: one conditional UPDATE that holds only while nobody holds a
    lease and the row still is what was read (state, remote reference, attempts), so the step's
    decisions rest on the present row. The same UPDATE moves a queued operation to running and
    counts a first submit's attempt *before* the submit (crash safety, see the module's text);
    the start's audit event and log line commit with it."""
    fields: dict[str, Any] = {"lease_until": now + LEASE, "touched_at": now}
    first = op.state == Operation.State.QUEUED
    if first:
        fields.update(state=Operation.State.RUNNING, started_at=now)
    if not op.remote_ref and not op.attempts:
        fields["attempts"] = 1  # this step submits for the first time
    claim = (
        Operation.objects.filter(
            pk=op.pk, state=op.state, remote_ref=op.remote_ref, attempts=op.attempts
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update
    )
    if not first:
        claimed = claim(**fields) == 1
    else:
        with transaction.atomic():
            claimed = claim(**fields) == 1
            if claimed:
                op.state, op.started_at = Operation.State.RUNNING, now
                _audit(op, "started")
                log_step(op, Step.STARTED, message=f"on {op.vm.endpoint.name}")
    if claimed:
        for name, value in fields.items():
            setattr(op, name, value)
    return claimed


def _write(op: Operation, **fields: Any) -> None:
    """Write the operation's row (with the remote reference it holds in memory, which a submit
    just got) and the log lines gathered since the last write: one transaction when both."""
    rows, op.pending_steps = getattr(op, "pending_steps", []), []
    update = Operation.objects.filter(pk=op.pk).update
    if not rows:
        update(remote_ref=op.remote_ref, **fields)
        return
    with transaction.atomic(savepoint=False):  # no savepoint inside a caller's transaction
        update(remote_ref=op.remote_ref, **fields)
        log_steps(rows)


def _note(op: Operation, step: str, **text: str) -> None:
    """A log line, written with the step's next write of the operation's row."""
    op.pending_steps = [*getattr(op, "pending_steps", []), step_row(op, step, **text)]


def _release(op: Operation, **fields: Any) -> None:
    _write(op, lease_until=None, touched_at=timezone.now(), **fields)


def _audit(op: Operation, phase: str, result: str = AuditEvent.Result.SUCCESS, **detail) -> None:
    audit(
        action=f"snapshot.{op.kind}.{phase}",
        actor=op.requested_by_name or "scheduler",
        source=AuditEvent.Source.TASK,
        target=op,
        result=result,
        detail={"vm": op.vm_id, "vm_name": op.vm.name, "name": op.params.get("name", "")} | detail,
    )


def operation_step(operation_id: int) -> float | None:
    """Advance one operation by one step; return seconds until the next step, or None."""
    now = timezone.now()
    op = (
        Operation.objects.active()
        .select_related("vm__endpoint", "snapshot")
        .filter(pk=operation_id)
        .first()
    )
    if op is None or (op.lease_until is not None and op.lease_until >= now):
        return None  # ended, or another worker holds it
    looks_first = not op.remote_ref and op.attempts > 0  # an earlier submit may have gone out
    if not _claim(op, now):
        return None  # another worker took it since it was read
    lease = None
    try:
        with connector_for(op.vm.endpoint_id, op.vm.endpoint.connector_config()) as lease:
            return _advance(lease.connector, op, now, looks_first)
    except ConnectorError as exc:
        if lease is not None and lease.reused and isinstance(exc, AuthenticationError):
            # The kept session ended on the server (restart, idle timeout); nothing was done
            # with it, so step again at once with a fresh login (a fresh one is not retried).
            log.info("operation %s: kept session of %s refused; logging in again", op.pk, exc)
            _release(op)
            return 0.0
        errors = int(op.params.get("_transient_errors", 0)) + 1
        if exc.permanent or errors >= MAX_TRANSIENT_ERRORS:
            _fail(op, str(exc))
            return None
        log.warning("operation %s: %s (will retry)", op.pk, exc)
        _note(
            op,
            Step.RETRY,
            remote_ref=op.remote_ref,
            message=f"{exc} (attempt {errors} of {MAX_TRANSIENT_ERRORS})",
        )
        op.params["_transient_errors"] = errors
        _release(op, params=op.params)
        return min(60.0, POLL_SECONDS * 2**errors)
    except Exception as exc:
        log.exception("operation %s failed unexpectedly", op.pk)
        _fail(op, f"unexpected error: {exc.__class__.__name__}: {exc}")
        return None


def _advance(connector: Any, op: Operation, now: dt.datetime, looks_first: bool) -> float | None:
    """Submit, or look at the submitted task; the delay until the next step, or None."""
    if not op.remote_ref:
        if looks_first:
            done, record = _already_done(connector, op)
            log_step(
                op,
                Step.LOOKED_FOR,
                message=(
                    f"found: {record.external_id if record else 'the work is done'}"
                    if done
                    else "not found; submitting again"
                ),
            )
            if done:
                _succeed(op, record=record, adopted=True)
                return None
            op.attempts += 1
            Operation.objects.filter(pk=op.pk).update(attempts=op.attempts)
        try:
            op.remote_ref = _submit(connector, op)
        except ObjectGoneError:
            if op.kind != Operation.Kind.DELETE or op.attempts == 1:
                raise
            # vCenter: an earlier submit, cut off by a crash, removed the snapshot already.
            _succeed(op, adopted=True)
            return None
        _note(op, Step.SUBMITTED, sent=describe_submit(op), remote_ref=op.remote_ref)
        # Most snapshot tasks end within a second: watch them briefly on this connection
        # (well inside the lease) rather than paying a new task and a new request round. The
        # remote reference is stored with the first look: with the end when the task has
        # ended by then, else on its own before watching on (a crash before it is stored is
        # the case of a cut-off submit, found again as above).
        logged, stored = "", False
        for delay in INLINE_POLLS:
            time.sleep(delay)
            status = _status(connector, op)
            logged = _note_state(op, status, logged)
            if _ended(connector, op, status):
                return None
            if not stored:
                _write(op, touched_at=timezone.now())
                stored = True
        _release(op)
        return FIRST_POLL_SECONDS
    status = _status(connector, op)
    _note_state(op, status, last_remote_state(op))
    if _ended(connector, op, status):
        return None
    if op.started_at and now - op.started_at > DEADLINE:
        _fail(op, f"the remote task {op.remote_ref} still runs after {DEADLINE}; given up")
        return None
    _release(op)
    running = (now - (op.started_at or now)).total_seconds()
    return min(POLL_SECONDS, max(FIRST_POLL_SECONDS, running / 2))


def _status(connector: Any, op: Operation) -> TaskStatus:
    """The remote task's state; for a create also the VM's snapshots where the platform reads
    them in the same request (vCenter), so the new one needs no second look."""
    if op.kind == Operation.Kind.CREATE:
        return connector.task_status(op.remote_ref, vm_external_id=op.vm.external_id)
    return connector.task_status(op.remote_ref)


def _note_state(op: Operation, status: TaskStatus, logged: str) -> str:
    """Log the remote task's state when it is new (not every poll); the state now logged."""
    if status.state not in ("succeeded", "failed") and status.state != logged:
        _note(op, Step.POLLED, remote_ref=op.remote_ref, message=status.state)
        return status.state
    return logged


def _ended(connector: Any, op: Operation, status: TaskStatus) -> bool:
    """Record a finished remote task; False while it still runs."""
    if status.state == "succeeded":
        record = None
        if op.kind == Operation.Kind.CREATE:
            record = connector.created_snapshot(
                op.vm.external_id, op.params["name"], op.remote_ref, status
            )
        _succeed(op, record=record)
        return True
    if status.state == "failed":
        _fail(op, status.error or "the platform's task failed without a message")
        return True
    return False


def _already_done(connector: Any, op: Operation) -> tuple[bool, SnapshotRecord | None]:
    """After a crash: did an earlier submit of this operation already do the work?

    A create answers with the snapshot it made (adopted only when the platform ties it to this
    operation's submit); a delete is done when the snapshot is gone. A revert is repeated (the
    same result twice).
    """
    if op.kind == Operation.Kind.CREATE:
        record = connector.find_lost_snapshot(
            op.vm.external_id, op.params["name"], op.marker, op.started_at or op.created_at
        )
        return record is not None, record
    if op.kind == Operation.Kind.DELETE and op.snapshot is not None:
        return not connector.snapshot_exists(op.vm.external_id, op.snapshot.external_id), None
    return False, None


def _submit(connector: Any, op: Operation) -> str:
    p = op.params
    if op.kind == Operation.Kind.CREATE:
        return connector.create_snapshot(
            op.vm.external_id,
            p["name"],
            description=p.get("description", ""),
            memory=bool(p.get("memory")),
            quiesce=bool(p.get("quiesce")),
            marker=op.marker,
        )
    if op.snapshot is None:
        raise ConnectorError("the snapshot of this operation is no longer known", permanent=True)
    if op.kind == Operation.Kind.DELETE:
        return connector.delete_snapshot(op.snapshot.external_id)
    return connector.revert_snapshot(op.snapshot.external_id)


def _succeed(op: Operation, *, record: SnapshotRecord | None = None, adopted: bool = False) -> None:
    if op.kind == Operation.Kind.CREATE and record is None:
        _fail(
            op,
            "the platform reported success, but no snapshot it ties to this operation's task "
            "exists; none was taken as the operation's own",
        )
        return
    with transaction.atomic():
        now = timezone.now()
        if op.kind == Operation.Kind.CREATE:
            op.snapshot = _store_created(op, record, now)
        elif op.kind == Operation.Kind.DELETE:
            _store_deleted(op.snapshot, now)
        else:
            _store_reverted(op.snapshot)
        identity = (
            {"identified_by": op.vm.endpoint.traits.snapshot_identity}
            if adopted and op.kind == Operation.Kind.CREATE
            else {}
        )
        found = f"snapshot {op.snapshot.external_id}" if op.snapshot is not None else "done"
        _end(
            op,
            Operation.State.SUCCEEDED,
            now,
            f"{found}{' (adopted after a crash)' if adopted else ''}",
            {"snapshot": op.snapshot, "error": ""},
            snapshot=op.snapshot_id,
            adopted=adopted,
            ref=op.remote_ref,
            **identity,
        )


def _fail(op: Operation, error: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        _end(
            op,
            Operation.State.FAILED,
            now,
            error,
            {"error": error[:4000]},
            error=error[:500],
            ref=op.remote_ref,
        )
        transaction.on_commit(
            lambda: operation_failed.send_robust(sender=Operation, operation_id=op.pk)
        )


def _end(
    op: Operation,
    state: str,
    now: dt.datetime,
    message: str,
    fields: dict[str, Any],
    **detail: Any,
) -> None:
    """The end of ``op`` (inside the caller's transaction): its row, the log lines of this step
    with the last one, the audit event and its policy's account."""
    _note(op, state, remote_ref=op.remote_ref, message=message)
    _write(op, state=state, finished_at=now, lease_until=None, touched_at=now, **fields)
    op.state = state
    ok = state == Operation.State.SUCCEEDED
    result = AuditEvent.Result.SUCCESS if ok else AuditEvent.Result.FAILURE
    _audit(op, state, result, **detail)
    _after(op)  # in the same transaction: no moment where the VM looks idle


def _after(op: Operation) -> None:
    """Let a policy prune and account its run once one of its operations has ended."""
    if op.policy_id is None:
        return  # a manual operation: no policy to account to
    from operations.services.policies import policy_operation_ended

    policy_operation_ended(operation_id=op.pk)


# ----------------------------------------------------------------- targeted inventory update


def _store_created(op: Operation, record: SnapshotRecord, now: dt.datetime) -> Snapshot:
    """Write the new snapshot row with its governance fields (a full sync is not needed)."""
    p = op.params
    vm = op.vm
    # The parent's row is looked up inside the INSERT (a subquery), not by a statement of its own.
    parent = (
        Subquery(
            Snapshot.objects.filter(
                endpoint_id=vm.endpoint_id, external_id=record.parent_external_id
            ).values("pk")[:1]
        )
        if record.parent_external_id
        else None
    )
    Snapshot.objects.filter(vm=vm, current=True).update(current=False)
    expires = p.get("expires_at")
    values = {
        "vm": vm,
        "name": record.name,
        "description": record.description,
        "created_at": record.created_at or now,
        "quiesced": record.quiesced,
        "with_memory": record.with_memory,
        "current": True,
        "parent_id": parent,
        "absent_since": None,
        "last_seen": now,
        "created_by": op.requested_by_name,
        "owner_id": op.requested_by_id,
        "reason": p.get("reason", ""),
        "expires_at": dt.datetime.fromisoformat(expires) if expires else None,
        "made_by_portal": True,
    }
    # One INSERT ... ON CONFLICT: the row is new unless a sync saw the snapshot first.
    (snapshot,) = Snapshot.objects.bulk_create(
        [Snapshot(endpoint_id=vm.endpoint_id, external_id=record.external_id, **values)],
        update_conflicts=True,
        unique_fields=["endpoint", "external_id"],
        update_fields=[name.removesuffix("_id") for name in values],
    )
    # The subquery's answer is in the row, not in memory: leave the field deferred (read on use).
    snapshot.__dict__.pop("parent_id", None)
    return snapshot


def _store_deleted(snapshot: Snapshot | None, now: dt.datetime) -> None:
    if snapshot is None:
        return
    # The platforms move "current" to the parent and re-parent the children.
    Snapshot.objects.filter(parent=snapshot).update(parent=snapshot.parent_id)
    if snapshot.current and snapshot.parent_id:
        Snapshot.objects.filter(pk=snapshot.parent_id).update(current=True)
    Snapshot.objects.filter(pk=snapshot.pk).update(absent_since=now, current=False, last_seen=now)


def _store_reverted(snapshot: Snapshot | None) -> None:
    if snapshot is None:
        return
    Snapshot.objects.filter(vm_id=snapshot.vm_id, current=True).update(current=False)
    Snapshot.objects.filter(pk=snapshot.pk).update(current=True)


def operations_reconcile(*, stale_after: dt.timedelta = STALE_AFTER) -> list[int]:
    """Ids of active operations nobody has looked at for ``stale_after`` (lost messages,
    crashed workers); the caller queues a step for each."""
    now = timezone.now()
    return list(
        Operation.objects.active()
        .filter(touched_at__lte=now - stale_after)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", flat=True)[:500]
    )
