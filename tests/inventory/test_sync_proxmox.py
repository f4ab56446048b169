"""Sync of a Proxmox VE cluster (fakepve over real HTTPS) into the shared inventory."""

from __future__ import annotations

import pytest

from inventory.models import Cluster, Datastore, Host, Snapshot, SyncRun, VirtualMachine
from inventory.services.endpoints import endpoint_create
from inventory.services.sync import sync_endpoint
from simulators.fakepve import FakeSpec, RunningFakePve
from tests.inventory.test_sync_vcenter import BULK_WRITE_QUERIES, sync_queries

pytestmark = pytest.mark.django_db


def register(fake: RunningFakePve, *, token: bool = True, name: str = "pve-lab"):
    return endpoint_create(
        name=name,
        kind="proxmox",
        url=fake.url,
        username="" if token else fake.username,
        token_id=fake.token_id if token else "",
        secret=fake.token_secret if token else fake.password,
        fingerprint=fake.fingerprint,
        actor="test",
    )


def snapshots_in(fake: RunningFakePve) -> int:
    return fake.call(lambda: sum(len(g.snapshots) for g in [*fake.pve.vms, *fake.pve.cts]))


def test_a_sync_stores_the_nodes_guests_storages_and_snapshots_the_fake_holds(fake_pve):
    run = sync_endpoint(register(fake_pve), trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    spec = fake_pve.spec
    assert Host.objects.count() == spec.nodes
    guests = spec.nodes * (spec.vms_per_node + spec.cts_per_node)
    assert VirtualMachine.objects.count() == guests
    assert VirtualMachine.objects.filter(kind="lxc").count() == spec.nodes * spec.cts_per_node
    assert Cluster.objects.count() == 1
    assert Datastore.objects.exists()
    assert Snapshot.objects.count() == snapshots_in(fake_pve) > 0
    assert run.created > guests


def test_password_login_syncs_as_well_as_the_token(fake_pve):
    run = sync_endpoint(register(fake_pve, token=False), trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error


def test_an_unchanged_resync_writes_nothing_and_a_second_sync_marks_nothing_absent(fake_pve):
    endpoint = register(fake_pve)
    sync_endpoint(endpoint, trigger="command")
    again = sync_endpoint(endpoint, trigger="command")
    assert again.status == SyncRun.Status.SUCCEEDED
    assert (again.created, again.absent) == (0, 0)


def test_a_destroyed_guest_becomes_absent_and_is_not_deleted(fake_pve):
    endpoint = register(fake_pve)
    sync_endpoint(endpoint, trigger="command")
    gone = fake_pve.call(lambda: fake_pve.pve.vms.pop(0).vmid)
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    vm = VirtualMachine.objects.get(vmid=gone)
    assert vm.absent_since == run.started_at
    assert run.counts["vms"]["absent"] == 1


def test_a_wrong_fingerprint_fails_the_run_and_keeps_the_last_inventory(fake_pve):
    endpoint = register(fake_pve)
    sync_endpoint(endpoint, trigger="command")
    before = VirtualMachine.objects.filter(absent_since__isnull=True).count()
    endpoint.fingerprint = "ab" * 32
    endpoint.save()
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == SyncRun.Status.FAILED
    assert "expected AB:AB" in run.error and "presented" in run.error
    assert VirtualMachine.objects.filter(absent_since__isnull=True).count() == before


def _queries_for(vms_per_node: int) -> int:
    with RunningFakePve(FakeSpec(nodes=2, vms_per_node=vms_per_node, cts_per_node=1)) as fake:
        return sync_queries(register(fake, name=f"pve-{vms_per_node}"))


@BULK_WRITE_QUERIES
def test_the_sync_writes_in_bulk_the_same_number_of_queries_for_few_and_many_guests(progress_clock):
    assert _queries_for(3) == _queries_for(60)
