"""The single sign-on routes (start, callback) and the logout that also ends the provider's
session. The SSO routes answer 404 while OIDC is not configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from portal.access import PUBLIC
from portal.audit import audit
from portal.models import AuditEvent
from portal.security.middleware import mark_session_start

from ..signin import OIDC, SESSION_SOURCE
from . import oidc

FAILED_URL = "login"


def _failed(request: HttpRequest, reason: str, detail: str = "") -> HttpResponse:
    audit(
        action="auth.login_failed",
        request=request,
        actor="",
        result=AuditEvent.Result.FAILURE,
        detail={"source": OIDC, "reason": reason, **({"detail": detail} if detail else {})},
    )
    return HttpResponseRedirect(f"{reverse(FAILED_URL)}?sso=failed")


class SingleSignOnStart(OIDCAuthenticationRequestView):
    """Send the browser to the provider (state, nonce and PKCE challenge kept in the session)."""

    portal_access = PUBLIC
    get_settings = staticmethod(oidc.provider_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)  # no discovery yet

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except oidc.ProviderError as exc:
            return _failed(request, "provider_unusable", str(exc))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SingleSignOnCallback(OIDCAuthenticationCallbackView):
    """The provider's answer: code -> tokens -> user (portal.sso.oidc.SingleSignOnBackend)."""

    portal_access = PUBLIC
    get_settings = staticmethod(oidc.provider_setting)

    @property
    def failure_url(self) -> str:
        return f"{reverse(FAILED_URL)}?sso=failed"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        if request.GET.get("error"):
            return _failed(request, "provider_error", request.GET["error"][:64])
        state = request.GET.get("state")
        if not request.GET.get("code") or not state:
            return _failed(request, "incomplete_callback")
        if state not in request.session.get("oidc_states", {}):
            return _failed(request, "state_mismatch")
        return super().get(request)  # failed logins are audited by user_login_failed

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        mark_session_start(self.request)
        return response


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a single sign-on session, then also at the provider."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from_sso = request.session.get(SESSION_SOURCE) == OIDC
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        if from_sso and settings.OIDC_ENABLED:
            url = oidc.provider_logout_url(request, id_token)
            if url:
                return HttpResponseRedirect(url)
        return response
