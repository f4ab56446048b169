"""Runs: findings keep their history, a raising check gives an error finding, triggers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from compliance.checks import registry
from compliance.checks.registry import Outcome
from compliance.models import CheckResult, CheckRun, Finding
from compliance.services import check_run_execute

from .factories import EndpointFactory, HostFactory, SnapshotFactory, VmFactory, run

pytestmark = pytest.mark.django_db


def test_a_finding_keeps_first_seen_and_is_resolved_not_deleted():
    host = HostFactory(ntp_servers=[])
    first = run()
    finding = Finding.objects.get(check_id="LOG-001", object_id=host.pk)
    assert finding.first_run == first and finding.resolved_at is None
    second = run()
    finding.refresh_from_db()
    assert finding.first_run == first and finding.last_run == second
    assert finding.last_seen >= finding.first_seen
    host.ntp_servers = ["ntp.example.org"]
    host.save()
    run()
    finding.refresh_from_db()
    assert finding.resolved_at is not None
    host.ntp_servers = []
    host.save()
    run()
    rows = Finding.objects.filter(check_id="LOG-001", object_id=host.pk)
    assert rows.count() == 2 and rows.filter(resolved_at__isnull=True).count() == 1


def test_evidence_names_values_threshold_and_sync_time():
    vm = VmFactory()
    SnapshotFactory(vm=vm, created_at=timezone.now() - dt.timedelta(days=10))
    run()
    finding = Finding.objects.get(check_id="SNAP-001")
    assert finding.evidence["threshold_days"] == 3
    assert finding.evidence["age_days"] >= 10
    assert finding.evidence["synced_at"]


def test_a_check_that_raises_gives_an_error_finding_and_the_run_goes_on(monkeypatch):
    host = HostFactory(ntp_servers=[])
    spec = registry.REGISTRY["CPU-001"]

    def boom(obj, params, ctx) -> Outcome:
        raise ZeroDivisionError("odd data")

    monkeypatch.setitem(
        registry.REGISTRY,
        "CPU-001",
        registry.CheckSpec(**{**{f: getattr(spec, f) for f in spec.__slots__}, "func": boom}),
    )
    run()
    error = Finding.objects.get(check_id="CPU-001", object_id=host.pk)
    assert error.status == "error" and "ZeroDivisionError" in error.message
    assert Finding.objects.filter(check_id="LOG-001", object_id=host.pk).exists()


def test_checks_for_another_platform_are_counted_not_applicable_with_the_reason():
    HostFactory()
    result = run()
    row = CheckResult.objects.get(run=result, check_id="OPS-004")
    assert row.not_applicable == 1 and "quorum" in row.not_applicable_reason


def test_a_disabled_check_does_not_run(officer):
    from compliance.services import check_parameters_update

    HostFactory(ntp_servers=[])
    check_parameters_update(check_id="LOG-001", values={}, enabled=False, actor=officer)
    run()
    assert not Finding.objects.filter(check_id="LOG-001").exists()


def test_run_for_one_endpoint_leaves_the_others_findings_alone():
    a, b = HostFactory(ntp_servers=[]), HostFactory(ntp_servers=[])
    run()
    b.ntp_servers = ["x"]
    b.save()
    check_run_execute(endpoint=a.endpoint, trigger="command", actor="t")
    assert Finding.objects.open().filter(check_id="LOG-001").count() == 2


def test_the_command_runs_checks_and_names_unknown_endpoints(capsys):
    endpoint = EndpointFactory(name="vc1")
    call_command("run_checks", "--endpoint", "vc1")
    assert "Check run #" in capsys.readouterr().out
    assert CheckRun.objects.get().endpoint == endpoint
    with pytest.raises(CommandError, match="No endpoint named 'nope'; known endpoints: vc1"):
        call_command("run_checks", "--endpoint", "nope")


def test_a_successful_sync_queues_a_run_for_that_endpoint(
    django_capture_on_commit_callbacks, monkeypatch
):
    from compliance import tasks
    from inventory.signals import sync_succeeded

    sent = []
    monkeypatch.setattr(tasks.run_checks, "apply_async", lambda args: sent.append(args))
    endpoint = EndpointFactory()
    with django_capture_on_commit_callbacks(execute=True):
        sync_succeeded.send(sender=None, endpoint_id=endpoint.pk, sync_run_id=1)
    queued = CheckRun.objects.get()
    assert queued.trigger == "sync" and queued.endpoint == endpoint and sent == [(queued.pk,)]
    assert tasks.run_checks(queued.pk) == queued.pk
    assert tasks.run_checks(queued.pk) is None  # a redelivered task does not run twice


def test_the_schedule_exists():
    from django_celery_beat.models import PeriodicTask

    assert set(
        PeriodicTask.objects.filter(name__startswith="compliance.").values_list("task", flat=True)
    ) == {"compliance.run_checks", "compliance.expire_waivers"}
