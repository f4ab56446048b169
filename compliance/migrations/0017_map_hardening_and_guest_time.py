"""Map HRD-101..104 (SYS.1.5.A11, A22, A23), ADM-004 (A22) and TIM-001 (A7) from mapping.json."""

from django.db import migrations


def load(apps, schema_editor):
    from compliance.catalog import load_catalogs

    load_catalogs(
        apps.get_model("compliance", "Requirement"),
        apps.get_model("compliance", "RequirementSentence"),
        apps.get_model("compliance", "CheckMapping"),
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0016_map_availability_and_backup_checks")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
