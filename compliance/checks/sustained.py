"""Load judged over the stored samples, not one reading: "above 80 % for 15 minutes".

A single current value opens and closes a finding on every run when the load hovers around the
limit (flapping). These checks walk the host's recent samples (one per sync, read by the
context in one query) through a small state machine:

- the load becomes *high* once every sample for ``sustained_minutes`` is above the limit (a
  limit of 0 minutes: the latest sample alone decides);
- it stays high until a sample falls below the limit minus ``hysteresis`` points, so a host
  at 79 % after a spell at 85 % (limit 80, hysteresis 5) is still reported.

The state comes from the samples alone, so a check stays a pure function of the inventory.
Without any stored sample (a host never sampled) the current value is judged on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..messages import msg
from .registry import Param

# How far back the context reads host samples; sustained_minutes cannot exceed it.
HISTORY = dt.timedelta(hours=4)


def sustain_params() -> tuple[Param, ...]:
    return (
        Param(
            "sustained_minutes",
            15,
            _("How long the load must stay above the limit"),
            minimum=0,
            maximum=HISTORY.total_seconds() // 60 // 2,
            unit="min",
        ),
        Param(
            "hysteresis_points",
            5,
            _("How far below the limit the load must fall to clear"),
            kind="float",
            minimum=0,
            maximum=50,
            unit="%",
        ),
    )


@dataclass(frozen=True, slots=True)
class Judgement:
    high: bool
    latest: float
    high_since: dt.datetime | None  # when the current spell above the limit began
    samples: int

    def evidence(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "above_limit_since": self.high_since.isoformat() if self.high_since else None,
            "samples_judged": self.samples,
            "sustained_minutes": params["sustained_minutes"],
            "hysteresis_points": params["hysteresis_points"],
        }


def judge_sustained(
    points: Sequence[tuple[dt.datetime, float]],
    *,
    limit: float,
    sustained_minutes: float,
    hysteresis: float,
) -> Judgement | None:
    """Walk ``points`` (time, percent), oldest first; None when there are none."""
    if not points:
        return None
    window = dt.timedelta(minutes=sustained_minutes)
    high, above_since = False, None
    for taken_at, value in points:
        if value > limit:
            above_since = above_since or taken_at
            if not high and taken_at - above_since >= window:
                high = True
        else:
            above_since = None
            if high and value < limit - hysteresis:
                high = False
    return Judgement(high, points[-1][1], above_since if high else None, len(points))


def judge_host_load(host, attribute: str, current: float, params, ctx, label, evidence):
    """CPU-001 / MEM-001: the host's ``attribute`` samples judged against ``max_percent``.

    Returns (failed?, message, evidence). Without samples, the current value alone decides.
    """
    limit = params["max_percent"]
    points = [
        (s.taken_at, getattr(s, attribute))
        for s in ctx.host_load_history.get(host.pk, ())
        if getattr(s, attribute) is not None
    ]
    judgement = judge_sustained(
        points,
        limit=limit,
        sustained_minutes=params["sustained_minutes"],
        hysteresis=params["hysteresis_points"],
    )
    if judgement is None:
        high = current > limit
        message = msg(
            "%(label)s is %(current).1f%% (limit %(limit)s%%; no stored samples).",
            label=label,
            current=current,
            limit=limit,
        )
        return high, message, evidence
    evidence = {**evidence, **judgement.evidence(params)}
    if judgement.high:
        since = judgement.high_since.strftime("%Y-%m-%d %H:%M UTC") if judgement.high_since else ""
        message = msg(
            "%(label)s is %(current).1f%%, above %(limit)s%% since %(since)s "
            "(for at least %(minutes)s minutes).",
            label=label,
            current=current,
            limit=limit,
            since=since,
            minutes=params["sustained_minutes"],
        )
        return True, message, evidence
    message = msg(
        "%(label)s is %(current).1f%% (not above %(limit)s%% for %(minutes)s minutes).",
        label=label,
        current=current,
        limit=limit,
        minutes=params["sustained_minutes"],
    )
    return False, message, evidence
