"""Session authentication for the API that honours the second factor."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .twofactor import second_factor_missing


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (with its CSRF check), refusing sessions that owe 2FA.

    A browser session that logged in with the password but has not yet given its second
    factor (or must still enrol one) gets 403, so the API is no way around the page redirect.
    """

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        if result is None:
            return None
        missing = second_factor_missing(request._request)
        if missing:
            raise exceptions.PermissionDenied(
                "This session has not passed the second factor: "
                + (
                    "verify it at /login/verify/."
                    if missing == "verify"
                    else "enrol at /login/setup/."
                )
            )
        return result


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    """OpenAPI description of the session login (cookie, with the second factor)."""

    target_class = "portal.security.api_auth.VerifiedSessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class TokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI description of ``Authorization: Token <key>`` (portal.auth)."""

    target_class = "portal.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; create keys on the API tokens page. Never in URLs.",
        }
