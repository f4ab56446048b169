"""Utilization readings for the detail pages' charts, over the range the page asks for.

``?range=hour|day|week|month`` (plain links under the charts, no script) picks how far back
the charts reach; a month is the default and the retention window caps every range. A value
the page does not know is named in a message and the default is drawn.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.charts import utilization_charts
from inventory.models import UtilizationSample
from portal.pages import query_without

RANGES = {
    "hour": (dt.timedelta(hours=1), _("hour")),
    "day": (dt.timedelta(days=1), _("day")),
    "week": (dt.timedelta(days=7), _("week")),
    "month": (dt.timedelta(days=30), _("month")),
}
DEFAULT_RANGE = "month"


def range_start(span: str) -> dt.datetime:
    """How far back ``span`` reaches from now (the retention window caps it)."""
    reach = min(RANGES[span][0], dt.timedelta(days=settings.UTILIZATION_RETENTION_DAYS))
    return timezone.now() - reach


def chosen_range(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """The range the request asks for (the default for none or one the page does not know),
    and the context of the range links (``inventory/_chart_ranges.html``), which keep the
    page's other parameters."""
    asked = request.GET.get("range", DEFAULT_RANGE)
    span = asked if asked in RANGES else DEFAULT_RANGE
    error = "" if asked == span else _("range: choose hour, day, week or month.")
    return span, {
        "chart_ranges": [
            {"key": key, "label": label, "current": key == span}
            for key, (_reach, label) in RANGES.items()
        ],
        "chart_range_error": error,
        "chart_range_query": query_without(request, "range"),
    }


def recent_samples(
    object_type: str, object_id: int, span: str = DEFAULT_RANGE
) -> list[UtilizationSample]:
    """The object's readings within ``span`` (and the retention window), oldest first (one
    query)."""
    return list(
        UtilizationSample.objects.filter(
            object_type=object_type, object_id=object_id, taken_at__gte=range_start(span)
        ).order_by("taken_at")
    )


def chart_context(request: HttpRequest, object_type: str, object_id: int) -> dict[str, Any]:
    """The charts of one object over the requested range, the range links and any message
    about a range the page does not know."""
    span, ranges = chosen_range(request)
    return {
        "charts": utilization_charts(recent_samples(object_type, object_id, span), key=object_type),
        **ranges,
    }
