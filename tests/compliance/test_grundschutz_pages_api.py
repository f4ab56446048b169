"""The Grundschutz-Check in the browser and the API: officers write, auditors and administrators
read, scoped users see only targets inside their scope, bad input names the field and saves
nothing; each goes run → change → run against real check runs."""

from __future__ import annotations

import pytest

from compliance.models import Assessment, AssessmentVersion, CheckRun, TargetObject
from compliance.services import check_run_execute
from portal.models import AuditEvent, ObjectScope
from tests.factories import UserFactory

from .factories import ClusterFactory, EndpointFactory, HostFactory

pytestmark = pytest.mark.django_db

A17 = "SYS.1.5.A17"
A21 = "SYS.1.5.A21"


def run() -> CheckRun:
    result = check_run_execute(trigger="command", actor="test")
    assert result.status == CheckRun.Status.SUCCEEDED, result.error
    return result


def fields(answer) -> set[str]:
    """The fields a 400 answer names."""
    return set(answer.json()["error"]["fields"])


def rows_by_ref(api, target_id: int) -> dict[str, dict]:
    answer = api.get(f"/api/compliance/targets/{target_id}/check/")
    assert answer.status_code == 200, answer.content
    return {row["ref"]: row for row in answer.json()}


def test_api_officer_assesses_and_the_effective_status_follows_the_checks(officer, api_for):
    api = api_for(officer)
    host = HostFactory()
    run()
    created = api.post(
        "/api/compliance/targets/",
        {"kind": "endpoint", "endpoint": host.endpoint_id},
        format="json",
    )
    assert created.status_code == 201, created.content
    target = created.json()
    assert target["name"] == host.endpoint.name and target["elevated"] is False
    rows = rows_by_ref(api, target["id"])
    assert rows[A17]["automated_status"] == "fulfilled"
    assert rows[A17]["effective_status"] == "not_checked" and rows[A17]["assessment"] is None
    assert rows[A21]["effective_status"] == "not_applicable"
    assert "SYS.1.5.A18" in rows and rows["SYS.1.5.A18"]["effective_status"] == "withdrawn"

    saved = api.put(
        f"/api/compliance/targets/{target['id']}/assessments/{A17}/",
        {"status": "ja", "responsible": "Team Virtualisierung", "next_review": "2099-01-01"},
        format="json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1 and saved.json()["versions"][0]["changes"]["status"] == [
        None,
        "ja",
    ]
    assert rows_by_ref(api, target["id"])[A17]["effective_status"] == "fulfilled"

    host.maintenance_mode = True
    host.save()
    run()
    row = rows_by_ref(api, target["id"])[A17]
    assert row["assessment"]["status"] == "ja"
    assert row["effective_status"] in ("partly", "not_fulfilled")
    assert "OPS-003" in row["reason"]

    need = api.patch(
        f"/api/compliance/targets/{target['id']}/",
        {"integrity": "high", "need_justification": "Payment data."},
        format="json",
    )
    assert need.status_code == 200 and need.json()["elevated"] is True
    assert rows_by_ref(api, target["id"])[A21]["effective_status"] != "not_applicable"


def test_api_errors_name_the_field_and_save_nothing(officer, api_for):
    api = api_for(officer)
    target = api.post("/api/compliance/targets/", {"kind": "estate"}, format="json").json()
    url = f"/api/compliance/targets/{target['id']}/assessments/SYS.1.5.A7/"
    for status in ("entbehrlich", "nein"):
        answer = api.put(url, {"status": status}, format="json")
        assert answer.status_code == 400 and fields(answer) == {"justification"}
    answer = api.put(url, {"status": "vielleicht"}, format="json")
    assert answer.status_code == 400 and fields(answer) == {"status"}
    answer = api.put(url, {"status": "ja", "next_review": "someday"}, format="json")
    assert answer.status_code == 400 and fields(answer) == {"next_review"}
    answer = api.put(
        url,
        {"status": "ja", "last_review": "2026-11-01", "next_review": "2026-01-01"},
        format="json",
    )
    assert answer.status_code == 400 and fields(answer) == {"next_review"}
    assert api.get(url).status_code == 404  # nothing documented
    assert not Assessment.objects.exists() and not AssessmentVersion.objects.exists()
    withdrawn = f"/api/compliance/targets/{target['id']}/assessments/SYS.1.5.A18/"
    assert api.put(withdrawn, {"status": "ja"}, format="json").status_code == 404
    answer = api.post("/api/compliance/targets/", {"kind": "cluster"}, format="json")
    assert answer.status_code == 400 and fields(answer) == {"cluster"}
    answer = api.patch(
        f"/api/compliance/targets/{target['id']}/", {"availability": "extrem"}, format="json"
    )
    assert answer.status_code == 400 and fields(answer) == {"availability"}


