"""``manage.py add_endpoint NAME --kind vcenter|proxmox --url https://HOST:PORT ...``.

Without ``--ca-file`` or ``--fingerprint`` it prints the certificate fingerprint the server
presents and stops, so the operator can compare it out of band and pin it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from inventory.connectors import tls
from inventory.connectors.base import ConnectorError
from inventory.connectors.platforms import PLATFORMS
from inventory.models import Endpoint
from inventory.services.endpoints import endpoint_create, endpoint_delete


def _read(path: str, what: str, first_line: bool = False) -> str:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"cannot read the {what} file {path!r}: {exc.strerror}") from None
    if first_line:
        text = text.splitlines()[0] if text.strip() else ""
    if not text.strip():
        raise CommandError(f"the {what} file {path!r} is empty")
    return text.strip() if not first_line else text


class Command(BaseCommand):
    help = (
        "Register a vCenter/ESXi or Proxmox VE endpoint (trust by CA file or pinned fingerprint)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", required=True, choices=sorted(PLATFORMS))
        parser.add_argument("--url", required=True, help="https://HOST:PORT")
        parser.add_argument("--username", default="")
        parser.add_argument("--password-file", help="file whose first line is the password")
        parser.add_argument("--token-id", default="", help="Proxmox API token id user@realm!name")
        parser.add_argument("--secret-file", help="file whose first line is the token secret")
        trust = parser.add_mutually_exclusive_group()
        trust.add_argument("--ca-file", help="PEM file of the CA (or self-signed certificate)")
        trust.add_argument("--fingerprint", help="SHA-256 fingerprint of the server certificate")
        parser.add_argument("--interval", type=int, default=None, help="sync interval, minutes")
        parser.add_argument("--disabled", action="store_true")
        parser.add_argument(
            "--replace", action="store_true", help="delete an endpoint of the same name first"
        )

    def handle(self, *args, **o):
        if not o["ca_file"] and not o["fingerprint"]:
            try:
                der = tls.fetch_presented_certificate(o["url"])
            except (ValueError, ConnectorError) as exc:
                raise CommandError(str(exc)) from None
            fingerprint = tls.format_fingerprint(tls.fingerprint_of_der(der))
            self.stdout.write(
                f"{o['url']} presents a certificate with SHA-256 fingerprint\n  {fingerprint}"
            )
            raise CommandError(
                "not registered: compare this fingerprint with the server's (out of band), then run "
                "again with --fingerprint " + fingerprint.replace(":", "") + " or with --ca-file"
            )
        secret_file = o["secret_file"] or o["password_file"]
        if not secret_file:
            raise CommandError("give --password-file (or --secret-file for a Proxmox API token)")
        if o["replace"]:
            for old in Endpoint.objects.filter(name=o["name"]):
                endpoint_delete(endpoint=old, actor="manage.py")
        try:
            endpoint = endpoint_create(
                name=o["name"],
                kind=o["kind"],
                url=o["url"],
                username=o["username"],
                token_id=o["token_id"],
                secret=_read(secret_file, "secret", first_line=True),
                ca_pem=_read(o["ca_file"], "CA") if o["ca_file"] else "",
                fingerprint=o["fingerprint"] or "",
                sync_interval_minutes=o["interval"],
                enabled=not o["disabled"],
                actor="manage.py",
            )
        except ValidationError as exc:
            lines = [f"  {field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
            raise CommandError("endpoint not registered:\n" + "\n".join(lines)) from None
        self.stdout.write(
            f"registered {endpoint.kind} endpoint {endpoint.name} (id {endpoint.pk}, trust: {endpoint.trust_mode})"
        )
