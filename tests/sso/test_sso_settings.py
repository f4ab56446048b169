"""The LDAP_* and OIDC_* settings: checked at start, one line naming the variable, never a way
to switch verification off."""

from __future__ import annotations

import os

import pytest

from portal.env import ConfigError
from portal.roles import ROLES
from portal.sso import config
from tests.peers.tlsca import CertAuthority
from tests.portal.test_settings_and_startup import run_manage

GROUP = "cn=portal-admins,ou=groups,dc=example,dc=org"


@pytest.fixture
def files(tmp_path):
    ca = CertAuthority.create(tmp_path / "ca")
    secret = tmp_path / "secret"
    secret.write_text("s3cret-from-a-file\n")
    return {"ca": str(ca.ca_file), "secret": str(secret), "dir": tmp_path}


def _ldap_env(files, **changes):
    env = {
        "LDAP_SERVER_URI": "ldaps://dc1.example.org",
        "LDAP_CA_FILE": files["ca"],
        "LDAP_BIND_DN": "cn=svc,dc=example,dc=org",
        "LDAP_BIND_PASSWORD_FILE": files["secret"],
        "LDAP_USER_SEARCH_BASE": "ou=people,dc=example,dc=org",
        "LDAP_GROUP_ADMINISTRATOR": GROUP,
    }
    env.update(changes)
    return env


def _oidc_env(files, **changes):
    env = {
        "OIDC_DISCOVERY_URL": "https://idp.example.org/realms/it",
        "OIDC_CLIENT_ID": "portal",
        "OIDC_CLIENT_SECRET_FILE": files["secret"],
        "OIDC_GROUP_AUDITOR": "auditors",
    }
    env.update(changes)
    return env


def _load(monkeypatch, loader, env):
    for name in list(os.environ):
        if name.startswith(("LDAP_", "OIDC_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return loader()


def test_role_names_match_portal_roles():
    assert tuple(config.ROLE_VARIABLES) == ROLES


def test_off_unless_the_address_is_set(monkeypatch):
    assert _load(monkeypatch, config.ldap_settings, {}) == {"LDAP_ENABLED": False}
    assert _load(monkeypatch, config.oidc_settings, {}) == {"OIDC_ENABLED": False}


def test_ldap_settings_read_the_secret_from_its_file_and_always_verify(monkeypatch, files):
    import ldap

    values = _load(monkeypatch, config.ldap_settings, _ldap_env(files))
    assert values["AUTH_LDAP_BIND_PASSWORD"] == "s3cret-from-a-file"
    options = values["AUTH_LDAP_CONNECTION_OPTIONS"]
    assert options[ldap.OPT_X_TLS_REQUIRE_CERT] == ldap.OPT_X_TLS_DEMAND
    assert options[ldap.OPT_X_TLS_CACERTFILE] == files["ca"]
    assert values["LDAP_DISABLED_FILTER"] == config.AD_DISABLED_FILTER
    assert values["LDAP_GRANTS"].roles == (("administrator", GROUP),)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"LDAP_SERVER_URI": "ldap://dc1.example.org"}, "without LDAP_START_TLS=true"),
        ({"LDAP_SERVER_URI": "http://dc1.example.org"}, "must start with ldaps:// or ldap://"),
        ({"LDAP_CA_FILE": ""}, "LDAP_CA_FILE is not set"),
        ({"LDAP_CA_FILE": "/nonexistent/ca.pem"}, "is not a readable file"),
        (
            {"LDAP_BIND_PASSWORD_FILE": "/nonexistent/pw"},
            "LDAP_BIND_PASSWORD_FILE='/nonexistent/pw' cannot be read",
        ),
        ({"LDAP_BIND_DN": ""}, "LDAP_BIND_DN is not set"),
        ({"LDAP_USER_FILTER": "(uid=alice)"}, "must contain %(user)s"),
        ({"LDAP_GROUP_ADMINISTRATOR": ""}, "name at least one group"),
        ({"LDAP_GROUP_TYPE": "posix"}, "LDAP_GROUP_TYPE='posix' must be one of"),
        ({"LDAP_SCOPE_GROUPS": "cn=x => vc1"}, "LDAP_SCOPE_GROUPS entry 'cn=x => vc1'"),
        ({"LDAP_SCOPE_GROUPS": "cn=x => cluster:vc1"}, "a cluster is named ENDPOINT/CLUSTER"),
    ],
)
def test_ldap_mistakes_are_named(monkeypatch, files, changes, message):
    with pytest.raises(ConfigError, match=None) as caught:
        _load(monkeypatch, config.ldap_settings, _ldap_env(files, **changes))
    assert message in str(caught.value)


