"""Template filters for inventory values: units, "no data" for what the source did not give.

A missing value (None, or "" for text) renders as a muted "no data", never as 0 or "0 bytes",
so a reader can tell "the platform did not say" from "the platform said zero".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from inventory.connectors.platforms import platform_label
from inventory.connectors.tls import format_fingerprint
from portal.tables import no_data

register = template.Library()


def _missing(value: Any) -> bool:
    return value is None or value == ""


@register.filter
def or_nodata(value: Any) -> Any:
    """The value itself, or "no data"."""
    return no_data() if _missing(value) else value


@register.filter
def bytes_or_nodata(value: int | None) -> str:
    return no_data() if _missing(value) else filesizeformat(value)


@register.filter
def percent_or_nodata(value: float | None) -> str:
    # In the reader's locale: "2.0 %", "2,0 %".
    return no_data() if _missing(value) else f"{formats.number_format(value, 1)} %"


@register.filter
def bool_or_nodata(value: bool | None) -> str:
    if value is None:
        return no_data()
    return _("yes") if value else _("no")


@register.filter
def rate_or_nodata(bytes_per_second: float | None) -> str:
    if _missing(bytes_per_second):
        return no_data()
    return f"{filesizeformat(bytes_per_second)}/s"


@register.filter
def speed_or_nodata(mbps: int | None) -> str:
    if _missing(mbps):
        return no_data()
    if mbps >= 1000:
        return f"{formats.localize(round(mbps / 1000, 3), use_l10n=True)} Gbit/s"
    return f"{mbps} Mbit/s"


@register.filter
def duration_or_nodata(seconds: int | None) -> str:
    """Uptime as ``3 d 4 h`` (or ``5 h 12 min`` below a day)."""
    if _missing(seconds):
        return no_data()
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {rest // 60} min"


@register.filter
def state_or_nodata(value: str | None) -> str:
    """A power or connection state in words ("powered on"), or "no data"."""
    from inventory.labels import state_label

    return no_data() if _missing(value) else state_label(value)


@register.filter
def guest_os_or_nodata(value: str | None) -> str:
    """The guest OS in words (``l26`` -> "Linux (kernel 2.6 to 6.x)"), or "no data"."""
    from inventory.labels import guest_os_label

    return no_data() if _missing(value) else guest_os_label(value)


@register.filter
def freshness(endpoint) -> Any:
    """The endpoint's sync state now (inventory.services.freshness): ``state``, ``late``, ``error``."""
    from django.utils import timezone

    from inventory.services.freshness import freshness as endpoint_freshness

    return endpoint_freshness(endpoint, now=timezone.now())


@register.filter
def fingerprint(value: str) -> str:
    """A stored SHA-256 fingerprint as ``AB:CD:...``; anything unparsable as given."""
    try:
        return format_fingerprint(value)
    except ValueError:
        return value


@register.simple_tag
def platform_badge(kind: str) -> SafeString:
    """A badge naming the platform in text (its colour only repeats what the text says)."""
    return format_html(
        '<span class="badge platform platform-{}">{}</span>', kind, platform_label(kind)
    )


@register.filter
def progress(value: dict | None) -> str:
    """A running sync's or check run's progress as text ("reading VMs: 1,200")."""
    from inventory.services.progress import progress_text

    return progress_text(value)
