"""Incremental vCenter sync through the PropertyCollector change feed (issue 17, item 1).

The equivalence test changes the simulator at random (create, rename, power, snapshot, remove
snapshots, destroy, move between hosts, reconfigure, and what the change feed does not report:
a host's advanced settings, VM tags) and compares, object by object and field by field, what the
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

from inventory.connectors import vsphere_tags
from inventory.models import (
    Cluster,
    ConsoleHistory,
    ConsoleSession,
    Datastore,
    DatastoreHost,
    Host,
    Network,
    PhysicalNic,
    PlatformAccount,
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
from simulators import vcsim as harness
from simulators.vcsim_changes import Changer
from tests.inventory.test_sync_proxmox import register as register_pve

pytestmark = pytest.mark.django_db

MODELS = (
    Cluster,
    Host,
    PhysicalNic,
    VirtualSwitch,
    Network,
    Datastore,
    VirtualMachine,
    Snapshot,
    PlatformAccount,
)
# Set when a row is written, not read from the platform.
LOCAL_FIELDS = {"id", "endpoint", "first_seen", "last_seen", "absent_since"}


@pytest.fixture(autouse=True)
def _no_kept_feeds():
    yield
    incremental.close_all_feeds()


@pytest.fixture
def endpoint(fresh_vcsim):
    """An endpoint on the simulator, after its first incremental sync."""
    endpoint = register(fresh_vcsim, "incremental")
    incremental_sync(endpoint, trigger="command")
    return endpoint


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
        hosts = ch.host_ids()
        for round_ in range(4):
            done_all += ch.random_changes(rng, 6)
            # Changes the filter does not report: a host's setting, tags on two VMs.
            host = rng.choice(hosts)
            ch.set_host_options(host, {"Syslog.global.logHost": f"udp://10.0.0.{round_}:514"})
            tagged = rng.sample(ch.vm_ids(), 2)
            harness.tag_vms(fresh_vcsim, "Runde", str(round_ % 2), tagged)
            done_all += [f"option {host}", f"tag {' '.join(tagged)}"]
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
def test_an_unchanged_endpoint_writes_nothing(endpoint):
    before = VirtualMachine.objects.filter(endpoint=endpoint).values_list("last_seen", flat=True)
    before = sorted(before)
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert (run.created, run.updated, run.absent) == (0, 0, 0)
    after = VirtualMachine.objects.filter(endpoint=endpoint).values_list("last_seen", flat=True)
    assert sorted(after) == before


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_a_lost_feed_or_session_falls_back_to_a_full_read_with_the_same_result(
    fresh_vcsim, endpoint
):
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
    harness.tag_vms(sim, "Runde", tag, vms)  # tags come from the vAPI, not the feed
    with CaptureQueriesContext(connection) as ctx:
        run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert run.counts["vms"]["updated"] == len(vms)
    tags = dict(
        VirtualMachine.objects.filter(endpoint=endpoint, external_id__in=vms).values_list(
            "external_id", "tags"
        )
    )
    assert all(f"Runde:{tag}" in tags[vm] for vm in vms), tags
    return len(ctx.captured_queries)


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=8)
def test_the_queries_of_a_change_set_do_not_grow_with_its_size(fresh_vcsim, endpoint):
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


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_a_host_advanced_setting_changed_is_seen_by_the_next_incremental_sync(
    fresh_vcsim, endpoint
):
    with Changer(fresh_vcsim) as ch:
        host = ch.host_ids()[0]
        # UpdateOptions changes the OptionManager, not the HostSystem: no update of the filter.
        ch.set_host_options(
            host, {"Syslog.global.logHost": "udp://10.9.9.9:514", "Security.AccountLockFailures": 3}
        )
    before = Host.objects.get(endpoint=endpoint, external_id=host).config_hash
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert run.counts["hosts"]["updated"] == 1 and run.counts["vms"]["updated"] == 0
    stored_host = Host.objects.get(endpoint=endpoint, external_id=host)
    assert stored_host.advanced_options["Syslog.global.logHost"] == "udp://10.9.9.9:514"
    assert stored_host.syslog_target == "udp://10.9.9.9:514"
    assert stored_host.extra["hardening"]["options"]["Security.AccountLockFailures"] == 3
    assert stored_host.config_hash != before
    full = register(fresh_vcsim, "full")
    assert sync_endpoint(full, trigger="command").status == SyncRun.Status.SUCCEEDED
    assert_same(endpoint, full)


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_accounts_and_permissions_come_with_the_incremental_syncs(fresh_vcsim):
    endpoint = register(fresh_vcsim, "incremental")
    incremental_sync(endpoint, trigger="command")  # the feed's full read reads them too
    accounts = PlatformAccount.objects.present().filter(endpoint=endpoint)
    assert accounts.exists()
    carol = "VSPHERE.LOCAL\\carol"
    harness.set_permission(fresh_vcsim, "group-d1", carol, -1)  # Administrator on the root
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert run.counts["accounts"]["created"] == 1, run.counts
    granted = accounts.get(external_id=carol).grants
    assert [(g["entity_id"], g["role_id"]) for g in granted] == [("group-d1", "-1")]
    full = register(fresh_vcsim, "full")
    assert sync_endpoint(full, trigger="command").status == SyncRun.Status.SUCCEEDED
    assert_same(endpoint, full)
    # Unchanged: read again, compared, nothing written.
    run = incremental_sync(endpoint, trigger="command")
    assert "accounts" not in run.counts, run.counts
    harness.remove_permission(fresh_vcsim, "group-d1", carol)
    run = incremental_sync(endpoint, trigger="command")
    assert run.counts["accounts"]["absent"] == 1, run.counts
    assert not accounts.filter(external_id=carol).exists()


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_a_tag_attached_is_seen_by_the_next_incremental_sync_and_an_unread_vapi_is_unknown(
    fresh_vcsim, endpoint, monkeypatch
):
    vms = harness.vm_ids(fresh_vcsim)
    harness.tag_vms(fresh_vcsim, "Schutzbedarf", "hoch", vms[:2])
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert run.counts["vms"]["updated"] == 2  # only the VMs whose tags changed
    rows = VirtualMachine.objects.filter(endpoint=endpoint)
    assert {v.external_id for v in rows if v.tags == ["Schutzbedarf:hoch"]} == set(vms[:2])
    assert all(v.tags_known for v in rows)
    full = register(fresh_vcsim, "full")
    sync_endpoint(full, trigger="command")
    assert_same(endpoint, full)
    # The vAPI cannot be read (the simulator really answers 404 on this prefix): as a full sync,
    # every VM's tags are unknown, with a warning; and known again once it can be read.
    monkeypatch.setattr(vsphere_tags, "PREFIX", "/rest/com/vmware/not-there")
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert any("vSphere tags not read" in w for w in run.warnings), run.warnings
    assert all(v.tags == [] and not v.tags_known for v in rows.all())
    sync_endpoint(full, trigger="command")
    assert_same(endpoint, full)
    monkeypatch.undo()
    run = incremental_sync(endpoint, trigger="command")
    assert not any("tags" in w for w in run.warnings), run.warnings
    sync_endpoint(full, trigger="command")
    assert_same(endpoint, full)
    assert VirtualMachine.objects.get(endpoint=endpoint, external_id=vms[0]).tags_known


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_console_sessions_are_recorded_by_an_incremental_sync(fresh_vcsim):
    endpoint = register(fresh_vcsim, "incremental")
    run = incremental_sync(endpoint, trigger="command")
    assert run.counts["console_sessions"]["created"] == 0
    first = ConsoleHistory.objects.get(endpoint=endpoint)
    vm = harness.vm_ids(fresh_vcsim)[0]
    harness.post_console_event(fresh_vcsim, vm, "webmks")
    harness.post_console_event(fresh_vcsim, vm, "device")  # no console
    run = incremental_sync(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert last_mode(endpoint) == "incremental"
    assert run.counts["console_sessions"]["created"] == 1
    session = ConsoleSession.objects.get(endpoint=endpoint)
    assert (session.vm_external_id, session.kind, session.user) == (
        vm,
        "webmks",
        fresh_vcsim.username,
    )
    assert session.vm_id == VirtualMachine.objects.get(endpoint=endpoint, external_id=vm).pk
    # The cursor moves as with sync_endpoint; the overlap is read again and stored once.
    moved = ConsoleHistory.objects.get(endpoint=endpoint)
    assert moved.read_from == first.read_from and moved.read_until > first.read_until
    run = incremental_sync(endpoint, trigger="command")
    assert run.counts["console_sessions"]["created"] == 0
    assert ConsoleSession.objects.filter(endpoint=endpoint).count() == 1


@pytest.mark.vcsim_spec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
def test_the_watcher_reads_new_vms_tags_at_once_and_all_tags_and_settings_when_due(fresh_vcsim):
    endpoint = register(fresh_vcsim, "watched")
    incremental_sync(endpoint, trigger="command")  # the feed's full read (all settings, tags)
    feed = incremental._feeds[endpoint.pk].feed
    old_vm = harness.vm_ids(fresh_vcsim)[0]
    with Changer(fresh_vcsim) as ch:
        # A host the new VM is not on: nothing the filter reports changes it.
        host = next(h for h in ch.host_ids() if h != ch.vm(old_vm).runtime.host._moId)
        new_vm = ch.create(old_vm, "created-and-tagged")
        ch.set_host_options(host, {"Syslog.global.logHost": "udp://10.8.8.8:514"})
    harness.tag_vms(fresh_vcsim, "Umgebung", "prod", [old_vm, new_vm])

    def watcher_round():
        run = incremental_sync(endpoint, trigger="watch", wait_seconds=1, record_empty=False)
        assert run is not None and run.status == SyncRun.Status.SUCCEEDED
        assert last_mode(endpoint) == "incremental"
        return run

    # Not due (a minute since the last read of all): the new VM's tags are read with it; the
    # old VM's tags and the unchanged host's setting wait for the next read of all.
    watcher_round()
    vms = VirtualMachine.objects.filter(endpoint=endpoint)
    assert vms.get(external_id=new_vm).tags == ["Umgebung:prod"]
    assert vms.get(external_id=old_vm).tags == []
    stored_host = Host.objects.get(endpoint=endpoint, external_id=host)
    assert stored_host.advanced_options.get("Syslog.global.logHost") != "udp://10.8.8.8:514"
    # Due: everything the filter does not report is read again and the change stored.
    feed.unfed_interval = 0
    run = watcher_round()
    assert run.counts["vms"]["updated"] == 1 and run.counts["hosts"]["updated"] == 1
    assert vms.get(external_id=old_vm).tags == ["Umgebung:prod"]
    stored_host.refresh_from_db()
    assert stored_host.advanced_options["Syslog.global.logHost"] == "udp://10.8.8.8:514"
    full = register(fresh_vcsim, "full")
    sync_endpoint(full, trigger="command")
    assert_same(endpoint, full)
