"""The status symbol of a finding, requirement or check outcome (compliance.choices)."""

from __future__ import annotations

from django import template

from compliance.choices import DISPLAY_STATUS_LABELS, STATUS_SYMBOLS

register = template.Library()


@register.filter
def status_symbol(status: str) -> str:
    """The symbol that lets a status read without colour; "-" for one without."""
    return STATUS_SYMBOLS.get(status, "-")


@register.filter
def status_label(status: str) -> str:
    """A finding's status in the reader's language (``fail`` -> "nicht bestanden")."""
    label = DISPLAY_STATUS_LABELS.get(status)
    return str(label) if label is not None else status
