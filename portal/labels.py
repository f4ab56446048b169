"""Words for people in place of the portal's own raw values (role names in the database)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .roles import ADMINISTRATOR, AUDITOR, SECURITY_OFFICER

ROLE_NAMES = {
    ADMINISTRATOR: _("Administrator"),
    SECURITY_OFFICER: _("Security officer"),
    AUDITOR: _("Auditor"),
}


def role_label(role: str | None) -> str:
    """``security_officer`` -> "Security officer" (translated); "" for no role."""
    return str(ROLE_NAMES.get(role or "", role or ""))


def trigger_label(trigger: str | None) -> str:
    """What started a run, in words (``schedule`` -> "Zeitplan"), as the audit trail says it."""
    from django.utils.translation import gettext

    from portal.audit import source_for_trigger
    from portal.models import AuditEvent

    if not trigger:
        return ""
    source = source_for_trigger(trigger)
    if source == AuditEvent.Source.TASK and trigger != source:
        return gettext(trigger)  # "sync", "policy": translated where the catalogue has it
    return str(AuditEvent.Source(source).label)
