"""Check runs limited to what changed (issue 17 item 2, compliance/services/limited.py).

The equivalence test changes a generated estate at random the way a sync writes (changed rows
get ``last_seen``, removed ones ``absent_since``), runs a limited run, records findings, results
and requirement statuses, then runs a full run over the same state and compares object by object:
a full run must find nothing to change. The end-to-end test does the same through the simulator,
the incremental sync and the after-sync receiver.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.compliance import build
from compliance.checks import all_checks
from compliance.checks.context import TARGET_MODELS, InventoryContext
from compliance.models import CheckResult, CheckRun, CheckSetting, Finding
from compliance.services.limited import ALWAYS_CHANGED, check_inputs, check_reads
from compliance.services.runs import CONTENT_ATTRIBUTES, check_run_create, check_run_execute
from compliance.services.status import _latest_results, requirement_statuses
from inventory.models import (
    Cluster,
    Datastore,
    Endpoint,
    Host,
    PhysicalNic,
    PlatformAccount,
    Snapshot,
    SyncRun,
    VirtualMachine,
)
from tests.compliance.factories import SnapshotFactory

pytestmark = pytest.mark.django_db

FINDING_FIELDS = ("pk", *CONTENT_ATTRIBUTES)


class RecordingContext:
    """The context, recording the name of every attribute a check reads."""

    def __init__(self, ctx: InventoryContext) -> None:
        self._ctx = ctx
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._ctx, name)


def estate(hosts: int = 4, vms: int = 60) -> Endpoint:
    """The bench's generated estate, as synced an hour ago (the limited run allows for clock
    differences of a few minutes between workers: rows written just before a run count as
    written after it)."""
    build(hosts, vms)
    endpoint = Endpoint.objects.get(name=f"bench-{vms}")
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    for model in TARGET_MODELS.values():
        model.objects.filter(endpoint=endpoint).update(last_seen=hour_ago)
    return endpoint


def run(endpoint: Endpoint, *, changed_only: bool) -> CheckRun:
    queued = check_run_create(
        endpoint=endpoint, trigger="sync", actor="system", changed_only=changed_only
    )
    done = check_run_execute(run=queued, trigger="sync")
    assert done.status == CheckRun.Status.SUCCEEDED, done.error
    return done


def outcome(endpoint: Endpoint) -> dict[str, Any]:
    """What the checks say about the endpoint: open findings, latest results, statuses."""
    findings = {
        (f.check_id, f.object_type, f.object_id): tuple(getattr(f, n) for n in FINDING_FIELDS)
        for f in Finding.objects.open().filter(endpoint=endpoint)
    }
    results = {}
    for r in _latest_results(endpoint.pk):
        passed = {pk for first, last in r.passed_ranges for pk in range(first, last + 1)}
        results[r.check_id] = (
            r.passed,
            r.failed,
            r.warnings,
            r.errors,
            r.not_applicable,
            r.not_applicable_reason,
            passed,
            r.observed,
        )
    statuses = {s.requirement.ref: s.status for s in requirement_statuses(endpoint.pk)}
    return {"findings": findings, "results": results, "statuses": statuses}


def assert_same(limited: dict[str, Any], full: dict[str, Any]) -> None:
    assert set(limited["findings"]) == set(full["findings"])
    for key, row in limited["findings"].items():
        assert row == full["findings"][key], key
    assert set(limited["results"]) == set(full["results"])
    for check_id, row in limited["results"].items():
        assert row == full["results"][check_id], check_id
    assert limited["statuses"] == full["statuses"]


@pytest.fixture
def same_clock(monkeypatch):
    """Both runs of a comparison judge at the same moment (ages, time since a patch): set
    ``same_clock["now"]`` before them."""
    clock: dict[str, Any] = {"now": None}
    load = InventoryContext.load.__func__

    def at_the_same_moment(cls, endpoint_ids=None, *, now=None):
        return load(cls, endpoint_ids, now=now or clock["now"])

    monkeypatch.setattr(InventoryContext, "load", classmethod(at_the_same_moment))
    return clock


def touch(obj, now, **fields) -> None:
    """Write ``fields`` as a sync writes a changed row."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.last_seen = now
    obj.absent_since = None
    obj.save()


