"""A check run tells how far it is while running; its list and the dashboard show it live."""

from __future__ import annotations

import pytest
from django.utils import timezone

from compliance.checks import all_checks
from compliance.checks.context import InventoryContext
from compliance.models import CheckRun
from compliance.services.runs import check_run_execute, run_all_checks
from tests.endpoints import vcenter_endpoint

pytestmark = pytest.mark.django_db


def test_run_all_checks_counts_the_checks_up_to_all_of_them(vcsim):
    endpoint = vcenter_endpoint(vcsim, "vc-progress")
    heard: list[tuple[int, int]] = []
    run_all_checks(InventoryContext.load([endpoint.pk]), {}, lambda d, t: heard.append((d, t)))
    total = len(all_checks())
    assert heard[0] == (0, total) and heard[-1] == (total, total)
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)
    run = check_run_execute(endpoint=endpoint, trigger="command", actor="test")
    assert run.status == "succeeded" and run.progress == {}


@pytest.fixture
def running_run(db):
    return CheckRun.objects.create(
        status=CheckRun.Status.RUNNING,
        started_at=timezone.now(),
        progress={"what": "checks", "done": 12, "total": 38},
    )


def test_the_run_list_shows_a_running_runs_progress_and_polls_its_rows(
    running_run, client_for, officer
):
    html = client_for(officer).get("/compliance/runs/").content.decode()
    assert "running checks: 12 of 38" in html and 'data-live-url="?fragment=rows"' in html
    rows = client_for(officer).get("/compliance/runs/?fragment=rows")
    assert b"<table" not in rows.content and b"12 of 38" in rows.content
    assert "X-Live-Done" not in rows
    CheckRun.objects.filter(pk=running_run.pk).update(status="succeeded", progress={})
    assert client_for(officer).get("/compliance/runs/?fragment=rows")["X-Live-Done"] == "1"


def test_the_dashboard_shows_checks_running_with_their_progress(running_run, client_for, officer):
    html = client_for(officer).get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Prüfungen laufen: 12 von 38" in html


def test_the_api_shows_a_running_check_runs_progress(running_run, api_for, officer):
    answer = api_for(officer).get(f"/api/compliance/runs/{running_run.pk}/").json()
    assert answer["progress"] == {"what": "checks", "done": 12, "total": 38}


def test_a_run_writes_the_checks_progress_at_each_quarter_only():
    from compliance.services.runs import _milestone

    written: list[int] = []
    for done in range(39):
        _milestone(lambda what, d, total, now=False: written.append(d), done, 38)
    assert written == [0, 9, 19, 28, 38]
