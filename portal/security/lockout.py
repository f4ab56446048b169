"""django-axes hooks: the client address it counts, and the audited lockout answer."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.audit import audit, client_address
from portal.models import AuditEvent


def client_ip(request: HttpRequest) -> str:
    """The address lockouts count: REMOTE_ADDR, the same one the audit trail records.

    Behind a reverse proxy the proxy must set REMOTE_ADDR (e.g. gunicorn's forwarded-allow-ips);
    trusting a client-supplied X-Forwarded-For here would let an attacker pick their address.
    """
    return client_address(request) or "0.0.0.0"  # noqa: S104 - a key, not a bind address


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """Answer a locked-out attempt with 429 and write ``auth.lockout`` to the audit trail."""
    username = str((credentials or {}).get("username", ""))[:150]
    audit(
        action="auth.lockout",
        request=request,
        actor=username,
        result=AuditEvent.Result.DENIED,
        target_type="user",
        target_id=username[:64],
        target_repr=username,
        detail={
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
    # Rendered here: axes calls this from its middleware, after response rendering.
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=429,
    )