def test_api_auditors_and_administrators_read_only(officer, auditor, admin_user, api_for):
    target = api_for(officer).post("/api/compliance/targets/", {"kind": "estate"}, format="json")
    url = f"/api/compliance/targets/{target.json()['id']}/assessments/SYS.1.5.A7/"
    assert api_for(officer).put(url, {"status": "ja"}, format="json").status_code == 200
    for user in (auditor, admin_user):
        api = api_for(user)
        assert api.get(url).status_code == 200
        assert api.put(
            url, {"status": "nein", "justification": "x"}, format="json"
        ).status_code == (403)
        assert api.post(
            "/api/compliance/targets/", {"kind": "estate"}, format="json"
        ).status_code == (403)
    assert Assessment.objects.get().status == "ja"


def test_scoped_users_see_only_targets_inside_their_scope(officer, api_for, client_for):
    inside = ClusterFactory()
    outside = ClusterFactory(name="secret-cluster")
    for cluster in (inside, outside):
        TargetObject.objects.create(
            kind="cluster",
            name=f"{cluster.name} target",
            cluster=cluster,
            endpoint=cluster.endpoint,
        )
    TargetObject.objects.create(kind="estate", name="Whole estate")
    scoped_officer = UserFactory(username="scoped-officer", role="security_officer")
    ObjectScope.objects.create(user=scoped_officer, endpoint=inside.endpoint)
    api = api_for(scoped_officer)
    names = [t["name"] for t in api.get("/api/compliance/targets/").json()["results"]]
    assert names == [f"{inside.name} target"]
    hidden = TargetObject.objects.get(cluster=outside)
    assert api.get(f"/api/compliance/targets/{hidden.pk}/").status_code == 404
    assert api.get(f"/api/compliance/targets/{hidden.pk}/check/").status_code == 404
    url = f"/api/compliance/targets/{hidden.pk}/assessments/SYS.1.5.A7/"
    assert api.put(url, {"status": "ja"}, format="json").status_code == 404
    # A scoped officer cannot define targets over the whole estate or another endpoint.
    answer = api.post("/api/compliance/targets/", {"kind": "estate"}, format="json")
    assert answer.status_code == 400 and fields(answer) == {"endpoint"}
    answer = api.post(
        "/api/compliance/targets/",
        {"kind": "endpoint", "endpoint": outside.endpoint_id},
        format="json",
    )
    assert answer.status_code == 400 and fields(answer) == {"endpoint"}
    page = client_for(scoped_officer).get("/compliance/targets/")
    assert page.status_code == 200
    assert (
        "secret-cluster" not in page.content.decode()
        and "Whole estate" not in page.content.decode()
    )
    assert client_for(scoped_officer).get(f"/compliance/targets/{hidden.pk}/").status_code == 404


