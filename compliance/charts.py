"""The trend chart as plain SVG coordinates, rendered by a template (no script, no inline style)."""

from __future__ import annotations

from dataclasses import dataclass

from .choices import STATUS_SYMBOLS, RequirementStatus
from .services.status import summary_of

WIDTH, HEIGHT, PAD = 600, 180, 30
SERIES = tuple(
    (status, colour, STATUS_SYMBOLS[status])
    for status, colour in (
        (RequirementStatus.FULFILLED, "#1a7f37"),
        (RequirementStatus.PARTLY, "#9a6700"),
        (RequirementStatus.NOT_FULFILLED, "#cf222e"),
        (RequirementStatus.RISK_ACCEPTED, "#8250df"),
    )
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


def trend(runs, catalog: str = "M4349", endpoint_id: int | None = None) -> dict:
    """Lines of requirement counts per status over ``runs`` (oldest first).

    With ``endpoint_id`` the counts are that endpoint's, as each run stored them; runs that
    stored none for it are left out.
    """
    summaries = [(r, summary_of(r.requirement_summary, endpoint_id).get(catalog)) for r in runs]
    runs = [r for r, summary in summaries if summary]
    by_run = {r.pk: summary for r, summary in summaries if summary}
    top = max((sum(by_run[r.pk].values()) for r in runs), default=1) or 1
    step = (WIDTH - 2 * PAD) / max(len(runs) - 1, 1)
    series = []
    for (status, colour, symbol), dashes in zip(SERIES, ("", "6 3", "2 3", "1 2"), strict=True):
        points = []
        for i, run in enumerate(runs):
            value = by_run[run.pk].get(status, 0)
            y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top
            points.append(f"{PAD + i * step:.1f},{y:.1f}")
        last = by_run[runs[-1].pk].get(status, 0) if runs else 0
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
