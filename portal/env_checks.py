"""Start-time checks of the integration settings that need more than one variable or a file.

Each raises :class:`portal.env.ConfigError` with one line naming the variable.
"""

from __future__ import annotations

import ipaddress
import ssl

from .env import ConfigError

MIN_TOKEN_LENGTH = 32


def check_siem_settings(host: str, transport: str, cert: str, key: str, ca_file: str) -> None:
    """SIEM_SYSLOG_*: a host name without spaces, a client certificate only with TLS and only
    as a pair, and certificate files that load (TLS is always verified)."""
    if any(ch.isspace() for ch in host):
        raise ConfigError(f"SIEM_SYSLOG_HOST={host!r} must be a host name or address")
    if transport == "udp" and (cert or key or ca_file):
        raise ConfigError(
            "SIEM_SYSLOG_CA_FILE / SIEM_SYSLOG_CLIENT_CERT / SIEM_SYSLOG_CLIENT_KEY are for "
            "SIEM_SYSLOG_TRANSPORT=tls; UDP is neither encrypted nor authenticated"
        )
    if bool(cert) != bool(key):
        raise ConfigError("SIEM_SYSLOG_CLIENT_CERT and SIEM_SYSLOG_CLIENT_KEY go together")
    if transport != "tls":
        return
    try:
        context = ssl.create_default_context(cafile=ca_file or None)
    except (ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"SIEM_SYSLOG_CA_FILE={ca_file!r} holds no usable CA: {exc}") from None
    if cert:
        try:
            context.load_cert_chain(cert, key)
        except (ssl.SSLError, ValueError) as exc:
            raise ConfigError(
                f"SIEM_SYSLOG_CLIENT_CERT / SIEM_SYSLOG_CLIENT_KEY do not load as a pair: {exc}"
            ) from None


def metrics_token(token_file: str, token: str) -> str:
    """The bearer token of /metrics, from METRICS_TOKEN_FILE (preferred) or METRICS_TOKEN."""
    if token_file and token:
        raise ConfigError("set METRICS_TOKEN_FILE or METRICS_TOKEN, not both")
    name = "METRICS_TOKEN_FILE" if token_file else "METRICS_TOKEN"
    if token_file:
        with open(token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    if token and (len(token) < MIN_TOKEN_LENGTH or any(ch.isspace() for ch in token)):
        raise ConfigError(
            f"{name}: the token must be at least {MIN_TOKEN_LENGTH} characters without spaces, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return token


def networks(name: str, values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A CIDR list (``10.0.0.0/8,127.0.0.1/32``)."""
    result = []
    for value in values:
        try:
            result.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ConfigError(f"{name}: {value!r} is not a network like 10.0.0.0/8") from None
    return result
