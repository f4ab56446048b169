"""Map the patch and lifecycle checks (PAT-001, PAT-002, PAT-004) to SYS.1.5.A13 and A19."""

from django.db import migrations

from compliance.catalog import reload_in_migration


class Migration(migrations.Migration):
    dependencies = [("compliance", "0014_finding_message_args")]
    operations = [migrations.RunPython(reload_in_migration, migrations.RunPython.noop)]
