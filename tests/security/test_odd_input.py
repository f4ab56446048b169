"""Odd input answers 400 naming the field, never 500 (issue 11, item 6).

``9999-12-31T23:59:59-23:59`` parses in Python but lies in the year 10000 in UTC; a body nested
a few thousand levels deep exhausts Python's json recursion. Both were server errors.
"""

from __future__ import annotations

import pytest

from portal.api.parsers import MAX_DEPTH, too_deep
from tests.security.objects import make_estate

pytestmark = pytest.mark.django_db

BEYOND_UTC = "9999-12-31T23:59:59-23:59"
BEFORE_UTC = "0001-01-01T00:00:00+23:59"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/snapshots/", "created_before"),
        ("/api/snapshots/", "expires_before"),
        ("/api/utilization/", "since"),
        ("/api/audit-events/", "until"),
    ],
)
@pytest.mark.parametrize("value", [BEYOND_UTC, BEFORE_UTC])
def test_a_date_beyond_utc_answers_400_naming_the_filter(path, field, value, officer, api_for):
    answer = api_for(officer).get(path, {field: value})
    assert answer.status_code == 400, answer.content[:300]
    error = answer.json()["error"]
    assert field in error["fields"] and field in error["message"]
    assert "9999" in error["message"]


def test_the_snapshot_page_reports_the_date_beyond_utc_as_an_ignored_filter(
    officer, verified_client
):
    make_estate()
    answer = verified_client(officer, raise_request_exception=False).get(
        "/snapshots/", {"created_before": BEYOND_UTC}
    )
    # List pages ignore and name invalid filters (they never fail the page): no 500.
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Ignored filters" in body and "created_before" in body


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5000, 200_000])
def test_a_deeply_nested_body_answers_400_naming_the_field(levels, admin_user, api_for):
    estate = make_estate()
    api = api_for(admin_user)
    body = '{"name": "x", "reason": ' + _nested(levels) + "}"
    answer = api.generic(
        "POST", f"/api/vms/{estate.vm.pk}/snapshots/", body, content_type="application/json"
    )
    assert answer.status_code == 400, answer.content[:300]
    assert list(answer.json()["error"]["fields"]) == ["reason"]
    assert "Nested deeper" in answer.json()["error"]["message"]


def test_a_deeply_nested_array_body_answers_400_without_a_field(officer, api_for):
    answer = api_for(officer).generic(
        "PATCH",
        "/api/compliance/checks/SNAP-001/",
        _nested(10_000),
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "non_field_errors" in answer.json()["error"]["fields"]


def test_ordinary_bodies_still_parse(officer, api_for):
    answer = api_for(officer).patch(
        "/api/compliance/checks/SNAP-001/",
        {"parameters": {"max_age_days": 7}, "enabled": True},
        format="json",
    )
    assert answer.status_code == 200
    broken = api_for(officer).generic(
        "PATCH",
        "/api/compliance/checks/SNAP-001/",
        '{"enabled": NaN}',
        content_type="application/json",
    )
    assert broken.status_code == 400


def test_the_depth_scan_skips_brackets_inside_strings_and_names_the_key():
    assert too_deep('{"a": "[[[[[[[[", "b": [1, {"c": 2}]}', limit=3) is None
    assert too_deep('{"a": 1, "b\\"x": [[[[1]]]]}', limit=3) == 'b"x'
    assert too_deep("[[[[]]]]", limit=3) == "non_field_errors"
