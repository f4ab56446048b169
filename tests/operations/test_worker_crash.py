"""A worker killed with SIGKILL in the middle of a create leaves one snapshot, succeeded."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from inventory.models import Operation
from inventory.tasks_operations import operations_reconcile_task

from .conftest import pve_guest, pve_snapshots, wait_for

pytestmark = pytest.mark.slow


def _wait(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def _restart_and_reconcile(worker, op_id: int) -> Operation:
    worker.kill()
    # Redis gives an unacknowledged message back only after its visibility timeout; the
    # beat reconciler is what picks the operation up sooner. Let the dead worker's lease lapse,
    # as time would, then run the reconciler on the restarted worker.
    Operation.objects.filter(pk=op_id).update(lease_until=timezone.now(), touched_at=timezone.now())
    worker.start()
    operations_reconcile_task.apply_async(kwargs={"stale_after_seconds": 0})
    return wait_for(op_id, timeout=60)


def test_a_worker_killed_right_after_storing_the_remote_reference_leaves_one_snapshot(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    # Every answer takes 2 s: the step's first status poll is still in flight when we kill,
    # with a margin for a loaded machine between seeing the reference and the kill.
    fake.call(fake.pve.slow_network, 2.0)
    answer = api_as(admin_user).post(f"/api/vms/{vm.pk}/snapshots/", {"name": "crash-a"})
    op_id = answer.json()["id"]
    _wait(lambda: Operation.objects.get(pk=op_id).remote_ref != "")
    # Usually still running here; on a loaded machine the step may already have finished, and
    # the end state after the kill must be the same either way.
    fake.call(fake.pve.slow_network, 0.0)
    op = _restart_and_reconcile(celery_worker, op_id)
    assert op.state == "succeeded", op.error
    assert [n for n in pve_snapshots(fake, 101) if n.startswith("crash")] == ["crash-a"]
    assert op.snapshot is not None and op.snapshot.made_by_portal


def test_a_worker_killed_while_its_submit_is_in_flight_leaves_one_snapshot(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    fake.call(fake.pve.slow_network, 1.5)  # every answer takes 1.5 s: the submit is in flight
    answer = api_as(admin_user).post(f"/api/vms/{vm.pk}/snapshots/", {"name": "crash-b"})
    op_id = answer.json()["id"]
    _wait(lambda: Operation.objects.get(pk=op_id).attempts == 1)
    time.sleep(0.5)
    fake.call(fake.pve.slow_network, 0.0)
    op = _restart_and_reconcile(celery_worker, op_id)
    assert op.state == "succeeded", op.error
    assert [n for n in pve_snapshots(fake, 101) if n.startswith("crash")] == ["crash-b"]
    assert op.attempts >= 1
