"""One way to show a moment in time: local time with its zone name for people, UTC for machines.

The database holds aware UTC datetimes. Pages show them in the portal's ``TIME_ZONE`` with the
zone's abbreviation ("2026-01-15 14:00 CET"), so a reader never has to guess which clock a
column uses; exports and the API carry ISO 8601 in UTC ("2026-01-15T13:00:00Z"). Templates use
the ``when`` filter (:mod:`portal.templatetags.portal_time`), which wraps the text in a
``<time datetime="...Z">`` element; JSON for live updates carries both the ISO value and the
text made here, so a value updated by script reads exactly as the server would have rendered it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

FORMATS = {"minutes": "%Y-%m-%d %H:%M", "seconds": "%Y-%m-%d %H:%M:%S", "date": "%Y-%m-%d"}


def local_text(value: dt.datetime | None, precision: str = "minutes") -> str:
    """``value`` in the portal's time zone with the zone's name; "" for None.

    ``precision`` is "minutes", "seconds" or "date" (a date alone has no zone name).
    """
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):  # a plain date
        return value.strftime(FORMATS["date"])
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    local = timezone.localtime(value)
    text = local.strftime(FORMATS.get(precision, FORMATS["minutes"]))
    return text if precision == "date" else f"{text} {local.tzname()}"


def utc_iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z (seconds precision); None for None."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):  # a plain date
        return value.isoformat()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_moment(text: str, *, end: bool = False) -> dt.datetime:
    """A moment typed into a filter: an ISO date-time (without a zone: the portal's time zone)
    or a date (its start; with ``end``, the start of the next day, so "until 2026-11-30"
    includes that day). ``ValueError`` when it is neither."""
    text = text.strip()
    try:
        day = parse_date(text)  # a date alone (parse_datetime would take it as midnight)
    except ValueError:
        day = None
    if day is not None:
        value = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time())
    else:
        value = parse_datetime(text)
        if value is None:
            raise ValueError(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value
