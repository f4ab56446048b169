"""Claims of the test users: names, groups, and the provider's ``acr``/``amr``."""

import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


def users() -> dict:
    with open(os.environ["PEER_USERS"], encoding="utf-8") as handle:
        return json.load(handle)


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes into the ID token and the userinfo answer

    def get_additional_claims(self, request):
        spec = users().get(request.user.username, {})
        claims = {
            "preferred_username": request.user.username,
            "email": f"{request.user.username}@idp.example.org",
            "given_name": spec.get("given_name", request.user.username.title()),
            "groups": spec.get("groups", []),
            "amr": spec.get("amr", ["pwd"]),
        }
        if spec.get("acr"):
            claims["acr"] = spec["acr"]
        return claims
