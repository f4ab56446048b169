"""Map the rights review RGT-001..004 and RGT-007 (SYS.1.5.A2, A12), and HRD-103/HRD-104 to
SYS.1.5.A2 sentence 2 (the token lines of the removed RGT-005/RGT-006), from mapping.json."""

from django.db import migrations

from compliance.catalog import reload_in_migration


class Migration(migrations.Migration):
    dependencies = [("compliance", "0019_map_vsphere_hardening_checks")]
    operations = [migrations.RunPython(reload_in_migration, migrations.RunPython.noop)]
