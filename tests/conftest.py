"""Shared fixtures: users for each role, API clients, a real Celery worker on Redis.

Simulator fixtures live in tests/harness/*_fixtures.py and are registered below.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from portal.security.testing import verify_session
from tests.factories import PASSWORD, UserFactory

pytest_plugins = [
    "tests.harness.vcsim_fixtures",
    "tests.harness.fakepve_fixtures",
]

ROLES = ("administrator", "security_officer", "auditor")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit and throttle counters live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def admin_user(db):
    return UserFactory(username="alice-admin", role="administrator")


@pytest.fixture
def officer(db):
    return UserFactory(username="olga-officer", role="security_officer")


@pytest.fixture
def auditor(db):
    return UserFactory(username="arne-auditor", role="auditor")


@pytest.fixture
def users(admin_user, officer, auditor):
    return {"administrator": admin_user, "security_officer": officer, "auditor": auditor}


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a Django test client logged in as ``user``, second factor passed."""

    def make(user):
        return verify_session(client, user)

    return make


@pytest.fixture
def api_for():
    """``api_for(user)``: a DRF client with a session of ``user`` that passed the second factor."""

    def make(user):
        return verify_session(APIClient(), user)

    return make


@pytest.fixture
def password():
    return PASSWORD


class ManualClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def progress_clock(monkeypatch):
    """The progress reporter's clock, held by the test: writes within a phase happen only when
    the test advances it, never because the machine was slow (query counts stay exact)."""
    from inventory.services import progress

    manual = ManualClock()
    monkeypatch.setattr(progress, "clock", manual)
    return manual


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    return (
        f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


@pytest.fixture(scope="session")
def worker_queue():
    """A queue of this session's own, set on the app the tests send with."""
    from portal.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    return queue


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, worker_queue):
    """A real worker process on Redis, sharing the test database. Use with transactional_db."""
    from tests.harness.worker import Worker

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail(
            "celery_worker needs CELERY_BROKER_URL=redis://...; run the suite with `make test`"
        )
    env = {
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": worker_queue,
        "DEBUG": "true",
    }
    for key in ("SECRET_KEY", "ENCRYPTION_KEYS"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    worker = Worker(env, worker_queue).start()
    _SESSION_WORKER.append(worker)
    yield worker
    _SESSION_WORKER.clear()
    worker.stop()


_SESSION_WORKER: list = []  # the session's worker, once a test has started it


@pytest.fixture
def transactional_db(transactional_db):
    """pytest-django's, plus: before the flush, the worker has finished the test's tasks.

    The worker outlives each test; work a test leaves behind (a sync's follow-up check run, an
    operation's next step) would otherwise race the next flush or land in the next test.
    """
    yield transactional_db
    if _SESSION_WORKER:
        from portal.celery import app

        _SESSION_WORKER[0].settle(app)
