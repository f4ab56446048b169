"""Real peers for the notification tests: a generated CA, an SMTP server (aiosmtpd) that
requires STARTTLS, an HTTPS webhook receiver that checks signatures, and a Celery worker of
this module's own whose environment points at them (as an operator would set it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.peers.smtp import SmtpServer
from tests.peers.tlsca import make_ca
from tests.peers.webhook import WebhookReceiver

SECRET = "test-webhook-secret-0123456789abcdef"
RETRY_BASE = 1  # seconds; the worker's NOTIFY_RETRY_BASE_SECONDS
MAX_ATTEMPTS = 4


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("notify-ca"))


@pytest.fixture(scope="session")
def smtp(test_ca) -> Iterator[SmtpServer]:
    with SmtpServer(test_ca) as server:
        yield server


@pytest.fixture(scope="session")
def hooks(test_ca) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(test_ca, SECRET) as receiver:
        yield receiver


@pytest.fixture(scope="session")
def notify_worker(django_db_setup, django_db_blocker, smtp, hooks, test_ca):
    """A worker on a queue of its own, with mail and webhook settings from its environment."""
    from simulators.worker import Worker
    from tests.conftest import worker_env

    queue = f"notify-{uuid.uuid4().hex[:8]}"
    env = worker_env(
        queue,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        EMAIL_USE_TLS="true",
        EMAIL_CA_FILE=str(test_ca.ca_file),
        EMAIL_TIMEOUT="20",
        NOTIFY_WEBHOOK_CA_FILE=str(test_ca.ca_file),
        NOTIFY_TIMEOUT_SECONDS="60",
        NOTIFY_RETRY_BASE_SECONDS=str(RETRY_BASE),
        NOTIFY_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
    )
    worker = Worker(env, queue, name="notify").start()
    yield worker
    worker.stop()


@pytest.fixture
def notifier(transactional_db, notify_worker) -> Iterator:
    """The module's worker for one test; what the test sends goes to its queue, and it has
    finished before the database is emptied."""
    from portal.celery import app

    before = app.conf.task_default_queue
    app.conf.task_default_queue = notify_worker.queue
    try:
        yield notify_worker
    finally:
        notify_worker.settle(app)
        app.conf.task_default_queue = before
