"""Revoke API tokens that someone made in the portal for another user (issue 11).

Until now an administrator could create a token for any user on /security/tokens/ and act as
that user with it. The rule is now "own tokens only"; tokens made that way before are revoked
here, found by their ``api_token.create`` audit event (actor other than the owner, from the
browser or the API). Tokens from ``manage.py create_api_token`` (source "command") stay.
"""

from django.db import migrations
from django.utils import timezone


def revoke_tokens_made_for_others(apps, schema_editor):
    audit_event = apps.get_model("portal", "AuditEvent")
    api_token = apps.get_model("portal", "ApiToken")
    made_for_others = []
    for event in audit_event.objects.filter(
        action="api_token.create", source__in=("web", "api")
    ).iterator():
        owner = (event.detail or {}).get("for_user")
        if owner and owner != event.actor and event.target_id.isdigit():
            made_for_others.append(int(event.target_id))
    api_token.objects.filter(pk__in=made_for_others, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_second_factor_at_rest")]

    operations = [
        migrations.RunPython(revoke_tokens_made_for_others, migrations.RunPython.noop),
    ]
