"""Cheap Proxmox VE resyncs (issue 17, item 3), against fakepve over real HTTPS.

A scheduled sync with a stored read state reads ``/cluster/resources`` and each guest's config
(PVE gives the config digest nowhere else) and skips the snapshot list, RRD and agent reads of
guests whose digest, power state and uptime did not change. The equivalence test changes the
fake at random through its API and compares, object by object, what the cheap resyncs stored
for one endpoint with what a fresh full sync stored for another endpoint on the same fake, and
the compliance results of both.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
import uuid

import pytest
from django.utils import timezone

from compliance.models import CheckResult
from compliance.services.runs import check_run_execute
from inventory.models import (
    Endpoint,
    ReadState,
    Snapshot,
    SyncRun,
    UtilizationSample,
    VirtualMachine,
)
from inventory.services.sync import sync_endpoint
from inventory.tasks import schedule_syncs
from portal.models import AuditEvent
from simulators.fakepve_changes import PveChanger
from tests.conftest import worker_env
from tests.inventory.test_sync_incremental import stored
from tests.inventory.test_sync_proxmox import register
from tests.inventory.test_sync_schedule import _wait_all_ended

pytestmark = pytest.mark.django_db

SPEC = {"nodes": 3, "vms_per_node": 4, "cts_per_node": 2, "snapshot_every": 3}
GUEST_PATH = re.compile(r"/nodes/[^/]+/(qemu|lxc)/(\d+)(/.*)?$")
# Readings of the guest agent, carried over by a cheap resync with the time they were taken.
AGENT_READINGS = ("read_at", "guest_time", "node_time", "offset_seconds")


def scheduled(endpoint) -> tuple[SyncRun, str]:
    """A scheduled sync of ``endpoint``; the run and how it read (full or cheap)."""
    run = sync_endpoint(endpoint, trigger="schedule")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return run, mode_of(run)


def mode_of(run: SyncRun) -> str:
    event = AuditEvent.objects.filter(
        action="endpoint.sync", target_id=str(run.endpoint_id)
    ).latest("pk")
    assert event.detail["sync_run"] == run.pk
    return event.detail["mode"]


def per_guest_reads(fake) -> dict[str, list[str]]:
    """What was asked per guest since the last reset: ``{"qemu/100": ["/config", ...]}``."""
    out: dict[str, list[str]] = {}
    for method, path in fake.requests_seen():
        m = GUEST_PATH.search(path)
        if method == "GET" and m:
            out.setdefault(f"{m.group(1)}/{m.group(2)}", []).append(m.group(3) or "")
    return out


def comparable(endpoint) -> dict:
    """The stored inventory, with the agent's readings (times, offsets) left out."""
    rows = stored(endpoint)
    for row in rows["VirtualMachine"].values():
        row["guest_time"] = {
            k: v for k, v in (row["guest_time"] or {}).items() if k not in AGENT_READINGS
        }
    return rows


def assert_same(cheap, full) -> None:
    a, b = comparable(cheap), comparable(full)
    for kind in a:
        assert a[kind] == b[kind], kind


def check_results(endpoint) -> dict:
    """Per check: the counts and what was observed on each object that did not pass (its path
    without the endpoint's name)."""
    run = check_run_execute(endpoint=endpoint, trigger="command", actor="test")
    out = {}
    for r in CheckResult.objects.filter(run=run, endpoint=endpoint):
        observed = sorted(
            (o.get("path", "").partition(" › ")[2], o.get("status", ""), o.get("message", ""))
            for o in r.observed.values()
        )
        out[r.check_id] = (r.passed, r.failed, r.warnings, r.errors, r.not_applicable, observed)
    return out


@pytest.mark.fake_pve_spec(**SPEC)
def test_an_unchanged_cheap_resync_reads_one_config_per_guest_and_writes_nothing(fake_pve):
    endpoint = register(fake_pve)
    _, mode = scheduled(endpoint)
    assert mode == "full"  # no stored state yet
    guests = VirtualMachine.objects.filter(endpoint=endpoint).count()
    with_snapshots = Snapshot.objects.filter(endpoint=endpoint).values("vm").distinct().count()
    assert with_snapshots > 0
    full_reads = per_guest_reads(fake_pve)
    # The full read asked for snapshot lists, RRD data and the agent.
    assert sum("/snapshot" in p for paths in full_reads.values() for p in paths) == with_snapshots
    assert any("/rrddata" in p for paths in full_reads.values() for p in paths)
    assert any("/agent/get-time" in p for paths in full_reads.values() for p in paths)
    before = comparable(endpoint)

    fake_pve.reset_requests()
    run, mode = scheduled(endpoint)
    assert mode == "cheap"
    reads = per_guest_reads(fake_pve)
    assert len(reads) == guests
    assert all(paths == ["/config"] for paths in reads.values()), reads
    assert (run.created, run.updated, run.absent) == (0, 0, 0)
    assert comparable(endpoint) == before
    state = ReadState.objects.get(endpoint=endpoint)
    assert state.cheap_reads == 1 and state.written_at == run.finished_at


