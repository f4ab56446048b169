"""Helpers for operation tests: a synced Proxmox endpoint, waiting for operations."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from inventory.models import Endpoint, Snapshot, VirtualMachine
from operations.models import Operation
from operations.tasks import operations_reconcile_task
from tests.endpoints import proxmox_endpoint, vcenter_endpoint
from tests.harness import vcsim as sim_api
from tests.harness.fakepve import RunningFakePve

ENDED = (Operation.State.SUCCEEDED, Operation.State.FAILED)


def register_pve(fake: RunningFakePve, name: str = "pve-ops") -> Endpoint:
    return proxmox_endpoint(fake, name)


def wait_for(operation_id: int, timeout: float = 30.0) -> Operation:
    """Wait until the operation has ended; fail with its state if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        op = Operation.objects.get(pk=operation_id)
        if op.state in ENDED:
            return op
        time.sleep(0.1)
    pytest.fail(f"operation {operation_id} still {op.state} after {timeout}s: {op.error}")


def wait_quiet(timeout: float = 60.0) -> None:
    """Wait until no operation is queued or running."""
    deadline = time.monotonic() + timeout
    while Operation.objects.active().exists():
        if time.monotonic() > deadline:
            active = list(Operation.objects.active().values())
            pytest.fail(f"operations still active: {active}")
        time.sleep(0.1)


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def restart_and_reconcile(worker, op_id: int, in_flight_seconds: float = 0.0) -> Operation:
    """SIGKILL the worker, restart it and let the reconciler pick the operation up.

    ``in_flight_seconds``: how long a call the dead worker sent may still take on the server.
    In production the dead worker's lease (2 min) outlasts any call (30 s time-out) before
    another worker may take the operation; the test shortens the lease, so it waits that long.
    """
    worker.kill()
    time.sleep(in_flight_seconds)
    # Redis gives an unacknowledged message back only after its visibility timeout; the
    # beat reconciler is what picks the operation up sooner. Let the dead worker's lease lapse,
    # as time would, then run the reconciler on the restarted worker.
    Operation.objects.filter(pk=op_id).update(lease_until=timezone.now(), touched_at=timezone.now())
    worker.start()
    operations_reconcile_task.apply_async(kwargs={"stale_after_seconds": 0})
    return wait_for(op_id, timeout=60)


def vc_snapshots(sim, vm_id: str) -> list[tuple[str, str]]:
    """(name, description) of the VM's snapshots, read from the simulator itself."""
    from pyVmomi import vim, vmodl

    collector = vmodl.query.PropertyCollector
    with sim_api.service_instance(sim) as si:
        # Through the PropertyCollector: the simulator drops the connection when the plain
        # accessor reads ``snapshot`` of a VM whose last snapshot was removed.
        spec = collector.FilterSpec(
            objectSet=[collector.ObjectSpec(obj=sim_api.find_vm(si, vm_id))],
            propSet=[collector.PropertySpec(type=vim.VirtualMachine, pathSet=["snapshot"])],
        )
        found = si.content.propertyCollector.RetrieveContents([spec])
    info = next((prop.val for obj in found for prop in obj.propSet), None)
    out: list[tuple[str, str]] = []

    def walk(trees):
        for tree in trees or []:
            out.append((tree.name, tree.description))
            walk(tree.childSnapshotList)

    walk(info.rootSnapshotList if info else [])
    return out


def pve_snapshots(fake: RunningFakePve, vmid: int) -> dict[str, dict]:
    return fake.call(lambda: dict(fake.pve.guest(vmid).snapshots))


def pve_guest(endpoint: Endpoint, vmid: int) -> VirtualMachine:
    return VirtualMachine.objects.get(endpoint=endpoint, vmid=vmid)


def stored_snapshot(vm: VirtualMachine, name: str) -> Snapshot:
    return Snapshot.objects.get(vm=vm, name=name, absent_since__isnull=True)


@pytest.fixture
def pve(fake_pve, transactional_db):
    """The fake and its registered, synced endpoint."""
    return fake_pve, register_pve(fake_pve)


@pytest.fixture
def vc(fresh_vcsim, transactional_db):
    """A fresh simulator and its registered, synced endpoint."""
    return fresh_vcsim, vcenter_endpoint(fresh_vcsim, "vc-ops")


@pytest.fixture
def api_as():
    """``api_as(user)``: a DRF client whose session passed the second factor."""
    from rest_framework.test import APIClient

    from portal.security.testing import verify_session

    return lambda user: verify_session(APIClient(), user)


@pytest.fixture
def web_as():
    """``web_as(user)``: a browser-like client whose session passed the second factor."""
    from django.test import Client

    from portal.security.testing import verify_session

    return lambda user: verify_session(Client(), user)
