# The snapshot operation models, taken over from the inventory app (issue 13). Their tables
# exist already (inventory's migrations made them; db_table keeps their names), so this creates
# them in Django's state only, after inventory's 0010 let go of them. The content types move
# along, so permissions and admin history that point at them stay attached.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import operations.models

MODELS = ("operation", "snapshotpolicy", "policyrun", "expirynotice")


def _move_content_types(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_operations(apps, schema_editor):
    _move_content_types(apps, schema_editor, "inventory", "operations")


def content_types_to_inventory(apps, schema_editor):
    _move_content_types(apps, schema_editor, "operations", "inventory")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("inventory", "0010_operations_leave_for_their_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExpiryNotice",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("noticed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("mailed", models.BooleanField(default=False)),
                        (
                            "snapshot",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="expiry_notice",
                                to="inventory.snapshot",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "inventory_expirynotice",
                    },
                ),
                migrations.CreateModel(
                    name="SnapshotPolicy",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("label", models.CharField(max_length=12, unique=True)),
                        ("enabled", models.BooleanField(default=True)),
                        ("tag", models.CharField(blank=True, max_length=100)),
                        ("keep_last", models.PositiveIntegerField(default=3)),
                        ("max_age_hours", models.PositiveIntegerField(blank=True, null=True)),
                        ("min_free_percent", models.PositiveIntegerField(default=10)),
                        ("memory", models.BooleanField(default=False)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_run_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "last_run_state",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "never run"),
                                    ("running", "running"),
                                    ("succeeded", "succeeded"),
                                    ("partial", "partly skipped"),
                                    ("failed", "failed"),
                                ],
                                default="",
                                max_length=16,
                            ),
                        ),
                        ("last_run_reason", models.TextField(blank=True)),
                        (
                            "clusters",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="inventory.cluster"
                            ),
                        ),
                        (
                            "crontab",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="django_celery_beat.crontabschedule",
                            ),
                        ),
                        (
                            "endpoints",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="inventory.endpoint"
                            ),
                        ),
                        (
                            "periodic_task",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="django_celery_beat.periodictask",
                            ),
                        ),
                        (
                            "vms",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="inventory.virtualmachine"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "snapshot policies",
                        "db_table": "inventory_snapshotpolicy",
                        "ordering": ["label"],
                    },
                ),
                migrations.CreateModel(
                    name="PolicyRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("running", "running"),
                                    ("succeeded", "succeeded"),
                                    ("partial", "partly skipped"),
                                    ("failed", "failed"),
                                ],
                                default="running",
                                max_length=16,
                            ),
                        ),
                        ("trigger", models.CharField(default="schedule", max_length=16)),
                        ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("queued", models.PositiveIntegerField(default=0)),
                        ("skipped", models.JSONField(blank=True, default=list)),
                        ("error", models.TextField(blank=True)),
                        (
                            "policy",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="runs",
                                to="operations.snapshotpolicy",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "inventory_policyrun",
                        "ordering": ["-started_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Operation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("create", "create snapshot"),
                                    ("delete", "delete snapshot"),
                                    ("revert", "revert to snapshot"),
                                ],
                                max_length=8,
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
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
                        ("remote_ref", models.CharField(blank=True, max_length=255)),
                        ("error", models.TextField(blank=True)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("requested_by_name", models.CharField(blank=True, max_length=150)),
                        ("idempotency_key", models.CharField(blank=True, max_length=200)),
                        ("first_answer", models.JSONField(blank=True, editable=False, null=True)),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("touched_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("lease_until", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        (
                            "nonce",
                            models.CharField(
                                default=operations.models.new_nonce, editable=False, max_length=32
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "snapshot",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="operations",
                                to="inventory.snapshot",
                            ),
                        ),
                        (
                            "vm",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="operations",
                                to="inventory.virtualmachine",
                            ),
                        ),
                        (
                            "policy_run",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="operations",
                                to="operations.policyrun",
                            ),
                        ),
                        (
                            "policy",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="operations",
                                to="operations.snapshotpolicy",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "inventory_operation",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("state__in", ("queued", "running"))),
                                fields=("vm",),
                                name="operation_one_active_per_vm",
                                violation_error_message="another operation on this VM is still queued or running",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("idempotency_key", ""), _negated=True),
                                fields=("requested_by", "idempotency_key"),
                                name="operation_idempotency_key_per_user",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_operations, content_types_to_inventory),
    ]