@pytest.mark.fake_pve_spec(**SPEC)
def test_each_kind_of_change_shows_after_the_next_cheap_resync(fake_pve):
    endpoint = register(fake_pve)
    scheduled(endpoint)
    with PveChanger.of(fake_pve) as ch:
        guests = {g["id"]: g for g in ch.guests()}
        ch.reconfigure(guests["qemu/101"])
        ch.snapshot(guests["qemu/102"])
        ch.remove_snapshot(guests["qemu/100"])  # holds snap1 <- snap2
        ch.power(guests["qemu/108"])  # running -> stopped
        created = ch.create("pve2").split()[1]
        ch.destroy(guests["qemu/107"])
        ch.move(guests["lxc/104"], "pve3")

    def migrate():  # PVE moves the config file to the other node (fakepve's migrate does not)
        next(v for v in fake_pve.pve.vms if v.vmid == 109).node = "pve3"

    fake_pve.call(migrate)
    fake_pve.reset_requests()
    _, mode = scheduled(endpoint)
    assert mode == "cheap"
    vms = {v.external_id: v for v in VirtualMachine.objects.filter(endpoint=endpoint)}
    assert vms["qemu/101"].config["description"] == "changed 1"
    snaps = set(
        Snapshot.objects.present().filter(endpoint=endpoint).values_list("external_id", flat=True)
    )
    assert "qemu/102/s2" in snaps
    assert "qemu/100/snap2" not in snaps and "qemu/100/snap1" in snaps
    assert vms["qemu/108"].power_state == "stopped"
    assert vms["qemu/107"].absent_since is not None
    assert vms[created].absent_since is None and vms[created].host.name == "pve2"
    assert vms["lxc/104"].host.name == "pve3"
    assert vms["qemu/109"].host.name == "pve3"
    # Snapshot lists were read for the guests whose digest changed, and no other.
    reads = per_guest_reads(fake_pve)
    listed = {g for g, paths in reads.items() if "/snapshot" in paths}
    assert listed == {"qemu/100", "qemu/102"}, reads
    full = register(fake_pve, name="full")
    assert sync_endpoint(full, trigger="command").status == SyncRun.Status.SUCCEEDED
    assert_same(endpoint, full)


@pytest.mark.fake_pve_spec(**SPEC)
def test_random_changes_give_the_same_inventory_and_findings_as_a_fresh_full_sync(fake_pve):
    cheap = register(fake_pve, name="cheap")
    scheduled(cheap)
    rng = random.Random(173)
    done_all: list[str] = []
    with PveChanger.of(fake_pve) as ch:
        for round_ in range(3):
            done_all += ch.random_changes(rng, 8)
            _, mode = scheduled(cheap)
            assert mode == "cheap", done_all
            full = register(fake_pve, name=f"full-{round_}")
            assert sync_endpoint(full, trigger="command").status == SyncRun.Status.SUCCEEDED
            assert_same(cheap, full)
    kinds = {d.split()[0] for d in done_all}
    assert {"reconfigure", "snapshot", "power", "create", "destroy", "move"} <= kinds, done_all
    # The checks over per-guest data judge both inventories alike.
    assert check_results(cheap) == check_results(full)


