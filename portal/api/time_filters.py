"""A date-time query parameter the database can always take."""

from __future__ import annotations

import datetime as dt

import django_filters
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with any offset Python accepts, handed to the database in UTC.

    PostgreSQL refuses offsets beyond ±15:59 that Python parses (``-17:17``); the instant is
    the same in UTC, so the filter answers instead of failing with a server error.
    """

    def to_python(self, value: object) -> dt.datetime | None:
        parsed = super().to_python(value)
        return parsed.astimezone(dt.UTC) if parsed is not None else None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
