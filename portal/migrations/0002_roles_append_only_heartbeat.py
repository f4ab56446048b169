"""Roles as groups, an append-only guard on the audit table, and the heartbeat schedule.

TRUNCATE is left to the database owner (test databases are emptied that way); the application
only ever issues row statements, and those the trigger refuses.
"""

from django.db import migrations

ROLES = ("administrator", "security_officer", "auditor")

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION portal_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_audit_no_update BEFORE UPDATE OR DELETE ON portal_auditevent
  FOR EACH ROW EXECUTE FUNCTION portal_audit_append_only();
"""

APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER portal_audit_no_{op.lower()} BEFORE {op} ON portal_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
    for op in ("UPDATE", "DELETE")
]


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)
    elif vendor == "sqlite":
        for statement in APPEND_ONLY_SQLITE:
            schema_editor.execute(statement)


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_audit_no_update ON portal_auditevent;")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_audit_no_update;")
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_audit_no_delete;")


def roles_and_schedule(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="portal.heartbeat", defaults={"task": "portal.heartbeat", "interval": every}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(guard, unguard),
        migrations.RunPython(roles_and_schedule, migrations.RunPython.noop),
    ]
