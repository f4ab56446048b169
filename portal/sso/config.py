"""The ``LDAP_*`` and ``OIDC_*`` settings, read from the environment and checked at start.

Both integrations are off unless their address is set (``LDAP_SERVER_URI``,
``OIDC_DISCOVERY_URL``). Once on, a bad or missing value stops the start with one line naming the
variable (:class:`portal.env.ConfigError`), like every other setting. Every variable is listed
with its meaning in ``.env.example``; docs/integration.md has worked examples.

Secrets (the service account's password, the client secret) come from files, never from the
environment itself, so they do not show in ``ps e`` or a container's inspect output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portal.env import ConfigError, env_bool, env_choice, env_int, env_list, env_str

# Active Directory: the ACCOUNTDISABLE bit (2) of userAccountControl, by the bitwise-AND rule.
AD_DISABLED_FILTER = "(userAccountControl:1.2.840.113556.1.4.803:=2)"
# RFC 8176 authentication method references that mean more than one factor.
DEFAULT_MFA_AMR = ["mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina"]
# portal.roles.ROLES, strongest first, and their variables' suffix. Spelled out here because
# settings cannot import portal.roles (it needs the app registry); a test keeps the two equal.
ROLE_VARIABLES = {
    "administrator": "ADMINISTRATOR",
    "security_officer": "SECURITY_OFFICER",
    "auditor": "AUDITOR",
}


@dataclass(frozen=True)
class ScopeGrant:
    """Members of ``group`` are limited to one endpoint, or one cluster of an endpoint."""

    group: str
    endpoint: str
    cluster: str = ""  # empty: the whole endpoint


@dataclass(frozen=True)
class GrantMap:
    """Directory groups (DNs) or claim values -> the portal role and object scopes."""

    roles: tuple[tuple[str, str], ...] = ()  # (role, group) in ROLES order: the strongest first
    scopes: tuple[ScopeGrant, ...] = field(default_factory=tuple)

    @property
    def configured(self) -> bool:
        return bool(self.roles)


def _file_secret(name: str) -> str:
    """The first line of the file named by variable ``name`` (the secret never sits in env)."""
    path = env_str(name)
    if not path:
        raise ConfigError(f"{name} is not set: name a file that holds the secret (mode 0600)")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{name}={path!r} cannot be read ({exc.strerror})") from None
    secret = text.splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise ConfigError(f"{name}={path!r} is empty")
    return secret


def _ca_file(name: str, *, required: bool) -> str:
    path = env_str(name)
    if not path:
        if required:
            raise ConfigError(
                f"{name} is not set: name the PEM file of the CA that signed the server's "
                "certificate (connections are always verified)"
            )
        return ""
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise ConfigError(f"{name}={path!r} is not a readable file")
    with open(path, encoding="ascii", errors="replace") as handle:
        if "-----BEGIN CERTIFICATE-----" not in handle.read():
            raise ConfigError(f"{name}={path!r} holds no PEM certificate")
    return path


def _scope_grants(name: str) -> tuple[ScopeGrant, ...]:
    """``GROUP => endpoint:NAME`` or ``GROUP => cluster:ENDPOINT/CLUSTER``, separated by ``;``.

    Semicolons, because group DNs contain commas.
    """
    grants = []
    for entry in (part.strip() for part in env_str(name).split(";")):
        if not entry:
            continue
        group, arrow, target = (s.strip() for s in entry.partition("=>"))
        kind, colon, rest = (s.strip() for s in target.partition(":"))
        if not arrow or not group or not colon or not rest or kind not in {"endpoint", "cluster"}:
            raise ConfigError(
                f"{name} entry {entry!r} must look like 'GROUP => endpoint:NAME' or "
                "'GROUP => cluster:ENDPOINT/CLUSTER'"
            )
        if kind == "endpoint":
            grants.append(ScopeGrant(group=group, endpoint=rest))
            continue
        endpoint, slash, cluster = (s.strip() for s in rest.partition("/"))
        if not slash or not endpoint or not cluster:
            raise ConfigError(f"{name} entry {entry!r}: a cluster is named ENDPOINT/CLUSTER")
        grants.append(ScopeGrant(group=group, endpoint=endpoint, cluster=cluster))
    return tuple(grants)


def _grant_map(prefix: str) -> GrantMap:
    roles = tuple(
        (role, group)
        for role, suffix in ROLE_VARIABLES.items()
        if (group := env_str(f"{prefix}_GROUP_{suffix}"))
    )
    if not roles:
        raise ConfigError(
            f"{prefix}_GROUP_ADMINISTRATOR, {prefix}_GROUP_SECURITY_OFFICER and "
            f"{prefix}_GROUP_AUDITOR are all empty: name at least one group, or nobody could log in"
        )
    return GrantMap(roles=roles, scopes=_scope_grants(f"{prefix}_SCOPE_GROUPS"))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def ldap_settings() -> dict[str, Any]:
    """Django settings for django-auth-ldap and the portal's directory backend ({} when off)."""
    uri = env_str("LDAP_SERVER_URI")
    if not uri:
        return {"LDAP_ENABLED": False}
    import ldap
    from django_auth_ldap.config import (
        LDAPSearch,
        NestedActiveDirectoryGroupType,
        NestedGroupOfNamesType,
    )

    schemes = {urlsplit(u).scheme for u in uri.split()}
    start_tls = env_bool("LDAP_START_TLS", False)
    if schemes - {"ldap", "ldaps"}:
        raise ConfigError(f"LDAP_SERVER_URI={uri!r} must start with ldaps:// or ldap://")
    if "ldap" in schemes and not start_tls:
        raise ConfigError(
            f"LDAP_SERVER_URI={uri!r} is plain ldap:// without LDAP_START_TLS=true: passwords "
            "would cross the network in clear. Use ldaps:// or set LDAP_START_TLS=true"
        )
    ca_file = _ca_file("LDAP_CA_FILE", required=True)
    timeout = env_int("LDAP_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
    bind_dn = env_str("LDAP_BIND_DN")
    if not bind_dn:
        raise ConfigError("LDAP_BIND_DN is not set: the service account that searches for users")
    user_base = env_str("LDAP_USER_SEARCH_BASE")
    group_base = env_str("LDAP_GROUP_SEARCH_BASE", user_base)
    if not user_base:
        raise ConfigError("LDAP_USER_SEARCH_BASE is not set, e.g. ou=People,dc=example,dc=org")
    user_filter = env_str("LDAP_USER_FILTER", "(sAMAccountName=%(user)s)")
    if "%(user)s" not in user_filter:
        raise ConfigError(f"LDAP_USER_FILTER={user_filter!r} must contain %(user)s")
    group_type = env_choice(
        "LDAP_GROUP_TYPE", "active_directory", {"active_directory", "groupofnames"}
    )
    grants = _grant_map("LDAP")
    return {
        "LDAP_ENABLED": True,
        "LDAP_GRANTS": grants,
        "LDAP_DISABLED_FILTER": env_str("LDAP_DISABLED_FILTER", AD_DISABLED_FILTER),
        "LDAP_RECHECK_SECONDS": env_int("LDAP_RECHECK_SECONDS", 300, minimum=0, maximum=86400),
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            # Verify always: the CA file, a hard demand for a valid certificate, and a new TLS
            # context so the options apply to this connection (python-ldap needs the last one).
            ldap.OPT_X_TLS_CACERTFILE: ca_file,
            ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
            ldap.OPT_X_TLS_NEWCTX: 0,
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
            ldap.OPT_REFERRALS: 0,  # AD answers with referrals python-ldap would chase unbound
        },
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": _file_secret("LDAP_BIND_PASSWORD_FILE"),
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(user_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(group_base, ldap.SCOPE_SUBTREE),
        "AUTH_LDAP_GROUP_TYPE": (
            NestedActiveDirectoryGroupType()
            if group_type == "active_directory"
            else NestedGroupOfNamesType()
        ),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_FIND_GROUP_PERMS": False,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,  # membership is read at every login: removal counts at once
    }


def oidc_settings() -> dict[str, Any]:
    """Django settings for mozilla-django-oidc and the portal's OIDC backend ({} when off)."""
    discovery = env_str("OIDC_DISCOVERY_URL")
    if not discovery:
        return {"OIDC_ENABLED": False}
    if urlsplit(discovery).scheme != "https":
        raise ConfigError(
            f"OIDC_DISCOVERY_URL={discovery!r} must start with https:// (tokens and keys are "
            "only fetched over verified TLS)"
        )
    if not discovery.rstrip("/").endswith("/.well-known/openid-configuration"):
        discovery = discovery.rstrip("/") + "/.well-known/openid-configuration"
    client_id = env_str("OIDC_CLIENT_ID")
    if not client_id:
        raise ConfigError("OIDC_CLIENT_ID is not set: the client id registered at the provider")
    ca_file = _ca_file("OIDC_CA_FILE", required=False)
    scopes = env_list("OIDC_SCOPES", ["openid", "email", "profile"])
    if "openid" not in scopes:
        raise ConfigError(f"OIDC_SCOPES={','.join(scopes)!r} must include openid")
    return {
        "OIDC_ENABLED": True,
        "OIDC_PROVIDER_NAME": env_str("OIDC_PROVIDER_NAME", "single sign-on"),
        "OIDC_DISCOVERY_URL": discovery,
        "OIDC_GRANTS": _grant_map("OIDC"),
        "OIDC_USERNAME_CLAIM": env_str("OIDC_USERNAME_CLAIM", "preferred_username"),
        "OIDC_GROUPS_CLAIM": env_str("OIDC_GROUPS_CLAIM", "groups"),
        "OIDC_MFA_ACR": env_list("OIDC_MFA_ACR"),
        "OIDC_MFA_AMR": env_list("OIDC_MFA_AMR", DEFAULT_MFA_AMR),
        # mozilla-django-oidc's own names; the endpoints come from the discovery document.
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": _file_secret("OIDC_CLIENT_SECRET_FILE"),
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_SCOPES": " ".join(scopes),
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_USE_NONCE": True,
        "OIDC_VERIFY_SSL": ca_file or True,  # never False
        "OIDC_TIMEOUT": env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1, maximum=60),
        "OIDC_STORE_ID_TOKEN": True,  # the id_token_hint of the logout at the provider
        "OIDC_CREATE_USER": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc-callback",
        # The logout form ends at the provider: the CSP's form-action must allow its origin.
        "CSP_FORM_ACTION_ORIGINS": [_origin(discovery)],
    }
