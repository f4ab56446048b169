"""Session lifetime and second-factor enforcement for browser sessions.

Both sit after django-otp's ``OTPMiddleware`` (which sets ``request.user.is_verified()``).
API requests authenticated by token carry no session and are left to DRF; API requests that
ride on a session are checked by :class:`portal.security.api_auth.VerifiedSessionAuthentication`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from portal.audit import audit

from .twofactor import second_factor_missing

SESSION_STARTED_KEY = "portal_session_started_at"

# Pages an authenticated user may reach before the second factor: the factor itself, leaving,
# the language switch and the health probe.
_PRE_FACTOR_URL_NAMES = (
    "login",
    "logout",
    "two-factor-verify",
    "two-factor-setup",
    "set_language",
    "healthz",
)


def mark_session_start(request: HttpRequest) -> None:
    """Record when this authenticated session began (for the absolute lifetime)."""
    request.session[SESSION_STARTED_KEY] = int(time.time())


class SessionLifetimeMiddleware:
    """End a session ``SESSION_ABSOLUTE_SECONDS`` after login, however active it was.

    The idle timeout is Django's own (``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``);
    a deactivated user is already anonymous here because ``ModelBackend.get_user`` refuses them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None:
                mark_session_start(request)
            elif time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                return end_session(
                    request,
                    "The session has expired; log in again.",
                    action="auth.session_expired",
                    detail={"max_seconds": settings.SESSION_ABSOLUTE_SECONDS},
                )
        return self.get_response(request)


def end_session(request: HttpRequest, message: str, **audit_fields) -> HttpResponse:
    """Log out now (the server-side session too), audit it, and send the client to log in.

    API requests get 401 with ``message``; pages a redirect to the login page and back.
    """
    user = request.user
    logout(request)  # flushes the server-side session, not only the cookie
    audit(request=request, actor=user, **audit_fields)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"message": message}}, status=401)
    return HttpResponseRedirect(
        f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
    )


class TwoFactorMiddleware:
    """Send a session that still owes its second factor to verification or enrolment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt_paths: frozenset[str] | None = None

    def _is_exempt(self, path: str) -> bool:
        if self._exempt_paths is None:
            self._exempt_paths = frozenset(reverse(name) for name in _PRE_FACTOR_URL_NAMES)
        # The API answers for itself (401/403 from VerifiedSessionAuthentication).
        return path in self._exempt_paths or path.startswith(("/static/", "/api/"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        missing = second_factor_missing(request)
        if missing and not self._is_exempt(request.path):
            target = "two-factor-verify" if missing == "verify" else "two-factor-setup"
            return HttpResponseRedirect(
                f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
