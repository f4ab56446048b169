"""The audit trail: written for logins, failures, denials and changes; never changed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from portal.audit import audit
from portal.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def test_a_login_writes_an_event_with_actor_role_address_and_request_id(
    client, admin_user, password
):
    client.post(
        "/login/", {"username": admin_user.username, "password": password}, REMOTE_ADDR="10.1.2.3"
    )
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == admin_user.username
    assert event.actor_role == "administrator"
    assert event.source_address == "10.1.2.3"
    assert event.source == "web"
    assert len(event.request_id) == 32


def test_a_failed_login_is_audited_without_the_password(client, admin_user):
    client.post("/login/", {"username": admin_user.username, "password": "wrong-guess-123"})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor == admin_user.username
    assert event.result == "failure"
    assert "wrong-guess-123" not in str(event.detail)


def test_denied_access_is_audited(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get("/audit/").status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert event.result == "denied"
    assert event.target_repr == "/audit/"
    assert event.actor == admin_user.username


def test_details_that_name_secrets_are_redacted(admin_user):
    event = audit(
        action="x.test", actor=admin_user, detail={"password": "p", "api_token": "t", "n": 1}
    )
    assert event.detail == {"password": "[redacted]", "api_token": "[redacted]", "n": 1}


def test_an_event_cannot_be_changed_or_deleted_through_the_orm(admin_user):
    event = audit(action="x.test", actor=admin_user)
    event.action = "x.forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x.forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_raw_updates_and_deletes(admin_user):
    event = audit(action="x.test", actor=admin_user)
    for sql in (
        "UPDATE portal_auditevent SET action = 'x.forged' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "x.test"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_api_route_changes_an_event(api_for, officer, method):
    event = audit(action="x.test", actor=officer)
    api = api_for(officer)
    for url in ("/api/audit-events/", f"/api/audit-events/{event.pk}/"):
        assert getattr(api, method)(url, {"action": "x.forged"}, format="json").status_code in (
            403,
            405,
        )
    assert AuditEvent.objects.get(pk=event.pk).action == "x.test"


def test_officers_and_auditors_read_and_filter_the_trail(api_for, officer, auditor, admin_user):
    audit(action="endpoint.create", actor=admin_user)
    audit(action="snapshot.create", actor=admin_user, result="failure")
    for user in (officer, auditor):
        answer = api_for(user).get("/api/audit-events/", {"action": "snapshot.create"})
        assert answer.status_code == 200
        assert [e["action"] for e in answer.json()["results"]] == ["snapshot.create"]
    assert api_for(admin_user).get("/api/audit-events/").status_code == 403


def test_the_audit_page_lists_events_for_officers(client_for, officer, admin_user):
    audit(action="endpoint.create", actor=admin_user, target_repr="vc-lab")
    page = client_for(officer).get("/audit/", {"q": "vc-lab"})
    assert page.status_code == 200
    assert b"endpoint.create" in page.content
