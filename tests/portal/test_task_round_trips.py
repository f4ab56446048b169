"""Tasks really travel: through a worker on the suite's broker, and through the embedded one."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import transaction

from portal.models import Heartbeat
from portal.tasks import enqueue, ping
from simulators.worker import Worker
from tests.conftest import _test_database_url


def wait_for_ping(nonce: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(kind="ping", name=nonce).exists():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_a_task_enqueued_on_commit_runs_in_a_worker(transactional_db, celery_worker):
    nonce = uuid.uuid4().hex
    with transaction.atomic():
        enqueue(ping, nonce)
        # Not sent before commit: the worker must never see uncommitted rows.
        time.sleep(0.5)
        assert not Heartbeat.objects.filter(name=nonce).exists()
    assert wait_for_ping(nonce), celery_worker.log()[-2000:]


@pytest.mark.slow
def test_a_task_runs_in_a_separate_worker_through_the_embedded_broker(
    transactional_db, tmp_path, monkeypatch
):
    # Celery lets CELERY_BROKER_URL override any app's broker; this sender must not use Redis.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    queue = f"emb-{uuid.uuid4().hex[:6]}"
    env = {
        "PORTAL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": "",
        "CELERY_QUEUE": queue,
        "DEBUG": "true",
    }
    worker = Worker(env, queue, concurrency=1, name="embedded")
    with worker:
        broker = Path(tmp_path) / "broker" / "broker.sqlite3"
        sender = Celery(
            broker="portalqueue://",
            broker_transport_options={"path": str(broker)},
            set_as_current=False,  # else shared tasks in later tests would send through it
        )
        nonce = uuid.uuid4().hex
        sender.send_task("portal.ping", args=[nonce], queue=queue, serializer="json")
        assert wait_for_ping(nonce), worker.log()[-2000:]
        assert "portalqueue://" in worker.log()
    assert broker.is_file()
