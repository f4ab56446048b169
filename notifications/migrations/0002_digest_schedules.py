"""Beat schedule: the hourly digest five minutes past each hour, the daily one at 07:00."""

from django.conf import settings
from django.db import migrations

SCHEDULES = {
    "notifications.digest.hourly": ("hourly", {"minute": "5", "hour": "*"}),
    "notifications.digest.daily": ("daily", {"minute": "0", "hour": "7"}),
}


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (frequency, fields) in SCHEDULES.items():
        cron, _ = CrontabSchedule.objects.get_or_create(
            **fields, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": "notifications.digest", "crontab": cron, "args": f'["{frequency}"]'},
        )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
