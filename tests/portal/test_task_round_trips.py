"""Tasks really travel: through a worker on the suite's broker, and through the embedded one."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import transaction

from portal.models import Heartbeat
from portal.tasks import enqueue, ping

from .conftest import wait_for_ping


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
def test_a_task_runs_in_a_separate_worker_through_the_embedded_broker(embedded_worker):
    assert embedded_worker.ping(uuid.uuid4().hex), embedded_worker.worker.log()[-2000:]
    assert "portalqueue://" in embedded_worker.worker.log()
    assert embedded_worker.broker.is_file()
