"""What every recorded run has in common: sync runs, check runs and policy runs.

A run is queued, then running, then succeeded or failed; it records when each happened, what
it is doing while it runs (``progress``, see ``inventory/services/progress.py``) and why it
failed. :class:`RunStatus` is the one set of status values; :data:`ACTIVE_STATES` the ones of
a run that has not ended (also used by snapshot operations, which share the status values).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


# Not ended yet: queued or running.
ACTIVE_STATES = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)

# So that a status reads without colour (run lists, the dashboard).
RUN_SYMBOLS = {
    RunStatus.QUEUED: "…",
    RunStatus.RUNNING: "…",
    RunStatus.SUCCEEDED: "✔",
    RunStatus.FAILED: "✖",
}
# The badge class of a status: ok, bad or na (not ended).
RUN_TONES = {RunStatus.SUCCEEDED: "ok", RunStatus.FAILED: "bad"}


class RunQuerySet(models.QuerySet):
    """Queries every run model (and operations) shares; ``status_field`` names the column."""

    status_field = "status"

    def active(self) -> RunQuerySet:
        """Queued or running: not ended yet."""
        return self.filter(**{f"{self.status_field}__in": ACTIVE_STATES})

    def running(self) -> RunQuerySet:
        return self.filter(**{self.status_field: RunStatus.RUNNING})


class RunBase(models.Model):
    """Status, timing, progress and error of one run; :meth:`finish` and :meth:`fail` end it."""

    Status = RunStatus

    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # While running: {"what": "VMs", "done": 1200, "total": null} (inventory/services/progress.py).
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def symbol(self) -> str:
        return RUN_SYMBOLS.get(self.status, "")

    @property
    def tone(self) -> str:
        return RUN_TONES.get(self.status, "na")

    def start(self, now: dt.datetime | None = None, **fields: Any) -> None:
        """Mark the run running from ``now`` and save those fields."""
        self.status, self.started_at = RunStatus.RUNNING, now or timezone.now()
        self._save_ended(["status", "started_at"], fields)

    def finish(self, now: dt.datetime | None = None, **fields: Any) -> None:
        """Mark the run succeeded at ``now`` (progress cleared) and save, with ``fields``."""
        self._end(RunStatus.SUCCEEDED, "", now, fields)

    def fail(self, error: str, now: dt.datetime | None = None, **fields: Any) -> None:
        """Mark the run failed at ``now`` with ``error`` (progress cleared) and save."""
        self._end(RunStatus.FAILED, error, now, fields)

    def _end(self, status: str, error: str, now: dt.datetime | None, fields: dict) -> None:
        self.status, self.error = status, error
        self.finished_at, self.progress = now or timezone.now(), {}
        self._save_ended(["status", "error", "finished_at", "progress"], fields)

    def _save_ended(self, names: list[str], fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=[*names, *fields])
