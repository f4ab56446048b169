"""PolicyRun on the one run model (portal.runs.RunBase): ``state`` becomes ``status`` with the
run status values; a run that ended "partial" succeeded (its skipped VMs stay recorded, and its
outcome and the policy's last state still say "partial"). Queued when it started."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def to_run_status(apps, schema_editor):
    PolicyRun = apps.get_model("operations", "PolicyRun")
    PolicyRun.objects.filter(status="partial").update(status="succeeded")
    PolicyRun.objects.update(queued_at=F("started_at"))


def from_run_status(apps, schema_editor):
    PolicyRun = apps.get_model("operations", "PolicyRun")
    PolicyRun.objects.filter(status="succeeded").exclude(skipped=[]).update(status="partial")
    PolicyRun.objects.filter(started_at__isnull=True).update(started_at=F("queued_at"))


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]

    operations = [
        migrations.RenameField("policyrun", "state", "status"),
        migrations.AddField(
            model_name="policyrun",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="policyrun",
            name="progress",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="policyrun",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="policyrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "queued"),
                    ("running", "running"),
                    ("succeeded", "succeeded"),
                    ("failed", "failed"),
                ],
                db_index=True,
                default="queued",
                max_length=16,
            ),
        ),
        # Rows last: PostgreSQL alters no table with pending trigger events in one transaction.
        migrations.RunPython(to_run_status, from_run_status),
    ]
