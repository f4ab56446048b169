"""``{{ role|role_label }}``: a role name as people read it (see :mod:`portal.labels`)."""

from __future__ import annotations

from django import template

from portal.labels import role_label as _role_label

register = template.Library()


@register.filter
def role_label(value: str | None) -> str:
    return _role_label(value)


@register.filter
def trigger_label(trigger: str | None) -> str:
    """What started a run, in words (``schedule`` -> "Zeitplan"), as the audit trail says it."""
    from portal.audit import source_for_trigger
    from portal.models import AuditEvent

    if not trigger:
        return ""
    return str(AuditEvent.Source(source_for_trigger(trigger)).label)
