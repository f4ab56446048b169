"""Snapshot operations requested by people, policies and the expiry task.

Each service validates, writes one :class:`Operation` row in the caller's transaction, audits
the request and announces it (``operation_queued``); operations/tasks.py queues the task with
the operation id once that transaction commits. Nothing
here talks to a hypervisor: a request never waits on one (the task does the work, see
:mod:`operations.services.operation_runner`).

Refusals name what to change: :class:`~django.core.exceptions.ValidationError` for input the
platform would refuse (400), :class:`OperationConflict` for the state of the VM or snapshot (409).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.connectors.platforms import traits_for
from inventory.connectors.traits import SnapshotNameError
from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation
from operations.services.steps import Step, log_step
from operations.signals import operation_queued
from portal.audit import audit, source_for_trigger

DESCRIPTION_MAX = 1000
REASON_MAX = 255
IDEMPOTENCY_KEY_MAX = 200


class OperationConflict(Exception):
    """The VM or snapshot is not in a state that allows the operation (answered 409)."""


def _actor_name(actor: Any) -> str:
    if actor is None:
        return ""
    return actor if isinstance(actor, str) else actor.get_username()


def _actor_user(actor: Any):
    return None if actor is None or isinstance(actor, str) else actor


def validate_snapshot_name(kind: str, name: str) -> str:
    """Refuse a name the platform would refuse (its traits say which), before anything is
    queued."""
    try:
        return traits_for(kind).clean_snapshot_name(name)
    except SnapshotNameError as exc:
        raise ValidationError({"name": str(exc)}) from None


def _check_vm(vm: VirtualMachine) -> None:
    if vm.absent_since is not None:
        raise OperationConflict(
            f"VM {vm.name} is no longer present on {vm.endpoint.name} (absent since "
            f"{vm.absent_since:%Y-%m-%d %H:%M} UTC); sync the endpoint if it is back"
        )
    if vm.template:
        raise OperationConflict(f"{vm.name} is a template; templates have no snapshots")


def _check_snapshot(snapshot: Snapshot) -> None:
    if snapshot.absent_since is not None:
        raise OperationConflict(
            f"snapshot {snapshot.name} no longer exists on {snapshot.vm.name} (absent since "
            f"{snapshot.absent_since:%Y-%m-%d %H:%M} UTC)"
        )
    _check_vm(snapshot.vm)


def operation_replay(*, actor: Any, idempotency_key: str | None) -> Operation | None:
    """The operation this user already asked for with this key, if any."""
    user = _actor_user(actor)
    key = (idempotency_key or "").strip()  # as _open stores it
    if not key or user is None:
        return None
    return (
        Operation.objects.select_related("vm", "snapshot")
        .filter(requested_by=user, idempotency_key=key)
        .first()
    )


def _same_request(op: Operation, kind: str, vm: VirtualMachine) -> Operation:
    """The replayed operation, marked ``replayed`` (the API answers its first answer again)."""
    if op.kind != kind or op.vm_id != vm.pk:
        raise OperationConflict(
            "this Idempotency-Key was already used for a different request; use a new key"
        )
    op.replayed = True
    return op


class _Refused(Exception):
    """The database refused the operation's row; answered once the transaction is rolled back."""

    def __init__(self, kind: str, vm: VirtualMachine, actor: Any, key: str) -> None:
        super().__init__(kind)
        self.args_ = (kind, vm, actor, key)


def _refused(kind: str, vm: VirtualMachine, actor: Any, key: str) -> Operation:
    """After a refused INSERT: the same key raced in from a second request (its operation),
    or another operation on the VM is active (OperationConflict)."""
    replay = operation_replay(actor=actor, idempotency_key=key)
    if replay is not None:
        return _same_request(replay, kind, vm)
    active = Operation.objects.active().filter(vm=vm).first()
    raise OperationConflict(
        f"another operation on {vm.name} is still {active.state if active else 'active'}"
        f"{f' (#{active.pk}, {active.kind})' if active else ''}; wait until it has ended"
    ) from None


