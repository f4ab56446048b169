"""The move of the operation models into the operations app moves no data (issue 13).

A database at the schema before the move (inventory 0009, no operations app) with an operation,
a policy and its run migrates forward, and the rows are there through ``operations.models``, in
the same tables; the content types move with the models. Runs on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from operations.models import Operation, PolicyRun, SnapshotPolicy

BEFORE = [("operations", None), ("inventory", "0009_checks_per_host_state")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor


def _to_latest() -> None:
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


def _estate_before_the_move(old_apps) -> dict[str, int]:
    """An endpoint, a VM, a policy with its run and an operation, written with the old models."""
    Endpoint = old_apps.get_model("inventory", "Endpoint")
    VirtualMachine = old_apps.get_model("inventory", "VirtualMachine")
    CrontabSchedule = old_apps.get_model("django_celery_beat", "CrontabSchedule")
    endpoint = Endpoint.objects.create(
        name="vc-before",
        kind="vcenter",
        url="https://vc-before.example.test",
        username="reader@vsphere.local",
        fingerprint="ab" * 32,
    )
    vm = VirtualMachine.objects.create(endpoint=endpoint, external_id="vm-42", name="web-01")
    policy = old_apps.get_model("inventory", "SnapshotPolicy").objects.create(
        label="nightly", crontab=CrontabSchedule.objects.create(minute="0", hour="2")
    )
    policy.vms.add(vm)
    run = old_apps.get_model("inventory", "PolicyRun").objects.create(policy=policy, queued=1)
    op = old_apps.get_model("inventory", "Operation").objects.create(
        kind="create",
        vm=vm,
        state="running",
        params={"name": "before-patch"},
        requested_by_name="policy",
        policy=policy,
        policy_run=run,
        created_at=timezone.now(),
        nonce="0f" * 16,
    )
    return {"vm": vm.pk, "policy": policy.pk, "run": run.pk, "operation": op.pk}


@pytest.mark.django_db(transaction=True)
def test_an_operation_written_before_the_move_is_found_through_the_operations_app():
    content_type = ContentType.objects.get_for_model(Operation)
    try:
        executor = _migrate(BEFORE)
        old_apps = executor._create_project_state(with_applied_migrations=True).apps
        # Before the move the models are inventory's, and so is their content type.
        assert ContentType.objects.get(pk=content_type.pk).app_label == "inventory"
        ids = _estate_before_the_move(old_apps)
    finally:
        _to_latest()
        ContentType.objects.clear_cache()

    op = Operation.objects.select_related("vm", "policy", "policy_run").get(pk=ids["operation"])
    assert (op.kind, op.state, op.vm.name, op.nonce) == ("create", "running", "web-01", "0f" * 16)
    assert op.params == {"name": "before-patch"}
    assert (op.policy.pk, op.policy_run.pk) == (ids["policy"], ids["run"])
    assert list(SnapshotPolicy.objects.get(pk=ids["policy"]).vms.values_list("pk", flat=True)) == [
        ids["vm"]
    ]
    assert PolicyRun.objects.get(pk=ids["run"]).queued == 1
    assert Operation._meta.db_table == "inventory_operation"
    # The same content type row, now the operations app's (permissions keep pointing at it).
    moved = ContentType.objects.get(pk=content_type.pk)
    assert (moved.app_label, moved.model) == ("operations", "operation")
    # The database constraint still holds: a second active operation on the VM is refused.
    second = Operation(kind="delete", vm_id=ids["vm"], state="queued")
    with pytest.raises(IntegrityError):
        second.save()
