"""A tag selects the same VMs on PostgreSQL and SQLite; a run that fails is closed as failed."""

from __future__ import annotations

import pytest

from operations.models import Operation, PolicyRun, SnapshotPolicy
from operations.services import policies
from operations.services.policies import policy_create, policy_run, policy_selected_vms
from portal.models import AuditEvent
from tests.inventory.factories import EndpointFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged_vms():
    endpoint = EndpointFactory(proxmox=True)
    return {
        tags[0] if tags else "none": VirtualMachineFactory(endpoint=endpoint, tags=tags)
        for tags in (["db", "prod"], ["db-prod"], ["prod"], [])
    }


def test_a_tag_selects_exactly_the_vms_that_carry_it_as_a_whole_tag(tagged_vms, admin_user):
    policy = policy_create(label="dbs", tag="db", actor=admin_user)
    assert list(policy_selected_vms(policy)) == [tagged_vms["db"]]
    policy.tag = "prod"
    assert set(policy_selected_vms(policy)) == {tagged_vms["db"], tagged_vms["prod"]}
    policy.tag = "pro"  # a part of a tag is not the tag
    assert not policy_selected_vms(policy).exists()


def test_run_now_on_a_tag_policy_queues_its_snapshots_and_audits_the_run(
    tagged_vms, admin_user, client_for
):
    policy = policy_create(label="dbs", tag="prod", min_free_percent=0, actor=admin_user)
    answer = client_for(admin_user).post(f"/snapshot-policies/{policy.pk}/run/")
    assert answer.status_code == 302
    run = PolicyRun.objects.get(policy=policy)
    assert run.queued == 2 and run.status == "running"  # its two snapshots are queued
    assert set(Operation.objects.values_list("vm__name", flat=True)) == {
        tagged_vms["db"].name,
        tagged_vms["prod"].name,
    }
    event = AuditEvent.objects.get(action="snapshot_policy.run")
    assert (event.result, event.detail["queued"]) == ("success", 2)


def test_a_run_that_fails_before_queueing_is_closed_as_failed_and_audited_as_a_failure(
    tagged_vms, admin_user, monkeypatch
):
    policy = policy_create(label="dbs", tag="db", actor=admin_user)

    def broken(*args, **kwargs):
        raise RuntimeError("selection broke")

    monkeypatch.setattr(policies, "_queue_snapshots", broken)
    with pytest.raises(RuntimeError):
        policy_run(policy_id=policy.pk, trigger="test")
    run = PolicyRun.objects.get(policy=policy)
    assert run.status == "failed" and run.finished_at is not None
    assert "selection broke" in run.error
    policy.refresh_from_db()
    assert policy.last_run_state == SnapshotPolicy.RunState.FAILED
    assert list(policies.failing_policies()) == [policy]
    results = set(
        AuditEvent.objects.filter(action__startswith="snapshot_policy.run").values_list(
            "result", flat=True
        )
    )
    assert results == {"failure"}
