"""The apps that own the signals send them where the change happens; notifications turns each
into one event with its evidence. No worker: the deliveries' tasks are not sent here."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.kinds import Kind
from notifications.models import Delivery, Event, Subscription
from tests.notifications.helpers import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks, monkeypatch):
    """Run after-commit work at once, except the sending of delivery tasks (no broker here)."""
    from notifications import receivers

    monkeypatch.setattr(receivers, "enqueue", lambda task, *args: None)

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def facts(event: Event) -> dict[str, str]:
    return dict(event.facts)


def test_a_sync_that_keeps_failing_is_reported_once_when_it_reaches_the_threshold(
    committed, settings
):
    from inventory.services.sync import sync_endpoint
    from tests.inventory.factories import EndpointFactory

    settings.NOTIFY_SYNC_FAILURES = 3
    endpoint = EndpointFactory(url="https://127.0.0.1:9/")  # nothing listens: refused at once
    for _ in range(4):
        committed(lambda: sync_endpoint(endpoint, trigger="command"))
    [event] = Event.objects.filter(kind=Kind.SYNC_FAILING)
    assert event.endpoint_id == endpoint.pk
    assert event.subject == f"Sync of {endpoint.name} failed 3 times in a row"
    assert facts(event)["Last success"] == "never"
    assert facts(event)["Observed"].startswith("3 failed syncs in a row; last error: ")
    assert facts(event)["Source"].startswith("sync run #")


def test_a_failed_operation_is_reported_with_its_error_and_platform_id(committed):
    from operations.models import Operation
    from operations.services.operation_runner import operation_step
    from tests.inventory.factories import EndpointFactory, VirtualMachineFactory

    admin = user("op-admin", role="administrator")
    Subscription.objects.create(user=admin, kind=Kind.OPERATION_FAILED)
    vm = VirtualMachineFactory(endpoint=EndpointFactory(url="https://127.0.0.1:9/"))
    op = Operation.objects.create(
        kind="create", vm=vm, params={"name": "pre-patch"}, requested_by_name="op-admin"
    )
    for _ in range(10):  # a refused connection may be retried a few steps before it fails
        if committed(lambda: operation_step(op.pk)) is None:
            break
    op.refresh_from_db()
    assert op.state == "failed", op.error
    event = Event.objects.get(kind=Kind.OPERATION_FAILED)
    assert event.key == f"operation:{op.pk}" and event.endpoint_id == vm.endpoint_id
    assert facts(event)["Platform id"] == vm.external_id
    assert facts(event)["Observed"] == f"failed: {op.error[:500]}"
    assert facts(event)["Expected"] == "succeeded"
    assert Delivery.objects.get(event=event).user == admin


def test_an_expiring_snapshot_is_told_to_its_owner(committed):
    from operations.services.expiry import snapshots_expire
    from tests.inventory.factories import SnapshotFactory

    owner = user("snap-owner-2", role="administrator")
    snap = SnapshotFactory(
        made_by_portal=True, owner=owner, reason="before patch",
        expires_at=timezone.now() + dt.timedelta(hours=2),
    )  # fmt: skip
    assert committed(snapshots_expire) == {"noticed": 1, "deleted": 0}
    event = Event.objects.get(kind=Kind.SNAPSHOT_EXPIRING)
    assert event.owner == owner and event.endpoint_id == snap.endpoint_id
    assert facts(event)["Reason given"] == "before patch"
    [delivery] = Delivery.objects.filter(event=event)
    assert (delivery.user, delivery.status) == (owner, Delivery.Status.PENDING)


def test_check_runs_report_new_high_findings_and_requirements_that_became_not_fulfilled(
    committed,
):
    from compliance.choices import Severity
    from compliance.models import CheckRun, Finding
    from compliance.services import check_run_execute
    from tests.compliance.factories import EndpointFactory, HostFactory, VmFactory

    endpoint = EndpointFactory()
    first = committed(lambda: check_run_execute(endpoint=endpoint, trigger="command"))
    assert first.status == CheckRun.Status.SUCCEEDED, first.error
    assert not Event.objects.filter(kind=Kind.REQUIREMENT_NOT_FULFILLED).exists()  # a baseline

    host = HostFactory(endpoint=endpoint, services=[{"key": "ssh", "running": True}])
    VmFactory(host=host, endpoint=endpoint)
    second = committed(lambda: check_run_execute(endpoint=endpoint, trigger="command"))
    assert second.status == CheckRun.Status.SUCCEEDED, second.error

    high = Finding.objects.filter(first_run=second, severity=Severity.HIGH)
    assert high.exists()
    reported = Event.objects.filter(kind=Kind.FINDING_HIGH)
    assert sorted(reported.values_list("key", flat=True)) == sorted(
        f"finding:{pk}" for pk in high.values_list("pk", flat=True)
    )
    sample = high.first()
    shown = facts(reported.get(key=f"finding:{sample.pk}"))
    assert shown["Object"] == (sample.object_path or sample.object_name)
    assert shown["Observed"] == sample.message
    assert shown["Source"] == f"check run #{second.pk} over the stored inventory"

    worse = Event.objects.filter(kind=Kind.REQUIREMENT_NOT_FULFILLED)
    assert worse.exists()
    for event in worse:
        assert facts(event)["Observed"] == "not fulfilled"
        assert facts(event)["Before"] != "not fulfilled"
        assert facts(event)["Source"].startswith(f"check run #{second.pk}")
    ref = worse.first().key.split(":")[2]
    assert second.requirement_states[str(endpoint.pk)][ref] == "not_fulfilled"
