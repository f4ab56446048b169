"""The trend chart as plain SVG coordinates, rendered by a template (no script, no inline style)."""

from __future__ import annotations

from dataclasses import dataclass

from .choices import RequirementStatus

WIDTH, HEIGHT, PAD = 600, 180, 30
SERIES = (
    (RequirementStatus.FULFILLED, "#1a7f37", "✔"),
    (RequirementStatus.PARTLY, "#9a6700", "◐"),
    (RequirementStatus.NOT_FULFILLED, "#cf222e", "✖"),
)


@dataclass
class Series:
    status: str
    label: str
    colour: str
    symbol: str
    points: str  # "x,y x,y ..." for <polyline>
    last: int
    dashes: str


def trend(runs, catalog: str = "M4349") -> dict:
    """Lines of requirement counts per status over ``runs`` (oldest first)."""
    runs = [r for r in runs if r.requirement_summary.get(catalog)]
    top = max((sum(r.requirement_summary[catalog].values()) for r in runs), default=1) or 1
    step = (WIDTH - 2 * PAD) / max(len(runs) - 1, 1)
    series = []
    for (status, colour, symbol), dashes in zip(SERIES, ("", "6 3", "2 3"), strict=True):
        points = []
        for i, run in enumerate(runs):
            value = run.requirement_summary[catalog].get(status, 0)
            y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top
            points.append(f"{PAD + i * step:.1f},{y:.1f}")
        last = runs[-1].requirement_summary[catalog].get(status, 0) if runs else 0
        series.append(
            Series(
                status,
                RequirementStatus(status).label,
                colour,
                symbol,
                " ".join(points),
                last,
                dashes,
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "top": top,
        "series": series,
        "runs": len(runs),
        "first": runs[0].finished_at if runs else None,
        "last": runs[-1].finished_at if runs else None,
        "axis_y": HEIGHT - PAD,
        "axis_x": WIDTH - PAD,
    }
