"""Certificate trust for hypervisor connections.

Verification is always on: an endpoint trusts either a CA certificate (PEM; chain and host
name are checked) or one pinned SHA-256 fingerprint of the server's certificate (the exact
certificate is checked). There is deliberately no third mode.
"""

from __future__ import annotations

import hashlib
import re
import socket
import ssl
from urllib.parse import urlsplit

from .base import ConnectorError, TrustError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def normalize_fingerprint(value: str) -> str:
    """Return ``value`` as 64 lower-case hex digits; raise ValueError with what to change."""
    cleaned = re.sub(r"[\s:]", "", value or "").lower()
    if cleaned.startswith("sha256"):
        cleaned = cleaned[6:].lstrip("=")
    if not _HEX64.match(cleaned):
        raise ValueError(
            "a SHA-256 fingerprint is 64 hexadecimal digits (colons allowed), "
            f"got {len(cleaned)} characters"
        )
    return cleaned


def format_fingerprint(hex_digits: str) -> str:
    """``AB:CD:...`` form, as browsers and ``openssl x509 -fingerprint`` show it."""
    h = normalize_fingerprint(hex_digits).upper()
    return ":".join(h[i : i + 2] for i in range(0, len(h), 2))


def fingerprint_of_der(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"the URL must look like https://HOST[:PORT], got {url!r}")
    return parts.hostname, parts.port or 443


def validate_ca_pem(pem: str) -> str:
    """Check that ``pem`` holds at least one certificate; return it stripped."""
    pem = (pem or "").strip()
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise ValueError("the CA file must contain a PEM certificate (-----BEGIN CERTIFICATE-----)")
    try:
        ssl.create_default_context(cadata=pem + "\n")
    except ssl.SSLError as exc:
        raise ValueError(f"the CA certificate cannot be read: {exc}") from None
    return pem


def ca_context(ca_pem: str) -> ssl.SSLContext:
    """A client context that verifies chain and host name against ``ca_pem`` only."""
    ctx = ssl.create_default_context(cadata=ca_pem.strip() + "\n")
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def fetch_presented_certificate(url: str, timeout: float = 10.0) -> bytes:
    """Return the DER certificate the server at ``url`` presents.

    The handshake here trusts nothing: the result is only ever compared against a pinned
    fingerprint or shown to an operator to pin, never used to send credentials.
    """
    host, port = host_port(url)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # tls-audit: compare-only, see docstring
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        raise ConnectorError(f"cannot reach {host}:{port}: {exc}") from None
    if not der:
        raise ConnectorError(f"{host}:{port} presented no certificate")
    return der


def pin_mismatch(url: str, expected: str, presented: str) -> TrustError:
    """The error for a certificate that is not the pinned one, naming both fingerprints.

    Connectors must check the pin on the same connection that carries the credentials
    (pyvmomi's ``thumbprint``, urllib3's ``assert_fingerprint``), never in a separate probe.
    """
    return TrustError(
        f"certificate of {url} does not match the pinned fingerprint: "
        f"expected {format_fingerprint(expected)}, presented {format_fingerprint(presented)}"
    )
