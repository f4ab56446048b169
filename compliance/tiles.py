"""The compliance dashboard tile: requirement status per catalog and a running check run.

Registered in :class:`compliance.apps.ComplianceConfig` (``portal.tiles``); a fixed number of
queries whatever the size of the estate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.tiles import Scope, list_url, register

from .choices import STATUS_SYMBOLS, Catalog, RequirementStatus
from .models import CheckRun
from .services.status import requirement_summary


@dataclass(frozen=True)
class RequirementTile:
    available: bool  # False: nothing has been checked, or the user is scoped
    catalogs: list[dict[str, Any]]
    url: str
    running: dict[str, Any] | None = None  # progress of a check run going on now
    runs_url: str = ""


def requirement_tile(scope: Scope) -> RequirementTile:
    """Requirement status per catalog from the compliance service (a fixed number of queries).

    The service summarises all endpoints or one; a user scoped to anything else gets the link
    to the compliance pages but no estate-wide figures.
    """
    url = list_url("compliance:dashboard")
    running = (
        scope.of(CheckRun.objects.filter(status=CheckRun.Status.RUNNING), "endpoint", None)
        .order_by("-started_at")
        .values_list("progress", flat=True)
        .first()
    )
    runs_url = list_url("compliance:run-list")
    if scope.limited:
        return RequirementTile(False, [], url, running, runs_url)
    summary = requirement_summary()
    # BSI wording; the symbol (compliance's one definition) lets a status read without colour.
    order = [
        (RequirementStatus.FULFILLED, _("fulfilled"), "ok"),
        (RequirementStatus.PARTLY, _("partly fulfilled"), "warn"),
        (RequirementStatus.NOT_FULFILLED, _("not fulfilled"), "bad"),
        (RequirementStatus.RISK_ACCEPTED, _("risk accepted"), "warn"),
        (RequirementStatus.NOT_CHECKED, _("not checked"), "na"),
    ]
    catalogs = []
    checked = False
    for catalog in Catalog:
        counts = summary.get(catalog.value, {})
        if not counts:
            continue
        rows = [
            {
                "label": label,
                "count": counts.get(status.value, 0),
                "tone": tone,
                "symbol": STATUS_SYMBOLS[status],
            }
            for status, label, tone in order
        ]
        checked |= any(row["count"] for row in rows[:3])
        catalogs.append({"name": catalog.value, "rows": rows})
    return RequirementTile(checked, catalogs, url, running, runs_url)


def _context(scope: Scope, now: dt.datetime) -> dict[str, Any]:
    return {"requirements": requirement_tile(scope)}


def register_tiles() -> None:
    register(
        "requirements", order=60, template="compliance/tiles/requirements.html", context=_context
    )
