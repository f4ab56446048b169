"""Snapshot operations, scheduled snapshot policies and their runs (issue 5).

An :class:`Operation` is written in the request's transaction and carried out by a Celery task
(``operations.tasks``) that receives only its id. The database, not the code, keeps
at most one queued or running operation per VM (a partial unique constraint).

The models came from the inventory app (issue 13) and keep its table names (``db_table``), so
no data moved, and its audit target types (``audit_type``), so the stored audit trail still
names them ``inventory.operation`` etc.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.runs import ACTIVE_STATES, RunBase, RunQuerySet, RunStatus


class OperationQuerySet(RunQuerySet):
    status_field = "state"


def new_nonce() -> str:
    """128 random bits: what identifies an operation's snapshot, unknown before its submit."""
    return secrets.token_hex(16)


class Operation(models.Model):
    audit_type = "inventory.operation"  # the name stored audit events carry

    class Kind(models.TextChoices):
        CREATE = "create", _("create snapshot")
        DELETE = "delete", _("delete snapshot")
        REVERT = "revert", _("revert to snapshot")

    # The status values of every run (an operation's column keeps its name, ``state``).
    State = RunStatus

    kind = models.CharField(max_length=8, choices=Kind.choices)
    vm = models.ForeignKey(
        "inventory.VirtualMachine", on_delete=models.CASCADE, related_name="operations"
    )
    # The snapshot acted on (delete, revert) or made (create, set when it succeeds).
    snapshot = models.ForeignKey(
        "inventory.Snapshot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operations",
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    remote_ref = models.CharField(max_length=255, blank=True)  # vCenter task moref / PVE UPID
    error = models.TextField(blank=True)
    # name, description, memory, quiesce, reason, expires_at (ISO): never a secret.
    params = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150, blank=True)  # also "expiry", "policy"
    idempotency_key = models.CharField(max_length=200, blank=True)
    # The API's first answer (202 body) to a request with an Idempotency-Key: a replay of the
    # request answers exactly this, not the operation's present state.
    first_answer = models.JSONField(null=True, blank=True, editable=False)
    policy = models.ForeignKey(
        "operations.SnapshotPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operations",
    )
    policy_run = models.ForeignKey(
        "operations.PolicyRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operations",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last time a task looked at the operation; the reconciler picks up stale ones.
    touched_at = models.DateTimeField(default=timezone.now)
    # A task holds the operation until this time (conditional-update claim); a crashed
    # worker's claim simply runs out.
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Written into the platform's snapshot (vCenter: its description) at submit; nobody can
    # plant a snapshot that carries it beforehand, unlike the operation's sequential id.
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)

    objects = OperationQuerySet.as_manager()

    class Meta:
        db_table = "inventory_operation"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vm"],
                condition=Q(state__in=ACTIVE_STATES),
                name="operation_one_active_per_vm",
                violation_error_message="another operation on this VM is still queued or running",
            ),
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="operation_idempotency_key_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} on {self.vm_id} ({self.state})"

    def audit_label(self) -> str:
        """E.g. "create snapshot 'before-patch' on VM web01 (vm-42) at vc1"."""
        name = self.snapshot.name if self.snapshot_id else self.params.get("name", "")
        vm = self.vm
        return (
            f"{self.get_kind_display()} '{name}' on VM {vm.name} ({vm.external_id}) "
            f"at {vm.endpoint.name}"
        )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def marker(self) -> str:
        """Handed to the connector with a create, so a retry after a crash can find its work."""
        return f"[portal-op:{self.nonce}]"


