"""Server-side SVG line charts of utilization over time.

The portal's CSP allows no inline script and no inline style, so charts are plain SVG markup
made here: geometry in presentation attributes, colours in CSS classes (``chart-series-N``)
and each series also told apart by its dash pattern and named in a text legend, so the chart
reads without colour. Every chart carries a ``<title>`` and a ``<desc>`` with the same text
summary the page shows under it. A gap in the data (``None``) is a gap in the line, never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from inventory.models import UtilizationSample

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 40  # room for the axis labels
DASHES = ("", "6 4", "2 3")  # series 0, 1, 2: solid, dashed, dotted

Point = tuple[dt.datetime, float | None]


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[Point]


@dataclass(frozen=True)
class Chart:
    """A rendered chart: ``svg`` to embed, ``summary`` to show as text beside it."""

    key: str
    title: str
    svg: SafeString
    summary: str
    has_data: bool


def percent(value: float) -> str:
    return f"{value:.1f} %"


def size(value: float) -> str:
    return str(filesizeformat(value))


def rate(value: float) -> str:
    return f"{filesizeformat(value)}/s"


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _summary(series: Sequence[Series], fmt: Callable[[float], str]) -> str:
    parts = []
    for s in series:
        values = [v for _, v in s.points if v is not None]
        if not values:
            parts.append(_("%(series)s: no data") % {"series": s.label})
            continue
        parts.append(
            _(
                "%(series)s: latest %(latest)s, lowest %(lowest)s, highest %(highest)s (%(n)d readings)"
            )
            % {
                "series": s.label,
                "latest": fmt(values[-1]),
                "lowest": fmt(min(values)),
                "highest": fmt(max(values)),
                "n": len(values),
            }
        )
    times = [t for s in series for t, v in s.points if v is not None]
    if times:
        parts.append(
            _("from %(start)s to %(end)s")
            % {"start": _local(min(times)), "end": _local(max(times))}
        )
    return "; ".join(parts) + "."


def _segments(points: Iterable[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Split at missing values, so a gap in the data is a gap in the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [r for r in runs if r]


def line_chart(
    *,
    key: str,
    title: str,
    series: Sequence[Series],
    fmt: Callable[[float], str],
    y_max: float | None = None,
) -> Chart:
    """A line chart of ``series`` over time; ``y_max`` fixes the scale (100 for percent)."""
    summary = _summary(series, fmt)
    values = [v for s in series for _, v in s.points if v is not None]
    times = [t for s in series for t, v in s.points if v is not None]
    if not values:
        return Chart(key, title, mark_safe(""), summary, has_data=False)

    top = y_max if y_max is not None else (max(values) * 1.1 or 1.0)
    start, end = min(times), max(times)
    span = (end - start).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(moment: dt.datetime) -> float:
        if start == end:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (moment - start).total_seconds() / span

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - min(value, top) / top)

    title_id, desc_id = f"chart-{key}-title", f"chart-{key}-desc"
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(summary)}</desc>',
    ]
    for fraction in (0.0, 0.5, 1.0):  # gridlines with their value
        y = TOP + plot_h * (1 - fraction)
        out.append(
            f'<line class="chart-gridline" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="chart-label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(top * fraction))}</text>"
        )
    baseline = TOP + plot_h
    out.append(
        f'<text class="chart-label" x="{LEFT}" y="{baseline + 18}" text-anchor="start">'
        f"{escape(_local(start))}</text>"
    )
    if end != start:
        out.append(
            f'<text class="chart-label" x="{WIDTH - RIGHT}" y="{baseline + 18}" '
            f'text-anchor="end">{escape(_local(end))}</text>'
        )
    for index, s in enumerate(series):
        css = f"chart-series chart-series-{index}"
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _segments((x_of(t), v) for t, v in s.points):
            if len(run) == 1:  # a lone reading between gaps: a dot, or it would not show
                x, y = run[0]
                out.append(f'<circle class="{css}-dot" cx="{x:.1f}" cy="{y_of(y):.1f}" r="3"/>')
                continue
            coords = " ".join(f"{x:.1f},{y_of(y):.1f}" for x, y in run)
            out.append(
                f'<polyline class="{css}" fill="none" stroke-width="2"{dash_attr} '
                f'points="{coords}"/>'
            )
        # Legend: a sample of the line's dash pattern beside the series' name.
        lx = LEFT + index * 160
        ly = HEIGHT - 6
        out.append(
            f'<line class="{css}" x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        out.append(f'<text class="chart-label" x="{lx + 30}" y="{ly}">{escape(s.label)}</text>')
    out.append("</svg>")
    # Every piece of text above went through escape(); numbers are formatted here.
    return Chart(key, title, mark_safe("".join(out)), summary, has_data=True)  # noqa: S308


def utilization_charts(samples: Sequence[UtilizationSample], *, key: str) -> list[Chart]:
    """CPU, memory, storage and network charts of one object's samples (oldest first)."""

    def points(attr: str) -> list[Point]:
        return [(s.taken_at, getattr(s, attr)) for s in samples]

    def percent_chart(name: str, title: str, label: str, attr: str) -> Chart:
        return line_chart(
            key=f"{key}-{name}",
            title=title,
            series=[Series(label, points(attr))],
            fmt=percent,
            y_max=100.0,
        )

    return [
        percent_chart("cpu", _("CPU use (%)"), _("CPU"), "cpu_percent"),
        percent_chart("memory", _("Memory use (%)"), _("Memory"), "memory_percent"),
        line_chart(
            key=f"{key}-storage",
            title=_("Storage used"),
            series=[Series(_("Used"), points("storage_used_bytes"))],
            fmt=size,
        ),
        line_chart(
            key=f"{key}-network",
            title=_("Network (bytes per second)"),
            series=[
                Series(_("Received"), points("net_rx_bps")),
                Series(_("Sent"), points("net_tx_bps")),
            ],
            fmt=rate,
        ),
    ]
