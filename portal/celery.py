"""The Celery app: JSON only, late acknowledgement, prefetch 1, time limits on every task.

Tasks take ids, never secrets or objects, and are enqueued with ``transaction.on_commit`` (see
:func:`portal.tasks.enqueue`) so a worker never sees a row that is not committed yet.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init

from . import broker  # noqa: F401  (registers the embedded broker's portalqueue:// scheme)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    event_serializer="json",
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    result_backend=None,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_scheduler="django_celery_beat.schedulers:DatabaseScheduler",
    timezone="UTC",
)
app.autodiscover_tasks()


@worker_init.connect
def _check_services(**kwargs) -> None:
    """Stop a worker at start with one clear line when its database or broker is unreachable."""
    import sys

    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        sys.stderr.write(f"database unreachable (check DATABASE_URL): {first}\n")
        os._exit(3)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2, interval_start=0.5, timeout=5)
    except Exception as exc:  # kombu raises transport-specific errors
        sys.stderr.write(
            f"broker unreachable (check CELERY_BROKER_URL): {exc.__class__.__name__}: {exc}\n"
        )
        os._exit(3)
