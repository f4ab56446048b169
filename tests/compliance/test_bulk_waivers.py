"""Waiver requests for the selected findings (issue 16, bulk actions).

A confirmation page lists each finding; its POST requests one object waiver per finding (four
eyes: a request, not in force), all or none; per finding the single request's permissions.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import Finding, Waiver
from portal.models import AuditEvent
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import VirtualMachineFactory, vms_inside_and_outside

pytestmark = pytest.mark.django_db


def finding(vm, check="SNAP-001", **kw) -> Finding:
    return Finding.objects.create(
        check_id=check,
        endpoint=vm.endpoint,
        object_type="vm",
        object_id=vm.pk,
        object_name=vm.name,
        object_path=f"{vm.endpoint.name} › {vm.name}",
        object_external_id=vm.external_id,
        status="fail",
        severity="high",
        message="deviation",
        **kw,
    )


@pytest.fixture
def estate():
    inside, _, (web, db, far) = vms_inside_and_outside()
    return {
        "inside": inside,
        "web": finding(web),
        "db": finding(db, check="CON-001"),
        "far": finding(far),
    }


def later() -> str:
    return (timezone.localtime() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")


def chosen(*findings, **extra) -> dict:
    return {"finding": [str(f.pk) for f in findings], **extra}


def test_the_list_offers_checkboxes_to_security_officers_only(
    estate, officer, admin_user, client_for
):
    html = client_for(officer).get("/compliance/findings/").content.decode()
    assert 'id="finding-bulk"' in html
    assert f'form="finding-bulk" name="finding" value="{estate["web"].pk}"' in html
    other = client_for(admin_user).get("/compliance/findings/").content.decode()
    assert "finding-bulk" not in other


def test_the_confirmation_lists_each_finding_and_requests_one_waiver_each(
    estate, officer, client_for
):
    web = client_for(officer)
    page = web.get("/compliance/findings/waive/", chosen(estate["web"], estate["db"]))
    html = page.content.decode()
    assert page.status_code == 200 and "Request waivers for 2 findings" in html
    assert "vc-in › web01" in html and "vm-43" in html and "CON-001" in html
    assert not Waiver.objects.exists()
    refused = web.post("/compliance/findings/waive/", chosen(estate["web"], estate["db"]))
    assert refused.status_code == 400 and not Waiver.objects.exists()
    done = web.post(
        "/compliance/findings/waive/",
        chosen(
            estate["web"], estate["db"], reason="Lab VMs until the migration", expires_at=later()
        ),
    )
    assert done.status_code == 302
    assert done["Location"] == "/compliance/waivers/"
    waivers = Waiver.objects.order_by("pk")
    assert [(w.check_id, w.scope, w.object_name) for w in waivers] == [
        ("SNAP-001", "object", "web01"),
        ("CON-001", "object", "db01"),
    ]
    assert all(w.state == "requested" and w.approved_at is None for w in waivers)
    assert AuditEvent.objects.filter(action="compliance.waiver.create").count() == 2
    estate["web"].refresh_from_db()
    assert estate["web"].waiver_id == waivers[0].pk and not estate["web"].is_waived


def test_out_of_scope_or_already_waived_refuses_all_naming_each(estate, officer, client_for):
    scoped = UserFactory(username="scoped-officer", role="security_officer")
    ObjectScope.objects.create(user=scoped, endpoint=estate["inside"])
    answer = client_for(scoped).post(
        "/compliance/findings/waive/",
        chosen(estate["web"], estate["far"], reason="r", expires_at=later()),
    )
    html = answer.content.decode()
    assert answer.status_code == 400
    assert f"Finding #{estate['far'].pk} does not exist or is outside your scope." in html
    assert "far-vm-zq" not in html and "vc-out" not in html
    assert not Waiver.objects.exists()
    web = client_for(officer)
    web.post("/compliance/findings/waive/", chosen(estate["web"], reason="r", expires_at=later()))
    again = web.post(
        "/compliance/findings/waive/",
        chosen(estate["db"], estate["web"], reason="r", expires_at=later()),
    )
    assert again.status_code == 400
    assert "SNAP-001 on vc-in › web01 already has waiver #" in again.content.decode()
    assert Waiver.objects.count() == 1  # the first only: db01's was not requested either


def test_other_roles_may_not_and_bad_input_is_named(
    estate, admin_user, auditor, officer, client_for
):
    data = chosen(estate["web"], reason="r", expires_at=later())
    for user in (admin_user, auditor):
        assert client_for(user).post("/compliance/findings/waive/", data).status_code == 403
    web = client_for(officer)
    assert web.get("/compliance/findings/waive/").status_code == 302
    junk = web.post("/compliance/findings/waive/", {"finding": ["x1"], "reason": "r"})
    assert junk.status_code == 400 and "“x1” is not a finding id." in junk.content.decode()
    past = web.post(
        "/compliance/findings/waive/",
        chosen(estate["web"], reason="r", expires_at="2001-01-01T00:00"),
    )
    assert past.status_code == 400 and "The expiry must be in the future." in past.content.decode()
    assert not Waiver.objects.exists()


def test_the_confirmation_takes_flat_queries(estate, officer, client_for):
    web = client_for(officer)

    def queries(findings) -> int:
        with CaptureQueriesContext(connection) as seen:
            web.get("/compliance/findings/waive/", chosen(*findings))
        return len(seen)

    few = [finding(VirtualMachineFactory(endpoint=estate["inside"])) for _ in range(2)]
    many = [finding(VirtualMachineFactory(endpoint=estate["inside"])) for _ in range(12)]
    queries(few)
    assert queries(few) == queries(many)
