"""DRF authentication with portal API tokens: ``Authorization: Token <key>``, never in URLs."""

from __future__ import annotations

from django.conf import settings
from rest_framework import authentication, exceptions

from .audit import audit, client_address
from .models import AuditEvent
from .tokens import api_token_lookup

_URL_TOKEN_PARAMS = ("token", "access_token", "api_key", "apikey", "key", "auth")


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        if any(name in request.query_params for name in _URL_TOKEN_PARAMS):
            raise exceptions.AuthenticationFailed(
                "Tokens in URLs are refused: send the header 'Authorization: Token <key>'."
            )
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed header: use 'Authorization: Token <key>'."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                "The token contains invalid characters."
            ) from None
        token = api_token_lookup(key, client_address(request._request))
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if settings.LDAP_ENABLED:
            _refuse_if_the_directory_does(request, token.user)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


def _refuse_if_the_directory_does(request, user) -> None:
    """A token of a directory account works only while the directory allows the account (asked
    every ``LDAP_RECHECK_SECONDS``, like sessions); disabled or removed there, it locks out."""
    from .signin import LDAP
    from .sso.ldap import DISABLED, GONE, lock_out, recheck
    from .sso.middleware import REFUSED_MESSAGE

    state = recheck(user)
    if state not in (DISABLED, GONE):
        return
    revoked = lock_out(user)
    audit(
        action="auth.token_refused_by_directory",
        request=request._request,
        actor=user,
        result=AuditEvent.Result.DENIED,
        detail={"source": LDAP, "reason": state, "api_access_revoked": revoked},
    )
    raise exceptions.AuthenticationFailed(REFUSED_MESSAGE)
