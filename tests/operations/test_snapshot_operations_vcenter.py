"""Create, revert and delete through the API with a real worker on govmomi's vCenter simulator."""

from __future__ import annotations

import pytest

from inventory.models import Snapshot, VirtualMachine
from inventory.services.endpoints import endpoint_create
from inventory.services.sync import sync_endpoint
from tests.harness import vcsim as sim_api

from .conftest import wait_for

pytestmark = pytest.mark.slow


def _vc_snapshots(sim, vm_id: str) -> list[tuple[str, str]]:
    """(name, description) of the VM's snapshots, read from the simulator itself."""
    with sim_api.service_instance(sim) as si:
        vm = sim_api.find_vm(si, vm_id)
        out: list[tuple[str, str]] = []

        def walk(trees):
            for tree in trees or []:
                out.append((tree.name, tree.description))
                walk(tree.childSnapshotList)

        walk(vm.snapshot.rootSnapshotList if vm.snapshot else [])
        return out


@pytest.fixture
def vc(fresh_vcsim, transactional_db):
    endpoint = endpoint_create(
        name="vc-ops",
        kind="vcenter",
        url=fresh_vcsim.url,
        username=fresh_vcsim.username,
        secret=fresh_vcsim.password,
        fingerprint=fresh_vcsim.fingerprint,
        actor="test",
    )
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == "succeeded", run.error
    return fresh_vcsim, endpoint


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
    on_sim = _vc_snapshots(sim, vm.external_id)
    assert [n for n, _ in on_sim] == ["Before patch 1"]
    assert f"[portal-op:{op.pk}]" in on_sim[0][1]  # the marker a retry finds its work by
    snap = Snapshot.objects.get(pk=op.snapshot_id)
    assert snap.made_by_portal and snap.owner == admin_user and snap.current

    second = wait_for(api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": "Second"}).json()["id"])
    assert second.state == "succeeded", second.error
    revert = wait_for(api.post(f"/api/snapshots/{snap.pk}/revert/", {}).json()["id"])
    assert revert.state == "succeeded", revert.error
    assert Snapshot.objects.get(pk=snap.pk).current

    delete = wait_for(api.delete(f"/api/snapshots/{second.snapshot_id}/").json()["id"])
    assert delete.state == "succeeded", delete.error
    assert [n for n, _ in _vc_snapshots(sim, vm.external_id)] == ["Before patch 1"]
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
