"""OpenID Connect single sign-on: mozilla-django-oidc with the portal's rules around it.

- Authorisation code flow with PKCE (S256) and a nonce; the client secret is sent to the token
  endpoint only.
- The provider's endpoints and keys come from its discovery document (``OIDC_DISCOVERY_URL``),
  fetched over verified TLS (``OIDC_CA_FILE`` or the system's CAs) and kept for an hour; the ID
  token must be RS256-signed by a key of its ``jwks_uri``, name this client as audience and the
  discovery document's issuer, and not be expired.
- The user name comes from ``OIDC_USERNAME_CLAIM``; a local (break-glass) account of that name is
  never taken over. Groups (``OIDC_GROUPS_CLAIM``) give the role and scopes
  (:mod:`portal.sso.grants`); no role, no login.
- ``acr``/``amr`` in the ID token say whether the provider enforced a second factor
  (``OIDC_MFA_ACR``, ``OIDC_MFA_AMR``): then the portal's own TOTP step is skipped, otherwise
  administrators and officers still pass it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from ..signin import OIDC, note_failure
from . import grants

log = logging.getLogger("portal.sso.oidc")

DISCOVERY_MAX_AGE = 3600
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


class ProviderError(Exception):
    """The provider cannot be used (unreachable, or its discovery document is unusable)."""


def discovery() -> dict[str, Any]:
    """The provider's discovery document (checked), cached for ``DISCOVERY_MAX_AGE`` seconds."""
    url = settings.OIDC_DISCOVERY_URL
    with _cache_lock:
        cached = _cache.get(url)
        if cached and time.monotonic() - cached[0] < DISCOVERY_MAX_AGE:
            return cached[1]
    try:
        response = requests.get(url, verify=settings.OIDC_VERIFY_SSL, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError(f"discovery document unavailable: {type(exc).__name__}") from None
    missing = [key for key in (*_ENDPOINTS.values(), "issuer") if not document.get(key)]
    if missing:
        raise ProviderError(f"discovery document lacks {', '.join(missing)}")
    insecure = [
        key for key in _ENDPOINTS.values() if urlsplit(str(document[key])).scheme != "https"
    ]
    if insecure:
        raise ProviderError(f"discovery document names plain-http endpoints: {', '.join(insecure)}")
    algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    if "RS256" not in algorithms:
        raise ProviderError("the provider does not sign ID tokens with RS256")
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise ProviderError("the provider does not support PKCE with S256")
    with _cache_lock:
        _cache[url] = (time.monotonic(), document)
    return document


def provider_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, with the endpoints read from the discovery document."""
    if attr in _ENDPOINTS:
        return discovery()[_ENDPOINTS[attr]]
    return import_from_settings(attr, *default)


def asserted_second_factor(id_token: dict[str, Any]) -> str:
    """What in the ID token says the provider enforced a second factor ("" for nothing)."""
    acr = str(id_token.get("acr") or "")
    if acr and acr in settings.OIDC_MFA_ACR:
        return f"acr={acr}"
    amr = id_token.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    hits = [str(m) for m in amr if str(m) in settings.OIDC_MFA_AMR]
    return f"amr={','.join(hits)}" if hits else ""


def _memberships(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


class _Refused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class SingleSignOnBackend(OIDCAuthenticationBackend):
    """Only answers the callback of the code flow; any other ``authenticate`` call is not its."""

    get_settings = staticmethod(provider_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django makes every backend for every login, local ones too: no discovery here, so a
        # provider that is down never breaks a password login.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs:
            return None
        try:
            super().__init__()  # reads the endpoints: discovery happens here
            return super().authenticate(request, **kwargs)
        except ProviderError as exc:
            note_failure(request, OIDC, "provider_unusable", detail=str(exc))
        except requests.RequestException as exc:
            note_failure(request, OIDC, "provider_unreachable", detail=type(exc).__name__)
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            note_failure(request, OIDC, "token_invalid", detail=str(exc)[:200])
        except _Refused as refused:
            note_failure(request, OIDC, refused.reason, detail=refused.detail)
        return None

    def _verify_jws(self, payload, key):
        """RS256 only, audience this client, issuer the discovery document's, not expired."""
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=["RS256"],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=discovery()["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from None

    def get_or_create_user(self, access_token, id_token, payload):
        user_info = self.get_userinfo(access_token, id_token, payload)
        if str(user_info.get("sub")) != str(payload.get("sub")):
            raise _Refused("token_invalid", "userinfo names another subject than the ID token")
        claims = {**user_info, **payload}  # the signed ID token wins
        username = str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip()[:150]
        if not username:
            raise _Refused("no_username", f"claim {settings.OIDC_USERNAME_CLAIM!r} is missing")
        self.request.portal_sso_username = username
        user = self.UserModel._default_manager.filter(username__iexact=username).first()
        if user is not None and user.has_usable_password():
            raise _Refused("local_account", "a local account has this name")
        try:
            grant = grants.resolve(
                settings.OIDC_GRANTS, _memberships(claims.get(settings.OIDC_GROUPS_CLAIM))
            )
        except grants.GrantRefused as refused:
            if user is not None:
                grants.revoke(user)
            raise _Refused(refused.reason, refused.detail) from None
        if user is None:
            user = self.UserModel(username=username)
            user.set_unusable_password()
        user.email = str(claims.get("email") or "")[:254]
        user.first_name = str(claims.get("given_name") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.save()
        grants.apply(user, grant)
        user.portal_grant = grant
        user.portal_sso_factor = asserted_second_factor(payload)
        return user


def provider_logout_url(request, id_token: str | None) -> str:
    """The provider's end_session_endpoint with the ID token hint, or "" when it has none."""
    try:
        endpoint = discovery().get("end_session_endpoint")
    except ProviderError as exc:
        log.warning("no logout at the provider: %s", exc)
        return ""
    if not endpoint:
        return ""
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"
