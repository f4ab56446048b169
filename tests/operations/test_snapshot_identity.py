"""The snapshot the portal records as an operation's own is the one the platform made for it.

A user of vCenter or Proxmox can create snapshots the portal did not make, with any name and
description. None of them may be adopted as an operation's result: not one that carries the
marker an operation would write (the old ``[portal-op:<id>]`` marker was sequential and
visible), nor one that has the name a retried Proxmox create looks for. Steps run here one by
one (the ``db`` fixture), against the simulators over real TLS.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inventory.connectors.base import ConnectorError
from inventory.connectors.proxmox import ProxmoxConnector
from inventory.connectors.vcenter import VCenterConnector
from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation
from operations.services.operation_runner import operation_step
from operations.services.operations import snapshot_create
from simulators.endpoints import proxmox_endpoint, vcenter_endpoint
from tests.connectors.test_proxmox import password_config, token_config
from tests.connectors.test_vcenter import config as vc_config

from .conftest import pve_guest, pve_snapshots, vc_snapshots

pytestmark = pytest.mark.slow


def _finish(connector, ref: str):
    for _ in range(200):
        status = connector.task_status(ref)
        if status.state in ("succeeded", "failed"):
            return status
    pytest.fail(f"task {ref} did not end")


def _run(op: Operation) -> Operation:
    """Step the operation until it ends (each step is one short piece of work)."""
    for _ in range(50):
        if operation_step(op.pk) is None:
            op.refresh_from_db()
            if op.state in ("succeeded", "failed"):
                return op
    pytest.fail(f"operation {op.pk} did not end: {op.state}")


def test_a_planted_vcenter_snapshot_with_the_operations_old_marker_is_not_recorded_as_its_own(
    fresh_vcsim, db, admin_user
):
    endpoint = vcenter_endpoint(fresh_vcsim, "vc-plant")
    vm = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name").first()
    # Queued; its id is sequential and shown to every user (list, API), so it can be guessed.
    op = snapshot_create(vm=vm, name="before-patch", actor=admin_user)
    with VCenterConnector(vc_config(fresh_vcsim)) as intruder:
        ref = intruder.create_snapshot(
            vm.external_id, "before-patch", f"looks like the portal's [portal-op:{op.pk}]"
        )
        planted = _finish(intruder, ref).result_external_id

    op = _run(op)
    assert op.state == "succeeded", op.error
    ours = Snapshot.objects.get(pk=op.snapshot_id)
    assert ours.external_id != planted
    on_sim = vc_snapshots(fresh_vcsim, vm.external_id)
    assert len(on_sim) == 2 and [d for _, d in on_sim if op.marker in d] == [ours.description]
    assert op.marker in ours.description and f"[portal-op:{op.pk}]" not in ours.description


def test_the_vcenter_connector_identifies_a_created_snapshot_by_the_tasks_result(fresh_vcsim):
    from simulators import vcsim as harness

    vm_id = harness.vm_ids(fresh_vcsim)[0]
    with VCenterConnector(vc_config(fresh_vcsim)) as conn:
        decoy = _finish(conn, conn.create_snapshot(vm_id, "same", "[portal-op:abc]"))
        ref = conn.create_snapshot(vm_id, "same", "mine", marker="[portal-op:abc]")
        status = _finish(conn, ref)
        made = conn.created_snapshot(vm_id, "same", ref, status)
        assert made is not None and made.external_id == status.result_external_id
        assert made.external_id != decoy.result_external_id
        assert made.description == "mine [portal-op:abc]"
        since = timezone.now() - dt.timedelta(minutes=1)
        # Two snapshots carry the marker: neither is taken as the operation's own.
        with pytest.raises(ConnectorError, match="none is taken") as caught:
            conn.find_lost_snapshot(vm_id, "same", "[portal-op:abc]", since)
        assert caught.value.permanent
        assert conn.find_lost_snapshot(vm_id, "same", "[portal-op:zzz]", since) is None
        # A snapshot taken long before the operation started does not count.
        later = timezone.now() + dt.timedelta(hours=1)
        assert conn.find_lost_snapshot(vm_id, "same", "[portal-op:abc]", later) is None


def test_vcenter_reads_a_creates_state_and_the_new_snapshot_in_one_request(fresh_vcsim):
    """The runner's look at a create task also reads the VM's snapshot tree (one
    PropertyCollector request), so the finished create needs no second request; the snapshot
    is still the one the task's result names."""
    from simulators import vcsim as harness

    vm_id = harness.vm_ids(fresh_vcsim)[0]
    with VCenterConnector(vc_config(fresh_vcsim)) as conn:
        decoy = _finish(conn, conn.create_snapshot(vm_id, "same", "[portal-op:abc]"))
        ref = conn.create_snapshot(vm_id, "same", "mine", marker="[portal-op:abc]")
        _finish(conn, ref)
        calls: list[str] = []
        counted = conn._call
        conn._call = lambda what, fn: calls.append(what) or counted(what, fn)
        status = conn.task_status(ref, vm_external_id=vm_id)
        made = conn.created_snapshot(vm_id, "same", ref, status)
        assert len(calls) == 1, calls
        assert status.state == "succeeded" and made.external_id == status.result_external_id
        assert made.external_id != decoy.result_external_id
        assert made.description == "mine [portal-op:abc]"
        assert {s.external_id for s in status.snapshots} == {
            made.external_id,
            decoy.result_external_id,
        }
        # Without the VM (a delete, a revert) nothing but the state is read.
        assert conn.task_status(ref).snapshots is None
        # A VM vCenter no longer knows leaves the snapshots unread, not the state.
        gone = conn.task_status(ref, vm_external_id="vm-999999")
        assert (gone.state, gone.snapshots) == ("succeeded", None)


