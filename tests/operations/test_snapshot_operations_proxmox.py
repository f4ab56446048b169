"""Create, revert and delete through the API with a real worker, ending on fakepve itself."""

from __future__ import annotations

import uuid

import pytest

from inventory.models import Snapshot
from operations.models import Operation
from portal.models import AuditEvent

from .conftest import pve_guest, pve_snapshots, stored_snapshot, wait_for

pytestmark = pytest.mark.slow


def test_a_snapshot_created_through_the_api_exists_on_proxmox_with_its_governance_fields(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    answer = api_as(admin_user).post(
        f"/api/vms/{vm.pk}/snapshots/",
        {"name": "before-patch", "description": "patch day", "reason": "CHG-1"},
        format="json",
    )
    assert answer.status_code == 202, answer.json()
    op = wait_for(answer.json()["id"])
    assert op.state == "succeeded", op.error
    assert op.remote_ref.startswith("UPID:")
    assert "before-patch" in pve_snapshots(fake, 101)
    snap = stored_snapshot(vm, "before-patch")
    assert (snap.owner, snap.reason, snap.made_by_portal) == (admin_user, "CHG-1", True)
    assert snap.expires_at is not None and snap.current
    actions = set(AuditEvent.objects.filter(target_id=str(op.pk)).values_list("action", flat=True))
    assert {
        "snapshot.create.requested",
        "snapshot.create.started",
        "snapshot.create.succeeded",
    } <= actions


def test_a_revert_and_a_delete_through_the_api_end_in_the_right_state_on_proxmox(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 100)  # has snap1 <- snap2 from the spec
    api = api_as(admin_user)
    snap1 = stored_snapshot(vm, "snap1")
    revert = api.post(
        f"/api/snapshots/{snap1.pk}/revert/", {"confirm_name": "snap1"}, format="json"
    )
    assert revert.status_code == 202, revert.json()
    assert wait_for(revert.json()["id"]).state == "succeeded"
    assert fake.call(lambda: fake.pve.guest(100).config["parent"]) == "snap1"
    assert Snapshot.objects.get(pk=snap1.pk).current

    snap2 = stored_snapshot(vm, "snap2")
    delete = api.delete(f"/api/snapshots/{snap2.pk}/?reason=test")
    assert delete.status_code == 202, delete.json()
    op = wait_for(delete.json()["id"])
    assert op.state == "succeeded", op.error
    assert "snap2" not in pve_snapshots(fake, 100)
    assert Snapshot.objects.get(pk=snap2.pk).absent_since is not None
    got = api.get(f"/api/operations/{op.pk}/").json()
    assert (got["state"], got["requested_by"], got["kind"]) == (
        "succeeded",
        "alice-admin",
        "delete",
    )


def test_the_same_idempotency_key_twice_returns_one_operation_and_makes_one_snapshot(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    api = api_as(admin_user)
    key = uuid.uuid4().hex
    body = {"name": "once-only"}
    first = api.post(f"/api/vms/{vm.pk}/snapshots/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = api.post(f"/api/vms/{vm.pk}/snapshots/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == first.json() and second["Location"] == first["Location"]
    assert wait_for(first.json()["id"]).state == "succeeded"
    third = api.post(f"/api/vms/{vm.pk}/snapshots/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    # Exactly the first answer (status and body), not the operation's present state.
    assert (third.status_code, third.json()) == (202, first.json())
    assert Operation.objects.count() == 1
    assert [n for n in pve_snapshots(fake, 101) if n == "once-only"] == ["once-only"]


def _failed(api, vm, name: str) -> Operation:
    answer = api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": name}, format="json")
    assert answer.status_code == 202, answer.json()
    return wait_for(answer.json()["id"])


def test_a_locked_vm_fails_the_operation_with_proxmoxs_message(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    fake.call(fake.pve.snapshot_lock, 101, "backup")
    op = _failed(api_as(admin_user), pve_guest(endpoint, 101), "while-locked")
    assert op.state == "failed"
    assert "VM is locked (backup)" in op.error


def test_a_name_already_used_on_proxmox_fails_with_proxmoxs_message(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    api = api_as(admin_user)
    assert _failed(api, vm, "taken").state == "succeeded"
    # Made behind the portal's back under the name the next request will use.
    fake.call(lambda: fake.pve.guest(101).snapshots.update(again={"snaptime": 1}))
    op = _failed(api, vm, "again")
    assert op.state == "failed"
    assert "snapshot name 'again' already used" in op.error


def test_full_storage_and_a_task_error_fail_the_operation_and_leave_nothing_running(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    api = api_as(admin_user)
    full = "unable to write to storage 'local-lvm': No space left on device"
    fake.call(fake.pve.fail_task, "POST", "/qemu/101/snapshot", full)
    op = _failed(api, vm, "no-room")
    assert (op.state, op.error) == ("failed", full)
    fake.call(fake.pve.fail_task, "POST", "/qemu/101/snapshot", "command 'qm' failed: exit 255")
    op = _failed(api, vm, "task-error")
    assert "exit 255" in op.error
    assert not Operation.objects.filter(state__in=("queued", "running")).exists()
    failures = AuditEvent.objects.filter(action="snapshot.create.failed", result="failure")
    assert failures.count() == 2
