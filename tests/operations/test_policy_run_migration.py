"""The data migration that puts policy runs on the one run model keeps every run and says the
same about it: "partial" runs become succeeded runs whose skipped VMs are still recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

APP = "operations"
BEFORE = (APP, "0001_initial")
AFTER = (APP, "0002_policyrun_run_base")
SKIPPED = [{"vm": 7, "name": "db01", "reason": "datastore below the policy's threshold"}]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_policy_runs_keep_their_meaning_on_the_run_model():
    apps = _migrate(BEFORE)
    try:
        crontab = apps.get_model("django_celery_beat", "CrontabSchedule").objects.create()
        policy = apps.get_model(APP, "SnapshotPolicy").objects.create(
            label="nightly", crontab=crontab, last_run_state="partial"
        )
        PolicyRun = apps.get_model(APP, "PolicyRun")
        started = timezone.now() - dt.timedelta(hours=1)
        old = {
            state: PolicyRun.objects.create(
                policy=policy,
                state=state,
                started_at=started,
                finished_at=None if state == "running" else started + dt.timedelta(minutes=1),
                skipped=SKIPPED if state == "partial" else [],
                error={"failed": "web01: disk full", "partial": "db01: below"}.get(state, ""),
                queued=2,
            ).pk
            for state in ("running", "succeeded", "partial", "failed")
        }

        apps = _migrate(AFTER)
        runs = {r.pk: r for r in apps.get_model(APP, "PolicyRun").objects.all()}
        assert {state: runs[pk].status for state, pk in old.items()} == {
            "running": "running",
            "succeeded": "succeeded",
            "partial": "succeeded",
            "failed": "failed",
        }
        partial = runs[old["partial"]]
        assert partial.skipped == SKIPPED and partial.error == "db01: below"
        assert runs[old["failed"]].error == "web01: disk full"
        assert all(r.queued_at == started == r.started_at for r in runs.values())
        assert all(r.queued == 2 and r.progress == {} for r in runs.values())
        policy = apps.get_model(APP, "SnapshotPolicy").objects.get(pk=policy.pk)
        assert policy.last_run_state == "partial"  # the policy's summary is not a run status

        # And back: the partial run is partial again.
        apps = _migrate(BEFORE)
        back = apps.get_model(APP, "PolicyRun").objects.get(pk=old["partial"])
        assert back.state == "partial" and back.skipped == SKIPPED
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_partial_outcome_is_read_from_the_run():
    from operations.models import PolicyRun

    assert PolicyRun(status="succeeded", skipped=SKIPPED).outcome == "partial"
    assert PolicyRun(status="succeeded").outcome == "succeeded"
    assert PolicyRun(status="failed", skipped=SKIPPED).outcome == "failed"
