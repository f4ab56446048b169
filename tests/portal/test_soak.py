"""The short form of the demo stack's soak test (``make soak`` is the long one; bench/soak.py).

Web, worker and beat on the embedded defaults with a fake Proxmox VE on a 1-minute interval:
scheduled syncs happen, a check run follows each, a tag-based and a name-based policy run, and
no log holds an error. The bounds hold on any machine: at least one scheduled sync in three
minutes of a 1-minute schedule, not a count that depends on speed.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from bench.soak import soak

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="the stack runs on the embedded defaults whatever the suite's backend; `make test` "
        "runs it once, in its SQLite half (TEST_BACKENDS=sqlite)",
    ),
]


def test_the_demo_stack_keeps_syncing_on_schedule_runs_both_policies_and_logs_no_error(
    tmp_path, monkeypatch
):
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_QUEUE", "PORTAL_VAR_DIR"):
        monkeypatch.delenv(key, raising=False)  # the stack runs on the embedded defaults
    figures = soak(3, tmp_path, log=lambda *_: None)
    assert figures["failures"] == [], figures
    assert figures["scheduled_syncs"].get("succeeded", 0) >= 1, figures
    assert figures["syncs_followed_by_check_run"] >= 1, figures
    assert figures["policy_runs"]["bytag"].get("succeeded", 0) >= 1, figures
    assert figures["policy_runs"]["byname"].get("succeeded", 0) >= 1, figures
    assert sum(figures["log_errors"].values()) == 0, figures
