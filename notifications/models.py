"""Notification events, subscriptions, webhook receivers and the delivery log."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField

from .kinds import Channel, Digest, Kind


class Event(models.Model):
    """One thing worth telling, with its evidence; recorded once (``key``) however often sent."""

    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True)  # e.g. "finding:42": no double notices
    # Where the object lives: a scoped user is told only of objects in the scope.
    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Told whatever they subscribed (a snapshot's owner of its expiry).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300)
    # [[label, value], ...]: the object's full path and platform id, observed and expected
    # value, the time and where the statement came from.
    facts = models.JSONField(default=list)
    link = models.CharField(max_length=500, blank=True)  # path within the portal
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class Receiver(models.Model):
    """A webhook receiver; only security officers and administrators without scopes set one up."""

    class Format(models.TextChoices):
        GENERIC = "generic", _("generic JSON, signed (HMAC-SHA256)")
        TEAMS = "teams", _("Microsoft Teams (Adaptive Card)")
        MATTERMOST = "mattermost", _("Mattermost (incoming webhook)")

    name = models.CharField(max_length=100, unique=True)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.GENERIC)
    # Encrypted: Teams and Mattermost URLs carry their own secret in the path.
    url = EncryptedTextField()
    url_display = models.CharField(max_length=300)  # scheme and host only, for pages
    secret = EncryptedTextField(blank=True)  # the HMAC key of the generic format
    enabled = models.BooleanField(default=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"webhook receiver {self.name} ({self.url_display})"

    @staticmethod
    def display_of(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}/…"


class Subscription(models.Model):
    """Who is told of which kind, how and how often.

    Mail goes to a user (their own subscription) or to every user of a role; a webhook
    subscription names a receiver and has neither user nor role.
    """

    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.MAIL)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_subscriptions",
    )
    role = models.CharField(max_length=32, blank=True)
    receiver = models.ForeignKey(
        Receiver, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    digest = models.CharField(max_length=16, choices=Digest.choices, default=Digest.IMMEDIATE)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                name="notify_subscription_one_target",
                condition=(
                    Q(channel="mail", user__isnull=False, role="", receiver__isnull=True)
                    | Q(channel="mail", user__isnull=True, receiver__isnull=True) & ~Q(role="")
                    | Q(channel="webhook", user__isnull=True, role="", receiver__isnull=False)
                ),
            ),
            models.UniqueConstraint(fields=["kind", "user"], name="notify_subscription_user_kind"),
            models.UniqueConstraint(
                fields=["kind", "role"],
                condition=~Q(role=""),
                name="notify_subscription_role_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "receiver"], name="notify_subscription_receiver_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.receiver_id:
            return f"webhook {self.receiver.name}"
        if self.user_id:
            return self.user.get_username()
        return f"role {self.role}"

    def audit_label(self) -> str:
        return f"notification subscription '{self.get_kind_display()}' for {self.target_label}"


class Delivery(models.Model):
    """One message to one recipient (a user's mail address or a receiver), and how it went.

    A digest delivery has no event: the deliveries it carries point to it (``digest_of``).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for the digest")
        PENDING = "pending", _("pending")
        RETRYING = "retrying", _("retrying")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        IN_DIGEST = "in_digest", _("sent in a digest")

    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(max_length=254, blank=True)  # the mail address used
    receiver = models.ForeignKey(
        Receiver, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    recipient = models.CharField(max_length=200)  # "alice <a@example.org>" / "webhook ops"
    digest = models.CharField(max_length=16, choices=Digest.choices, default=Digest.IMMEDIATE)
    digest_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "digest"])]

    def __str__(self) -> str:
        return f"delivery #{self.pk} to {self.recipient}: {self.status}"
