"""A real OpenID Connect provider (tests/peers/oidc_provider) in its own process over HTTPS.

``RunningProvider(redirect_uri, post_logout_uri, users)`` makes a test CA and server
certificate, an RSA signing key, migrates the provider's own SQLite file, creates the users and
the portal's client registration, and serves it with gunicorn over TLS on a free port. The
portal verifies it with ``ca.ca_file``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .process import PeerProcess
from .tlsca import CertAuthority, free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "virtsec-portal"
CLIENT_SECRET = "client-secret-for-the-test-provider-0123456789"


class RunningProvider(PeerProcess):
    name = "oidc-provider"

    def __init__(self, redirect_uri: str, post_logout_uri: str, users: dict[str, dict]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="portal-oidc-"))
        self.ca = CertAuthority.create(self.dir / "tls")
        self.cert, self.key = self.ca.server("127.0.0.1")
        self.port = free_port()
        self.users = users
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (self.dir / "signing-key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (self.dir / "users.json").write_text(json.dumps(users))
        self.secret_file = self.dir / "client-secret"
        self.secret_file.write_text(CLIENT_SECRET + "\n")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.peers.oidc_provider.settings",
            "PEER_DIR": str(self.dir),
            "PEER_USERS": str(self.dir / "users.json"),
            "PEER_CLIENT_ID": CLIENT_ID,
            "PEER_CLIENT_SECRET": CLIENT_SECRET,
            "PEER_REDIRECT_URI": redirect_uri,
            "PEER_POST_LOGOUT_URI": post_logout_uri,
        }

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, check=True, capture_output=True,
            timeout=300,
        )  # fmt: skip

    def start(self) -> None:
        self._run("-m", "django", "migrate", "--noinput")
        self._run("-m", "tests.peers.oidc_provider.seed")
        self.spawn(
            [
                sys.executable, "-m", "gunicorn", "--certfile", str(self.cert),
                "--keyfile", str(self.key), "-b", f"127.0.0.1:{self.port}", "-w", "1",
                "--threads", "4", "tests.peers.oidc_provider.wsgi:application",
            ],
            ready=lambda: requests.get(self.discovery_url, verify=str(self.ca.ca_file), timeout=5),
            errors=(requests.ConnectionError,),
            cwd=ROOT,
            env=self.env,
        )  # fmt: skip

    def __enter__(self) -> RunningProvider:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def portal_env(provider: RunningProvider, **overrides: str) -> dict[str, str]:
    """The portal's OIDC_* variables for this provider (groups as the provider's users have)."""
    env = {
        "OIDC_PROVIDER_NAME": "Test IdP",
        "OIDC_DISCOVERY_URL": provider.issuer,  # the portal appends the well-known path
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET_FILE": str(provider.secret_file),
        "OIDC_CA_FILE": str(provider.ca.ca_file),
        "OIDC_GROUP_ADMINISTRATOR": "portal-admins",
        "OIDC_GROUP_SECURITY_OFFICER": "portal-officers",
        "OIDC_GROUP_AUDITOR": "portal-auditors",
        "OIDC_SCOPE_GROUPS": "vc-oidc-admins => endpoint:vc-oidc",
        "OIDC_MFA_ACR": "urn:test:idp:mfa",
    }
    env.update(overrides)
    return env
