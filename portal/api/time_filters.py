"""A date-time query parameter the database can always take."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with any offset Python accepts, handed to the database in UTC.

    PostgreSQL refuses offsets beyond ±15:59 that Python parses (``-17:17``); the instant is
    the same in UTC, so the filter answers instead of failing with a server error. An instant
    that has no UTC form (``9999-12-31T23:59:59-23:59`` lies in the year 10000) is invalid
    input: the filter set reports it under the parameter's name (400 in the API).
    """

    default_error_messages = {
        "out_of_range": "Enter a date and time between the years 1 and 9999 in UTC.",
    }

    def to_python(self, value: object) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
