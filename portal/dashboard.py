"""The overview dashboard: the tiles the apps registered (:mod:`portal.tiles`), in order.

``portal`` knows no feature app: inventory, operations and compliance register their tiles in
their ``AppConfig.ready()``. Each tile gathers its figures with aggregates, so the number of
queries is fixed (about fourteen) whatever the size of the estate; ``tests/portal/
test_dashboard.py`` pins it at two data sizes. Every tile carries the URL of the filtered list
behind it. :func:`dashboard_fragment` serves the tiles alone for ``static/js/live.js``, which
swaps them in every 10 s without reloading the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.access import role_required
from portal.roles import ROLES
from portal.tiles import Scope, tiles_for


class Counted(Protocol):
    label: str
    count: int
    tone: str


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    tone: str
    y: int
    width: int
    label_x: int


@dataclass(frozen=True)
class BarChart:
    """Geometry of a horizontal bar chart, drawn as SVG by a tile (inventory/tiles/snapshot_ages.html)."""

    width: int
    height: int
    bar_x: int
    bar_height: int
    bars: list[Bar]
    summary: str


def bar_chart(buckets: Iterable[Counted], width: int = 360) -> BarChart:
    """Bars scaled to the largest count; a zero count keeps a hairline so its row is visible."""
    buckets = list(buckets)
    label_room, count_room, row, bar_height = 110, 48, 28, 18
    span = width - label_room - count_room
    top = max((b.count for b in buckets), default=0) or 1
    bars = []
    for i, b in enumerate(buckets):
        w = max(1, round(span * b.count / top))
        bars.append(Bar(b.label, b.count, b.tone, i * row + 4, w, label_room + w + 6))
    summary = ", ".join(f"{b.label}: {b.count}" for b in buckets)
    return BarChart(width, row * len(bars) + 4, label_room, bar_height, bars, summary)


# ----------------------------------------------------------------------------- views


def dashboard_data(user: Any = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The template context of every tile, as ``user`` may see it (``None``: unscoped).

    The query count does not depend on the data.
    """
    now = now or timezone.now()
    scope = Scope(user)
    tiles = tiles_for(user)
    context: dict[str, Any] = {"now": now, "tiles": [t.template for t in tiles]}
    for tile in tiles:
        context.update(tile.context(scope, now))
    return {
        **context,
        # Not an environment setting: tests shorten it with the ``settings`` fixture.
        "live_seconds": getattr(settings, "DASHBOARD_LIVE_SECONDS", 10),
        # live.js stops polling once the user has been idle this long, so that polling
        # does not keep an unattended session alive past its idle timeout.
        "live_idle_seconds": max(60, settings.SESSION_COOKIE_AGE - 60),
    }


@require_GET
@role_required(*ROLES)
def dashboard_fragment(request: HttpRequest) -> HttpResponse:
    """The tiles alone, for ``static/js/live.js`` to swap in place."""
    return render(request, "portal/_tiles.html", dashboard_data(request.user))