def _create_cut_off_by_a_crash(fake_pve, endpoint_name: str, name: str, actor):
    """Guest 101's snapshot ``name`` requested, then a crash after the attempt was counted: the
    restarted step looks for lost work first."""
    vm = pve_guest(proxmox_endpoint(fake_pve, endpoint_name), 101)
    op = snapshot_create(vm=vm, name=name, actor=actor)
    Operation.objects.filter(pk=op.pk).update(
        attempts=1, state="running", started_at=timezone.now()
    )
    return vm, op


def test_a_proxmox_snapshot_planted_under_the_operations_name_is_not_adopted_after_a_crash(
    fake_pve, db, admin_user
):
    vm, op = _create_cut_off_by_a_crash(fake_pve, "pve-plant", "before-upgrade", admin_user)
    # Meanwhile another PVE user takes a snapshot of that name (root@pam, not the portal's token).
    intruder = ProxmoxConnector(password_config(fake_pve))
    status = _finish(intruder, intruder.create_snapshot(vm.external_id, "before-upgrade"))
    assert status.state == "succeeded"

    op = _run(op)
    assert op.state == "failed"
    assert "before-upgrade" in op.error  # PVE refused the resubmit: the name is taken
    assert op.snapshot_id is None
    assert not Snapshot.objects.filter(vm=vm, made_by_portal=True).exists()
    assert "before-upgrade" in pve_snapshots(fake_pve, 101)


def test_a_proxmox_snapshot_the_portals_own_token_took_is_adopted_after_a_crash(
    fake_pve, db, admin_user
):
    vm, op = _create_cut_off_by_a_crash(fake_pve, "pve-own", "lost-submit", admin_user)
    # The submit that the crash cut off had reached PVE: the portal's own token took it.
    own = ProxmoxConnector(token_config(fake_pve))
    assert _finish(own, own.create_snapshot(vm.external_id, "lost-submit")).state == "succeeded"

    op = _run(op)
    assert op.state == "succeeded", op.error
    assert Snapshot.objects.get(pk=op.snapshot_id).made_by_portal
    assert list(pve_snapshots(fake_pve, 101)).count("lost-submit") == 1


def test_the_proxmox_connector_ties_a_created_snapshot_to_its_upid(fake_pve):
    conn = ProxmoxConnector(token_config(fake_pve))
    ref = conn.create_snapshot("qemu/100", "tied")
    status = _finish(conn, ref)
    assert conn.created_snapshot("qemu/100", "tied", ref, status).name == "tied"
    # A task of another guest, or one started after the snapshot was taken, does not match.
    assert conn.created_snapshot("qemu/101", "tied", ref, status) is None
    parts = ref.split(":")
    parts[4] = f"{int(parts[4], 16) + 3600:08X}"
    assert conn.created_snapshot("qemu/100", "tied", ":".join(parts), status) is None
