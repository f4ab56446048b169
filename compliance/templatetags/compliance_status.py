"""The status symbol of a finding, requirement or check outcome (compliance.choices)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

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


@register.filter
def severity_label(severity: str) -> str:
    """A severity in the reader's language (``high`` -> "hoch")."""
    from compliance.choices import Severity

    return str(Severity(severity).label) if severity in Severity.values else severity


@register.filter
def platform_labels(kinds) -> str:
    """The platforms' names (``vcenter, proxmox`` -> "vCenter, Proxmox VE")."""
    from inventory.connectors.platforms import PLATFORMS

    return ", ".join(str(PLATFORMS[k].label) if k in PLATFORMS else k for k in kinds)


@register.filter
def english_unless_translated(text: str) -> str:
    """Text in the reader's language, or marked English (compliance.evidence_text)."""
    from compliance.evidence_text import english_unless_translated as mark

    return mark(text)


@register.filter
def check_description(spec) -> str:
    """A check's description (its docstring) in the reader's language, or marked English.

    The msgid is the docstring with its whitespace collapsed (lines and indentation are the
    source's layout, not the text's); the German texts are in the catalogue (makemessages does
    not extract docstrings: tests/compliance/test_check_descriptions.py finds a missing one)."""
    return english_unless_translated(" ".join(spec.description.split()))


RUN_COUNT_LABELS = {
    "opened": _("opened"),
    "still_open": _("still open"),
    "endpoints": _("endpoints"),
    "objects": _("objects"),
    "errors": _("errors"),
    # a run limited to what changed (compliance.services.limited)
    "base_run": _("base run"),
    "judged": _("judged"),
    "carried": _("carried over"),
    "wide_checks": _("estate-wide checks"),
}
# A run's scope: all objects, or what changed since the base run.
RUN_SCOPE_LABELS = {"all": _("all"), "changed": _("changed")}


@register.filter
def count_label(key: str) -> str:
    """A check run's count by its name in words (``fail`` -> "nicht bestanden",
    ``still_open`` -> "noch offen"); a name the catalogue does not know, marked English."""
    from compliance.evidence_text import key_label

    label = DISPLAY_STATUS_LABELS.get(key) or RUN_COUNT_LABELS.get(key)
    return str(label) if label is not None else key_label(key)


@register.filter
def count_value(value):
    """A run's count as written: a number, or the run's scope in words ("alle", "geändert")."""
    label = RUN_SCOPE_LABELS.get(value) if isinstance(value, str) else None
    return str(label) if label is not None else value
