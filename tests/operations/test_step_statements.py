"""The statements one snapshot create costs, pinned, and flat in the size of the inventory.

Counted on the real path: the REST API in-process as an administrator, then one step of the runner against govmomi's simulator (the simulator
ends a snapshot task at once, so the first step carries the operation to its end). The same
counts hold after the inventory grew by 300 VMs with 600 snapshots and the VM itself got
more snapshots: nothing in either path reads a list.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation, OperationStep
from operations.services.operation_runner import operation_step
from portal.models import AuditEvent

pytestmark = [pytest.mark.slow]

# The API request (POST /api/vms/{id}/snapshots/) of an administrator the client authenticated
# already (as bench/snapshots.py does; a session or token adds its own lookups): the user's
# role (1) and object scopes (1), the VM inside them (1), then the service's one transaction:
# BEGIN, the Operation row, the "snapshot.create.requested" audit event, the "queued" log line,
# COMMIT (5). Before issue 17 the INSERT sat in a savepoint (2 more) and a request with an
# Idempotency-Key looked for its replay three times.
API_CREATE_STATEMENTS = 8

# One step: read the operation with its VM, endpoint and snapshot (1); the claim, in one
# transaction with the start's audit event and "started" log line (BEGIN, conditional UPDATE,
# INSERT, INSERT, COMMIT: 5; committed before the submit, so a crash finds the attempt
# counted); after the submit and one look at the task (which read the new snapshot in the
# same vCenter request), the end in one transaction: BEGIN, the VM's other snapshots no longer
# current, the new snapshot's row (one INSERT ... ON CONFLICT), the operation's row with its
# remote reference, the log lines "submitted" and "succeeded" (one INSERT), the
# "snapshot.create.succeeded" audit event, COMMIT (7). Before issue 17: 20 statements, with 8
# commits (seven writes in autocommit, one transaction at the end).
CREATE_STEP_STATEMENTS = 13


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def _create_once(client, user, vm: VirtualMachine, name: str) -> tuple[list[str], list[str]]:
    # A fresh user object, as every real request loads one (its role and scopes not cached).
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as request:
        answer = client.post(f"/api/vms/{vm.pk}/snapshots/", {"name": name}, format="json")
    assert answer.status_code == 202, answer.json()
    with CaptureQueriesContext(connection) as step:
        assert operation_step(answer.json()["id"]) is None  # ended within the step
    op = Operation.objects.get(pk=answer.json()["id"])
    assert op.state == "succeeded", op.error
    return _statements(request), _statements(step)


def _grow(vm: VirtualMachine, count: int) -> None:
    """``count`` more VMs on the VM's endpoint, two snapshots each (rows only)."""
    vms = VirtualMachine.objects.bulk_create(
        VirtualMachine(endpoint_id=vm.endpoint_id, external_id=f"vm-grown-{i}", name=f"g{i}")
        for i in range(count)
    )
    Snapshot.objects.bulk_create(
        Snapshot(endpoint_id=vm.endpoint_id, external_id=f"snap-{v.pk}-{j}", name=f"s{j}", vm=v)
        for v in vms
        for j in range(2)
    )


def test_one_create_costs_a_pinned_number_of_statements_at_two_inventory_sizes(
    vc, admin_user, monkeypatch
):
    from rest_framework.test import APIClient

    # The steps run here, in this process: no message reaches a worker of the test session,
    # which would otherwise take the operation first.
    monkeypatch.setattr("operations.tasks.enqueue", lambda task, *args: None)

    _sim, endpoint = vc
    vm = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name").first()
    client = APIClient()
    client.force_authenticate(admin_user)
    client.post(f"/api/vms/{vm.pk}/snapshots/", {"name": "warm"}, format="json")  # caches
    operation_step(Operation.objects.get(params__name="warm").pk)

    small_request, small_step = _create_once(client, admin_user, vm, "small")
    _grow(vm, 300)
    for i in range(3):  # the VM's own snapshots grow too
        _create_once(client, admin_user, vm, f"more-{i}")
    large_request, large_step = _create_once(client, admin_user, vm, "large")

    assert len(small_request) == API_CREATE_STATEMENTS, "\n".join(small_request)
    assert len(small_step) == CREATE_STEP_STATEMENTS, "\n".join(small_step)
    assert (len(large_request), len(large_step)) == (len(small_request), len(small_step))
    # Two commits in the step: the claim before the submit, the end after it.
    assert sum(sql == "COMMIT" for sql in small_step) == 2, "\n".join(small_step)

    # Nothing was lost by writing less: the trail and the log are whole.
    op = Operation.objects.get(params__name="large")
    assert list(OperationStep.objects.filter(operation=op).values_list("step", flat=True)) == [
        "queued",
        "started",
        "submitted",
        "succeeded",
    ]
    actions = AuditEvent.objects.filter(
        target_type="inventory.operation", target_id=str(op.pk)
    ).values_list("action", flat=True)
    assert sorted(actions) == [
        "snapshot.create.requested",
        "snapshot.create.started",
        "snapshot.create.succeeded",
    ]
    made = op.snapshot
    assert (made.name, made.current, made.made_by_portal, made.owner_id) == (
        "large",
        True,
        True,
        admin_user.pk,
    )
    assert Snapshot.objects.filter(vm=vm, current=True).count() == 1
    assert made.parent is not None and made.parent.name == "more-2"
    assert op.remote_ref.startswith("task-") and op.attempts == 1
