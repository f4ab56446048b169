"""The task log (/tasks/, /api/tasks/): four kinds merged, filtered, scoped, paged, flat queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import CheckRun
from inventory.models import SyncRun
from operations.models import Operation, PolicyRun, SnapshotPolicy
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import EndpointFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def _policy(label: str, **selection) -> SnapshotPolicy:
    from django_celery_beat.models import CrontabSchedule

    policy = SnapshotPolicy.objects.create(label=label, crontab=CrontabSchedule.objects.create())
    for name, objects in selection.items():
        getattr(policy, name).set(objects)
    return policy


def _estate(n: int = 1, prefix: str = "") -> dict:
    """On two endpoints: per endpoint ``n`` sync runs, check runs, operations and policy runs."""
    made: dict = {"endpoints": []}
    for e in range(2):
        endpoint = EndpointFactory(name=f"{prefix}ep{e}")
        made["endpoints"].append(endpoint)
        policy = _policy(f"{prefix}p{e}"[:12], endpoints=[endpoint])
        for i in range(n):
            at = T0 + dt.timedelta(minutes=10 * i + e)
            SyncRun.objects.create(
                endpoint=endpoint, queued_at=at, status="succeeded", requested_by="alice"
            )
            CheckRun.objects.create(
                endpoint=endpoint,
                trigger="web",
                queued_at=at + dt.timedelta(minutes=1),
                status="failed",
                error="no inventory",
                requested_by="bob",
            )
            vm = VirtualMachineFactory(endpoint=endpoint, name=f"{prefix}vm{e}-{i}")
            Operation.objects.create(
                kind="create",
                vm=vm,
                params={"name": f"snap{i}"},
                state="succeeded",
                created_at=at + dt.timedelta(minutes=2),
                requested_by_name="alice",
            )
            PolicyRun.objects.create(
                policy=policy, queued_at=at + dt.timedelta(minutes=3), status="running"
            )
    return made


def test_the_log_merges_the_four_kinds_newest_first_with_links_and_utc_in_the_api(
    client_for, api_for, auditor
):
    _estate(1)
    CheckRun.objects.create(trigger="schedule", queued_at=T0 - dt.timedelta(hours=1))
    rows = api_for(auditor).get("/api/tasks/").json()["results"]
    # 4 per endpoint and the check run over all endpoints; the same time: by kind, then id.
    assert [r["kind"] for r in rows] == [
        "policy", "policy", "operation", "operation", "check", "sync", "check", "sync", "check",
    ]  # fmt: skip
    times = [r["queued_at"] for r in rows]
    assert times == sorted(times, reverse=True)
    assert all(t.endswith("Z") for t in times)  # UTC for machines
    assert rows[-1]["title"] == "checks on all endpoints" and rows[-1]["endpoint"] == ""
    op = next(r for r in rows if r["kind"] == "operation")
    assert op["url"] == f"/operations/{op['id']}/"
    assert op["title"].startswith("create snapshot “snap0” on VM vm1-0")
    sync = next(r for r in rows if r["kind"] == "sync")
    assert sync["url"] == f"/tasks/sync/{sync['id']}/"

    page = client_for(auditor).get("/tasks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/operations/{op["id"]}/"' in html
    assert "2026-11-30 09:03:00 CET" in html  # local time with the zone's name
    # A running policy run on the page: the rows update live.
    assert 'data-live-url="?page=1&amp;fragment=rows"' in html
    detail = client_for(auditor).get(sync["url"])
    assert detail.status_code == 200 and "sync of ep1" in detail.content.decode()


def test_filters_by_kind_status_endpoint_who_and_time(api_for, client_for, auditor):
    made = _estate(3)
    api = api_for(auditor)

    def kinds(**params):
        rows = api.get("/api/tasks/", params).json()["results"]
        return sorted((r["kind"], r["id"]) for r in rows), rows

    _, rows = kinds(kind="check")
    assert {r["kind"] for r in rows} == {"check"} and len(rows) == 6
    _, rows = kinds(status="running")
    assert {r["kind"] for r in rows} == {"policy"} and len(rows) == 6
    ep0 = made["endpoints"][0]
    _, rows = kinds(endpoint=ep0.pk)
    assert len(rows) == 12 and {r["endpoint"] for r in rows} == {"ep0", ""}
    assert {r["title"] for r in rows if r["kind"] == "policy"} == {"run of snapshot policy “p0”"}
    _, rows = kinds(who="BOB")
    assert {r["kind"] for r in rows} == {"check"}
    _, rows = kinds(since="2026-11-30T09:10:00+01:00", until="2026-11-30T08:20:00Z")
    assert {r["queued_at"][:16] for r in rows} == {
        "2026-11-30T08:10",
        "2026-11-30T08:11",
        "2026-11-30T08:12",
        "2026-11-30T08:13",
        "2026-11-30T08:14",
    }
    _, rows = kinds(until="2026-11-29")  # a date: up to its end
    assert rows == []
    # The page uses the same filters.
    html = client_for(auditor).get("/tasks/", {"kind": "sync", "who": "alice"}).content.decode()
    assert "sync of ep0" in html and "checks on" not in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "reboot"}, "kind"),
        ({"status": "done"}, "status"),
        ({"endpoint": "ep0"}, "endpoint"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-11-30", "until": "2026-11-29"}, "until"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(api_for, client_for, auditor, params, field):
    answer = api_for(auditor).get("/api/tasks/", params)
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
    assert answer.json()["error"]["message"].startswith(field)
    page = client_for(auditor).get("/tasks/", params)
    assert page.status_code == 400 and f"<li>{field}: " in page.content.decode()


def test_a_scoped_user_sees_only_work_on_the_endpoints_in_scope(api_for, client_for):
    made = _estate(2)
    inside, outside = made["endpoints"]
    # A policy reaching both endpoints is outside the scope as a whole.
    both = _policy("both", endpoints=[inside, outside])
    PolicyRun.objects.create(policy=both, queued_at=T0, status="succeeded")
    CheckRun.objects.create(trigger="schedule", queued_at=T0)  # over all endpoints
    user = UserFactory(username="scoped-admin", role="administrator")
    ObjectScope.objects.create(user=user, endpoint=inside)

    rows = api_for(user).get("/api/tasks/", {"page_size": 200}).json()["results"]
    assert len(rows) == 8
    assert {r["endpoint"] for r in rows} == {"ep0", ""}
    assert {r["title"] for r in rows if r["kind"] == "policy"} == {"run of snapshot policy “p0”"}
    # Filtering for the other endpoint's id finds nothing, as for an unknown id.
    assert api_for(user).get("/api/tasks/", {"endpoint": outside.pk}).json()["results"] == []
    html = client_for(user).get("/tasks/").content.decode()
    assert "ep1" not in html and "both" not in html and "all endpoints" not in html
    assert f'<option value="{outside.pk}"' not in html  # not even in the drop-down
    other_sync = SyncRun.objects.filter(endpoint=outside).first()
    other_check = CheckRun.objects.filter(endpoint=outside).first()
    other_run = PolicyRun.objects.filter(policy=both).first()
    for url in (
        f"/tasks/sync/{other_sync.pk}/",
        f"/tasks/check/{other_check.pk}/",
        f"/tasks/policy/{other_run.pk}/",
        "/tasks/reboot/1/",
    ):
        assert client_for(user).get(url).status_code == 404, url


def test_pages_follow_on_without_gaps_or_repeats(api_for, auditor):
    _estate(4)  # 32 rows
    api = api_for(auditor)
    seen = []
    page, has_next = 1, True
    while has_next:
        body = api.get("/api/tasks/", {"page": page, "page_size": 10}).json()
        seen += [(r["kind"], r["id"]) for r in body["results"]]
        has_next, page = body["has_next"], page + 1
    assert page - 1 == 4 and len(seen) == 32 == len(set(seen))


def test_one_query_per_kind_whatever_the_size(api_for, client_for, auditor):
    def count(path: str) -> int:
        client = client_for(auditor) if not path.startswith("/api/") else api_for(auditor)
        client.get(path)  # session, role, caches
        with CaptureQueriesContext(connection) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    _estate(1, prefix="a")
    small = {p: count(p) for p in ("/tasks/", "/api/tasks/", "/tasks/?page=2&page_size=10")}
    _estate(12, prefix="b")
    large = {p: count(p) for p in ("/tasks/", "/api/tasks/", "/tasks/?page=2&page_size=10")}
    assert small == large


def test_a_running_task_keeps_the_rows_live_and_an_ended_page_says_done(client_for, auditor):
    endpoint = EndpointFactory(name="vc-live")
    run = SyncRun.objects.create(
        endpoint=endpoint,
        status="running",
        started_at=timezone.now(),
        progress={"what": "VMs", "done": 1200},
    )
    client = client_for(auditor)
    rows = client.get("/tasks/", {"fragment": "rows"})
    assert "reading VMs: 1,200" in rows.content.decode()
    assert "X-Live-Done" not in rows
    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", progress={})
    rows = client.get("/tasks/", {"fragment": "rows"})
    assert rows["X-Live-Done"] == "1" and "succeeded" in rows.content.decode()


def test_the_documented_kinds_are_the_registered_ones():
    from portal.api.tasks import TASK_KINDS
    from portal.tasklog import KINDS

    assert sorted(TASK_KINDS) == sorted(KINDS)
