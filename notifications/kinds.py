"""What people can be notified of, and how often."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FINDING_HIGH = "finding_high", _("new high-severity finding")
    REQUIREMENT_NOT_FULFILLED = "requirement_not_fulfilled", _("requirement became not fulfilled")
    SNAPSHOT_EXPIRING = "snapshot_expiring", _("snapshot about to expire")
    OPERATION_FAILED = "operation_failed", _("failed operation")
    SYNC_FAILING = "sync_failing", _("endpoint sync keeps failing")


class Digest(models.TextChoices):
    IMMEDIATE = "immediate", _("at once")
    HOURLY = "hourly", _("hourly digest")
    DAILY = "daily", _("daily digest")


class Channel(models.TextChoices):
    MAIL = "mail", _("mail")
    WEBHOOK = "webhook", _("webhook")