def random_changes(endpoint: Endpoint, rng: random.Random, n: int) -> list[str]:
    """``n`` random changes of the kinds a sync stores, each written as the sync writes it."""
    now = timezone.now()
    vms = list(VirtualMachine.objects.present().filter(endpoint=endpoint).order_by("pk"))
    hosts = list(Host.objects.present().filter(endpoint=endpoint).order_by("pk"))
    done = []
    for _ in range(n):
        kind = rng.choice(
            [
                "rename", "power", "paste", "vcpus", "move", "create", "remove", "snapshot",
                "unsnapshot", "host", "rename-host", "nic", "datastore", "account", "cluster",
            ]
        )  # fmt: skip
        vm = rng.choice(vms)
        host = rng.choice(hosts)
        if kind == "rename":
            touch(vm, now, name=f"{vm.name}-r")
        elif kind == "power":
            on = vm.power_state == "poweredOn"
            touch(vm, now, power_state="poweredOff" if on else "poweredOn")
        elif kind == "paste":
            extra = dict(vm.extra_config)
            flip = extra.get("isolation.tools.paste.disable") == "TRUE"
            extra["isolation.tools.paste.disable"] = "FALSE" if flip else "TRUE"
            touch(vm, now, extra_config=extra)
        elif kind == "vcpus":
            touch(vm, now, vcpus=rng.choice([1, 2, 4, 8, 64]), memory_bytes=vm.memory_bytes * 2)
        elif kind == "move":
            touch(vm, now, host=host, cluster_id=host.cluster_id)
        elif kind == "create":
            clone = VirtualMachine.objects.get(pk=vm.pk)
            clone.pk, clone.external_id = None, f"new-{rng.random()}"
            clone.name, clone.first_seen = f"new{len(done)}", now
            touch(clone, now)
            vms.append(clone)
        elif kind == "remove":
            VirtualMachine.objects.filter(pk=vm.pk).update(absent_since=now)
            Snapshot.objects.filter(vm=vm).update(absent_since=now)
            vms.remove(vm)
        elif kind == "snapshot":
            age = dt.timedelta(days=rng.uniform(0, 30))
            SnapshotFactory(vm=vm, created_at=now - age, with_memory=rng.random() < 0.5)
        elif kind == "unsnapshot":
            Snapshot.objects.filter(vm=vm).update(absent_since=now)
        elif kind == "host":
            extra = dict(host.extra)
            options = dict(extra["hardening"]["options"])
            options["UserVars.ESXiShellTimeOut"] = rng.choice([0, 600])
            extra["hardening"] = {**extra["hardening"], "options": options}
            touch(host, now, extra=extra, lockdown_mode=rng.choice(["lockdownNormal", "x"]))
        elif kind == "rename-host":
            touch(host, now, name=f"{host.name}-r")
        elif kind == "nic":
            nic = PhysicalNic.objects.filter(host=host).order_by("?").first()
            touch(nic, now, link_up=not nic.link_up)
        elif kind == "datastore":
            ds = Datastore.objects.filter(endpoint=endpoint).order_by("?").first()
            touch(ds, now, free_bytes=int(ds.capacity_bytes * rng.uniform(0.01, 0.5)))
        elif kind == "account":
            account = PlatformAccount.objects.filter(endpoint=endpoint).order_by("?").first()
            touch(account, now, grants=account.grants[:1] if rng.random() < 0.5 else [])
        elif kind == "cluster":
            cluster = Cluster.objects.filter(endpoint=endpoint).order_by("?").first()
            touch(cluster, now, name=f"{cluster.name}-r")
        done.append(f"{kind} {vm.external_id} {host.external_id}")
    return done


def test_the_source_scan_finds_every_context_attribute_a_check_reads():
    estate()
    ctx = InventoryContext.load()
    for spec in all_checks():
        recording = RecordingContext(ctx)
        for obj in ctx.objects[spec.target]:
            try:
                spec.func(obj, spec.defaults(), recording)
            except Exception:
                continue
        missed = recording.read - check_reads(spec.id, spec.func)
        assert not missed, f"{spec.id} reads {sorted(missed)} the scan did not find"


def test_a_limited_run_after_random_changes_equals_a_full_run(same_clock):
    endpoint = estate()
    first = run(endpoint, changed_only=True)  # nothing to carry from: a full run
    assert first.counts["scope"] == "all"
    rng = random.Random(17)
    done = []
    for _ in range(6):
        done += random_changes(endpoint, rng, 5)
        same_clock["now"] = timezone.now()
        limited = run(endpoint, changed_only=True)
        assert limited.counts["scope"] == "changed", limited.counts
        assert limited.counts["carried"] > 0, limited.counts
        after_limited = outcome(endpoint)
        run(endpoint, changed_only=False)
        assert_same(after_limited, outcome(endpoint))
    kinds = {d.split()[0] for d in done}
    assert {"rename", "move", "create", "remove", "rename-host"} <= kinds, done


def test_a_limited_run_with_nothing_changed_keeps_every_outcome_and_judges_only_the_wide_checks(
    same_clock,
):
    endpoint = estate()
    same_clock["now"] = timezone.now()
    full = run(endpoint, changed_only=False)
    before = outcome(endpoint)
    limited = run(endpoint, changed_only=True)
    assert outcome(endpoint) == before
    # Only the checks that read the clock, the console history or the target objects judge
    # (the endpoint's own checks too), on every object; everything else is kept.
    ctx = InventoryContext.load([endpoint.pk])
    wide = [
        spec
        for spec in all_checks()
        if spec.target == "endpoint" or check_inputs(spec) & ALWAYS_CHANGED
    ]
    assert limited.counts["wide_checks"] == len(wide)
    applicable = [spec for spec in all_checks() if endpoint.kind in spec.platforms]
    assert limited.counts["judged"] == sum(
        len(ctx.objects[spec.target]) for spec in wide if spec in applicable
    )
    assert limited.counts["judged"] + limited.counts["carried"] == sum(
        len(ctx.objects[spec.target]) for spec in applicable
    )
    assert (
        CheckResult.objects.filter(run=limited).count()
        == CheckResult.objects.filter(run=full).count()
    )


