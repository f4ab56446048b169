"""DRF authentication with portal API tokens: ``Authorization: Token <key>``, never in URLs."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from .audit import client_address
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
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
