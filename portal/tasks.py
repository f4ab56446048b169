"""Portal tasks and the one way to enqueue a task."""

from __future__ import annotations

import socket

from celery import shared_task
from celery.signals import beat_init, worker_ready
from django.db import transaction
from django.utils import timezone

from .models import Heartbeat


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
