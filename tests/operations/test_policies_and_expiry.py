"""Scheduled policies prune only their own snapshots; expiry notices and deletes; both audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from inventory.models import Datastore, Snapshot
from operations.models import Operation, PolicyRun, SnapshotPolicy
from operations.services.expiry import snapshots_expire
from operations.services.policies import failing_policies, policy_create, policy_run
from portal.models import AuditEvent

from .conftest import pve_guest, pve_snapshots, stored_snapshot, wait_for, wait_quiet

pytestmark = pytest.mark.slow


def test_a_policy_with_keep_last_two_run_five_times_keeps_two_of_its_own_and_every_manual_one(
    pve, celery_worker, admin_user
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 100)  # has manual snap1 and snap2
    policy = policy_create(label="hourly", keep_last=2, min_free_percent=0, actor=admin_user)
    policy.vms.set([vm])
    for _ in range(5):
        run = policy_run(policy_id=policy.pk, trigger="test")
        assert run.queued == 1, run.skipped
        wait_quiet()
    names = sorted(pve_snapshots(fake, 100))
    own = [n for n in names if n.startswith("auto-hourly-")]
    assert len(own) == 2 and {"snap1", "snap2"} <= set(names), names
    assert Snapshot.objects.filter(vm=vm, absent_since__isnull=True).count() == 4
    assert Operation.objects.filter(policy=policy, kind="delete", state="succeeded").count() == 3
    policy.refresh_from_db()
    assert policy.last_run_state == "succeeded" and not failing_policies().exists()


def test_a_policy_skips_a_vm_whose_datastore_is_short_of_space_and_shows_as_failing(
    pve, admin_user
):
    _, endpoint = pve
    vm = pve_guest(endpoint, 101)
    Datastore.objects.filter(vms=vm).update(capacity_bytes=100, free_bytes=3)
    policy = policy_create(label="nightly", keep_last=3, min_free_percent=10, actor=admin_user)
    policy.vms.set([vm])
    run = policy_run(policy_id=policy.pk, trigger="test")
    assert run.queued == 0 and "below the policy's threshold of 10 %" in run.skipped[0]["reason"]
    run = PolicyRun.objects.get(pk=run.pk)
    assert run.status == "succeeded" and run.outcome == "partial"
    assert SnapshotPolicy.objects.get(pk=run.policy_id).last_run_state == "partial"
    assert list(failing_policies()) == [policy]
    assert not Operation.objects.exists()


def test_a_policy_keeps_its_periodic_task_in_step_with_its_schedule(pve, admin_user):
    policy = policy_create(label="daily", minute="15", hour="3", actor=admin_user)
    task = PeriodicTask.objects.get(pk=policy.periodic_task_id)
    assert (task.task, task.crontab.minute, task.crontab.hour, task.enabled) == (
        "inventory.policy_run", "15", "3", True,
    )  # fmt: skip
    from operations.services.policies import policy_update

    policy_update(policy=policy, enabled=False, hour="4", actor=admin_user)
    task.refresh_from_db()
    assert (task.crontab.hour, task.enabled) == ("4", False)
    assert SnapshotPolicy.objects.get(pk=policy.pk).crontab_id == task.crontab_id


def test_an_expired_portal_snapshot_gets_a_notice_and_is_deleted_and_audited(
    pve, celery_worker, admin_user, api_as
):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    answer = api_as(admin_user).post(f"/api/vms/{vm.pk}/snapshots/", {"name": "short-lived"})
    assert wait_for(answer.json()["id"]).state == "succeeded"
    snap = stored_snapshot(vm, "short-lived")
    manual = stored_snapshot(pve_guest(endpoint, 100), "snap1")
    Snapshot.objects.filter(pk__in=[snap.pk, manual.pk]).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert snapshots_expire() == {"noticed": 1, "deleted": 1}
    wait_quiet()
    assert "short-lived" not in pve_snapshots(fake, 101)
    assert "snap1" in pve_snapshots(fake, 100)  # not made by the portal: never expired
    op = Operation.objects.get(kind="delete", snapshot=snap)
    assert (op.state, op.requested_by_name) == ("succeeded", "expiry")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"snapshot.expiry_notice", "snapshot.delete.requested", "snapshot.delete.succeeded"} <= (
        actions
    )
    assert snapshots_expire() == {"noticed": 0, "deleted": 0}
