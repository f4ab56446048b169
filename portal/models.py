"""Portal-wide models: the append-only audit trail, API tokens and worker heartbeats."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    # bulk_update goes through update(); kept explicit for readers.
    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be changed")


class AuditEvent(models.Model):
    """One state change, login, failed login or denied access. Never edited, never deleted.

    On PostgreSQL a trigger (migration 0002) also refuses UPDATE and DELETE, so not even raw
    SQL from the application user can rewrite history.
    """

    class Result(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        DENIED = "denied", _("denied")

    class Source(models.TextChoices):
        WEB = "web", _("browser")
        API = "api", _("API")
        COMMAND = "command", _("management command")
        TASK = "task", _("background task")
        SCHEDULE = "schedule", _("schedule")

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=150, blank=True, db_index=True)
    actor_role = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.SUCCESS)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor or '-'} {self.action} {self.result}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class ApiToken(models.Model):
    """A token for other tools. Only a keyed hash of the secret is stored; it is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    can_write = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    allowed_networks = models.JSONField(default=list, blank=True)  # CIDR strings; empty = any

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def is_valid(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class DeniedAccessTally(models.Model):
    """Anonymous 401/403 answers of one source address in one minute (portal.denials).

    A counter until its minute is written to the audit trail, then deleted; not part of the trail.
    """

    source_address = models.CharField(max_length=45, blank=True)  # "" when unknown
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    last_path = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_address", "minute"], name="deniedaccesstally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_address or '-'} {self.minute:%H:%M} x{self.count}"


class Heartbeat(models.Model):
    """Last sign of life of a worker or of beat, for the status page."""

    kind = models.CharField(max_length=16)  # worker, beat
    name = models.CharField(max_length=200)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="heartbeat_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.seen_at:%H:%M:%S}"


def new_request_id() -> str:
    return uuid.uuid4().hex


# Kept in its own module; imported here so it is a model of the portal app.
from .security.models import (  # noqa: E402, F401
    DirectoryAccount,
    EncryptedTotpDevice,
    ObjectScope,
    RecoveryCodes,
)


class TaskOutcome(models.Model):
    """The last outcome of each periodic task beat sends, for the status page.

    Written by the worker (``portal.tasks``) after each run of a task that carries beat's
    ``periodic_task_name`` header: a schedule that fails every minute is visible on
    ``/status/`` instead of only in the worker's log.
    """

    name = models.CharField(max_length=200, unique=True)  # the PeriodicTask's name
    task = models.CharField(max_length=200)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    ran_at = models.DateTimeField(default=timezone.now)
    failing_since = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)  # in a row

    def __str__(self) -> str:
        return f"{self.name} {'ok' if self.ok else 'failing'}"


class SiemCursor(models.Model):
    """How far the audit trail has reached one SIEM destination (``portal.siem``).

    The trail is append-only and ordered by id, so it is its own queue: ``last_event_id`` is
    the last event the receiver confirmed; everything after it is still to send.
    """

    destination = models.CharField(max_length=200, unique=True)  # tls://host:port, udp://...
    last_event_id = models.BigIntegerField(default=0)
    # Ids given up on after waiting for them ([id, when]); sent late should they still appear.
    gaps = models.JSONField(default=list, blank=True)
    # The one sender at a time: a lease taken and renewed by conditional update.
    lease_owner = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.destination} at event {self.last_event_id}"
