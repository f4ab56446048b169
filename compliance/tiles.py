"""The compliance dashboard tile: requirement status per catalog and a running check run.

Registered in :class:`compliance.apps.ComplianceConfig` (``portal.tiles``); a fixed number of
queries whatever the size of the estate.

The tile does not derive the status again on every load (that read every open finding, check
result and mapping line: about half the dashboard's time at 10,000 VMs). Every check run stores
the estate's requirement summary when it finishes (``CheckRun.requirement_summary``); the tile
reads the newest one (one query) and says when and by which run it was computed. What can
change a status between runs without a run (a waiver approved, revoked or expired, a check
switched on or off) is looked for in the same query: the tile then says that the figures are
older than those changes instead of passing them off as current.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.tiles import Scope, list_url, register

from .choices import STATUS_SYMBOLS, Catalog, RequirementStatus
from .models import CheckRun, CheckSetting, Waiver
from .services.status import summary_of


@dataclass(frozen=True)
class RequirementTile:
    available: bool  # False: nothing has been checked, or the user is scoped
    catalogs: list[dict[str, Any]]
    url: str
    running: dict[str, Any] | None = None  # progress of a check run going on now
    runs_url: str = ""
    run: CheckRun | None = None  # the run whose stored summary the figures are
    changed_since: bool = False  # waivers or check settings changed after that run


def latest_summary(now: dt.datetime) -> CheckRun | None:
    """The newest succeeded run that stored a requirement summary, annotated with
    ``changed_since``: whether a waiver or check setting changed after it finished (one query).
    """
    after = OuterRef("finished_at")
    waivers = Waiver.objects.filter(
        Q(approved_at__gt=after)
        | Q(revoked_at__gt=after)
        | Q(expires_at__gt=after, expires_at__lte=now)
    )
    return (
        CheckRun.objects.filter(status=CheckRun.Status.SUCCEEDED, finished_at__isnull=False)
        .exclude(requirement_summary={})
        .only("pk", "finished_at", "requirement_summary")
        .annotate(
            waivers_changed=Exists(waivers),
            settings_changed=Exists(CheckSetting.objects.filter(updated_at__gt=after)),
        )
        .order_by("-finished_at", "-pk")
        .first()
    )


def requirement_tile(scope: Scope, now: dt.datetime | None = None) -> RequirementTile:
    """Requirement status per catalog as the newest check run stored it (two queries).

    The stored summary is the whole estate's; a user limited by object scopes gets the link
    to the compliance pages (which narrow the status to the scope) but no estate-wide figures.
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
    run = latest_summary(now or timezone.now())
    if run is None:
        return RequirementTile(False, [], url, running, runs_url)
    summary = summary_of(run.requirement_summary)
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
    changed = run.waivers_changed or run.settings_changed
    return RequirementTile(checked, catalogs, url, running, runs_url, run, changed)


def _context(scope: Scope, now: dt.datetime) -> dict[str, Any]:
    return {"requirements": requirement_tile(scope, now)}


def register_tiles() -> None:
    register(
        "requirements", order=60, template="compliance/tiles/requirements.html", context=_context
    )
