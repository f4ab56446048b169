"""The audit trail says where a change came from and names its target so a person can read it.

Before: a browser "Run now" was recorded as a "management command" (the service had no
request), and targets read like "create snapshot #1 on 3".
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from operations.services import operations as ops
from operations.services.expiry import snapshots_expire
from operations.services.policies import policy_create, policy_run
from portal.models import AuditEvent
from tests.inventory.factories import EndpointFactory, SnapshotFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db


def _run_event() -> AuditEvent:
    return AuditEvent.objects.filter(action="snapshot_policy.run").latest("id")


def test_run_now_in_the_browser_is_recorded_as_the_browser(admin_user, client_for):
    policy = policy_create(label="nightly", actor=admin_user)
    answer = client_for(admin_user).post(f"/snapshot-policies/{policy.pk}/run/")
    assert answer.status_code == 302
    event = _run_event()
    assert event.source == AuditEvent.Source.WEB and event.actor == admin_user.username
    assert event.target_repr == "snapshot policy 'nightly'"


def test_run_now_through_the_api_is_recorded_as_the_api(admin_user, api_for):
    policy = policy_create(label="nightly", actor=admin_user)
    answer = api_for(admin_user).post(f"/api/snapshot-policies/{policy.pk}/run/")
    assert answer.status_code in (200, 201, 202), answer.content
    assert _run_event().source == AuditEvent.Source.API


def test_a_scheduled_run_is_recorded_as_the_schedule(admin_user):
    policy = policy_create(label="nightly", actor=admin_user)
    policy_run(policy_id=policy.pk, trigger="schedule")
    event = _run_event()
    assert event.source == AuditEvent.Source.SCHEDULE and event.actor == "scheduler"


def test_an_operation_is_named_by_snapshot_vm_platform_id_and_endpoint(admin_user):
    vm = VirtualMachineFactory(
        name="web01", external_id="vm-42", endpoint=EndpointFactory(name="vc1")
    )
    ops.snapshot_create(vm=vm, name="before-patch", actor=admin_user)
    event = AuditEvent.objects.get(action="snapshot.create.requested")
    assert event.target_repr == "create snapshot 'before-patch' on VM web01 (vm-42) at vc1"


def test_a_snapshot_delete_names_the_snapshot_and_its_vm(admin_user):
    vm = VirtualMachineFactory(
        name="db01", external_id="vm-7", endpoint=EndpointFactory(name="vc2")
    )
    snap = SnapshotFactory(vm=vm, endpoint=vm.endpoint, name="old")
    ops.snapshot_delete(snapshot=snap, actor=admin_user, reason="tidy")
    event = AuditEvent.objects.get(action="snapshot.delete.requested")
    assert event.target_repr == "delete snapshot 'old' on VM db01 (vm-7) at vc2"


def test_expiry_notices_and_deletions_are_recorded_as_the_schedule():
    vm = VirtualMachineFactory(name="app01", endpoint=EndpointFactory(name="vc3"))
    SnapshotFactory(
        vm=vm,
        endpoint=vm.endpoint,
        name="old",
        made_by_portal=True,
        expires_at=timezone.now() - dt.timedelta(hours=1),
    )
    snapshots_expire()  # the notice
    snapshots_expire()  # the deletion, once noticed
    notice = AuditEvent.objects.get(action="snapshot.expiry_notice")
    delete = AuditEvent.objects.get(action="snapshot.delete.requested")
    assert notice.source == delete.source == AuditEvent.Source.SCHEDULE
    assert delete.target_repr == "delete snapshot 'old' on VM app01 (" + vm.external_id + ") at vc3"
