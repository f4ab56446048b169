"""What the operations app shows on inventory's VM page (inventory.page_slots)."""

from __future__ import annotations

from django import template

from operations.models import Operation

register = template.Library()

# How many snapshot operations a VM's page lists; the operations list shows them all.
HISTORY_ROWS = 20


@register.simple_tag
def snapshot_history(vm, limit: int = HISTORY_ROWS) -> dict:
    """The VM's newest ``limit`` snapshot operations, newest first, and whether there are more
    (one query). The page showing ``vm`` already checked the reader may see it."""
    rows = list(
        # snapshot: its name in every row (a deleted one's name stays in the params).
        Operation.objects.filter(vm=vm).select_related("snapshot")[: limit + 1]
    )
    return {"rows": rows[:limit], "more": len(rows) > limit}
