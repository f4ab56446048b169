"""Incremental vCenter sync through the PropertyCollector change feed (issue 17, item 1).

The equivalence test changes the simulator at random (create, rename, power, snapshot, remove
snapshots, destroy, move between hosts, reconfigure) and compares, object by object, what the
incremental sync stored for one endpoint with what a fresh full sync stored for a second
endpoint on the same simulator.
"""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext
from pyVmomi import vmodl

from inventory.models import (
    Cluster,
    Datastore,
    DatastoreHost,
    Host,
    Network,
    PhysicalNic,
    Snapshot,
    SyncRun,
    VirtualMachine,
    VirtualSwitch,
    VmDatastore,
)
from inventory.services import incremental
from inventory.services.endpoints import endpoint_create
from inventory.services.incremental import incremental_sync
from inventory.services.sync import sync_endpoint
from portal.models import AuditEvent
from simulators.vcsim_changes import Changer
from tests.inventory.test_sync_proxmox import register as register_pve

pytestmark = pytest.mark.django_db

MODELS = (Cluster, Host, PhysicalNic, VirtualSwitch, Network, Datastore, VirtualMachine, Snapshot)
# Set when a row is written, not read from the platform.
LOCAL_FIELDS = {"id", "endpoint", "first_seen", "last_seen", "absent_since"}


@pytest.fixture(autouse=True)
def _no_kept_feeds():
    yield
    incremental.close_all_feeds()


def register(sim, name: str):
    return endpoint_create(
        name=name,
        kind="vcenter",
        url=sim.url,
        username=sim.username,
        secret=sim.password,
        fingerprint=sim.fingerprint,
        actor="test",
    )


def _row(obj) -> dict:
    """A stored object as comparable values: foreign keys as the target's external id."""
    row = {}
    for f in obj._meta.concrete_fields:
        if f.name in LOCAL_FIELDS:
            continue
        if isinstance(f, ForeignKey):
            target = getattr(obj, f.name)
            row[f.name] = getattr(target, "external_id", None) if target is not None else None
        else:
            row[f.name] = getattr(obj, f.attname)
    return row


def stored(endpoint) -> dict:
    """Everything present for ``endpoint``, per model and external id, with the links."""
    out = {}
    for model in MODELS:
        rows = model.objects.present().filter(endpoint=endpoint)
        out[model.__name__] = {o.external_id: _row(o) for o in rows}
    out["DatastoreHost"] = {
        (link.datastore.external_id, link.host.external_id)
        for link in DatastoreHost.objects.filter(datastore__endpoint=endpoint).select_related(
            "datastore", "host"
        )
        if link.datastore.absent_since is None
    }
    out["VmDatastore"] = {
        (link.vm.external_id, link.datastore.external_id)
        for link in VmDatastore.objects.filter(vm__endpoint=endpoint).select_related(
            "vm", "datastore"
        )
        if link.vm.absent_since is None
    }
    return out


def assert_same(incr, full) -> None:
    a, b = stored(incr), stored(full)
    for kind in a:
        assert set(a[kind]) == set(b[kind]), kind
        if isinstance(a[kind], dict):
            for ext in a[kind]:
                assert a[kind][ext] == b[kind][ext], f"{kind} {ext}"