class SnapshotPolicy(models.Model):
    """Scheduled snapshots in the manner of cv4pve-autosnap: take, keep the last N, prune by age.

    The selector is the union of endpoints, clusters, named VMs and a tag. A policy only ever
    prunes snapshots it made itself (its operations, and the ``auto-<label>-`` name prefix).
    """

    audit_type = "inventory.snapshotpolicy"  # the name stored audit events carry

    class RunState(models.TextChoices):
        NEVER = "", _("never run")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        PARTIAL = "partial", _("partly skipped")
        FAILED = "failed", _("failed")

    label = models.CharField(max_length=12, unique=True)
    enabled = models.BooleanField(default=True)
    endpoints = models.ManyToManyField("inventory.Endpoint", blank=True, related_name="+")
    clusters = models.ManyToManyField("inventory.Cluster", blank=True, related_name="+")
    vms = models.ManyToManyField("inventory.VirtualMachine", blank=True, related_name="+")
    tag = models.CharField(max_length=100, blank=True)
    crontab = models.ForeignKey(
        "django_celery_beat.CrontabSchedule", on_delete=models.PROTECT, related_name="+"
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    keep_last = models.PositiveIntegerField(default=3)
    max_age_hours = models.PositiveIntegerField(null=True, blank=True)
    min_free_percent = models.PositiveIntegerField(default=10)
    memory = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_state = models.CharField(
        max_length=16, choices=RunState.choices, default=RunState.NEVER, blank=True
    )
    last_run_reason = models.TextField(blank=True)

    class Meta:
        db_table = "inventory_snapshotpolicy"
        ordering = ["label"]
        verbose_name_plural = "snapshot policies"

    def __str__(self) -> str:
        return self.label

    def audit_label(self) -> str:
        return f"snapshot policy '{self.label}'"

    @property
    def name_prefix(self) -> str:
        return f"auto-{self.label}-"


class PolicyRun(RunBase):
    """One run of a policy: it queues snapshots (``queued`` of them) and skips VMs without room.

    A run that ended with skipped VMs succeeded (every snapshot it queued was taken); its
    ``outcome`` and its policy's ``last_run_state`` say "partial". ``error`` holds why it failed
    or, for a partial run, why VMs were skipped.
    """

    audit_type = "inventory.policyrun"  # the name stored audit events carry

    policy = models.ForeignKey(SnapshotPolicy, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=16, default="schedule")
    requested_by = models.CharField(max_length=150, blank=True)  # "" for the schedule
    queued = models.PositiveIntegerField(default=0)
    # [{"vm": id, "name": str, "reason": str}] for VMs the run did not snapshot.
    skipped = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "inventory_policyrun"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"policy {self.policy_id} run #{self.pk} {self.status}"

    def audit_label(self) -> str:
        return f"run #{self.pk} of snapshot policy '{self.policy.label}'"

    @property
    def outcome(self) -> str:
        """The status, or "partial" for a run that succeeded with skipped VMs (the API's
        ``state``, the policy's ``last_run_state``)."""
        if self.status == RunStatus.SUCCEEDED and self.skipped:
            return SnapshotPolicy.RunState.PARTIAL
        return self.status


class ExpiryNotice(models.Model):
    """The notice given once for a portal snapshot that expires (or expired)."""

    audit_type = "inventory.expirynotice"  # the name stored audit events carry

    snapshot = models.OneToOneField(
        "inventory.Snapshot", on_delete=models.CASCADE, related_name="expiry_notice"
    )
    noticed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    mailed = models.BooleanField(default=False)

    class Meta:
        db_table = "inventory_expirynotice"

    def __str__(self) -> str:
        return f"expiry notice for snapshot {self.snapshot_id}"


class OperationStep(models.Model):
    """One line of an operation's log: what the portal did, sent and heard back, and when.

    Written by the runner (``operations.services.operation_runner``) as it goes; the operation's
    page shows the lines as a live log. ``sent`` says what was asked of the platform in plain
    words (never a secret: the runner writes the call and its arguments, not the session),
    ``remote_ref`` the platform's task id, ``message`` what the platform answered.
    """

    class Step(models.TextChoices):
        QUEUED = "queued", _("queued")
        STARTED = "started", _("started")
        SUBMITTED = "submitted", _("submitted to the platform")
        POLLED = "polled", _("platform task state")
        LOOKED_FOR = "looked_for", _("looked for an earlier submit")
        RETRY = "retry", _("will retry")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(default=timezone.now)
    step = models.CharField(max_length=16, choices=Step.choices)
    sent = models.CharField(max_length=500, blank=True)
    remote_ref = models.CharField(max_length=255, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        db_table = "operations_operationstep"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["operation", "at"], name="operationstep_op_at")]

    def __str__(self) -> str:
        return f"operation {self.operation_id} {self.step} {self.at:%H:%M:%S}"
