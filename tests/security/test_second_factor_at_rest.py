"""TOTP seeds encrypted like hypervisor secrets (and rotated with them); recovery codes hashed."""

from __future__ import annotations

import importlib
import re

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import crypto
from portal.security.models import EncryptedTotpDevice, recovery_code_hash
from tests.security.helpers import code_for, login_with_password

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return [row[0] for row in cursor.fetchall()]


def test_the_totp_seed_is_stored_encrypted_and_still_verifies(admin_user):
    device = EncryptedTotpDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    seed = str(device.key)
    assert re.fullmatch(r"[0-9a-f]{40}", seed)
    stored = _raw("portal_encryptedtotpdevice", "key")
    assert len(stored) == 1 and seed not in stored[0]
    assert crypto.decrypt(stored[0]) == seed
    client = Client()
    login_with_password(client, admin_user)
    assert client.post("/login/verify/", {"code": code_for(device)}).status_code == 302


def test_enrolment_stores_only_hashes_of_the_recovery_codes(admin_user):
    client = Client()
    login_with_password(client, admin_user)
    client.get("/login/setup/")
    device = EncryptedTotpDevice.objects.get(user=admin_user, confirmed=False)
    shown = client.post("/login/setup/", {"code": code_for(device)}).content.decode()
    codes = re.findall(r"<code>([a-z0-9]{8})</code>", shown)
    stored = _raw("otp_static_statictoken", "token")
    assert len(codes) == 10 and len(stored) == 10
    assert not set(codes) & set(stored)
    assert sorted(stored) == sorted(recovery_code_hash(c) for c in codes)
    assert not TOTPDevice.objects.exists()  # no clear-text seed anywhere


def test_rotate_keys_reencrypts_the_totp_seeds_too(admin_user):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(ENCRYPTION_KEYS=[old]):
        device = EncryptedTotpDevice.objects.create(user=admin_user, name="phone", confirmed=True)
        seed = str(device.key)
    with override_settings(ENCRYPTION_KEYS=[new, old]):
        call_command("rotate_keys")
    with override_settings(ENCRYPTION_KEYS=[new]):
        assert str(EncryptedTotpDevice.objects.get(pk=device.pk).key) == seed
        client = Client()
        login_with_password(client, admin_user)
        answer = client.post(
            "/login/verify/", {"code": code_for(EncryptedTotpDevice.objects.get())}
        )
        assert answer.status_code == 302


def test_the_migration_moves_clear_text_seeds_and_codes(admin_user):
    plain = TOTPDevice.objects.create(user=admin_user, name="old-phone", confirmed=True)
    static = StaticDevice.objects.create(user=admin_user, name="recovery", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    migration = importlib.import_module("portal.migrations.0005_second_factor_at_rest")
    migration.second_factor_at_rest(apps, None)
    assert not TOTPDevice.objects.exists()
    moved = EncryptedTotpDevice.objects.get(user=admin_user)
    assert str(moved.key) == plain.key and moved.name == "old-phone" and moved.confirmed
    assert plain.key not in _raw("portal_encryptedtotpdevice", "key")[0]
    assert list(StaticToken.objects.values_list("token", flat=True)) == [
        recovery_code_hash("abcd2345")
    ]
    migration.second_factor_at_rest(apps, None)  # twice: hashes are not hashed again
    assert StaticToken.objects.get().token == recovery_code_hash("abcd2345")
    client = Client()
    login_with_password(client, admin_user)
    assert client.post("/login/verify/", {"code": "abcd2345"}).status_code == 302
