"""Evidence that lasts: what each run observed on one object, read back from the runs.

A run writes, per endpoint and check, one :class:`~compliance.models.CheckResult` with the ids
of the objects that passed (as ranges) and what it observed on each object that did not. Those
rows are never updated, so the history of an object under a check is a read of that check's
results over the runs: one query, whatever the size of the inventory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models.fields.json import KeyTransform

from ..choices import Status
from ..messages import localized
from ..models import CheckResult, CheckRun, observed_key


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """One run's word on one object under one check."""

    run_id: int
    at: dt.datetime | None
    status: str  # pass, fail, warning, error, or "not judged"
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    args: dict[str, Any] = field(default_factory=dict)  # the message's template and values

    @property
    def message_text(self) -> str:
        return localized(self.message, self.args)


NOT_JUDGED = "not_judged"


def object_history(
    *, check_id: str, endpoint_id: int, object_id: int, limit: int = 50
) -> list[RunOutcome]:
    """The newest ``limit`` runs' outcomes for one object under one check (one query)."""
    rows = (
        CheckResult.objects.filter(
            check_id=check_id,
            endpoint_id=endpoint_id,
            run__status=CheckRun.Status.SUCCEEDED,
        )
        .order_by("-run__finished_at", "-run_id")
        .annotate(seen=KeyTransform(observed_key(object_id), "observed"))
        .values("run_id", "run__finished_at", "passed_ranges", "seen")[:limit]
    )
    history = []
    for row in rows:
        seen = row["seen"]
        if isinstance(seen, dict):
            outcome = RunOutcome(
                row["run_id"],
                row["run__finished_at"],
                seen.get("status", ""),
                seen.get("message", ""),
                seen.get("evidence") or {},
                seen.get("args") or {},
            )
        elif any(first <= object_id <= last for first, last in row["passed_ranges"]):
            outcome = RunOutcome(row["run_id"], row["run__finished_at"], Status.PASS)
        else:
            outcome = RunOutcome(row["run_id"], row["run__finished_at"], NOT_JUDGED)
        history.append(outcome)
    return history
