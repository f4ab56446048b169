"""Where a login came from, and why one failed: read by the audit signals and the login page.

Backends note a failure on the request (``note_failure``); django's ``user_login_failed`` signal
(portal.signals) then writes one audit event with the source and the reason, never a secret.
"""

from __future__ import annotations

from django.http import HttpRequest

LOCAL, LDAP, OIDC = "local", "ldap", "oidc"
SESSION_SOURCE = "portal_login_source"
SESSION_SSO_FACTOR = "portal_sso_second_factor"  # what the provider asserted (acr/amr), if any
_FAILURE_ATTR = "portal_login_failure"
# Reasons that are not the user's fault: the login page says the directory is the problem.
DIRECTORY_PROBLEMS = frozenset(
    {"directory_unreachable", "directory_tls_failed", "directory_error", "service_account_rejected"}
)

# The backends' dotted paths -> the source the audit trail names.
_BACKEND_SOURCES = {
    "portal.sso.ldap.DirectoryBackend": LDAP,
    "portal.sso.oidc.SingleSignOnBackend": OIDC,
}


def source_of_backend(backend_path: str) -> str:
    return _BACKEND_SOURCES.get(backend_path or "", LOCAL)


def note_failure(request: HttpRequest | None, source: str, reason: str, **detail: str) -> None:
    """Remember why ``source`` refused this login (the first reason noted wins)."""
    if request is not None and not hasattr(request, _FAILURE_ATTR):
        setattr(request, _FAILURE_ATTR, {"source": source, "reason": reason, **detail})


def failure_of(request: HttpRequest | None) -> dict[str, str]:
    return dict(getattr(request, _FAILURE_ATTR, None) or {})
