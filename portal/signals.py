"""Audit events for logins, logouts and failed logins, with where the login came from; each new
audit event kicks the SIEM drain when a SIEM destination is configured."""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .audit import audit
from .models import AuditEvent
from .signin import LDAP, SESSION_SOURCE, SESSION_SSO_FACTOR, failure_of, source_of_backend

log = logging.getLogger("portal.siem")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    source = source_of_backend(getattr(user, "backend", ""))
    detail = {"source": source}
    grant = getattr(user, "portal_grant", None)
    if grant is not None:
        detail["scope_groups"] = list(grant.scope_groups)
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_SOURCE] = source
        if source == LDAP:
            from .sso.middleware import mark_checked

            mark_checked(request)
        factor = getattr(user, "portal_sso_factor", "")
        if factor:
            request.session[SESSION_SSO_FACTOR] = factor
            detail["second_factor_by_provider"] = factor
    audit(action="auth.login", request=request, actor=user, detail=detail)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit(action="auth.logout", request=request, actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the user name is kept: credentials also hold the password.
    failure = failure_of(request) or {"source": "local", "reason": "bad_credentials"}
    audit(
        action="auth.login_failed",
        request=request,
        actor=str(credentials.get("username", ""))[:150],
        result=AuditEvent.Result.FAILURE,
        detail=failure,
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
