"""vCenter: a worker killed with SIGKILL while its call is in flight; the work is done once.

The simulator is given a platform-like 1.5 s per snapshot call, so the kill lands while the
SOAP call is in flight; the simulator still finishes it, as a vCenter would.
"""

from __future__ import annotations

import time

import pytest

from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation

from .conftest import restart_and_reconcile, vc_snapshots, wait_for, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.vcsim_spec(snapshot_delay_ms=1500)]


def _kill_while_submitting(worker, op_id: int) -> Operation:
    wait_until(lambda: Operation.objects.get(pk=op_id).attempts == 1)
    time.sleep(0.3)  # the call is on the wire; the simulator answers after 1.5 s
    assert Operation.objects.get(pk=op_id).remote_ref == ""
    # The call on the wire still completes on the simulator, as on a vCenter.
    return restart_and_reconcile(worker, op_id, in_flight_seconds=1.5)


def test_a_worker_killed_while_its_create_is_in_flight_leaves_one_snapshot_on_vcenter(
    vc, celery_worker, admin_user, api_as
):
    sim, endpoint = vc
    vm = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name").first()
    answer = api_as(admin_user).post(f"/api/vms/{vm.pk}/snapshots/", {"name": "crash-vc"})
    op = _kill_while_submitting(celery_worker, answer.json()["id"])
    assert op.state == "succeeded", op.error
    on_sim = vc_snapshots(sim, vm.external_id)
    assert [n for n, _ in on_sim] == ["crash-vc"]  # found by its marker, not made twice
    assert op.marker in on_sim[0][1]
    assert op.snapshot is not None and op.snapshot.made_by_portal


def test_a_worker_killed_while_its_delete_is_in_flight_ends_deleted_not_failed_on_vcenter(
    vc, celery_worker, admin_user, api_as
):
    sim, endpoint = vc
    vm = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name").first()
    api = api_as(admin_user)
    made = wait_for(api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": "to-go"}).json()["id"])
    assert made.state == "succeeded", made.error
    answer = api.delete(f"/api/snapshots/{made.snapshot_id}/?reason=test")
    op = _kill_while_submitting(celery_worker, answer.json()["id"])
    # The restarted worker resubmits by moref, learns the snapshot is gone, and counts that
    # as the delete done rather than failing it.
    assert op.state == "succeeded", op.error
    assert vc_snapshots(sim, vm.external_id) == []
    assert Snapshot.objects.get(pk=made.snapshot_id).absent_since is not None
