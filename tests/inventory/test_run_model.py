"""The one run model: sync runs, check runs and policy runs share status values, timing,
progress, error and the way they end; "active" and "present" are asked by name."""

from __future__ import annotations

import pytest
from django.utils import timezone

from compliance.models import CheckRun
from inventory.models import Snapshot, SyncRun, VirtualMachine
from operations.models import Operation, PolicyRun
from portal.runs import ACTIVE_STATES, RunStatus

from .factories import EndpointFactory, SnapshotFactory, SyncRunFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db


def test_every_run_and_operation_uses_the_one_status_set():
    assert SyncRun.Status is CheckRun.Status is PolicyRun.Status is Operation.State is RunStatus
    assert RunStatus.values == ["queued", "running", "succeeded", "failed"]
    for model, name in ((SyncRun, "status"), (CheckRun, "status"), (PolicyRun, "status")):
        assert model._meta.get_field(name).choices == RunStatus.choices
    assert Operation._meta.get_field("state").choices == RunStatus.choices


def test_a_run_starts_finishes_and_fails_with_its_timing_and_progress():
    run = SyncRunFactory(status="queued", progress={})
    started = timezone.now()
    run.start(started, attempts=1)
    SyncRun.objects.filter(pk=run.pk).update(progress={"what": "VMs", "done": 5})
    run.refresh_from_db()
    assert (run.status, run.started_at, run.attempts, run.active) == ("running", started, 1, True)
    run.finish(counts={"vms": {"created": 5}}, created=5)
    run.refresh_from_db()
    assert (run.status, run.progress, run.error, run.created) == ("succeeded", {}, "", 5)
    assert run.finished_at >= started and run.duration_seconds >= 0 and not run.active
    assert (run.symbol, run.tone) == ("✔", "ok")

    other = SyncRunFactory(status="running", progress={"what": "VMs", "done": 1})
    other.fail("login refused")
    other.refresh_from_db()
    assert (other.status, other.error, other.progress, other.tone) == (
        "failed",
        "login refused",
        {},
        "bad",
    )
    assert other.finished_at is not None


def test_active_runs_and_operations_are_asked_by_name():
    runs = {s: SyncRunFactory(status=s) for s in RunStatus.values}
    assert set(SyncRun.objects.active()) == {runs["queued"], runs["running"]}
    assert list(SyncRun.objects.running()) == [runs["running"]]
    assert ACTIVE_STATES == ("queued", "running")


def test_present_objects_are_asked_by_name_also_through_relations():
    vm = VirtualMachineFactory(endpoint=EndpointFactory())
    kept = SnapshotFactory(vm=vm, endpoint=vm.endpoint)
    gone = SnapshotFactory(vm=vm, endpoint=vm.endpoint, absent_since=timezone.now())
    assert list(vm.snapshots.present()) == [kept]
    assert gone in Snapshot.objects.all() and gone not in Snapshot.objects.present()
    assert list(VirtualMachine.objects.present()) == [vm]
