"""Registering endpoints: trust is required, the secret is encrypted and write-only."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from inventory.models import Endpoint
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

CANARY = "canary-Secret-4711"
FP = "AB:" * 31 + "AB"


def payload(**over):
    data = {
        "name": "vc-lab",
        "kind": "vcenter",
        "url": "https://vc.example.org:443",
        "username": "svc-portal@vsphere.local",
        "secret": CANARY,
        "fingerprint": FP,
    }
    data.update(over)
    return data


def test_an_administrator_registers_an_endpoint_and_the_secret_is_never_returned(
    api_for, admin_user
):
    answer = api_for(admin_user).post("/api/endpoints/", payload(), format="json")
    assert answer.status_code == 201, answer.content
    assert CANARY not in answer.content.decode()
    assert answer.json()["has_secret"] is True
    assert answer.json()["fingerprint"] == "ab" * 32
    listing = api_for(admin_user).get("/api/endpoints/")
    assert CANARY not in listing.content.decode()
    assert Endpoint.objects.get().secret == CANARY
    event = AuditEvent.objects.get(action="endpoint.create")
    assert CANARY not in str(event.detail)


def test_the_secret_is_encrypted_at_rest(admin_user, api_for):
    api_for(admin_user).post("/api/endpoints/", payload(), format="json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM inventory_endpoint")
        (stored,) = cursor.fetchone()
    assert CANARY not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"fingerprint": ""}, "fingerprint", "trust is required"),
        ({"fingerprint": "12:34"}, "fingerprint", "64 hexadecimal"),
        ({"url": "http://vc.example.org"}, "url", "https://"),
        ({"kind": "xen"}, "kind", ""),
        ({"secret": ""}, "secret", "required"),
        ({"ca_pem": "not a certificate"}, "ca_pem", "PEM"),
        ({"token_id": "root@pam!x"}, "token_id", "Proxmox"),
    ],
)
def test_bad_input_is_refused_with_what_to_change(api_for, admin_user, change, field, words):
    answer = api_for(admin_user).post("/api/endpoints/", payload(**change), format="json")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert field in error["fields"], error
    assert words in str(error["fields"][field])
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("role", ["security_officer", "auditor"])
def test_only_administrators_register_endpoints(api_for, users, role):
    answer = api_for(users[role]).post("/api/endpoints/", payload(), format="json")
    assert answer.status_code == 403
    assert api_for(users[role]).get("/api/endpoints/").status_code == 200


def test_add_endpoint_without_trust_prints_the_fingerprint_and_registers_nothing(fake_pve, capsys):
    with pytest.raises(CommandError, match="not registered"):
        call_command("add_endpoint", "pve", "--kind", "proxmox", "--url", fake_pve.url)
    out = capsys.readouterr().out
    presented = ":".join(fake_pve.fingerprint.upper()[i : i + 2] for i in range(0, 64, 2))
    assert presented in out
    assert not Endpoint.objects.exists()


def test_add_endpoint_with_a_pinned_fingerprint_registers_and_audits(fake_pve, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(fake_pve.token_secret + "\n")
    call_command(
        "add_endpoint", "pve", "--kind", "proxmox", "--url", fake_pve.url,
        "--token-id", fake_pve.token_id, "--secret-file", str(secret),
        "--fingerprint", fake_pve.fingerprint,
    )  # fmt: skip
    endpoint = Endpoint.objects.get(name="pve")
    assert endpoint.secret == fake_pve.token_secret
    assert AuditEvent.objects.filter(action="endpoint.create", source="command").exists()


def test_rotate_keys_reencrypts_with_the_new_key_and_the_old_key_can_go(
    settings, admin_user, api_for
):
    from cryptography.fernet import Fernet

    from portal import crypto

    old = Fernet.generate_key().decode()
    new = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    api_for(admin_user).post("/api/endpoints/", payload(), format="json")
    settings.ENCRYPTION_KEYS = [new, old]
    call_command("rotate_keys")
    settings.ENCRYPTION_KEYS = [new]
    assert Endpoint.objects.get().secret == CANARY
    crypto._fernet.cache_clear()


@pytest.mark.django_db
def test_an_update_that_empties_both_trust_fields_is_a_400_naming_fingerprint(api_for, admin_user):
    from tests.inventory.factories import EndpointFactory

    endpoint = EndpointFactory()
    answer = api_for(admin_user).patch(
        f"/api/endpoints/{endpoint.pk}/", {"fingerprint": "", "ca_pem": ""}, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert "fingerprint" in answer.json()["error"]["fields"]
    endpoint.refresh_from_db()
    assert endpoint.fingerprint  # nothing half-written


@pytest.mark.django_db
def test_a_list_filter_beyond_a_64_bit_id_is_a_400_naming_it(api_for, auditor):
    answer = api_for(auditor).get("/api/clusters/?endpoint=-156658344108209668096")
    assert answer.status_code == 400, answer.content
    assert "endpoint" in answer.json()["error"]["fields"]