def test_pages_officer_creates_assesses_and_the_check_page_shows_both(officer, client_for):
    host = HostFactory(maintenance_mode=True)
    run()
    client = client_for(officer)
    answer = client.post(
        "/compliance/targets/new/",
        {
            "kind": "endpoint",
            "endpoint": host.endpoint_id,
            "confidentiality": "normal",
            "integrity": "normal",
            "availability": "normal",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    target = TargetObject.objects.get()
    url = f"/compliance/targets/{target.pk}/assess/{A17}/"
    # The justification is required for "nein": the form says so next to the field.
    answer = client.post(url, {"status": "nein", "justification": ""})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "justification" in body and "A justification is required" in body
    assert not Assessment.objects.exists()
    answer = client.post(url, {"status": "ja", "responsible": "Team Virtualisierung"})
    assert answer.status_code == 302
    page = client.get(f"/compliance/targets/{target.pk}/").content.decode()
    row = page.split(f'id="{A17}"', 1)[1].split("</tr>", 1)[0]
    assert "yes" in row  # documented ja ...
    assert "OPS-003" in row and "req-fulfilled" not in row.split("Effective", 1)[-1]
    assert "badge req-partly" in row or "badge req-not_fulfilled" in row
    host.maintenance_mode = False
    host.save()
    run()
    page = client.get(f"/compliance/targets/{target.pk}/").content.decode()
    row = page.split(f'id="{A17}"', 1)[1].split("</tr>", 1)[0]
    assert row.count("badge req-fulfilled") == 2  # checks and effective status
    # The requirement page shows the target side by side.
    detail = client.get(f"/compliance/requirements/{A17}/").content.decode()
    assert target.name in detail and "Team Virtualisierung" not in detail.split("per-target")[0]
    assert f"/compliance/targets/{target.pk}/assess/{A17}/" in detail


def test_pages_auditor_and_administrator_read_and_cannot_write(
    officer, auditor, admin_user, client_for
):
    HostFactory()
    target = TargetObject.objects.create(kind="estate", name="Whole estate")
    client_for(officer).post(
        f"/compliance/targets/{target.pk}/assess/SYS.1.5.A7/",
        {"status": "entbehrlich", "justification": "Guests take time from the hosts."},
    )
    for user in (auditor, admin_user):
        client = client_for(user)
        page = client.get(f"/compliance/targets/{target.pk}/assess/SYS.1.5.A7/")
        assert page.status_code == 200
        assert "Guests take time from the hosts." in page.content.decode()
        assert '<form method="post">' not in page.content.decode()
        denied = client.post(
            f"/compliance/targets/{target.pk}/assess/SYS.1.5.A7/", {"status": "ja"}
        )
        assert denied.status_code == 403
        assert client.post("/compliance/targets/new/", {"kind": "estate"}).status_code == 403
        assert (
            client.post(f"/compliance/targets/{target.pk}/need/", {"name": "x"}).status_code == 403
        )
    assert Assessment.objects.get().status == "entbehrlich"
    assert AuditEvent.objects.filter(action="compliance.assessment.create").count() == 1


def test_pages_protection_need_is_saved_audited_and_switches_erhoeht_on(officer, client_for):
    endpoint = EndpointFactory()
    HostFactory(endpoint=endpoint)
    run()
    target = TargetObject.objects.create(kind="endpoint", name="ep", endpoint=endpoint)
    client = client_for(officer)
    page = client.get(f"/compliance/targets/{target.pk}/").content.decode()
    assert "not_applicable" in page.split(f'id="{A21}"', 1)[1].split("</tr>", 1)[0]
    answer = client.post(
        f"/compliance/targets/{target.pk}/need/",
        {"name": "ep", "confidentiality": "very_high", "integrity": "normal",
         "availability": "extreme"},
    )  # fmt: skip
    assert answer.status_code == 400 and "availability" in answer.content.decode()
    target.refresh_from_db()
    assert target.confidentiality == "normal"  # nothing half-written
    answer = client.post(
        f"/compliance/targets/{target.pk}/need/",
        {"name": "ep", "confidentiality": "very_high", "integrity": "normal",
         "availability": "normal", "need_justification": "Health records."},
    )  # fmt: skip
    assert answer.status_code == 302
    page = client.get(f"/compliance/targets/{target.pk}/").content.decode()
    assert "not_applicable" not in page.split(f'id="{A21}"', 1)[1].split("</tr>", 1)[0]
    event = AuditEvent.objects.get(action="compliance.target.update")
    assert event.detail["changes"]["confidentiality"] == ["normal", "very_high"]


def test_the_pages_speak_german(officer, client_for):
    HostFactory()
    target = TargetObject.objects.create(kind="estate", name="Gesamt", availability="high")
    client = client_for(officer)
    client.post("/i18n/setlang/", {"language": "de"})
    page = client.get(f"/compliance/targets/{target.pk}/", HTTP_ACCEPT_LANGUAGE="de").content
    text = page.decode()
    assert "Schutzbedarf" in text and "Verfügbarkeit" in text and "nicht geprüft" in text
