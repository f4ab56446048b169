"""A periodic task that fails shows on /status/ (the demo's schedule failed every minute unseen)."""

from __future__ import annotations

import time

import pytest

from portal.celery import app
from portal.models import ObjectScope, TaskOutcome
from tests.inventory.factories import EndpointFactory

BEAT = {"periodic_task_name": "portal.heartbeat"}  # the header beat adds to what it sends


def wait_for_outcome(ok: bool, timeout: float = 30) -> TaskOutcome:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = TaskOutcome.objects.filter(name="portal.heartbeat", ok=ok).first()
        if outcome is not None:
            return outcome
        time.sleep(0.2)
    raise AssertionError(f"no outcome ok={ok}: {list(TaskOutcome.objects.values())}")


@pytest.mark.slow
def test_a_periodic_task_failing_in_the_worker_shows_on_status_until_it_runs_cleanly(
    transactional_db, celery_worker, client_for, auditor
):
    # Sent as beat sends it, with arguments the task does not take: it fails in the worker.
    app.send_task("portal.heartbeat", args=[1, 2, 3], headers=BEAT)
    app.send_task("portal.heartbeat", args=[1, 2, 3], headers=BEAT)
    outcome = wait_for_outcome(ok=False)
    deadline = time.monotonic() + 30
    while TaskOutcome.objects.get(pk=outcome.pk).failures < 2:
        assert time.monotonic() < deadline, celery_worker.log()[-2000:]
        time.sleep(0.2)
    outcome.refresh_from_db()
    assert outcome.task == "portal.heartbeat" and outcome.error.startswith("TypeError: ")
    page = client_for(auditor).get("/status/").content.decode()
    assert "Periodic tasks" in page and "portal.heartbeat failing since" in page
    assert "(2 in a row)" in page and "TypeError" in page

    app.send_task("portal.heartbeat", headers=BEAT)  # runs cleanly: no longer failing
    wait_for_outcome(ok=True)
    page = client_for(auditor).get("/status/").content.decode()
    assert "failing since" not in page and "no failure in their last runs" in page


@pytest.mark.slow
def test_a_task_not_sent_by_beat_leaves_no_outcome(transactional_db, celery_worker):
    from portal.models import Heartbeat
    from portal.tasks import ping

    ping.apply_async(args=["not-periodic"])
    deadline = time.monotonic() + 30
    while not Heartbeat.objects.filter(kind="ping", name="not-periodic").exists():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert not TaskOutcome.objects.exists()


@pytest.mark.django_db
def test_a_scoped_user_sees_that_a_task_fails_but_not_its_error(client_for, admin_user):
    TaskOutcome.objects.create(
        name="inventory.schedule_syncs", task="inventory.schedule_syncs", ok=False,
        error="DatabaseError: vm web-secret-01", failing_since=TaskOutcome().ran_at, failures=3,
    )  # fmt: skip
    ObjectScope.objects.create(user=admin_user, endpoint=EndpointFactory())
    page = client_for(admin_user).get("/status/").content.decode()
    assert "inventory.schedule_syncs failing since" in page
    assert "web-secret-01" not in page
