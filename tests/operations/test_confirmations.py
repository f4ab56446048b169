"""Deleting a snapshot and revoking a waiver ask for confirmation and a reason, like revert.

Page: a second page (snapshot: its name typed) with a required reason; API: the reason is a
required parameter (400 naming ``reason`` without it). Nothing changes without both, and the
reason lands in the operation or waiver and in the audit trail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compliance.models import Waiver
from operations.models import Operation
from portal.models import AuditEvent
from tests.compliance.factories import approved_waiver
from tests.inventory.factories import EndpointFactory, SnapshotFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot():
    vm = VirtualMachineFactory(name="web01", external_id="vm-42", endpoint=EndpointFactory())
    return SnapshotFactory(vm=vm, endpoint=vm.endpoint, name="before-patch")


@pytest.fixture
def waiver(officer):
    """A waiver in force: requested by ``officer``, approved by a second officer."""
    return approved_waiver(
        check_id="SNAP-001",
        scope="endpoint",
        reason="Lab endpoint, snapshots kept for the migration (CHG-1).",
        expires_at=timezone.now() + dt.timedelta(days=5),
        endpoint=EndpointFactory(name="lab"),
        actor=officer,
    )


def test_the_vm_page_offers_delete_as_a_link_to_a_confirmation_page(
    snapshot, admin_user, client_for
):
    web = client_for(admin_user)
    html = web.get(f"/vms/{snapshot.vm_id}/").content.decode()
    assert f'href="/snapshots/{snapshot.pk}/delete/"' in html
    page = web.get(f"/snapshots/{snapshot.pk}/delete/")
    assert page.status_code == 200
    assert "Delete snapshot before-patch of web01?" in page.content.decode()
    assert not Operation.objects.exists()


def test_a_snapshot_is_deleted_only_with_its_name_typed_and_a_reason(
    snapshot, admin_user, client_for
):
    web = client_for(admin_user)
    url = f"/snapshots/{snapshot.pk}/delete/"
    no_reason = web.post(url, {"confirm_name": "before-patch"})
    wrong_name = web.post(url, {"confirm_name": "before", "reason": "tidy"})
    assert no_reason.status_code == wrong_name.status_code == 400
    assert b"Type before-patch exactly" in wrong_name.content
    assert not Operation.objects.exists()
    done = web.post(url, {"confirm_name": "before-patch", "reason": "patched, tested (CHG-7)"})
    op = Operation.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/operations/{op.pk}/"
    assert op.kind == "delete" and op.params["reason"] == "patched, tested (CHG-7)"
    event = AuditEvent.objects.get(action="snapshot.delete.requested")
    assert event.detail["reason"] == "patched, tested (CHG-7)" and event.source == "web"


def test_the_api_refuses_a_delete_without_a_reason_and_names_the_field(
    snapshot, admin_user, api_for
):
    api = api_for(admin_user)
    refused = api.delete(f"/api/snapshots/{snapshot.pk}/")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    assert not Operation.objects.exists()
    accepted = api.delete(f"/api/snapshots/{snapshot.pk}/?reason=CHG-8")
    assert accepted.status_code == 202
    assert Operation.objects.get().params["reason"] == "CHG-8"


def test_a_waiver_is_revoked_on_a_confirmation_page_with_a_reason(waiver, officer, client_for):
    web = client_for(officer)
    assert (
        f'href="/compliance/waivers/{waiver.pk}/revoke/"'
        in web.get("/compliance/waivers/").content.decode()
    )
    page = web.get(f"/compliance/waivers/{waiver.pk}/revoke/")
    assert page.status_code == 200 and b"Revoke the waiver of SNAP-001?" in page.content
    refused = web.post(f"/compliance/waivers/{waiver.pk}/revoke/", {"reason": "  "})
    assert refused.status_code == 400
    waiver.refresh_from_db()
    assert waiver.revoked_at is None
    done = web.post(f"/compliance/waivers/{waiver.pk}/revoke/", {"reason": "migration done"})
    assert done.status_code == 302
    waiver.refresh_from_db()
    assert waiver.state == "revoked" and waiver.revoke_reason == "migration done"
    event = AuditEvent.objects.get(action="compliance.waiver.revoke")
    assert event.detail["reason"] == "migration done"
    assert event.target_repr == "waiver of SNAP-001 for endpoint lab"


def test_the_api_revokes_a_waiver_only_with_a_reason(waiver, officer, api_for):
    api = api_for(officer)
    refused = api.post(f"/api/compliance/waivers/{waiver.pk}/revoke/", {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    assert Waiver.objects.get(pk=waiver.pk).revoked_at is None
    answer = api.post(
        f"/api/compliance/waivers/{waiver.pk}/revoke/", {"reason": "done"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["state"] == "revoked" and answer.json()["revoke_reason"] == "done"


@pytest.mark.parametrize("reason", ["%00x", "x" * 256, "%20"])
def test_a_reason_the_database_cannot_keep_is_a_400_not_a_500(
    snapshot, admin_user, api_for, reason
):
    answer = api_for(admin_user).delete(f"/api/snapshots/{snapshot.pk}/?reason={reason}")
    assert answer.status_code == 400 and "reason" in answer.json()["error"]["fields"]
    assert not Operation.objects.exists()
