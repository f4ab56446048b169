"""End a directory user's session soon after the directory disables or removes them.

Every ``LDAP_RECHECK_SECONDS`` (default 300; 0: every request) a session that came from the
directory asks it (as the service account, one base search) whether the account still exists
and is enabled. Disabled or gone: the session ends at once and the audit trail says why. An
unreachable directory does not end sessions (the next check tries again); logins still need it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portal.models import AuditEvent
from portal.security.middleware import end_session

from ..signin import LDAP, SESSION_SOURCE

SESSION_CHECKED = "portal_directory_checked_at"
REFUSED_MESSAGE = "The directory no longer allows this account."


def mark_checked(request: HttpRequest) -> None:
    request.session[SESSION_CHECKED] = int(time.time())


class DirectoryRecheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.LDAP_ENABLED
            and request.user.is_authenticated
            and request.session.get(SESSION_SOURCE) == LDAP
            and time.time() - request.session.get(SESSION_CHECKED, 0)
            >= settings.LDAP_RECHECK_SECONDS
        ):
            from .ldap import DISABLED, GONE, DirectoryBackend, lock_out

            state = DirectoryBackend().state_of(request.user.get_username())
            if state in (DISABLED, GONE):
                revoked = lock_out(request.user)
                return end_session(
                    request,
                    REFUSED_MESSAGE,
                    action="auth.session_ended_by_directory",
                    result=AuditEvent.Result.DENIED,
                    detail={"source": LDAP, "reason": state, "api_access_revoked": revoked},
                )
            mark_checked(request)  # also when unreachable: one try per interval, not per request
        return self.get_response(request)
