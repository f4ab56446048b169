"""A worker killed with SIGKILL in the middle of a create leaves one snapshot, succeeded."""

from __future__ import annotations

import time

import pytest

from operations.models import Operation

from .conftest import pve_guest, pve_snapshots, restart_and_reconcile, wait_until

pytestmark = pytest.mark.slow


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
    wait_until(lambda: Operation.objects.get(pk=op_id).remote_ref != "")
    # Usually still running here; on a loaded machine the step may already have finished, and
    # the end state after the kill must be the same either way.
    fake.call(fake.pve.slow_network, 0.0)
    op = restart_and_reconcile(celery_worker, op_id)
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
    wait_until(lambda: Operation.objects.get(pk=op_id).attempts == 1)
    time.sleep(0.5)
    fake.call(fake.pve.slow_network, 0.0)
    # The request on the wire still completes on the fake (within its 1.5 s), as on PVE.
    op = restart_and_reconcile(celery_worker, op_id, in_flight_seconds=1.5)
    assert op.state == "succeeded", op.error
    assert [n for n in pve_snapshots(fake, 101) if n.startswith("crash")] == ["crash-b"]
    assert op.attempts >= 1
