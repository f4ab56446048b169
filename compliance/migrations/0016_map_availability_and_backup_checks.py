"""Map AVL-001..005 (SYS.1.5.A20, A2, A17) and BAK-001 (SYS.1.5.A2) from mapping.json."""

from django.db import migrations


def load(apps, schema_editor):
    from compliance.catalog import load_catalogs

    load_catalogs(
        apps.get_model("compliance", "Requirement"),
        apps.get_model("compliance", "RequirementSentence"),
        apps.get_model("compliance", "CheckMapping"),
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0015_map_patch_checks")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
