"""Map the console use checks (CON-005, CON-006) to SYS.1.5.A25 sentences 1 and 2."""

from django.db import migrations

from compliance.catalog import reload_in_migration


class Migration(migrations.Migration):
    dependencies = [("compliance", "0017_map_hardening_and_guest_time")]
    operations = [migrations.RunPython(reload_in_migration, migrations.RunPython.noop)]
