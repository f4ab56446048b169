"""End to end on fakepve: SNAP-004, a snapshot made through the portal that outlives its expiry.

The snapshot is made by the portal's operation service on the fake (in-process, as the worker
would run it). Its expiry is the portal's own data, not the platform's: the test moves it into
the past in the database, since waiting for it is not an option. The portal's expiry job then
deletes the snapshot on the fake, and the finding resolves.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation
from operations.services.expiry import snapshots_expire
from operations.services.operation_runner import operation_step
from operations.services.operations import snapshot_create
from tests.endpoints import proxmox_endpoint

from .e2e import open_finding, resolved_by, result, sync_and_check

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def run_expiry_job() -> None:
    """The portal's expiry task: notice, then the deletion operation, run in-process."""
    assert snapshots_expire() == {"noticed": 1, "deleted": 1}
    deletion = Operation.objects.get(kind=Operation.Kind.DELETE)
    assert operation_step(deletion.pk) is None


def test_a_portal_snapshot_past_its_expiry_fails_snap_004_until_the_expiry_job_deletes_it(
    fake_pve, admin_user
):
    endpoint = proxmox_endpoint(fake_pve, "pve-snap")
    vm = VirtualMachine.objects.get(endpoint=endpoint, vmid=101)  # no snapshots of its own
    expires = timezone.now() + dt.timedelta(days=2)
    made = snapshot_create(vm=vm, name="before_patch", expires_at=expires, actor=admin_user)
    assert operation_step(made.pk) is None
    run = sync_and_check(endpoint)
    snapshot = Snapshot.objects.get(vm=vm, name="before_patch")
    assert snapshot.made_by_portal and snapshot.expires_at == expires
    assert open_finding("SNAP-004", snapshot) is None
    assert result(run, "SNAP-004").passed == 1  # the fake's own snapshots have no expiry

    Snapshot.objects.filter(pk=snapshot.pk).update(
        expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    sync_and_check(endpoint)  # a sync keeps the portal's expiry
    finding = open_finding("SNAP-004", snapshot)
    assert finding.status == "fail"
    assert (
        finding.object_path
        == f"pve-snap › {vm.cluster.name} › {vm.host.name} › {vm.name} › before_patch"
    )
    assert finding.object_external_id == "qemu/101/before_patch"
    assert dt.datetime.fromisoformat(finding.evidence["expires_at"]) < timezone.now()

    resolved_by(endpoint, run_expiry_job, finding)
    assert "before_patch" not in fake_pve.call(lambda: fake_pve.pve.vm(101).snapshots)
