# Operation, SnapshotPolicy, PolicyRun and ExpiryNotice move to the operations app (issue 13).
# Their tables stay where they are (the models keep db_table): only Django's state forgets them
# here; operations/migrations/0001_initial.py takes them over, also in state only.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_checks_per_host_state")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ExpiryNotice"),
                migrations.DeleteModel(name="Operation"),
                migrations.DeleteModel(name="PolicyRun"),
                migrations.DeleteModel(name="SnapshotPolicy"),
            ],
            database_operations=[],
        ),
    ]
