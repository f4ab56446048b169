"""The audit trail page and its exports: filters, what changed, links, sources, scope, UTC."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.services.parameters import check_parameters_update
from inventory.services.endpoints import endpoint_update
from portal.audit import audit, field_changes
from portal.models import AuditEvent
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import EndpointFactory

pytestmark = pytest.mark.django_db

WINTER = dt.datetime(2026, 1, 15, 13, 0, tzinfo=dt.UTC)  # 14:00 CET


def _event(**fields) -> AuditEvent:
    values = {"actor": "someone", "source": "web", "action": "test.thing"} | fields
    return AuditEvent.objects.create(**values)


def test_field_changes_keeps_only_what_differs_as_plain_values():
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert field_changes(
        {"name": "a", "port": 1, "at": None, "same": True},
        {"name": "b", "port": 1, "at": when, "same": True},
    ) == {"at": [None, "2026-01-01T00:00:00+00:00"], "name": ["a", "b"]}


def test_an_endpoint_edit_records_before_and_after_per_field_but_never_the_secret(
    admin_user, client_for, officer
):
    endpoint = EndpointFactory(name="vc-old", sync_interval_minutes=15)
    endpoint_update(
        endpoint=endpoint,
        actor=admin_user,
        name="vc-new",
        sync_interval_minutes=30,
        secret="s3cret-Passw0rd",
    )
    event = AuditEvent.objects.get(action="endpoint.update")
    changes = event.detail["changes"]
    assert changes["name"] == ["vc-old", "vc-new"]
    assert changes["sync_interval_minutes"] == [15, 30]
    assert changes["secret"] == "[redacted]"
    assert "s3cret-Passw0rd" not in json.dumps(event.detail)

    html = client_for(officer).get("/audit/", {"action": "endpoint.update"}).content.decode()
    assert "<del>vc-old</del>" in html and "<ins>vc-new</ins>" in html
    assert "<del>15</del>" in html and "<ins>30</ins>" in html
    assert "s3cret" not in html
    # The readable target links to its page.
    assert f'<a href="/endpoints/{endpoint.pk}/">' in html


def test_a_check_setting_change_carries_each_changed_value_before_and_after(officer):
    check_parameters_update(check_id="LOG-001", values={}, enabled=False, actor=officer)
    changes = AuditEvent.objects.get(action="compliance.check.update").detail["changes"]
    assert changes == {"enabled": [True, False]}


def test_filters_by_actor_action_prefix_target_type_source_and_time(client_for, auditor):
    _event(action="snapshot.create.requested", actor="alice", occurred_at=WINTER)
    _event(action="snapshot.delete.requested", actor="bob", source="api", occurred_at=WINTER)
    _event(
        action="endpoint.update",
        actor="alice",
        target_type="inventory.endpoint",
        target_id="1",
        occurred_at=WINTER + dt.timedelta(days=1),
    )
    _event(action="snapshotter.x", actor="carol", occurred_at=WINTER)
    client = client_for(auditor)

    def actions(**params) -> set[str]:
        answer = client.get("/audit/export.jsonl", params)
        assert answer.status_code == 200
        lines = b"".join(answer.streaming_content).decode().splitlines()
        return {json.loads(line)["action"] for line in lines} - {"audit.export", "auth.login"}

    assert actions(action="snapshot") == {"snapshot.create.requested", "snapshot.delete.requested"}
    assert actions(action="snapshot.delete.requested") == {"snapshot.delete.requested"}
    assert actions(actor="alice") == {"snapshot.create.requested", "endpoint.update"}
    assert actions(source="api") == {"snapshot.delete.requested"}
    assert actions(target_type="inventory.endpoint") == {"endpoint.update"}
    # A date in the portal's zone: "until 2026-01-15" includes the whole day.
    assert actions(since="2026-01-15", until="2026-01-15", actor="alice") == {
        "snapshot.create.requested"
    }
    assert actions(since="2026-01-16T14:00:00+01:00") == {"endpoint.update"}

    page = client.get("/audit/", {"action": "snapshot", "source": "api"}).content.decode()
    assert "snapshot.delete.requested" in page and "snapshot.create.requested" not in page
    # The export links carry the page's filters.
    assert 'href="/audit/export.csv?action=snapshot&amp;source=api"' in page


@pytest.mark.parametrize("field", ["since", "until"])
def test_a_bad_time_answers_400_naming_the_field(client_for, auditor, field):
    page = client_for(auditor).get("/audit/", {field: "last tuesday"})
    assert page.status_code == 400 and f"<li>{field}: " in page.content.decode()
    export = client_for(auditor).get("/audit/export.csv", {field: "2026-13-45"})
    assert export.status_code == 400 and export.content.decode().startswith(f"{field}: ")


def test_the_csv_export_has_utc_times_the_changes_and_defused_formulas(client_for, officer):
    _event(
        action="endpoint.update",
        actor="=HYPERLINK(1)",
        occurred_at=WINTER,
        detail={"changes": {"name": ["a", "b"]}},
    )
    answer = client_for(officer).get("/audit/export.csv", {"action": "endpoint.update"})
    assert answer["Content-Type"] == "text/csv"
    assert 'filename="audit-trail.csv"' in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["occurred_at"] == "2026-01-15T13:00:00Z"
    assert row["actor"] == "'=HYPERLINK(1)"
    assert json.loads(row["changes"]) == {"name": ["a", "b"]}
    # Taking the trail away is itself in the trail, with the filters.
    taken = AuditEvent.objects.get(action="audit.export")
    assert taken.actor == officer.username and taken.detail == {
        "format": "csv",
        "action": "endpoint.update",
    }


def test_a_scoped_reader_exports_exactly_what_the_page_shows(client_for):
    inside, outside = EndpointFactory(name="in-ep"), EndpointFactory(name="out-ep")
    for endpoint in (inside, outside):
        audit(action="endpoint.update", actor="x", target=endpoint, detail={})
    audit(action="auth.login", actor="x")  # about no inventory object: the role decides
    reader = UserFactory(username="scoped-auditor", role="auditor")
    ObjectScope.objects.create(user=reader, endpoint=inside)
    client = client_for(reader)
    page = client.get("/audit/", {"actor": "x"}).content.decode()
    assert "in-ep" in page and "out-ep" not in page
    for fmt in ("csv", "jsonl"):
        text = b"".join(client.get(f"/audit/export.{fmt}", {"actor": "x"}).streaming_content)
        assert b"in-ep" in text and b"out-ep" not in text and b"auth.login" in text


def test_the_page_costs_the_same_queries_for_few_and_many_events(client_for, auditor):
    def count() -> int:
        client = client_for(auditor)
        client.get("/audit/")
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/audit/").status_code == 200
        return len(seen)

    endpoint = EndpointFactory()
    audit(action="endpoint.update", actor="x", target=endpoint, detail={"changes": {"a": [1, 2]}})
    few = count()
    for i in range(40):
        audit(
            action="endpoint.update", actor="x", target=endpoint, detail={"changes": {"a": [i, 2]}}
        )
    assert count() == few


def test_the_source_is_the_real_one(client_for, api_for, admin_user, officer):
    endpoint = EndpointFactory(name="vc-src")
    endpoint_update(endpoint=endpoint, actor="manage.py", sync_interval_minutes=20)
    assert AuditEvent.objects.get(action="endpoint.update").source == "command"
    answer = api_for(admin_user).patch(
        f"/api/endpoints/{endpoint.pk}/", {"sync_interval_minutes": 25}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    event = AuditEvent.objects.filter(action="endpoint.update").latest("id")
    assert event.source == "api" and event.detail["changes"]["sync_interval_minutes"] == [20, 25]
