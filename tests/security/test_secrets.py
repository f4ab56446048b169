"""A canary secret never leaves the encrypted field; key rotation keeps secrets readable."""

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
from tests.security.helpers import verify_session
from tests.security.objects import CANARY, make_estate
from tests.security.routes import all_routes, concrete


def _ids(estate) -> dict[str, str]:
    return {"pk": str(estate.inside.pk), "id": str(estate.inside.pk)}


@pytest.mark.django_db
def test_the_canary_is_in_no_answer_log_audit_event_or_task_message(
    admin_user, officer, auditor, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[str] = []

    def record(self, args=None, kwargs=None, **options):
        sent.append(repr((self.name, args, kwargs, options)))

    monkeypatch.setattr(Task, "apply_async", record)
    caplog.set_level(logging.DEBUG)
    estate = make_estate()
    bodies: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
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
    leaks = [b[:200] for b in bodies if CANARY in b]
    assert not leaks, leaks
    assert CANARY not in caplog.text
    for event in AuditEvent.objects.all():
        assert CANARY not in f"{event.target_repr} {event.detail}"
    assert not [m for m in sent if CANARY in m]
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
