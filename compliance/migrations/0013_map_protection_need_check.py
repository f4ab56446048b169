"""Map PRO-001 (VM with a higher protection need than its host) to SYS.1.5.A8 and A15."""

from django.db import migrations


def load(apps, schema_editor):
    from compliance.catalog import load_catalogs

    load_catalogs(
        apps.get_model("compliance", "Requirement"),
        apps.get_model("compliance", "RequirementSentence"),
        apps.get_model("compliance", "CheckMapping"),
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0012_assessments_and_protection_need")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
