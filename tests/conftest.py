"""Shared fixtures: users for each role, API clients, a real Celery worker on Redis.

Simulator fixtures live in tests/harness/*_fixtures.py (around the simulators in the top-level
``simulators`` package, which the demo and the benchmarks share) and are registered below.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.second_factor import verify_session

pytest_plugins = [
    "tests.harness.vcsim_fixtures",
    "tests.harness.fakepve_fixtures",
]

ROLES = ("administrator", "security_officer", "auditor")


def pytest_configure(config):
    _flush_sqlite_past_the_audit_guard()
    _lifecycle_data_as_of_today()


def _lifecycle_data_as_of_today() -> None:
    """The shipped lifecycle data, dated today, for the whole session (and the Celery workers it
    starts): the shipped file ages with the calendar and PAT-003 would warn on every vCenter, so
    a test would pass or fail by the day it runs. Tests of the shipped file name it themselves."""
    import datetime as dt
    import json
    import tempfile
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[1] / "compliance" / "data" / "vmware_lifecycle.json"
    data = json.loads(shipped.read_text(encoding="utf-8"))
    data["as_of"] = dt.date.today().isoformat()
    handle, path = tempfile.mkstemp(prefix="lifecycle-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out)
    os.environ["COMPLIANCE_LIFECYCLE_FILE"] = path
    settings.COMPLIANCE_LIFECYCLE_FILE = path


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.postgres_only(reason=...)``: skipped on SQLite, saying why."""
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    for item in items:
        marker = item.get_closest_marker("postgres_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            assert reason, f"{item.nodeid}: postgres_only needs a reason"
            item.add_marker(pytest.mark.skip(reason=f"PostgreSQL only: {reason}"))


def _flush_sqlite_past_the_audit_guard() -> None:
    """Empty SQLite test databases the way PostgreSQL's are: past the append-only guard.

    pytest-django empties the database after each transactional test (``flush``). PostgreSQL
    does that with TRUNCATE, which the audit table's row trigger does not see; SQLite has no
    TRUNCATE, and its DELETE meets the trigger. The guard is lifted for the flush only, in the
    flush's own transaction, and is back before the next test.
    """
    import importlib

    from django.db.backends.sqlite3.base import DatabaseOperations

    guard = importlib.import_module("portal.migrations.0002_roles_append_only_heartbeat")
    original = DatabaseOperations.execute_sql_flush
    if getattr(original, "past_audit_guard", False):
        return

    def execute_sql_flush(self, sql_list):
        lift = [f"DROP TRIGGER IF EXISTS portal_audit_no_{op}" for op in ("update", "delete")]
        return original(self, [*lift, *sql_list, *guard.APPEND_ONLY_SQLITE])

    execute_sql_flush.past_audit_guard = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit and throttle counters live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A German request leaves German active in the thread (LocaleMiddleware does not reset
    it): a later test's service message would then be German. Each test ends in English."""
    yield
    from django.utils import translation

    translation.activate("en")


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


def worker_env(queue: str, **extra: str) -> dict[str, str]:
    """The environment of a test's worker process on ``queue``: the test database, the suite's
    broker and keys, then ``extra`` (the settings a test gives its worker)."""
    embedded = not os.environ.get("CELERY_BROKER_URL")
    env = {
        "DATABASE_URL": _test_database_url(),
        # Empty: the embedded default, on the same file under the same PORTAL_VAR_DIR.
        "CELERY_BROKER_URL": "" if embedded else settings.CELERY_BROKER_URL,
        "PORTAL_VAR_DIR": str(settings.VAR_DIR),
        "CELERY_QUEUE": queue,
        "DEBUG": "true",
    }
    for key in ("SECRET_KEY", "ENCRYPTION_KEYS"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    return env | extra


@pytest.fixture(scope="session")
def worker_queue():
    """A queue of this session's own, set on the app the tests send with."""
    from portal.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    return queue


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, worker_queue):
    """A real worker process on the suite's broker (Redis, or the embedded one on the SQLite
    run), sharing the test database. Use with transactional_db."""
    from simulators.worker import Worker

    worker = Worker(worker_env(worker_queue), worker_queue).start()
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
