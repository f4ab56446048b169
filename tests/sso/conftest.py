"""Fixtures: a real slapd for the module, and the portal's LDAP settings pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.portal_settings import apply
from tests.peers.slapd import GROUPS, SERVICE_DN, SLAPD, RunningSlapd

SLAPD_MISSING = "slapd is missing: bash .ci/system-deps.sh (slapd, ldap-utils)"


@pytest.fixture(scope="module")
def slapd() -> Iterator[RunningSlapd]:
    if not Path(SLAPD).exists():
        pytest.fail(SLAPD_MISSING)  # a missing server is a failure, never a skip
    with RunningSlapd() as server:
        yield server


def ldap_env(server: RunningSlapd, *, start_tls: bool = True, **overrides: str) -> dict[str, str]:
    env = {
        "LDAP_SERVER_URI": server.ldap_uri if start_tls else server.ldaps_uri,
        "LDAP_START_TLS": "true" if start_tls else "false",
        "LDAP_CA_FILE": str(server.ca.ca_file),
        "LDAP_BIND_DN": SERVICE_DN,
        "LDAP_BIND_PASSWORD_FILE": str(server.service_password_file),
        "LDAP_USER_SEARCH_BASE": "ou=people,dc=example,dc=org",
        "LDAP_GROUP_SEARCH_BASE": GROUPS,
        "LDAP_USER_FILTER": "(uid=%(user)s)",
        "LDAP_GROUP_TYPE": "groupofnames",
        "LDAP_GROUP_ADMINISTRATOR": f"cn=portal-admins,{GROUPS}",
        "LDAP_GROUP_SECURITY_OFFICER": f"cn=portal-officers,{GROUPS}",
        "LDAP_GROUP_AUDITOR": f"cn=portal-auditors,{GROUPS}",
        "LDAP_SCOPE_GROUPS": f"cn=vc-ldap-readers,{GROUPS} => endpoint:vc-ldap",
        "LDAP_DISABLED_FILTER": "(pwdAccountLockedTime=*)",
        "LDAP_RECHECK_SECONDS": "0",
        "LDAP_TIMEOUT_SECONDS": "3",
    }
    env.update(overrides)
    return env


@pytest.fixture
def use_directory(settings, monkeypatch):
    """``use_directory(server, **env)``: the portal's settings as the environment would give."""
    from portal.sso.config import ldap_settings

    def use(server: RunningSlapd, **overrides: str) -> None:
        env = ldap_env(server, **overrides)
        apply(settings, monkeypatch, env, ldap_settings, "portal.sso.ldap.DirectoryBackend")

    return use
