"""Compliance data: the requirement catalog, check settings, runs, findings, waivers, baselines."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import Catalog, Level, ObjectType, RequirementStatus, Severity, Status


class Requirement(models.Model):
    """One requirement of a catalog (M 4.349 item, named measure, or SYS.1.5.Ax).

    Loaded from ``compliance/catalog/*.json`` by a data migration; never edited in the portal.
    """

    ref = models.CharField(max_length=40, unique=True)  # "M4349.SNAPSHOTS", "SYS.1.5.A3"
    catalog = models.CharField(max_length=16, choices=Catalog.choices, db_index=True)
    title_de = models.CharField(max_length=255)
    title_en = models.CharField(max_length=255)
    level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    text = models.TextField(blank=True)
    note = models.TextField(blank=True)  # e.g. where a title is uncertain
    order = models.PositiveIntegerField(default=0)
    maps_to = models.ManyToManyField("self", symmetrical=False, related_name="mapped_from")

    class Meta:
        ordering = ["catalog", "order"]

    def __str__(self) -> str:
        return f"{self.ref} {self.title_en}"

    def title(self, language: str = "en") -> str:
        return self.title_de if language.startswith("de") else self.title_en


class CheckSetting(models.Model):
    """The parameters a security officer set for one check (defaults live in the registry)."""

    check_id = models.CharField(max_length=16, unique=True)
    parameters = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.check_id


class CheckRun(models.Model):
    """One execution of the checks over one endpoint or all of them."""

    class RunStatus(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    class Trigger(models.TextChoices):
        SYNC = "sync", "after sync"
        SCHEDULE = "schedule", "schedule"
        COMMAND = "command", "management command"
        API = "api", "API"
        WEB = "web", "browser"

    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    requested_by = models.CharField(max_length=150, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"pass": n, "fail": n, ...} over every outcome of the run, plus opened / resolved.
    counts = models.JSONField(default=dict, blank=True)
    # Requirement status counts after the run ({"M4349": {"fulfilled": n, ...}}), for the trend.
    requirement_summary = models.JSONField(default=dict, blank=True)
    # While running: {"what": "checks", "done": 12, "total": 38} (inventory/services/progress.py).
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]

    def __str__(self) -> str:
        return f"check run #{self.pk} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class CheckResult(models.Model):
    """How many objects one check judged per status on one endpoint in one run.

    Passing objects are counted here rather than stored as findings one by one, so a run over
    10,000 VMs writes a handful of rows for the healthy majority (see docs/compliance.md).
    """

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="results")
    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    check_id = models.CharField(max_length=16, db_index=True)
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    not_applicable = models.PositiveIntegerField(default=0)
    not_applicable_reason = models.CharField(max_length=255, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["check_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "endpoint", "check_id"], name="result_key")
        ]

    def __str__(self) -> str:
        return f"{self.check_id} on {self.endpoint_id} in run {self.run_id}"

    @property
    def evaluated(self) -> int:
        return self.passed + self.failed + self.warnings + self.errors


class Waiver(models.Model):
    """A security officer's accepted deviation: one check, one scope, a reason and an expiry.

    Whether it still holds is derived at read time from ``expires_at`` and ``revoked_at``.
    """

    class Scope(models.TextChoices):
        ENDPOINT = "endpoint", "endpoint"
        CLUSTER = "cluster", "cluster"
        OBJECT = "object", "object"

    check_id = models.CharField(max_length=16, db_index=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_type = models.CharField(max_length=16, choices=ObjectType.choices, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_name = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    expires_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    revoke_reason = models.TextField(blank=True)  # required when revoking (page and API)
    # Set by the expiry task once it wrote the audit event (conditional update: once only).
    expiry_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"waiver {self.check_id} {self.scope} until {self.expires_at:%Y-%m-%d}"

    def audit_label(self) -> str:
        """E.g. "waiver of VM-003 for VM web01" or "waiver of NET-003 for cluster prod"."""
        if self.object_name:
            subject = f"{self.get_object_type_display() or self.scope} {self.object_name}"
        elif self.cluster_id:
            subject = f"cluster {self.cluster.name}"
        elif self.endpoint_id:
            subject = f"endpoint {self.endpoint.name}"
        else:
            subject = "every object"
        return f"waiver of {self.check_id} for {subject}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > timezone.now() else "expired"

    def covers(
        self,
        *,
        check_id: str,
        endpoint_id: int,
        cluster_id: int | None,
        object_type: str,
        object_id: int,
    ) -> bool:
        if self.check_id != check_id:
            return False
        if self.scope == self.Scope.ENDPOINT:
            return self.endpoint_id == endpoint_id
        if self.scope == self.Scope.CLUSTER:
            return cluster_id is not None and self.cluster_id == cluster_id
        return self.object_type == object_type and self.object_id == object_id


class FindingQuerySet(models.QuerySet):
    def open(self) -> FindingQuerySet:
        return self.filter(resolved_at__isnull=True)

    def waived(self, now=None) -> FindingQuerySet:
        now = now or timezone.now()
        return self.filter(waiver__revoked_at__isnull=True, waiver__expires_at__gt=now)

    def unwaived(self, now=None) -> FindingQuerySet:
        now = now or timezone.now()
        return self.exclude(waiver__revoked_at__isnull=True, waiver__expires_at__gt=now)


class Finding(models.Model):
    """A deviation one check found on one object, from first to last sight.

    Keyed by (check, object) while open; once resolved the row stays as history and a
    recurrence opens a new row.
    """

    check_id = models.CharField(max_length=16, db_index=True)
    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    object_name = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    message = models.CharField(max_length=500)
    evidence = models.JSONField(default=dict, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_run = models.ForeignKey(CheckRun, null=True, on_delete=models.SET_NULL, related_name="+")
    last_run = models.ForeignKey(CheckRun, null=True, on_delete=models.SET_NULL, related_name="+")
    waiver = models.ForeignKey(
        Waiver, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_id", "object_type", "object_id"],
                condition=Q(resolved_at__isnull=True),
                name="finding_open_key",
            )
        ]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.check_id} {self.object_type} {self.object_name}: {self.status}"

    @property
    def is_waived(self) -> bool:
        return self.waiver_id is not None and self.waiver.is_active

    @property
    def display_status(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        return "waived" if self.is_waived else self.status


class Baseline(models.Model):
    """The configuration of a host or VM that an officer or administrator approved (M 4.93).

    Approving again adds a row and marks the previous one superseded, so the history stays.
    """

    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    object_name = models.CharField(max_length=255)
    config_hash = models.CharField(max_length=64)
    config = models.JSONField(default=dict, blank=True)
    approved_by = models.CharField(max_length=150)
    approved_at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(max_length=500, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"],
                condition=Q(superseded_at__isnull=True),
                name="baseline_current",
            )
        ]

    def __str__(self) -> str:
        return f"baseline {self.object_type} {self.object_name} {self.config_hash[:12]}"


__all__ = [
    "Baseline",
    "CheckResult",
    "CheckRun",
    "CheckSetting",
    "Finding",
    "Requirement",
    "RequirementStatus",
    "Waiver",
]
