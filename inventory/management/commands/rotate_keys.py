"""``manage.py rotate_keys``: re-encrypt every stored secret with the first ENCRYPTION_KEYS key.

Hypervisor secrets (``Endpoint.secret``) and the TOTP seeds of the second factor
(``EncryptedTotpDevice.key``) use the same keys; both are rotated in one transaction.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from inventory.models import Endpoint
from portal import crypto
from portal.audit import audit
from portal.security.models import EncryptedTotpDevice

ENCRYPTED_COLUMNS = ((Endpoint, "secret", "secrets"), (EncryptedTotpDevice, "key", "totp_seeds"))


class Command(BaseCommand):
    help = (
        "Re-encrypt hypervisor secrets and TOTP seeds with the current (first) key; old keys "
        "can then be removed."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        counts = {}
        for model, field, label in ENCRYPTED_COLUMNS:
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(model._meta.get_field(field).column)
            with connection.cursor() as cursor:
                # The raw ciphertext: rotation never needs the plaintext in Python objects.
                cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
                rows = cursor.fetchall()
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                    [(crypto.rotate(token), pk) for pk, token in rows],
                )
            counts[label] = len(rows)
        audit(action="keys.rotate", actor="manage.py", detail=counts)
        self.stdout.write(
            f"re-encrypted {counts['secrets']} secrets and {counts['totp_seeds']} TOTP seeds "
            "with the current key"
        )