def _service(fn: Callable[..., Operation]) -> Callable[..., Operation]:
    """A service in one transaction; a refused INSERT is answered after its rollback."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Operation:
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        except _Refused as refused:
            return _refused(*refused.args_)

    return run


def _open(
    *,
    kind: str,
    vm: VirtualMachine,
    snapshot: Snapshot | None,
    params: dict[str, Any],
    actor: Any,
    request: Any,
    idempotency_key: str | None,
    policy: Any = None,
    policy_run: Any = None,
    source: str | None = None,
) -> Operation:
    """Write the Operation, audit the request and enqueue the task on commit.

    ``source``: where the request came from when there is no HTTP request (the policy run's
    trigger for policy snapshots; the schedule for expiry), else the request's.
    """
    key = (idempotency_key or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationError(
            {"idempotency_key": f"use an Idempotency-Key of at most {IDEMPOTENCY_KEY_MAX} chars"}
        )
    # (The public services answered a replay of the key before they checked anything.)
    # Inside the service's own transaction the INSERT needs no savepoint (two statements
    # fewer): a refusal rolls the whole transaction back and :func:`_service` answers after
    # it. Inside a caller's transaction (a policy run, a bulk delete) a savepoint keeps the
    # caller's work.
    own = len(transaction.get_connection().atomic_blocks) == 1
    try:
        with transaction.atomic(savepoint=not own):
            op = Operation.objects.create(
                kind=kind,
                vm=vm,
                snapshot=snapshot,
                params=params,
                requested_by=_actor_user(actor),
                requested_by_name=_actor_name(actor),
                idempotency_key=key if _actor_user(actor) is not None else "",
                policy=policy,
                policy_run=policy_run,
            )
    except IntegrityError:
        if own:
            raise _Refused(kind, vm, actor, key) from None
        return _refused(kind, vm, actor, key)
    if source is None and request is None and policy_run is not None:
        source = source_for_trigger(policy_run.trigger)
    audit(
        action=f"snapshot.{kind}.requested",
        request=request,
        source=source,
        actor=actor,
        target=op,
        detail={"vm": vm.pk, "vm_name": vm.name, "snapshot": snapshot.pk if snapshot else None}
        | {k: v for k, v in params.items() if k != "description"},
    )
    log_step(op, Step.QUEUED, message=f"requested by {op.requested_by_name or 'the portal'}")
    operation_queued.send(sender=Operation, operation_id=op.pk)
    return op


@_service
def snapshot_create(
    *,
    vm: VirtualMachine,
    name: str,
    description: str = "",
    memory: bool = False,
    quiesce: bool = False,
    reason: str = "",
    expires_at: dt.datetime | None = None,
    actor: Any,
    request: Any = None,
    idempotency_key: str | None = None,
    policy: Any = None,
    policy_run: Any = None,
) -> Operation:
    """Queue a snapshot of ``vm``; ``expires_at`` defaults to SNAPSHOT_DEFAULT_EXPIRY_HOURS.

    Policy snapshots (``policy`` given) do not expire: their policy prunes them.
    """
    replay = operation_replay(actor=actor, idempotency_key=idempotency_key)
    if replay is not None:
        return _same_request(replay, Operation.Kind.CREATE, vm)
    _check_vm(vm)
    traits = vm.endpoint.traits
    name = validate_snapshot_name(traits.kind, name)
    errors: dict[str, str] = {}
    if len(description or "") > DESCRIPTION_MAX:
        errors["description"] = f"shorten the description to {DESCRIPTION_MAX} characters"
    if len(reason or "") > REASON_MAX:
        errors["reason"] = f"shorten the reason to {REASON_MAX} characters"
    if memory and vm.kind == "lxc":
        errors["memory"] = "containers have no memory state; untick 'memory'"
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = "the expiry lies in the past; give a time in the future"
    if errors:
        raise ValidationError(errors)
    if expires_at is None and policy is None:
        expires_at = now + dt.timedelta(hours=settings.SNAPSHOT_DEFAULT_EXPIRY_HOURS)
    if traits.snapshot_names_unique and vm.snapshots.present().filter(name=name).exists():
        raise OperationConflict(
            f"{vm.name} already has a snapshot named {name!r}; choose another name"
        )
    params = {
        "name": name,
        "description": description or "",
        "memory": bool(memory),
        "quiesce": bool(quiesce),
        "reason": reason or "",
        "expires_at": expires_at.isoformat() if expires_at else None,
    }
    return _open(
        kind=Operation.Kind.CREATE,
        vm=vm,
        snapshot=None,
        params=params,
        actor=actor,
        request=request,
        idempotency_key=idempotency_key,
        policy=policy,
        policy_run=policy_run,
    )


def _on_snapshot(
    kind: str,
    snapshot: Snapshot,
    *,
    actor: Any,
    reason: str,
    request: Any,
    idempotency_key: str | None,
    **origin: Any,
) -> Operation:
    """Queue ``kind`` on an existing snapshot (delete, revert).

    A replay of the same Idempotency-Key answers before the snapshot is checked: the first
    request may have removed it. ``origin``: ``policy``, ``policy_run``, ``source`` for ``_open``.
    """
    replay = operation_replay(actor=actor, idempotency_key=idempotency_key)
    if replay is not None:
        return _same_request(replay, kind, snapshot.vm)
    _check_snapshot(snapshot)
    return _open(
        kind=kind,
        vm=snapshot.vm,
        snapshot=snapshot,
        params={"name": snapshot.name, "reason": reason[:REASON_MAX]},
        actor=actor,
        request=request,
        idempotency_key=idempotency_key,
        **origin,
    )


@_service
def snapshot_delete(
    *,
    snapshot: Snapshot,
    actor: Any,
    reason: str = "",
    request: Any = None,
    idempotency_key: str | None = None,
    policy: Any = None,
    policy_run: Any = None,
    source: str | None = None,
) -> Operation:
    """Queue the deletion of ``snapshot`` (its children are kept)."""
    return _on_snapshot(
        Operation.Kind.DELETE,
        snapshot,
        actor=actor,
        reason=reason,
        request=request,
        idempotency_key=idempotency_key,
        policy=policy,
        policy_run=policy_run,
        source=source,
    )


@_service
def snapshot_revert(
    *,
    snapshot: Snapshot,
    actor: Any,
    reason: str = "",
    request: Any = None,
    idempotency_key: str | None = None,
) -> Operation:
    """Queue a revert of the VM to ``snapshot`` (Proxmox stops the VM; vCenter keeps memory)."""
    return _on_snapshot(
        Operation.Kind.REVERT,
        snapshot,
        actor=actor,
        reason=reason,
        request=request,
        idempotency_key=idempotency_key,
    )
