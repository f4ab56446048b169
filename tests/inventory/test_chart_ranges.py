"""Host and VM pages draw their utilization charts over hour, day, week or month (issue 16
item 8): plain links ``?range=…`` under the charts, drawn on the server; a range the page does
not know is named in a message and the month is drawn."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from .factories import HostFactory, UtilizationSampleFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db

# Readings 30 minutes, 5 hours, 3 days and 20 days old: each range holds one more.
AGES = (
    dt.timedelta(minutes=30),
    dt.timedelta(hours=5),
    dt.timedelta(days=3),
    dt.timedelta(days=20),
)
EXPECTED = {"hour": 1, "day": 2, "week": 3, "month": 4}


@pytest.fixture(params=["host", "vm"])
def page(request) -> str:
    host = HostFactory(name="esx-ranges")
    subject = host if request.param == "host" else VirtualMachineFactory(
        endpoint=host.endpoint, host=host, name="vm-ranges"
    )  # fmt: skip
    now = timezone.now()
    for i, age in enumerate(AGES):
        UtilizationSampleFactory(subject=subject, taken_at=now - age, cpu_percent=10.0 * (i + 1))
    return f"/{'hosts' if request.param == 'host' else 'vms'}/{subject.pk}/"


@pytest.mark.parametrize("span", list(EXPECTED))
def test_each_range_draws_the_readings_inside_it(page, span, auditor, client_for):
    body = client_for(auditor).get(f"{page}?range={span}").content.decode()
    n = EXPECTED[span]
    assert f"CPU: latest 10.0 %, lowest 10.0 %, highest {10.0 * n:.1f} % ({n} readings)" in body
    assert f'<a href="?range={span}" aria-current="true">' in body
    assert all(f'<a href="?range={other}">' in body for other in EXPECTED if other != span)
    assert "range: choose" not in body


def test_no_range_is_the_month_and_a_bad_one_is_named(page, auditor, client_for):
    client = client_for(auditor)
    assert "(4 readings)" in client.get(page).content.decode()
    answer = client.get(f"{page}?range=year")
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "range: choose hour, day, week or month." in body and "(4 readings)" in body
