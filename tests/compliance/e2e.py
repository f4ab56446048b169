"""Shared steps of the end-to-end compliance tests: sync an endpoint, run its checks, read results."""

from __future__ import annotations

from collections.abc import Callable

from compliance.checks import get_check
from compliance.models import CheckResult, CheckRun, Finding
from compliance.services import check_run_execute
from inventory.services.sync import sync_endpoint


def sync_and_check(endpoint) -> CheckRun:
    """Sync ``endpoint`` from its simulator and run every check on it; both must succeed."""
    sync = sync_endpoint(endpoint, trigger="command")
    assert sync.status == "succeeded", sync.error
    endpoint.refresh_from_db()
    return check(endpoint)


def check(endpoint) -> CheckRun:
    """Run every check on ``endpoint`` over what is stored (no sync)."""
    run = check_run_execute(endpoint=endpoint, trigger="command", actor="test")
    assert run.status == "succeeded", run.error
    return run


def result(run: CheckRun, check_id: str) -> CheckResult:
    """The per-check counts of ``run`` (one endpoint per run in these tests)."""
    return run.results.get(check_id=check_id)


def open_finding(check_id: str, obj) -> Finding | None:
    """The open finding of ``check_id`` on ``obj`` (an inventory object of the check's target)."""
    target = get_check(check_id).target
    return (
        Finding.objects.open()
        .filter(check_id=check_id, object_type=target, object_id=obj.pk)
        .first()
    )


def assert_resolved(*findings: Finding) -> None:
    """Each finding, read again, is resolved (kept as history, no longer open)."""
    for finding in findings:
        finding.refresh_from_db()
        assert finding.resolved_at is not None, f"{finding.check_id} on {finding.object_name}"


def opened_by(endpoint, change: Callable[[], object], check_id: str, obj) -> Finding:
    """Make ``change`` (on the simulator), sync and check: the open *fail* of ``check_id`` on
    ``obj`` that it caused."""
    change()
    sync_and_check(endpoint)
    finding = open_finding(check_id, obj)
    assert finding is not None, f"{check_id} did not open on {obj}"
    assert finding.status == "fail", f"{check_id} on {obj}: {finding.status}"
    return finding


def resolved_by(endpoint, change: Callable[[], object], *findings: Finding) -> None:
    """Make ``change`` (undoing a deviation), sync and check: each finding is resolved."""
    change()
    sync_and_check(endpoint)
    assert_resolved(*findings)
