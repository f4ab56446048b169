"""The log of one operation: what the portal did, what it sent to the platform, what it heard.

:func:`log_step` appends one :class:`~operations.models.OperationStep`; the runner calls it at
each turn (queued, started, submitted with the platform's task id, each change of the remote
task's state, retries, the end). The operation's page shows the lines as a live log.

Nothing secret goes in: ``sent`` is made from the operation's own parameters (names, ids,
flags; the session and credentials are the connector's and never reach here), and messages
from the platform pass :func:`redact` first, as a second line of defence in case a platform
echoes a ``password=...`` or a ticket in an error.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from operations.models import Operation, OperationStep

Step = OperationStep.Step

_SECRET = re.compile(
    r"(?i)\b(password|passwd|secret|token|ticket|csrfpreventiontoken|authorization|cookie)"
    r"(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&]+)"
)


def redact(text: str) -> str:
    """``text`` with the value after any ``password=``, ``token:`` ... replaced."""
    return _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text or "")


def step_row(
    op: Operation, step: str, *, sent: str = "", remote_ref: str = "", message: str = ""
) -> OperationStep:
    """One line of ``op``'s log, not yet written (the runner writes the lines of a step together
    with the operation's row, :func:`log_steps`); ``at`` is now, when it happened."""
    return OperationStep(
        operation_id=op.pk,
        at=timezone.now(),
        step=step,
        sent=redact(sent)[:500],
        remote_ref=(remote_ref or "")[:255],
        message=redact(message)[:4000],
    )


def log_step(
    op: Operation, step: str, *, sent: str = "", remote_ref: str = "", message: str = ""
) -> OperationStep:
    """Append one line to ``op``'s log."""
    row = step_row(op, step, sent=sent, remote_ref=remote_ref, message=message)
    row.save(force_insert=True)
    return row


def log_steps(rows: list[OperationStep]) -> None:
    """Append lines made by :func:`step_row`, in their order, in one statement."""
    if rows:
        OperationStep.objects.bulk_create(rows)


def describe_submit(op: Operation) -> str:
    """What the runner asks of the platform for ``op``, in plain words (no secrets)."""
    p: dict[str, Any] = op.params
    vm = op.vm
    if op.kind == Operation.Kind.CREATE:
        flags = f"memory={bool(p.get('memory'))}, quiesce={bool(p.get('quiesce'))}"
        return f"create snapshot '{p.get('name', '')}' of VM {vm.external_id} ({flags})"
    snapshot = op.snapshot
    target = f"'{snapshot.name}' ({snapshot.external_id})" if snapshot else "(unknown snapshot)"
    verb = "delete snapshot" if op.kind == Operation.Kind.DELETE else "revert VM to snapshot"
    return f"{verb} {target} of VM {vm.external_id}"


def last_remote_state(op: Operation) -> str:
    """The remote task state the log last recorded for ``op`` ("" when none)."""
    step = (
        OperationStep.objects.filter(operation_id=op.pk, step=Step.POLLED)
        .order_by("-at", "-id")
        .only("message")
        .first()
    )
    return step.message if step else ""
