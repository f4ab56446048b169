"""SIEM_SYSLOG_* and METRICS_* are checked at start: one line naming the variable."""

from __future__ import annotations

import ipaddress
import re

import pytest

from portal.env import ConfigError
from portal.env_checks import check_siem_settings, metrics_token, networks
from tests.peers.tlsca import make_ca
from tests.portal.test_settings_and_startup import run_manage


def test_a_missing_ca_file_stops_the_start_naming_the_variable(tmp_path):
    result = run_manage(
        {
            "DEBUG": "true",
            "SIEM_SYSLOG_HOST": "siem.example.org",
            "SIEM_SYSLOG_CA_FILE": str(tmp_path / "nope.pem"),
        }
    )
    assert result.returncode == 2
    assert "SIEM_SYSLOG_CA_FILE=" in result.stderr and "cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_short_metrics_token_stops_the_start_without_showing_it(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("short-secret\n")
    result = run_manage({"DEBUG": "true", "METRICS_TOKEN_FILE": str(token_file)})
    assert result.returncode == 2
    assert "METRICS_TOKEN_FILE: the token must be at least 32 characters" in result.stderr
    assert "short-secret" not in result.stderr


def test_siem_settings(tmp_path):
    ca = make_ca(tmp_path)
    check_siem_settings("siem.example.org", "tls", "", "", str(ca.ca_file))
    check_siem_settings("siem.example.org", "tls", str(ca.cert_file), str(ca.key_file), "")
    with pytest.raises(ConfigError, match="SIEM_SYSLOG_HOST"):
        check_siem_settings("siem example", "tls", "", "", "")
    with pytest.raises(ConfigError, match="UDP is neither encrypted"):
        check_siem_settings("siem.example.org", "udp", "", "", str(ca.ca_file))
    with pytest.raises(ConfigError, match="go together"):
        check_siem_settings("siem.example.org", "tls", str(ca.cert_file), "", "")
    with pytest.raises(ConfigError, match=r"SIEM_SYSLOG_CA_FILE=.* holds no usable CA"):
        check_siem_settings("siem.example.org", "tls", "", "", str(ca.key_file))
    with pytest.raises(ConfigError, match="do not load as a pair"):
        check_siem_settings("siem.example.org", "tls", str(ca.ca_file), str(ca.key_file), "")


def test_metrics_settings(tmp_path):
    good = "t" * 40
    token_file = tmp_path / "token"
    token_file.write_text(good + "\n")
    assert metrics_token(str(token_file), "") == good
    assert metrics_token("", good) == good
    assert metrics_token("", "") == ""
    with pytest.raises(ConfigError, match="not both"):
        metrics_token(str(token_file), good)
    with pytest.raises(ConfigError, match="METRICS_TOKEN: the token must be at least 32"):
        metrics_token("", "x" * 31)
    assert networks("N", ["10.0.0.0/8", "::1"]) == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    ]
    with pytest.raises(ConfigError, match=re.escape("N: '10.0.0.300/8' is not a network")):
        networks("N", ["10.0.0.300/8"])
