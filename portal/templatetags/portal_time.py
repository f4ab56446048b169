"""``{{ value|when }}``: a moment as ``<time datetime="UTC">local time ZONE</time>``.

``{{ value|when:"seconds" }}`` adds seconds, ``{{ value|when:"date" }}`` shows the day only.
None renders as "" so ``|default`` still works. See :mod:`portal.timefmt`.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from portal.timefmt import local_text, utc_iso

register = template.Library()


@register.filter
def when(value, precision: str = "minutes"):
    if value is None or value == "":
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', utc_iso(value), local_text(value, precision)
    )


@register.filter
def when_text(value, precision: str = "minutes") -> str:
    """The same text without the element (for attributes and plain text)."""
    return local_text(value, precision) if value not in (None, "") else ""


@register.filter(name="utc_iso")
def utc_iso_filter(value) -> str:
    """ISO 8601 in UTC, for ``datetime`` attributes."""
    return utc_iso(value) or ""
