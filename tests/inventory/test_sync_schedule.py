"""The schedule queues one sync per endpoint and interval, however many schedulers and workers
run at once; a lost run no longer blocks its endpoint."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from inventory.models import Endpoint, SyncRun
from inventory.services.schedule import QUEUED_STALE, schedule_due_syncs
from inventory.services.sync import CLAIM_STALE
from inventory.tasks import schedule_syncs
from simulators.endpoints import proxmox_endpoint
from simulators.fakepve import FakeSpec, RunningFakePve
from tests.conftest import worker_env
from tests.inventory.factories import EndpointFactory


def _schedulers_at_once(count: int) -> list[int]:
    """``count`` threads run the beat task at the same moment; how many runs each queued."""
    barrier = threading.Barrier(count)
    queued: list[int] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait(timeout=30)
            queued.append(schedule_syncs())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return queued


def test_two_schedulers_at_the_same_tick_queue_one_sync_per_due_endpoint(
    transactional_db, monkeypatch
):
    sent: list[tuple] = []  # no worker here: what would go to the broker is kept
    monkeypatch.setattr("inventory.tasks.enqueue", lambda task, *args: sent.append(args))
    endpoints = [EndpointFactory(name=f"sched-{i}", sync_interval_minutes=5) for i in range(4)]
    Endpoint.objects.filter(pk=endpoints[3].pk).update(last_sync_at=timezone.now())  # not due
    queued = _schedulers_at_once(4)
    assert sum(queued) == 3, queued
    assert sorted(endpoint_id for endpoint_id, _run in sent) == [e.pk for e in endpoints[:3]]
    runs = SyncRun.objects.order_by("endpoint_id")
    assert [r.endpoint_id for r in runs] == [e.pk for e in endpoints[:3]]
    assert {r.trigger for r in runs} == {"schedule"}


@pytest.mark.django_db
def test_a_tick_is_not_taken_twice_while_its_run_waits_for_a_worker():
    endpoint = EndpointFactory(name="waiting", sync_interval_minutes=1)
    now = timezone.now()
    assert len(schedule_due_syncs(now)) == 1
    # The run is still queued, and the next tick a minute later finds it: nothing new.
    assert schedule_due_syncs(now + dt.timedelta(minutes=1)) == []
    SyncRun.objects.update(status=SyncRun.Status.SUCCEEDED, finished_at=now)
    Endpoint.objects.filter(pk=endpoint.pk).update(last_sync_at=now)
    # Done, but its interval has not passed since the tick that queued it.
    assert schedule_due_syncs(now + dt.timedelta(seconds=20)) == []
    assert len(schedule_due_syncs(now + dt.timedelta(minutes=1))) == 1


@pytest.mark.django_db
def test_a_queued_run_no_worker_took_is_failed_with_the_reason_and_queued_again():
    endpoint = EndpointFactory(name="lost-message", sync_interval_minutes=15)
    now = timezone.now()
    lost = SyncRun.objects.create(
        endpoint=endpoint,
        trigger="schedule",
        queued_at=now - QUEUED_STALE - dt.timedelta(minutes=1),
    )
    fresh = EndpointFactory(name="busy-queue", sync_interval_minutes=15)
    waiting = SyncRun.objects.create(endpoint=fresh, trigger="schedule", queued_at=now)
    runs = schedule_due_syncs(now)
    assert [r.endpoint_id for r in runs] == [endpoint.pk]
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.status == SyncRun.Status.FAILED
    assert lost.error.startswith("lost: no worker started it within 30 minutes")
    assert waiting.status == SyncRun.Status.QUEUED  # a busy queue is not a lost message


@pytest.mark.django_db
def test_a_run_whose_worker_died_no_longer_blocks_the_schedule():
    now = timezone.now()
    endpoint = EndpointFactory(name="dead-worker", sync_interval_minutes=15)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        sync_claimed_at=now - CLAIM_STALE - dt.timedelta(minutes=1)
    )
    dead = SyncRun.objects.create(
        endpoint=endpoint, trigger="schedule", status=SyncRun.Status.RUNNING, started_at=now
    )
    alive = EndpointFactory(name="long-sync", sync_interval_minutes=15)
    Endpoint.objects.filter(pk=alive.pk).update(sync_claimed_at=now - dt.timedelta(minutes=20))
    SyncRun.objects.create(
        endpoint=alive, trigger="schedule", status=SyncRun.Status.RUNNING, started_at=now
    )
    runs = schedule_due_syncs(now)
    assert [r.endpoint_id for r in runs] == [endpoint.pk]
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED and "worker running it stopped" in dead.error


def _wait_all_ended(timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while SyncRun.objects.active().exists():
        assert time.monotonic() < deadline, list(SyncRun.objects.values("endpoint_id", "status"))
        time.sleep(0.3)


@pytest.mark.slow
def test_two_workers_and_two_schedulers_sync_each_endpoint_exactly_once_per_interval(
    transactional_db, celery_worker, worker_queue
):
    from portal.celery import app
    from simulators.worker import Worker

    fakes = [RunningFakePve(FakeSpec(nodes=1, vms_per_node=2, cts_per_node=0)) for _ in range(3)]
    second = Worker(worker_env(worker_queue), worker_queue, name="second").start()
    try:
        endpoints = [
            proxmox_endpoint(fake, f"pve-fleet-{i}", sync=False) for i, fake in enumerate(fakes)
        ]
        Endpoint.objects.update(sync_interval_minutes=1)
        for interval in (1, 2):
            assert sum(_schedulers_at_once(2)) == len(endpoints)
            _wait_all_ended()
            # The beat of the same minute, again from both: nothing is due.
            assert sum(_schedulers_at_once(2)) == 0
            # The interval passes (moved back rather than waited for).
            past = timezone.now() - dt.timedelta(minutes=2)
            Endpoint.objects.update(last_sync_at=past, sync_scheduled_at=past)
            per_endpoint = {
                e.pk: list(SyncRun.objects.filter(endpoint=e).values_list("status", flat=True))
                for e in endpoints
            }
            assert all(s == ["succeeded"] * interval for s in per_endpoint.values()), per_endpoint
    finally:
        second.settle(app)
        second.stop()
        for fake in fakes:
            fake.stop()