def test_ldap_ca_file_must_hold_a_certificate(monkeypatch, files):
    not_a_cert = files["dir"] / "not-a-cert.pem"
    not_a_cert.write_text("hello")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        _load(monkeypatch, config.ldap_settings, _ldap_env(files, LDAP_CA_FILE=str(not_a_cert)))


def test_scope_groups_are_parsed(monkeypatch, files):
    values = _load(
        monkeypatch,
        config.ldap_settings,
        _ldap_env(
            files, LDAP_SCOPE_GROUPS="cn=a,dc=x => endpoint:vc1; cn=b,dc=x => cluster:vc1/Prod A"
        ),
    )
    assert values["LDAP_GRANTS"].scopes == (
        config.ScopeGrant("cn=a,dc=x", "vc1"),
        config.ScopeGrant("cn=b,dc=x", "vc1", "Prod A"),
    )


def test_oidc_settings_use_pkce_rs256_and_the_discovery_document(monkeypatch, files):
    values = _load(monkeypatch, config.oidc_settings, _oidc_env(files))
    assert values["OIDC_DISCOVERY_URL"] == (
        "https://idp.example.org/realms/it/.well-known/openid-configuration"
    )
    assert values["OIDC_USE_PKCE"] is True and values["OIDC_PKCE_CODE_CHALLENGE_METHOD"] == "S256"
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert values["OIDC_VERIFY_SSL"] is True  # the system's CAs; a CA file when given; never off
    assert values["OIDC_RP_CLIENT_SECRET"] == "s3cret-from-a-file"
    assert values["CSP_FORM_ACTION_ORIGINS"] == ["https://idp.example.org"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"OIDC_DISCOVERY_URL": "http://idp.example.org"}, "must start with https://"),
        ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID is not set"),
        ({"OIDC_CLIENT_SECRET_FILE": ""}, "OIDC_CLIENT_SECRET_FILE is not set"),
        ({"OIDC_SCOPES": "email,profile"}, "must include openid"),
        ({"OIDC_GROUP_AUDITOR": ""}, "name at least one group"),
    ],
)
def test_oidc_mistakes_are_named(monkeypatch, files, changes, message):
    with pytest.raises(ConfigError) as caught:
        _load(monkeypatch, config.oidc_settings, _oidc_env(files, **changes))
    assert message in str(caught.value)


def test_start_stops_with_one_line_for_plain_ldap(files):
    result = run_manage(
        {"DEBUG": "true", **_ldap_env(files, LDAP_SERVER_URI="ldap://dc1.example.org")}
    )
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: LDAP_SERVER_URI='ldap://dc1.example.org'")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"amr": ["pwd"]}, ""),
        ({"amr": ["pwd", "otp"]}, "amr=otp"),
        ({"amr": "mfa"}, "amr=mfa"),
        ({"acr": "urn:example:loa:2", "amr": ["pwd"]}, "acr=urn:example:loa:2"),
        ({"acr": "urn:example:loa:1"}, ""),
        ({}, ""),
    ],
)
def test_what_counts_as_the_providers_second_factor(settings, claims, expected):
    from portal.sso.oidc import asserted_second_factor

    settings.OIDC_MFA_ACR = ["urn:example:loa:2"]
    settings.OIDC_MFA_AMR = config.DEFAULT_MFA_AMR
    assert asserted_second_factor(claims) == expected


def test_every_variable_is_listed_in_env_example():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = (root / "portal/sso/config.py").read_text()
    names = set(
        re.findall(r'(?:env_\w+|_file_secret|_ca_file)\(\s*"((?:LDAP|OIDC)_[A-Z_]+)"', source)
    )
    names |= {f"{p}_GROUP_{s}" for p in ("LDAP", "OIDC") for s in config.ROLE_VARIABLES.values()}
    names |= {"LDAP_SCOPE_GROUPS", "OIDC_SCOPE_GROUPS"}
    listed = set(re.findall(r"^([A-Z_]+)=", (root / ".env.example").read_text(), re.M))
    assert len(names) > 30
    assert names - listed == set()
