"""Create, revert and delete through the API with a real worker on govmomi's vCenter simulator."""

from __future__ import annotations

import pytest

from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation
from operations.services.operation_runner import operation_step
from operations.services.operations import snapshot_create, snapshot_delete
from tests.endpoints import vcenter_endpoint
from tests.harness import vcsim as sim_api

from .conftest import vc_snapshots, wait_for, wait_until

pytestmark = pytest.mark.slow


def test_create_revert_and_delete_through_the_api_end_in_the_right_state_on_vcenter(
    vc, celery_worker, admin_user, api_as
):
    sim, endpoint = vc
    vm = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name").first()
    api = api_as(admin_user)
    first = api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": "Before patch 1", "memory": False})
    op = wait_for(first.json()["id"])
    assert op.state == "succeeded", op.error
    assert op.remote_ref.startswith("task-")
    on_sim = vc_snapshots(sim, vm.external_id)
    assert [n for n, _ in on_sim] == ["Before patch 1"]
    assert op.marker in on_sim[0][1] and len(op.nonce) == 32  # what a retry finds its work by
    snap = Snapshot.objects.get(pk=op.snapshot_id)
    assert snap.made_by_portal and snap.owner == admin_user and snap.current

    second = wait_for(api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": "Second"}).json()["id"])
    assert second.state == "succeeded", second.error
    revert = wait_for(
        api.post(f"/api/snapshots/{snap.pk}/revert/", {"confirm_name": snap.name}).json()["id"]
    )
    assert revert.state == "succeeded", revert.error
    assert Snapshot.objects.get(pk=snap.pk).current

    delete = wait_for(api.delete(f"/api/snapshots/{second.snapshot_id}/?reason=test").json()["id"])
    assert delete.state == "succeeded", delete.error
    assert [n for n, _ in vc_snapshots(sim, vm.external_id)] == ["Before patch 1"]
    assert Snapshot.objects.get(pk=second.snapshot_id).absent_since is not None


def test_a_vcenter_name_with_a_control_character_is_refused_before_anything_is_queued(
    vc, admin_user, api_as
):
    _, endpoint = vc
    vm = VirtualMachine.objects.filter(endpoint=endpoint).first()
    answer = api_as(admin_user).post(
        f"/api/vms/{vm.pk}/snapshots/", {"name": "tab\there"}, format="json"
    )
    assert answer.status_code == 400
    assert "control characters" in answer.json()["error"]["message"]


def test_a_snapshot_removed_on_vcenter_before_its_delete_runs_fails_with_vcenters_message(
    fresh_vcsim, db, admin_user
):
    from pyVmomi import vim

    # Steps run here, one by one (the ``db`` fixture: nothing is sent to a worker).
    sim, endpoint = fresh_vcsim, vcenter_endpoint(fresh_vcsim, "vc-gone")
    vm = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name").first()
    made = snapshot_create(vm=vm, name="removed-by-hand", actor=admin_user)
    assert operation_step(made.pk) is None
    snap = Snapshot.objects.get(vm=vm, name="removed-by-hand")
    delete = snapshot_delete(snapshot=snap, actor=admin_user)  # queued; then removed by hand:
    with sim_api.service_instance(sim) as si:
        vim.vm.Snapshot(snap.external_id, si._stub).RemoveSnapshot_Task(removeChildren=False)
    wait_until(lambda: vc_snapshots(sim, vm.external_id) == [])
    assert operation_step(delete.pk) is None
    delete.refresh_from_db()
    assert delete.state == "failed" and "no longer exists" in delete.error
    assert not Operation.objects.filter(state__in=("queued", "running")).exists()
