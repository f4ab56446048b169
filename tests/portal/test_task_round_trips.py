"""Tasks really travel: through a worker on Redis, and through the embedded broker."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import transaction

from portal.models import Heartbeat
from portal.tasks import enqueue, ping
from tests.conftest import _test_database_url
from tests.harness.worker import Worker


def wait_for_ping(nonce: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(kind="ping", name=nonce).exists():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_a_task_enqueued_on_commit_runs_in_a_worker_on_redis(transactional_db, celery_worker):
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
        broker = Path(tmp_path) / "broker"
        sender = Celery(
            broker="filesystem://",
            broker_transport_options={
                "data_folder_in": str(broker / "queue"),
                "data_folder_out": str(broker / "queue"),
                "control_folder": str(broker / "control"),
            },
        )
        nonce = uuid.uuid4().hex
        sender.send_task("portal.ping", args=[nonce], queue=queue, serializer="json")
        assert wait_for_ping(nonce), worker.log()[-2000:]
        assert "filesystem://" in worker.log()
    assert os.path.isdir(broker / "queue")