@pytest.mark.fake_pve_spec(nodes=1, vms_per_node=3, cts_per_node=1, snapshot_every=2)
def test_the_full_read_safety_net_and_a_missing_or_inconsistent_state(fake_pve, settings):
    settings.INVENTORY_FULL_READ_EVERY = 3
    endpoint = register(fake_pve)
    modes = [scheduled(endpoint)[1] for _ in range(5)]
    assert modes == ["full", "cheap", "cheap", "full", "cheap"]
    # Every 24 hours at the latest.
    ReadState.objects.filter(endpoint=endpoint).update(
        full_read_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=24, minutes=1)
    )
    assert scheduled(endpoint)[1] == "full"
    assert scheduled(endpoint)[1] == "cheap"
    # A sync a person asks for reads everything (and its state serves the next scheduled one).
    sync_endpoint(endpoint, trigger="web")
    assert scheduled(endpoint)[1] == "cheap"
    # No state: full.
    ReadState.objects.filter(endpoint=endpoint).delete()
    assert scheduled(endpoint)[1] == "full"
    # A state that does not belong to the stored inventory: full.
    ReadState.objects.filter(endpoint=endpoint).update(
        written_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    )
    assert scheduled(endpoint)[1] == "full"
    # A state naming other guests than the inventory holds: full, and the guest is back.
    gone = VirtualMachine.objects.filter(endpoint=endpoint).first()
    VirtualMachine.objects.filter(pk=gone.pk).delete()
    assert scheduled(endpoint)[1] == "full"
    assert VirtualMachine.objects.filter(endpoint=endpoint, external_id=gone.external_id).exists()
    # A state of another shape (an older version): full.
    ReadState.objects.filter(endpoint=endpoint).update(state={"v": 0})
    assert scheduled(endpoint)[1] == "full"
    # Switched off: full every time.
    settings.INVENTORY_CHEAP_RESYNC = False
    assert scheduled(endpoint)[1] == "full"


@pytest.mark.fake_pve_spec(nodes=1, vms_per_node=2, cts_per_node=1, snapshot_every=0)
def test_a_cheap_resync_takes_network_rates_from_the_traffic_counters(fake_pve):
    endpoint = register(fake_pve)
    began = time.time()
    scheduled(endpoint)
    state = ReadState.objects.get(endpoint=endpoint)
    # The previous read was 100 s earlier than it was (the guests' uptime 100 s smaller); the
    # VM has received 1 MB and sent 2 MB since.
    state.state["t"] -= 100
    for entry in state.state["guests"].values():
        entry["uptime"] -= 100
    state.save()

    def traffic():
        vm = next(v for v in fake_pve.pve.vms if v.vmid == 100)
        vm.stats.update(netin=1_000_000, netout=2_000_000)

    fake_pve.call(traffic)
    fake_pve.reset_requests()
    run, mode = scheduled(endpoint)
    elapsed = time.time() - began  # at least the time between the two reads
    assert mode == "cheap"
    assert "/rrddata" not in per_guest_reads(fake_pve)["qemu/100"]
    vm = VirtualMachine.objects.get(endpoint=endpoint, external_id="qemu/100")
    taken = UtilizationSample.objects.get(
        object_type="vm", object_id=vm.pk, taken_at=run.started_at
    )
    assert 1_000_000 / (100 + elapsed) <= taken.net_rx_bps <= 10_000
    assert 2_000_000 / (100 + elapsed) <= taken.net_tx_bps <= 20_000
    # A guest that restarted since (its uptime did not grow by the time between the reads) has
    # its rates and agent read again.
    state = ReadState.objects.get(endpoint=endpoint)
    state.state["guests"]["qemu/100"]["uptime"] += 10_000
    state.save()
    fake_pve.reset_requests()
    _, mode = scheduled(endpoint)
    assert mode == "cheap"
    assert per_guest_reads(fake_pve)["qemu/100"] == ["/config", "/rrddata", "/agent/get-time"]


@pytest.mark.slow
@pytest.mark.fake_pve_spec(nodes=2, vms_per_node=2, cts_per_node=1, snapshot_every=2)
def test_the_read_state_outlives_the_worker_process_that_wrote_it(transactional_db, fake_pve):
    from portal.celery import app
    from simulators.worker import Worker

    queue = f"cheap-{uuid.uuid4().hex[:8]}"  # this test's workers only
    suite_queue, app.conf.task_default_queue = app.conf.task_default_queue, queue
    endpoint = register(fake_pve)
    Endpoint.objects.filter(pk=endpoint.pk).update(sync_interval_minutes=1)
    modes = []
    try:
        for name in ("first", "second"):  # one worker process, stopped; then a new one
            with Worker(worker_env(queue), queue, name=name) as worker:
                past = timezone.now() - dt.timedelta(minutes=2)
                Endpoint.objects.filter(pk=endpoint.pk).update(
                    last_sync_at=past, sync_scheduled_at=past
                )
                assert schedule_syncs() == 1
                _wait_all_ended()
                worker.settle(app)
            run = SyncRun.objects.filter(endpoint=endpoint).latest("pk")
            assert run.status == SyncRun.Status.SUCCEEDED, run.error
            modes.append(mode_of(run))
    finally:
        app.conf.task_default_queue = suite_queue
    assert modes == ["full", "cheap"]
