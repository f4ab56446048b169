"""An operation's step log: what was sent, the platform's task id and messages, live on its page."""

from __future__ import annotations

import pytest

from operations.models import Operation, OperationStep
from operations.services.steps import Step, log_step, redact
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import EndpointFactory, VirtualMachineFactory

from .conftest import pve_guest, wait_for


def test_redact_hides_values_after_secret_words():
    text = "401: password=hunter2, PVEAuthCookie ticket: PVE:root@pam:ABC token='x y' ok=1"
    assert redact(text) == (
        "401: password=[redacted], PVEAuthCookie ticket: [redacted] token=[redacted] ok=1"
    )


@pytest.mark.django_db
def test_the_page_shows_the_log_and_the_fragment_stops_once_the_operation_ended(
    client_for, auditor
):
    vm = VirtualMachineFactory(endpoint=EndpointFactory(name="pve-log"), name="web01")
    op = Operation.objects.create(kind="create", vm=vm, params={"name": "p"}, state="running")
    log_step(op, Step.QUEUED, message="requested by alice")
    log_step(
        op,
        Step.SUBMITTED,
        sent="create snapshot 'p' of VM qemu/100 (memory=False, quiesce=False)",
        remote_ref="UPID:pve1:0001:task",
    )
    client = client_for(auditor)
    html = client.get(f"/operations/{op.pk}/").content.decode()
    assert "submitted to the platform" in html and "UPID:pve1:0001:task" in html
    assert f'data-live-url="/operations/{op.pk}/log/"' in html
    fragment = client.get(f"/operations/{op.pk}/log/")
    assert fragment.status_code == 200 and "X-Live-Done" not in fragment
    assert "create snapshot &#x27;p&#x27; of VM qemu/100" in fragment.content.decode()

    log_step(op, Step.FAILED, remote_ref="UPID:pve1:0001:task", message="TASK ERROR: no space")
    Operation.objects.filter(pk=op.pk).update(state="failed")
    fragment = client.get(f"/operations/{op.pk}/log/")
    assert fragment["X-Live-Done"] == "1" and "TASK ERROR: no space" in fragment.content.decode()
    assert 'data-live-url="/operations/' not in client.get(f"/operations/{op.pk}/").content.decode()

    outsider = UserFactory(username="log-outsider", role="auditor")
    ObjectScope.objects.create(user=outsider, endpoint=EndpointFactory(name="other"))
    assert client_for(outsider).get(f"/operations/{op.pk}/log/").status_code == 404


@pytest.mark.slow
def test_a_real_operation_logs_its_submit_task_id_and_end_on_proxmox(
    pve, celery_worker, admin_user, api_as
):
    _fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    answer = api_as(admin_user).post(
        f"/api/vms/{vm.pk}/snapshots/", {"name": "logged", "reason": "CHG-9"}, format="json"
    )
    assert answer.status_code == 202, answer.json()
    op = wait_for(answer.json()["id"])
    assert op.state == "succeeded", op.error
    steps = list(OperationStep.objects.filter(operation=op))
    kinds = [s.step for s in steps]
    assert kinds[:3] == ["queued", "started", "submitted"] and kinds[-1] == "succeeded"
    assert set(kinds) <= {"queued", "started", "submitted", "polled", "succeeded"}
    submitted = steps[2]
    assert submitted.sent == (
        f"create snapshot 'logged' of VM {vm.external_id} (memory=False, quiesce=False)"
    )
    assert submitted.remote_ref == op.remote_ref and op.remote_ref.startswith("UPID:")
    assert steps[-1].remote_ref == op.remote_ref
    assert steps[-1].message == f"snapshot {op.snapshot.external_id}"
    times = [s.at for s in steps]
    assert times == sorted(times)
    secret = endpoint.connector_config().secret
    text = " ".join(f"{s.sent} {s.message}" for s in steps)
    assert secret and secret not in text


@pytest.mark.slow
def test_a_failed_platform_task_logs_the_platforms_message(pve, celery_worker, admin_user, api_as):
    fake, endpoint = pve
    vm = pve_guest(endpoint, 101)
    message = "unable to write to storage 'local-lvm': No space left on device"
    fake.call(fake.pve.fail_task, "POST", "/qemu/101/snapshot", message)
    answer = api_as(admin_user).post(
        f"/api/vms/{vm.pk}/snapshots/", {"name": "no-room"}, format="json"
    )
    op = wait_for(answer.json()["id"])
    assert op.state == "failed"
    last = OperationStep.objects.filter(operation=op).last()
    assert (last.step, last.message, last.remote_ref) == ("failed", message, op.remote_ref)
    assert OperationStep.objects.filter(operation=op, step="submitted").exists()
