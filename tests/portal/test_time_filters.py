"""Date-time filters take any offset Python parses, even ones PostgreSQL would refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.inventory.factories import SnapshotFactory

pytestmark = pytest.mark.django_db

ODD = "2030-01-01T00:00:00-17:17"  # found by the fuzz test: a server error before


@pytest.mark.parametrize(
    "path",
    [
        f"/api/snapshots/?expires_before={ODD}",
        f"/api/snapshots/?created_before={ODD}",
        f"/api/utilization/?since={ODD}",
        f"/api/audit-events/?until={ODD}",
    ],
)
def test_an_offset_beyond_what_the_database_takes_is_answered(path, api_for, auditor):
    assert api_for(auditor).get(path).status_code == 200


def test_the_instant_is_kept_when_the_offset_is_odd(api_for, auditor):
    soon = timezone.now() + dt.timedelta(days=1)
    SnapshotFactory(expires_at=soon)
    # 2 days ahead in UTC, written with an offset of -17:17: still after the expiry.
    later = (timezone.now() + dt.timedelta(days=2)).astimezone(
        dt.timezone(-dt.timedelta(hours=17, minutes=17))
    )
    answer = api_for(auditor).get("/api/snapshots/", {"expires_before": later.isoformat()})
    assert answer.status_code == 200 and answer.json()["count"] == 1
    earlier = (soon - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=17)))
    answer = api_for(auditor).get("/api/snapshots/", {"expires_before": earlier.isoformat()})
    assert answer.json()["count"] == 0
