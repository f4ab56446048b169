"""A worker of a test's own on the embedded broker (a file under the test's ``tmp_path``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import Celery

from portal.models import Heartbeat
from simulators.worker import Worker
from tests.conftest import worker_env


def wait_for_ping(nonce: str, timeout: float = 30) -> bool:
    """Whether ``portal.ping(nonce)`` ran (it records a heartbeat) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(kind="ping", name=nonce).exists():
            return True
        time.sleep(0.2)
    return False


@dataclass
class EmbeddedWorker:
    worker: Worker
    sender: Celery  # not the portal's app: sends to this worker's broker file only
    queue: str
    broker: Path

    def ping(self, nonce: str) -> bool:
        """Send ``portal.ping(nonce)`` and wait until the worker ran it."""
        self.sender.send_task("portal.ping", args=[nonce], queue=self.queue, serializer="json")
        return wait_for_ping(nonce)


@pytest.fixture
def embedded_worker(transactional_db, tmp_path, monkeypatch) -> Iterator[EmbeddedWorker]:
    # Celery lets CELERY_BROKER_URL override any app's broker; this sender must not use Redis.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    queue = f"emb-{uuid.uuid4().hex[:6]}"
    env = worker_env(queue, PORTAL_VAR_DIR=str(tmp_path), CELERY_BROKER_URL="")
    broker = tmp_path / "broker" / "broker.sqlite3"
    with Worker(env, queue, concurrency=1, name="embedded") as worker:
        sender = Celery(
            broker="portalqueue://",
            broker_transport_options={"path": str(broker)},
            set_as_current=False,  # else shared tasks in later tests would send through it
        )
        yield EmbeddedWorker(worker, sender, queue, broker)
