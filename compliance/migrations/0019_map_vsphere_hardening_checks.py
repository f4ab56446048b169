"""Map HRD-001..005 (vSphere hardening guides: SYS.1.5.A22, A23, A11) from mapping.json."""

from django.db import migrations


def load(apps, schema_editor):
    from compliance.catalog import load_catalogs

    load_catalogs(
        apps.get_model("compliance", "Requirement"),
        apps.get_model("compliance", "RequirementSentence"),
        apps.get_model("compliance", "CheckMapping"),
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0018_map_console_use_checks")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
