"""Map the patch and lifecycle checks (PAT-001, PAT-002, PAT-004) to SYS.1.5.A13 and A19."""

from django.db import migrations


def load(apps, schema_editor):
    from compliance.catalog import load_catalogs

    load_catalogs(
        apps.get_model("compliance", "Requirement"),
        apps.get_model("compliance", "RequirementSentence"),
        apps.get_model("compliance", "CheckMapping"),
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0015_merge_run_status_and_assessments")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
