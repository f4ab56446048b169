"""Utilization readings for the detail pages' charts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from inventory.models import UtilizationSample


def recent_samples(object_type: str, object_id: int) -> list[UtilizationSample]:
    """The object's readings within the retention window, oldest first (one query)."""
    since = timezone.now() - dt.timedelta(days=settings.UTILIZATION_RETENTION_DAYS)
    return list(
        UtilizationSample.objects.filter(
            object_type=object_type, object_id=object_id, taken_at__gte=since
        ).order_by("taken_at")
    )