def last_mode(endpoint) -> str:
    event = AuditEvent.objects.filter(action="endpoint.sync", target_id=str(endpoint.pk)).latest(
        "pk"
    )
    return event.detail["mode"]


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=3, standalone_hosts=1, vms_per_pool=4)
def test_random_changes_give_the_same_inventory_as_a_fresh_full_sync(fresh_vcsim):
    incr = register(fresh_vcsim, "incremental")
    run = incremental_sync(incr, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(incr) == "full"  # the first read of a feed is a full one
    rng = random.Random(17)
    done_all = []
    with Changer(fresh_vcsim) as ch:
        for round_ in range(4):
            done_all += ch.random_changes(rng, 6)
            run = incremental_sync(incr, trigger="command")
            assert run.status == SyncRun.Status.SUCCEEDED, run.error
            assert last_mode(incr) == "incremental", done_all
            full = register(fresh_vcsim, f"full-{round_}")
            assert sync_endpoint(full, trigger="command").status == SyncRun.Status.SUCCEEDED
            assert_same(incr, full)
    kinds = {d.split()[0] for d in done_all}
    assert {"create", "rename", "power", "snapshot", "move"} <= kinds, done_all
    # Removed VMs are absent, not deleted, as with a full sync.
    destroyed = [d.split()[1] for d in done_all if d.startswith("destroy")]
    assert destroyed, done_all
    for ext in destroyed:
        assert VirtualMachine.objects.get(endpoint=incr, external_id=ext).absent_since is not None


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_an_unchanged_endpoint_writes_nothing(fresh_vcsim):
    endpoint = register(fresh_vcsim, "incremental")
    incremental_sync(endpoint, trigger="command")
    before = VirtualMachine.objects.filter(endpoint=endpoint).values_list("last_seen", flat=True)
    before = sorted(before)
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert (run.created, run.updated, run.absent) == (0, 0, 0)
    after = VirtualMachine.objects.filter(endpoint=endpoint).values_list("last_seen", flat=True)
    assert sorted(after) == before


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_a_lost_feed_or_session_falls_back_to_a_full_read_with_the_same_result(fresh_vcsim):
    endpoint = register(fresh_vcsim, "incremental")
    incremental_sync(endpoint, trigger="command")
    with Changer(fresh_vcsim) as ch:
        vm = ch.vm_ids()[0]
        # vCenter no longer knows the version (the simulator never says so, and destroying the
        # collector crashes its handler): the one fault injected at the SDK boundary.
        feed = incremental._feeds[endpoint.pk].feed

        class LostVersion:
            def WaitForUpdatesEx(self, *args):
                raise vmodl.query.InvalidCollectorVersion()

        feed._collector = LostVersion()
        ch.rename(vm, "after-lost-filter")
        run = incremental_sync(endpoint, trigger="command")
        assert run.status == SyncRun.Status.SUCCEEDED, run.error
        assert last_mode(endpoint) == "full"
        assert any("change feed was lost" in w for w in run.warnings), run.warnings
        assert VirtualMachine.objects.get(endpoint=endpoint, external_id=vm).name == (
            "after-lost-filter"
        )
        # The session ends (logged out on the server): log in again, full read.
        incremental._feeds[endpoint.pk].feed.connector._content.sessionManager.Logout()
        ch.power_off(vm)
        run = incremental_sync(endpoint, trigger="command")
        assert run.status == SyncRun.Status.SUCCEEDED, run.error
        assert last_mode(endpoint) == "full"
        assert any("session ended" in w for w in run.warnings), run.warnings
        # And incremental again afterwards.
        ch.rename(vm, "back-to-incremental")
        run = incremental_sync(endpoint, trigger="command")
        assert last_mode(endpoint) == "incremental"
    full = register(fresh_vcsim, "full")
    sync_endpoint(full, trigger="command")
    assert_same(endpoint, full)


def _queries_for_renames(sim, endpoint, vms: list[str], tag: str) -> int:
    with Changer(sim) as ch:
        for vm in vms:
            ch.rename(vm, f"{tag}-{vm}")
            ch.snapshot(vm, f"{tag}-snap")
    with CaptureQueriesContext(connection) as ctx:
        run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert run.counts["vms"]["updated"] == len(vms)
    return len(ctx.captured_queries)


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=8)
def test_the_queries_of_a_change_set_do_not_grow_with_its_size(fresh_vcsim):
    endpoint = register(fresh_vcsim, "incremental")
    incremental_sync(endpoint, trigger="command")
    with Changer(fresh_vcsim) as ch:
        vms = ch.vm_ids()
    small = _queries_for_renames(fresh_vcsim, endpoint, vms[:2], "a")
    large = _queries_for_renames(fresh_vcsim, endpoint, vms[2:14], "b")
    assert small == large


def test_a_platform_without_a_change_feed_gets_a_full_sync(fake_pve):
    endpoint = register_pve(fake_pve)
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert VirtualMachine.objects.filter(endpoint=endpoint).exists()
    assert endpoint.pk not in incremental._feeds
