"""What the compliance app shows on inventory's VM and host pages (inventory.page_slots)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Case, IntegerField, Value, When

from compliance.checks import CheckSpec, get_check
from compliance.choices import Severity
from compliance.models import Finding
from portal.security.scopes import scoped

register = template.Library()

# How many open findings an object's page lists; the findings list shows them all.
OBJECT_FINDING_ROWS = 50

_WORST_FIRST = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass
class ObjectFinding:
    finding: Finding
    check: CheckSpec | None  # None for a check no longer registered: its id stands alone


@register.simple_tag(takes_context=True)
def object_findings(context, object_type: str, object_id: int) -> dict:
    """The open findings on one object that the reader may see, the most severe first, and
    whether there are more than the page lists (one query)."""
    rows = list(
        scoped(
            context["request"].user,
            Finding.objects.open().filter(object_type=object_type, object_id=object_id),
        )
        .select_related("waiver")  # the status badge tells a waived finding
        .order_by(_WORST_FIRST, "-last_seen", "-id")[: OBJECT_FINDING_ROWS + 1]
    )
    return {
        "rows": [ObjectFinding(f, get_check(f.check_id)) for f in rows[:OBJECT_FINDING_ROWS]],
        "more": len(rows) > OBJECT_FINDING_ROWS,
    }


@register.filter
def severity_badge(severity: str) -> str:
    """The badge class of a severity (the colours of the existing badges)."""
    return {Severity.HIGH: "bad", Severity.MEDIUM: "warn"}.get(severity, "na")
