"""``manage.py rotate_keys``: re-encrypt every stored secret with the first ENCRYPTION_KEYS key."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from inventory.models import Endpoint
from portal import crypto
from portal.audit import audit


class Command(BaseCommand):
    help = (
        "Re-encrypt hypervisor secrets with the current (first) key; old keys can then be removed."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        table = connection.ops.quote_name(Endpoint._meta.db_table)
        with connection.cursor() as cursor:
            # The raw ciphertext: rotation never needs the plaintext in Python objects.
            cursor.execute(f"SELECT id, secret FROM {table} WHERE secret <> ''")  # noqa: S608
            rows = cursor.fetchall()
            cursor.executemany(
                f"UPDATE {table} SET secret = %s WHERE id = %s",  # noqa: S608
                [(crypto.rotate(token), pk) for pk, token in rows],
            )
        audit(action="keys.rotate", actor="manage.py", detail={"secrets": len(rows)})
        self.stdout.write(f"re-encrypted {len(rows)} secrets with the current key")
