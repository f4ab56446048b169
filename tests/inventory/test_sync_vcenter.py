"""Sync of VMware's vCenter simulator (real SOAP over TLS) into the inventory."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Cluster, Datastore, Host, Network, Snapshot, SyncRun, VirtualMachine
from inventory.services.endpoints import endpoint_create
from inventory.services.sync import sync_endpoint
from simulators import vcsim as sim_api
from simulators.vcsim import RunningVcsim, VcsimSpec
from tests.connectors.test_vcenter import truth

pytestmark = pytest.mark.django_db


def register(sim: RunningVcsim, *, name: str = "vc-lab", password: str | None = None, **over):
    return endpoint_create(
        name=name,
        kind="vcenter",
        url=sim.url,
        username=sim.username,
        secret=password or sim.password,
        fingerprint=over.get("fingerprint", sim.fingerprint),
        actor="test",
    )


def test_the_stored_counts_equal_what_the_simulator_reports(fresh_vcsim):
    vm = sim_api.vm_ids(fresh_vcsim)[0]
    sim_api.create_snapshot(fresh_vcsim, vm, "before-patch", memory=True)
    run = sync_endpoint(register(fresh_vcsim), trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    expected = truth(fresh_vcsim)
    assert Host.objects.count() == expected["hosts"]
    assert VirtualMachine.objects.count() == expected["vms"]
    assert Datastore.objects.count() == expected["datastores"]
    assert Cluster.objects.count() == expected["clusters"]
    assert Snapshot.objects.count() == expected["snapshots"] == 1
    assert Network.objects.count() > 0
    snap = Snapshot.objects.get()
    assert snap.with_memory is True and snap.vm.external_id == vm


def test_a_destroyed_vm_becomes_absent_and_a_changed_vm_is_updated(fresh_vcsim):
    endpoint = register(fresh_vcsim)
    sync_endpoint(endpoint, trigger="command")
    gone, changed = sim_api.vm_ids(fresh_vcsim)[:2]
    before = VirtualMachine.objects.get(external_id=changed).config_hash
    sim_api.destroy_vm(fresh_vcsim, gone)
    sim_api.reconfigure_memory(fresh_vcsim, changed, 8192)
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert VirtualMachine.objects.get(external_id=gone).absent_since is not None
    vm = VirtualMachine.objects.get(external_id=changed)
    assert vm.memory_bytes == 8192 * 1024 * 1024
    assert vm.config_hash != before
    assert run.counts["vms"]["absent"] == 1 and run.counts["vms"]["updated"] >= 1


def test_wrong_credentials_give_a_failed_run_with_a_clear_error(vcsim):
    run = sync_endpoint(register(vcsim, password="not-the-password"), trigger="command")
    assert run.status == SyncRun.Status.FAILED
    assert "not-the-password" not in run.error
    assert "login" in run.error.lower() or "password" in run.error.lower()
    assert not VirtualMachine.objects.exists()


def test_a_wrong_fingerprint_is_refused_naming_expected_and_presented(vcsim):
    run = sync_endpoint(register(vcsim, fingerprint="cd" * 32), trigger="command")
    assert run.status == SyncRun.Status.FAILED
    assert "expected CD:CD" in run.error
    presented = ":".join(vcsim.fingerprint.upper()[i : i + 2] for i in range(0, 64, 2))
    assert presented in run.error


# A sync's query count is compared at two sizes on PostgreSQL only: SQLite caps the variables of
# one statement, so Django splits bulk writes into batches whose number grows with the inventory.
BULK_WRITE_QUERIES = pytest.mark.postgres_only(
    reason="SQLite caps the variables of one statement, so Django splits bulk writes into "
    "batches whose number grows with the inventory"
)


def sync_queries(endpoint) -> int:
    """The SQL statements of one successful sync of ``endpoint``."""
    with CaptureQueriesContext(connection) as ctx:
        run = sync_endpoint(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return len(ctx.captured_queries)


def _queries_for(vms_per_pool: int) -> int:
    spec = VcsimSpec(clusters=1, cluster_hosts=2, standalone_hosts=0, vms_per_pool=vms_per_pool)
    with RunningVcsim(spec) as sim:
        endpoint = register(sim, name=f"vc-{vms_per_pool}")
        queries = sync_queries(endpoint)
        assert VirtualMachine.objects.filter(endpoint=endpoint).count() == vms_per_pool
        return queries


@BULK_WRITE_QUERIES
def test_the_sync_is_bulk_the_same_queries_for_10_and_200_vms(progress_clock):
    assert _queries_for(10) == _queries_for(200)
