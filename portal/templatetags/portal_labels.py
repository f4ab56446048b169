"""``{{ role|role_label }}``: a role name as people read it (see :mod:`portal.labels`)."""

from __future__ import annotations

from django import template

from portal.labels import role_label as _role_label
from portal.labels import trigger_label as _trigger_label

register = template.Library()


@register.filter
def role_label(value: str | None) -> str:
    return _role_label(value)


@register.filter
def trigger_label(trigger: str | None) -> str:
    return _trigger_label(trigger)


@register.filter
def run_status_label(status: str | None) -> str:
    """A run's status in words (``failed`` -> "fehlgeschlagen"); "unknown" when empty."""
    from django.utils.translation import gettext

    from portal.runs import RunStatus

    if not status:
        return gettext("unknown")
    return str(RunStatus(status).label) if status in RunStatus.values else status
