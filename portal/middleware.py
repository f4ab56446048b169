"""Request id, security headers and the audit of denied access."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponseNotAllowed

from .denials import denied_access_audit, denied_access_count
from .logcontext import current_request_id
from .models import new_request_id

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequestIdMiddleware:
    """Take a sane ``X-Request-ID`` from the client or make one; echo it in the answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else new_request_id()
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def content_security_policy() -> str:
    """The CSP; forms may also lead to the single sign-on provider (the logout there)."""
    extra = getattr(settings, "CSP_FORM_ACTION_ORIGINS", ())
    if not extra:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", " ".join(["form-action 'self'", *extra])
    )


class SecurityHeadersMiddleware:
    """CSP without inline script, and no caching of anything a logged-in user sees."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy())
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class DeniedAccessAuditMiddleware:
    """Every answer of 401 or 403 is a denied access and is audited.

    Anonymous ones are counted per source address and minute (portal.denials), so that a
    client cannot flood the trail; the count reaches the trail, one row per minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                denied_access_count(request=request, status=response.status_code)
                return response
            denied_access_audit(request, request.path[:255], status=response.status_code)
        return response


class BrowserMethodsMiddleware:
    """Pages take GET, HEAD and POST only; other methods get 405 before any view runs.

    Function views that do not check the method would otherwise answer PUT or DELETE like GET.
    The API (``/api/``) states its methods per route itself.
    """

    ALLOWED = frozenset({"GET", "HEAD", "POST", "OPTIONS"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.ALLOWED and not request.path.startswith("/api/"):
            return HttpResponseNotAllowed(sorted(self.ALLOWED - {"OPTIONS"}))
        return self.get_response(request)