def test_a_check_switched_on_or_retuned_since_is_judged_on_every_object(same_clock):
    endpoint = estate()
    same_clock["now"] = timezone.now()
    CheckSetting.objects.create(check_id="CON-001", enabled=False)
    run(endpoint, changed_only=False)
    assert not CheckResult.objects.filter(check_id="CON-001").exists()
    CheckSetting.objects.filter(check_id="CON-001").update(enabled=True, updated_at=timezone.now())
    limited = run(endpoint, changed_only=True)
    result = CheckResult.objects.get(run=limited, check_id="CON-001")
    vms = VirtualMachine.objects.present().filter(endpoint=endpoint).count()
    assert result.passed + result.failed + result.not_applicable == vms
    after = outcome(endpoint)
    run(endpoint, changed_only=False)
    assert_same(after, outcome(endpoint))


def _statements_of_a_limited_run(hosts: int, vms: int) -> int:
    """Statements of a limited run after the same changes: three VMs renamed, one of them
    powered off and moved, a snapshot removed."""
    endpoint = estate(hosts, vms)
    run(endpoint, changed_only=False)
    now = timezone.now()
    host = Host.objects.filter(endpoint=endpoint).order_by("pk").last()
    for i, vm in enumerate(VirtualMachine.objects.filter(endpoint=endpoint).order_by("pk")[:3]):
        moved = {"power_state": "poweredOff", "host": host, "cluster_id": host.cluster_id}
        touch(vm, now, name=f"renamed-{i}", **(moved if i == 0 else {}))
    Snapshot.objects.filter(pk=Snapshot.objects.filter(endpoint=endpoint).earliest("pk").pk).update(
        absent_since=now
    )
    with CaptureQueriesContext(connection) as queries:
        limited = run(endpoint, changed_only=True)
    assert limited.counts["scope"] == "changed"
    return len(queries)


def test_the_statements_of_a_limited_run_do_not_grow_with_the_inventory():
    small = _statements_of_a_limited_run(2, 20)
    Endpoint.objects.all().delete()
    large = _statements_of_a_limited_run(8, 200)
    assert small == large
    assert len(TARGET_MODELS) + 20 < small < 80  # the load, the plan and the write


def _after_sync(sync) -> CheckRun:
    """Run ``sync``, send what it sends after commit (the receiver queues a check run), and
    execute that run as the worker would."""
    from compliance.tasks import run_checks

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        done = sync()
    assert done.status == "succeeded", done.error
    before = CheckRun.objects.count()
    for callback in callbacks:
        callback()  # the sync's signal: the receiver queues a run
    assert CheckRun.objects.count() == before + 1
    queued = CheckRun.objects.latest("pk")
    run_checks(queued.pk, trigger="sync")
    queued.refresh_from_db()
    assert queued.status == CheckRun.Status.SUCCEEDED, queued.error
    return queued


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=3, standalone_hosts=1, vms_per_pool=4)
def test_incremental_syncs_on_the_simulator_queue_limited_runs_equal_to_full_runs(
    fresh_vcsim, same_clock
):
    from inventory.services import incremental
    from inventory.services.incremental import incremental_sync
    from simulators.endpoints import vcenter_endpoint
    from simulators.vcsim_changes import Changer

    endpoint = vcenter_endpoint(fresh_vcsim, "vc-limited", sync=False)
    try:

        def synced_an_hour_ago():
            """The first sync, as if it ran an hour ago (the runs allow for clocks minutes
            apart), before the checks run on it."""
            done = incremental_sync(endpoint, trigger="schedule")
            hour_ago = timezone.now() - dt.timedelta(hours=1)
            for model in TARGET_MODELS.values():
                model.objects.filter(endpoint=endpoint).update(last_seen=hour_ago)
            SyncRun.objects.filter(pk=done.pk).update(
                started_at=hour_ago, finished_at=hour_ago + dt.timedelta(minutes=1)
            )
            return done

        same_clock["now"] = timezone.now()
        first = _after_sync(synced_an_hour_ago)
        assert first.counts["scope"] == "all"  # the feed's first read is a full one
        rng = random.Random(5)
        with Changer(fresh_vcsim) as ch:
            for _ in range(3):
                done = ch.random_changes(rng, 4)
                same_clock["now"] = timezone.now()
                limited = _after_sync(lambda: incremental_sync(endpoint, trigger="schedule"))
                assert limited.counts["scope"] == "changed", (limited.counts, done)
                assert limited.counts["carried"] > 0
                after_limited = outcome(endpoint)
                run(endpoint, changed_only=False)
                assert_same(after_limited, outcome(endpoint))
    finally:
        incremental.close_all_feeds()
