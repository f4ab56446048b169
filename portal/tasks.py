"""Portal tasks and the one way to enqueue a task (:func:`enqueue`).

How work reaches a worker, in every app (issue 13): a service never imports a task module. It
announces the work with a signal of its app (``inventory.signals.sync_requested``,
``operations.signals.operation_queued`` ...); the app's ``tasks`` module receives it (connected
in its ``AppConfig.ready()``) and calls :func:`enqueue`. A caller that queues work itself (a page,
an API view, a signal receiver) calls the tasks module's ``queue_*`` function. A task imports its
service inside the task; Celery finds each app's ``tasks`` module by autodiscovery.
"""

from __future__ import annotations

import socket

from celery import shared_task
from celery.signals import beat_init, task_failure, task_success, worker_ready
from django.db import transaction
from django.utils import timezone

from .models import Heartbeat, TaskOutcome


def enqueue(task, *args) -> None:
    """Send ``task`` with plain ids once the current transaction commits (now, outside one)."""
    transaction.on_commit(lambda: task.apply_async(args=args))


def _beat(kind: str, name: str) -> None:
    Heartbeat.objects.update_or_create(kind=kind, name=name, defaults={"seen_at": timezone.now()})


@shared_task(name="portal.heartbeat", soft_time_limit=30, time_limit=60)
def heartbeat(sent_by: str = "beat") -> None:
    """Run by a worker on beat's schedule: proves beat, broker and worker all move."""
    _beat("worker", socket.gethostname())
    if sent_by == "beat":
        _beat("beat", "beat")
    from .denials import denied_access_flush

    denied_access_flush()  # anonymous denials of finished minutes reach the trail


@worker_ready.connect
def _worker_ready(sender=None, **kwargs) -> None:
    _beat("worker", socket.gethostname())


@beat_init.connect
def _beat_init(sender=None, **kwargs) -> None:
    _beat("beat", "beat")


@shared_task(name="portal.ping", soft_time_limit=30, time_limit=60)
def ping(nonce: str) -> None:
    """Answer a liveness probe by recording ``nonce``; used by tests and the status page."""
    _beat("ping", nonce[:200])


def _periodic_name(task) -> str | None:
    """The PeriodicTask name beat put in the message's headers (None: not sent by beat)."""
    return getattr(task.request, "periodic_task_name", None) if task is not None else None


@task_success.connect
def _periodic_ok(sender=None, **kwargs) -> None:
    name = _periodic_name(sender)
    if name:
        TaskOutcome.objects.update_or_create(
            name=name,
            defaults={
                "task": sender.name,
                "ok": True,
                "error": "",
                "ran_at": timezone.now(),
                "failing_since": None,
                "failures": 0,
            },
        )


@task_failure.connect
def _periodic_failed(sender=None, exception=None, **kwargs) -> None:
    """Record a periodic task's failure (class and message, no traceback) for /status/."""
    name = _periodic_name(sender)
    if not name:
        return
    now = timezone.now()
    error = f"{exception.__class__.__name__}: {exception}"[:500]
    outcome, created = TaskOutcome.objects.get_or_create(
        name=name,
        defaults={"task": sender.name, "ok": False, "error": error, "ran_at": now,
                  "failing_since": now, "failures": 1},
    )  # fmt: skip
    if not created:
        TaskOutcome.objects.filter(pk=outcome.pk).update(
            task=sender.name,
            ok=False,
            error=error,
            ran_at=now,
            failing_since=outcome.failing_since or now,
            failures=outcome.failures + 1,
        )
