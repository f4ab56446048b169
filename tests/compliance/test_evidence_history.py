"""Evidence that lasts: each run keeps, per check, which objects passed (as id ranges) and what
it observed on each that did not; a finding's page and the API read an object's history back.

Before, a run overwrote the evidence and passing objects were only counted: there was no proof
that a given VM complied on a given date.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import CheckResult, CheckRun, Finding, id_ranges
from compliance.services import check_run_execute
from compliance.services.evidence import object_history

from .factories import HostFactory

pytestmark = pytest.mark.django_db


def run() -> CheckRun:
    result = check_run_execute(trigger="command", actor="test")
    assert result.status == CheckRun.Status.SUCCEEDED, result.error
    return result


def test_id_ranges_fold_consecutive_ids():
    assert id_ranges([5, 1, 2, 3, 9, 10]) == [[1, 3], [5, 5], [9, 10]]
    assert id_ranges([]) == []


def test_each_run_keeps_who_passed_and_what_it_saw_on_who_failed():
    good, bad = HostFactory(), HostFactory(ntp_servers=[])
    first = run()
    result = CheckResult.objects.get(run=first, check_id="LOG-001", endpoint=bad.endpoint)
    assert result.outcome_of(bad.pk)["status"] == "fail"
    assert result.outcome_of(bad.pk)["evidence"]["ntp_servers"] == []
    good_result = CheckResult.objects.get(run=first, check_id="LOG-001", endpoint=good.endpoint)
    assert good_result.outcome_of(good.pk) == {"status": "pass"}


def test_a_findings_history_shows_each_run_and_earlier_runs_are_not_rewritten(
    api_for, auditor, client_for
):
    host = HostFactory(ntp_servers=[])
    first = run()
    host.ntp_servers = ["ntp.example.org"]
    host.save()
    second = run()
    finding = Finding.objects.get(check_id="LOG-001", object_id=host.pk)
    history = object_history(check_id="LOG-001", endpoint_id=host.endpoint_id, object_id=host.pk)
    assert [(h.run_id, h.status) for h in history] == [(second.pk, "pass"), (first.pk, "fail")]
    assert history[1].evidence["ntp_servers"] == []  # what the first run saw, kept
    answer = api_for(auditor).get(f"/api/compliance/findings/{finding.pk}/history/")
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()] == ["pass", "fail"]
    page = client_for(auditor).get(f"/compliance/findings/{finding.pk}/").content.decode()
    assert f"#{first.pk}" in page and f"#{second.pk}" in page


def test_reading_an_objects_history_is_one_query_however_many_runs():
    host = HostFactory(ntp_servers=[])
    for _ in range(3):
        run()
    with CaptureQueriesContext(connection) as three:
        object_history(check_id="LOG-001", endpoint_id=host.endpoint_id, object_id=host.pk)
    for _ in range(6):
        run()
    with CaptureQueriesContext(connection) as nine:
        history = object_history(
            check_id="LOG-001", endpoint_id=host.endpoint_id, object_id=host.pk
        )
    assert len(history) == 9
    assert len(three) == len(nine) == 1
