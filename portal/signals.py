"""Audit events for logins, logouts and failed logins; each new audit event kicks the SIEM
drain when a SIEM destination is configured."""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .audit import audit
from .models import AuditEvent

log = logging.getLogger("portal.siem")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit(action="auth.login", request=request, actor=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit(action="auth.logout", request=request, actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the user name is kept: credentials also hold the password.
    audit(
        action="auth.login_failed",
        request=request,
        actor=str(credentials.get("username", ""))[:150],
        result=AuditEvent.Result.FAILURE,
    )


@receiver(post_save, sender=AuditEvent)
def _kick_siem(sender, instance, created, **kwargs):
    """Start a drain a second after the first event committed in a second (per process): one
    drain covers a burst. Beat drains every 10 seconds anyway."""
    if created and settings.SIEM_SYSLOG_HOST:
        transaction.on_commit(_enqueue_drain)


def _enqueue_drain() -> None:
    if cache.add("portal:siem-kick", 1, timeout=1):
        from .tasks import siem_drain

        try:
            siem_drain.apply_async(countdown=1)
        except Exception as exc:  # kombu raises transport-specific errors; beat drains anyway
            log.warning("SIEM drain not queued (%s); the next scheduled drain sends", exc)
