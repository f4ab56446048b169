# The marker of an operation's snapshot becomes an unguessable nonce (issue 11, item 5).

import secrets

from django.db import migrations, models


def new_nonce() -> str:
    """The default of the time (operations.models.new_nonce since the model left inventory)."""
    return secrets.token_hex(16)


def distinct_nonces(apps, schema_editor):
    """AddField gave every existing row the same default: give each its own."""
    Operation = apps.get_model("inventory", "Operation")
    for op in Operation.objects.only("pk").iterator():
        Operation.objects.filter(pk=op.pk).update(nonce=new_nonce())


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_sync_progress")]

    operations = [
        migrations.AddField(
            model_name="operation",
            name="nonce",
            field=models.CharField(default=new_nonce, editable=False, max_length=32),
        ),
        migrations.RunPython(distinct_nonces, migrations.RunPython.noop),
    ]
