"""Refusals: 400/409 with a message saying what to change, nothing queued; roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inventory.models import VirtualMachine
from operations.models import Operation

from .conftest import pve_guest, register_pve, stored_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(fake_pve):
    return register_pve(fake_pve)


def _post(api, vm, body, captured):
    with captured(execute=False) as callbacks:
        answer = api.post(f"/api/vms/{vm.pk}/snapshots/", body, format="json")
    return answer, callbacks


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": "has space"}, "name", "start with a letter"),
        ({"name": "9lives"}, "name", "start with a letter"),
        ({"name": "x"}, "name", "2 to 40"),
        ({"name": "current"}, "name", "reserved"),
        ({"name": "ok-name", "expires_at": "2000-01-01T00:00:00Z"}, "expires_at", "past"),
    ],
)
def test_input_proxmox_would_refuse_is_answered_400_and_nothing_is_queued(
    endpoint, admin_user, api_as, django_capture_on_commit_callbacks, body, field, words
):
    vm = pve_guest(endpoint, 101)
    answer, callbacks = _post(api_as(admin_user), vm, body, django_capture_on_commit_callbacks)
    assert answer.status_code == 400, answer.json()
    error = answer.json()["error"]
    assert field in error["fields"] and words in error["message"]
    assert callbacks == [] and not Operation.objects.exists()


def test_memory_for_a_container_is_refused_with_what_to_change(
    endpoint, admin_user, api_as, django_capture_on_commit_callbacks
):
    ct = pve_guest(endpoint, 102)
    answer, _ = _post(
        api_as(admin_user),
        ct,
        {"name": "ct-snap", "memory": True},
        django_capture_on_commit_callbacks,
    )
    assert answer.status_code == 400
    assert "untick 'memory'" in answer.json()["error"]["message"]


def test_a_template_an_absent_vm_and_a_name_in_use_are_conflicts(
    endpoint, admin_user, api_as, django_capture_on_commit_callbacks
):
    api = api_as(admin_user)
    vm = pve_guest(endpoint, 100)
    answer, _ = _post(api, vm, {"name": "snap1"}, django_capture_on_commit_callbacks)
    assert answer.status_code == 409
    assert "choose another name" in answer.json()["error"]["message"]
    VirtualMachine.objects.filter(pk=vm.pk).update(template=True)
    answer, _ = _post(api, vm, {"name": "fresh"}, django_capture_on_commit_callbacks)
    assert answer.status_code == 409 and "template" in answer.json()["error"]["message"]
    VirtualMachine.objects.filter(pk=vm.pk).update(template=False, absent_since=timezone.now())
    answer, _ = _post(api, vm, {"name": "fresh"}, django_capture_on_commit_callbacks)
    assert answer.status_code == 409 and "no longer present" in answer.json()["error"]["message"]
    assert not Operation.objects.exists()


def test_a_second_operation_while_one_is_active_is_a_409_from_the_database_constraint(
    endpoint, admin_user, api_as, django_capture_on_commit_callbacks
):
    api = api_as(admin_user)
    vm = pve_guest(endpoint, 101)
    first, callbacks = _post(api, vm, {"name": "first"}, django_capture_on_commit_callbacks)
    assert first.status_code == 202 and len(callbacks) == 1
    second, callbacks = _post(api, vm, {"name": "second"}, django_capture_on_commit_callbacks)
    assert second.status_code == 409
    assert "still queued" in second.json()["error"]["message"]
    assert callbacks == [] and Operation.objects.count() == 1


def test_deleting_a_snapshot_that_is_already_gone_is_a_409(
    endpoint, admin_user, api_as, django_capture_on_commit_callbacks
):
    snap = stored_snapshot(pve_guest(endpoint, 100), "snap2")
    snap.absent_since = timezone.now() - dt.timedelta(hours=1)
    snap.save()
    answer = api_as(admin_user).delete(f"/api/snapshots/{snap.pk}/?reason=test")
    assert answer.status_code == 409 and "no longer exists" in answer.json()["error"]["message"]


@pytest.mark.parametrize("role", ["security_officer", "auditor"])
def test_officers_and_auditors_read_operations_but_get_403_on_every_write(
    endpoint, users, api_as, role
):
    api = api_as(users[role])
    vm = pve_guest(endpoint, 100)
    snap = stored_snapshot(vm, "snap1")
    assert api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": "nope"}).status_code == 403
    assert api.delete(f"/api/snapshots/{snap.pk}/").status_code == 403
    assert api.post(f"/api/snapshots/{snap.pk}/revert/", {}).status_code == 403
    assert api.post("/api/snapshot-policies/", {"label": "nightly"}).status_code == 403
    assert api.get("/api/operations/").status_code == 200
    assert api.get("/api/snapshot-policies/").status_code == 200
    assert api.get(f"/api/snapshots/{snap.pk}/").status_code == 200
    assert not Operation.objects.exists()


def test_the_operation_routes_are_in_the_openapi_schema(admin_user, api_as):
    paths = api_as(admin_user).get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/vms/{id}/snapshots/",
        "/api/snapshots/{id}/",
        "/api/snapshots/{id}/revert/",
        "/api/operations/",
        "/api/operations/{id}/",
        "/api/snapshot-policies/",
    ):
        assert path in paths, sorted(paths)
    assert "delete" in paths["/api/snapshots/{id}/"]


@pytest.mark.parametrize("body", [{}, {"confirm_name": "snap2"}, {"confirm_name": "snap1 "}])
def test_an_api_revert_without_the_snapshots_name_is_refused_and_nothing_is_queued(
    endpoint, admin_user, api_as, django_capture_on_commit_callbacks, body
):
    vm = pve_guest(endpoint, 100)
    snap = stored_snapshot(vm, "snap1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = api_as(admin_user).post(f"/api/snapshots/{snap.pk}/revert/", body, format="json")
    assert answer.status_code == 400, answer.json()
    assert list(answer.json()["error"]["fields"]) == ["confirm_name"]
    assert callbacks == [] and not Operation.objects.exists()


def test_a_replayed_request_gets_exactly_the_first_answer_after_the_operation_moved_on(
    endpoint, admin_user, api_as, django_capture_on_commit_callbacks
):
    vm = pve_guest(endpoint, 101)
    api = api_as(admin_user)

    def send():
        with django_capture_on_commit_callbacks(execute=False):
            return api.post(
                f"/api/vms/{vm.pk}/snapshots/",
                {"name": "once-only", "reason": "replay"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="replay-7f0c2a8e",
            )

    first = send()
    assert first.status_code == 202
    Operation.objects.filter(pk=first.json()["id"]).update(
        state=Operation.State.SUCCEEDED, remote_ref="UPID:pve1:x", attempts=1
    )
    again = send()
    assert (again.status_code, again.json()) == (202, first.json())
    assert again["Location"] == first["Location"]
    assert Operation.objects.count() == 1
