"""Load the requirement catalogs from compliance/catalog/*.json and schedule the periodic tasks."""

from django.db import migrations


def load(apps, schema_editor):
    from compliance.catalog import load_catalogs

    load_catalogs(apps.get_model("compliance", "Requirement"))


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    quarter, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="compliance.run_checks",
        defaults={
            "task": "compliance.run_checks",
            "interval": hourly,
            "kwargs": '{"trigger": "schedule"}',
        },
    )
    PeriodicTask.objects.update_or_create(
        name="compliance.expire_waivers",
        defaults={"task": "compliance.expire_waivers", "interval": quarter},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(schedule, migrations.RunPython.noop),
    ]
