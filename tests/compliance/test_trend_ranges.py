"""The compliance trend draws the runs of the last hour, day, week or month (issue 16 item 8),
with the same plain ``?range=`` links as the inventory's charts (server-side, no script); the
links keep the chosen endpoint, and a range the page does not know is named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compliance.models import CheckRun
from tests.inventory.test_chart_ranges import AGES as READING_AGES
from tests.inventory.test_chart_ranges import EXPECTED

from .factories import EndpointFactory

pytestmark = pytest.mark.django_db

# The ages of the inventory charts' readings (each range holds one more) and one run older
# than every range.
AGES = (*READING_AGES, dt.timedelta(days=40))


@pytest.fixture
def runs():
    now = timezone.now()
    for i, age in enumerate(AGES):
        CheckRun.objects.create(
            trigger="command",
            status="succeeded",
            queued_at=now - age,
            finished_at=now - age,
            # The oldest run counts 5 fulfilled: the newest drawn point is always the newest run.
            requirement_summary={"M4349": {"fulfilled": i + 1, "not_fulfilled": 1}},
        )


@pytest.mark.parametrize("span", list(EXPECTED))
def test_each_range_draws_the_runs_inside_it(runs, span, auditor, client_for):
    answer = client_for(auditor).get(f"/compliance/?range={span}")
    chart = answer.context["chart"]
    assert chart["runs"] == EXPECTED[span]
    assert {s.status: s.last for s in chart["series"]}["fulfilled"] == 1
    body = answer.content.decode()
    assert f'<a href="?range={span}" aria-current="true">' in body
    assert all(f'<a href="?range={other}">' in body for other in EXPECTED if other != span)


def test_no_range_is_the_month_and_a_bad_one_is_named(runs, auditor, client_for):
    client = client_for(auditor)
    assert client.get("/compliance/").context["chart"]["runs"] == 4
    answer = client.get("/compliance/?range=year")
    assert answer.status_code == 200 and answer.context["chart"]["runs"] == 4
    assert "range: choose hour, day, week or month." in answer.content.decode()


def test_the_range_links_keep_the_endpoint(runs, auditor, client_for):
    endpoint = EndpointFactory()
    body = client_for(auditor).get(f"/compliance/?endpoint={endpoint.pk}&range=day")
    html = body.content.decode()
    assert f'<a href="?endpoint={endpoint.pk}&amp;range=day" aria-current="true">' in html
    assert f'<a href="?endpoint={endpoint.pk}&amp;range=hour">' in html


def test_a_range_without_runs_says_so(auditor, client_for):
    CheckRun.objects.create(
        trigger="command",
        status="succeeded",
        finished_at=timezone.now() - dt.timedelta(days=2),
        requirement_summary={"M4349": {"fulfilled": 1}},
    )
    body = client_for(auditor).get("/compliance/?range=hour").content.decode()
    assert "No run finished in this time range." in body
