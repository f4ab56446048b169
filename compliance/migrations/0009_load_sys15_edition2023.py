"""Load SYS.1.5 (Edition 2023) with its sentences and the per-sentence mapping.

Requirement rows keep their refs (findings and waivers name checks, not rows, and links use
refs), A1 and A18 are added as withdrawn, A18's 2019 title is replaced by the official one.
"""

from django.db import migrations


def load(apps, schema_editor):
    from compliance.catalog import load_catalogs

    load_catalogs(
        apps.get_model("compliance", "Requirement"),
        apps.get_model("compliance", "RequirementSentence"),
        apps.get_model("compliance", "CheckMapping"),
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0008_sentences_and_mapping")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
