"""A canary secret never leaves the encrypted field; key rotation keeps secrets readable.

The canaries are the endpoint secret and the secrets of the integrations (issue 18): the
directory's service-account password, the OpenID Connect client secret, and a webhook receiver's
signing secret and URL path (Teams and Mattermost keep their secret in the path).
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest
from celery.app.task import Task
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from inventory.models import Endpoint
from portal.models import AuditEvent
from tests.peers.portal_settings import apply
from tests.peers.tlsca import make_ca
from tests.security.helpers import verify_session
from tests.security.objects import CANARY, make_estate
from tests.security.routes import all_routes, concrete

BIND_CANARY = "canary-ldap-bind-5d1e-do-not-leak"
CLIENT_CANARY = "canary-oidc-client-9b2f-do-not-leak"
HMAC_CANARY = "canary-hmac-secret-4c8a-do-not-leak"
HOOK_PATH_CANARY = "canary-hook-path-2e7d"
CANARIES = (CANARY, BIND_CANARY, CLIENT_CANARY, HMAC_CANARY, HOOK_PATH_CANARY)


def _configure_integrations(settings, monkeypatch, directory: Path) -> None:
    """LDAP, OIDC and a webhook receiver set up as an operator would (secrets from files), each
    secret a canary. Directory, provider and receiver are unreachable, so that the failures,
    which log and audit, happen too."""
    from notifications.models import Receiver, Subscription
    from portal.sso.config import ldap_settings, oidc_settings

    ca = make_ca(directory / "ca")
    files = {}
    for name, secret in (("bind", BIND_CANARY), ("client", CLIENT_CANARY)):
        files[name] = directory / name
        files[name].write_text(secret + "\n")
    ldap_env = {
        "LDAP_SERVER_URI": "ldaps://127.0.0.1:9",
        "LDAP_CA_FILE": str(ca.ca_file),
        "LDAP_BIND_DN": "cn=portal-svc,dc=example,dc=org",
        "LDAP_BIND_PASSWORD_FILE": str(files["bind"]),
        "LDAP_USER_SEARCH_BASE": "ou=people,dc=example,dc=org",
        "LDAP_GROUP_ADMINISTRATOR": "cn=portal-admins,dc=example,dc=org",
        "LDAP_TIMEOUT_SECONDS": "2",
    }
    oidc_env = {
        "OIDC_DISCOVERY_URL": "https://127.0.0.1:9/realms/it",
        "OIDC_CLIENT_ID": "virtsec-portal",
        "OIDC_CLIENT_SECRET_FILE": str(files["client"]),
        "OIDC_GROUP_ADMINISTRATOR": "portal-admins",
        "OIDC_TIMEOUT_SECONDS": "2",
    }
    apply(settings, monkeypatch, ldap_env, ldap_settings, "portal.sso.ldap.DirectoryBackend")
    apply(settings, monkeypatch, oidc_env, oidc_settings, "portal.sso.oidc.SingleSignOnBackend")
    assert settings.AUTH_LDAP_BIND_PASSWORD == BIND_CANARY
    assert settings.OIDC_RP_CLIENT_SECRET == CLIENT_CANARY
    settings.NOTIFY_TIMEOUT_SECONDS = 2
    url = f"https://127.0.0.1:9/hooks/{HOOK_PATH_CANARY}"
    receiver = Receiver(name="canary-hook", format="generic", url=url, secret=HMAC_CANARY)
    receiver.url_display = Receiver.display_of(url)
    receiver.save()
    Subscription.objects.create(receiver=receiver, channel="webhook", kind="operation_failed")


def _use_integrations(estate) -> list[str]:
    """A directory login, a single sign-on start and a webhook delivery: all three fail."""
    from django.utils import timezone

    from notifications.models import Delivery
    from notifications.receivers import _send
    from notifications.services import attempt

    anonymous = Client(raise_request_exception=False)
    bodies = [
        _body(anonymous.post("/login/", {"username": "dirk", "password": "dirk-Passw0rd"})),
        _body(anonymous.get("/sso/oidc/login/", follow=True)),
    ]
    _send(
        kind="operation_failed", key="canary-op", endpoint_id=estate.inside.pk,
        subject="Operation failed: canary", facts=[["Observed", "failed"]],
        occurred_at=timezone.now(),
    )  # fmt: skip
    delivery = Delivery.objects.get(event__key="canary-op")
    attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.RETRYING and delivery.last_error
    bodies.append(delivery.last_error)
    failed = AuditEvent.objects.filter(action="auth.login_failed").values_list("detail", flat=True)
    assert {d["source"]: d["reason"] for d in failed} == {
        "ldap": "directory_unreachable",
        "oidc": "provider_unusable",
    }
    return bodies


def _ids(estate) -> dict[str, str]:
    return {"pk": str(estate.inside.pk), "id": str(estate.inside.pk)}


@pytest.mark.django_db
def test_the_canary_is_in_no_answer_log_audit_event_or_task_message(
    admin_user, officer, auditor, caplog, monkeypatch, django_capture_on_commit_callbacks,
    settings, tmp_path,
):  # fmt: skip
    sent: list[str] = []

    def record(self, args=None, kwargs=None, **options):
        sent.append(repr((self.name, args, kwargs, options)))

    monkeypatch.setattr(Task, "apply_async", record)
    caplog.set_level(logging.DEBUG)
    estate = make_estate()
    _configure_integrations(settings, monkeypatch, tmp_path)
    bodies: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
        bodies.extend(_use_integrations(estate))
        for user in (admin_user, officer, auditor):
            client = verify_session(Client(raise_request_exception=False), user)
            for _name, regex, names in all_routes():
                path = concrete(regex, names, _ids(estate))
                if path and "logout" not in path:
                    bodies.append(_body(client.get(path)))
        api = verify_session(Client(raise_request_exception=False), admin_user)
        # Writing the secret through the API and asking for a sync must not echo it either.
        bodies.append(
            api.patch(
                f"/api/endpoints/{estate.inside.pk}/",
                {"secret": CANARY + "-2"},
                content_type="application/json",
            ).content.decode()
        )
        bodies.append(api.post(f"/api/endpoints/{estate.inside.pk}/sync/").content.decode())
    assert len(bodies) > 20
    assert any("notifications.deliver" in m for m in sent)  # the webhook's task was queued
    for canary in CANARIES:
        leaks = [b[:200] for b in bodies if canary in b]
        assert not leaks, (canary, leaks)
        assert canary not in caplog.text
        for event in AuditEvent.objects.all():
            assert canary not in f"{event.actor} {event.target_repr} {event.detail}"
        assert not [m for m in sent if canary in m]
    assert Endpoint.objects.get(pk=estate.inside.pk).secret == CANARY + "-2"


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_only_ciphertext(settings):
    make_estate()
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        # The database is its file (and its write-ahead log): read every byte of it.
        files = [Path(db["NAME"]), Path(f"{db['NAME']}-wal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert b"vc-inside" in raw  # the bytes do hold the rows
        assert CANARY.encode() not in raw
        return
    command = [
        "/usr/bin/pg_dump",
        "--data-only",
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
        db["NAME"],
    ]
    env = {"PGPASSWORD": db.get("PASSWORD") or ""}
    dump = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert dump.returncode == 0, dump.stderr
    assert "vc-inside" in dump.stdout  # the dump did see the rows
    assert CANARY not in dump.stdout


@pytest.mark.django_db
def test_rotate_keys_reencrypts_and_the_old_key_can_then_be_dropped(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(ENCRYPTION_KEYS=[old]):
        estate = make_estate()
        before = _raw_secret(estate.inside.pk)
    with override_settings(ENCRYPTION_KEYS=[new, old]):
        assert Endpoint.objects.get(pk=estate.inside.pk).secret == CANARY
        call_command("rotate_keys")
        assert Endpoint.objects.get(pk=estate.inside.pk).secret == CANARY
    after = _raw_secret(estate.inside.pk)
    assert after != before and CANARY not in after
    with override_settings(ENCRYPTION_KEYS=[new]):
        for endpoint in Endpoint.objects.all():
            assert endpoint.secret == CANARY
    assert AuditEvent.objects.filter(action="keys.rotate").exists()


def _raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM inventory_endpoint WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _body(answer) -> str:
    """The whole body, streamed (the audit trail's exports) or not."""
    if getattr(answer, "streaming", False):
        return b"".join(answer.streaming_content).decode(errors="replace")
    return answer.content.decode(errors="replace")
