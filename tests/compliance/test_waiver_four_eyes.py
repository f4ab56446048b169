"""Four eyes on waivers: one security officer requests, another approves; only then it holds.

Before, a waiver had one author and was in force the moment it was written.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from compliance.models import Finding, Waiver
from compliance.services import check_run_execute, waiver_approve, waiver_revoke
from compliance.services.status import requirement_statuses
from portal.models import AuditEvent
from tests.factories import UserFactory

from .factories import ntp_deviation_waiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer(db):
    return UserFactory(username="peter-officer", role="security_officer")


@pytest.fixture
def requested(officer):
    return ntp_deviation_waiver(officer, approve=False)


def operating() -> str:
    return {s.requirement.ref: s for s in requirement_statuses()}["M4349.OPERATING"].status


def test_a_requested_waiver_waives_nothing_until_another_officer_approves_it(
    requested, second_officer
):
    waiver, finding = requested
    assert waiver.state == "requested" and not waiver.is_active
    check_run_execute(trigger="command", actor="t")
    finding = Finding.objects.select_related("waiver").get(pk=finding.pk)
    assert finding.display_status == "fail" and not finding.is_waived
    assert operating() in ("partly", "not_fulfilled")

    approved = waiver_approve(waiver=waiver, actor=second_officer)
    assert approved.state == "active" and approved.approved_by == "peter-officer"
    finding = Finding.objects.select_related("waiver").get(pk=finding.pk)
    assert finding.display_status == "waived"
    assert operating() == "risk_accepted"
    event = AuditEvent.objects.get(action="compliance.waiver.approve")
    assert event.actor == "peter-officer" and event.detail["requested_by"] == "olga-officer"


def test_the_requester_cannot_approve_their_own_waiver(requested, officer, api_for):
    waiver, _ = requested
    with pytest.raises(ValidationError, match="another security officer"):
        waiver_approve(waiver=waiver, actor=officer)
    answer = api_for(officer).post(f"/api/compliance/waivers/{waiver.pk}/approve/")
    assert answer.status_code == 400
    assert "another security officer" in answer.content.decode()
    assert Waiver.objects.get(pk=waiver.pk).approved_at is None


def test_only_security_officers_approve(requested, admin_user, auditor, api_for):
    waiver, _ = requested
    for user in (admin_user, auditor):
        assert (
            api_for(user).post(f"/api/compliance/waivers/{waiver.pk}/approve/").status_code == 403
        )
    assert Waiver.objects.get(pk=waiver.pk).approved_at is None


def test_a_second_officer_approves_through_the_api_and_the_page_offers_it_only_to_them(
    requested, officer, second_officer, api_for, client_for
):
    waiver, _ = requested
    own_page = client_for(officer).get("/compliance/waivers/").content.decode()
    assert f"/compliance/waivers/{waiver.pk}/approve/" not in own_page
    assert "awaiting approval" in own_page
    other_page = client_for(second_officer).get("/compliance/waivers/").content.decode()
    assert f"/compliance/waivers/{waiver.pk}/approve/" in other_page
    answer = api_for(second_officer).post(f"/api/compliance/waivers/{waiver.pk}/approve/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["state"] == "active" and body["approved_by"] == "peter-officer"
    assert body["created_by"] == "olga-officer"
    again = api_for(second_officer).post(f"/api/compliance/waivers/{waiver.pk}/approve/")
    assert again.status_code == 400


def test_a_rejected_request_cannot_be_approved_later(requested, second_officer):
    waiver, _ = requested
    rejected = waiver_revoke(waiver=waiver, actor=second_officer, reason="no PTP appliance here")
    assert rejected.state == "rejected"
    with pytest.raises(ValidationError, match="rejected or revoked"):
        waiver_approve(waiver=rejected, actor=second_officer)


def test_approving_through_the_page_puts_the_waiver_in_force(requested, second_officer, client_for):
    waiver, finding = requested
    answer = client_for(second_officer).post(f"/compliance/waivers/{waiver.pk}/approve/")
    assert answer.status_code == 302
    assert Waiver.objects.get(pk=waiver.pk).state == "active"
    assert Finding.objects.select_related("waiver").get(pk=finding.pk).is_waived
