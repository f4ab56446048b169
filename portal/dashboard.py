"""The overview dashboard: what an administrator or security officer needs at a glance.

:func:`dashboard_data` gathers every tile from the database with aggregates, so the number of
queries is fixed (about fourteen) whatever the size of the estate; ``tests/portal/
test_dashboard.py`` pins it at two data sizes. Every tile carries the URL of the filtered list
behind it. :func:`dashboard_fragment` serves the tiles alone for ``static/js/live.js``, which
swaps them in every 10 s without reloading the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from inventory.connectors.platforms import platform_label, state_tone
from inventory.labels import state_label
from inventory.models import Endpoint, Host, Snapshot, SyncRun, VirtualMachine
from inventory.models.base import present_q
from inventory.services.freshness import freshness, with_last_error
from inventory.views.snapshot_filters import age_q
from operations.models import Operation
from portal.access import role_required
from portal.roles import ROLES
from portal.runs import ACTIVE_STATES

PRESSURE_TOP = 5
# Operations that failed within this window count on the "failed operations" tile.
FAILED_WINDOW = dt.timedelta(hours=24)


class Scope:
    """Narrows the dashboard's querysets to the endpoints and clusters a user may see.

    Uses the security module's object scopes (``portal.security.scopes``) when it is there; a
    user without scopes sees everything. Counts are scoped like lists, or a tile would tell a
    scoped user about machines outside their scope.
    """

    def __init__(self, user: Any) -> None:
        self.user = user
        try:
            from portal.security.scopes import is_scoped, scope_queryset
        except ImportError:  # the security module is not installed: nobody is scoped
            self.limited, self._scope = False, None
        else:
            self.limited = user is not None and is_scoped(user)
            self._scope = scope_queryset

    def of(self, qs: QuerySet, endpoint_field: str | None, cluster_field: str | None) -> QuerySet:
        if not self.limited or self._scope is None:
            return qs
        return self._scope(self.user, qs, endpoint_field, cluster_field)


def _url(name: str, **params: Any) -> str:
    """``reverse(name)`` with a query string of the non-empty ``params``."""
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return reverse(name) + (f"?{query}" if query else "")


# ----------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class EndpointRow:
    endpoint: Endpoint
    age: dt.timedelta | None  # since the last successful sync; None: never
    state: str  # ok, stale, failing, never, disabled (inventory.services.freshness)
    url: str
    syncing: dict[str, Any] | None = None  # the running sync's progress ({} just started)
    late: dt.timedelta | None = None  # stale: since the next sync was due
    error: str = ""  # failing: the last failed sync's error


def endpoint_rows(now: dt.datetime, scope: Scope) -> list[EndpointRow]:
    """Every endpoint with the age of its last successful sync and the progress of a running
    one (two queries)."""
    rows = []
    endpoints = with_last_error(scope.of(Endpoint.objects.defer("secret", "ca_pem"), "pk", None))
    running = dict(
        scope.of(SyncRun.objects.filter(status=SyncRun.Status.RUNNING), "endpoint", None)
        .order_by("started_at")
        .values_list("endpoint_id", "progress")
    )
    for endpoint in endpoints:
        age = now - endpoint.last_success_at if endpoint.last_success_at else None
        fresh = freshness(endpoint, now=now)
        url = _url("inventory:sync-run-list", endpoint=endpoint.pk)
        rows.append(
            EndpointRow(
                endpoint, age, fresh.state, url, running.get(endpoint.pk), fresh.late, fresh.error
            )
        )
    return rows


# ----------------------------------------------------------------------------- states


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int
    tone: str
    url: str


@dataclass
class PlatformStates:
    platform: str
    label: str
    total: int = 0
    states: list[StateCount] = field(default_factory=list)
    url: str = ""


def _states_by_platform(
    qs: QuerySet, state_field: str, list_url: str, filter_name: str
) -> list[PlatformStates]:
    """Counts of ``state_field`` per platform in one grouped query, biggest first."""
    rows = (
        qs.present()
        .values("endpoint__kind", state_field)
        .annotate(n=Count("id"))
        .order_by("endpoint__kind", "-n", state_field)
    )
    by_platform: dict[str, PlatformStates] = {}
    for row in rows:
        kind, state = row["endpoint__kind"], row[state_field]
        group = by_platform.setdefault(
            kind,
            PlatformStates(
                kind,
                platform_label(kind),
                url=_url(list_url, platform=kind),
            ),
        )
        group.total += row["n"]
        group.states.append(
            StateCount(
                state,
                state_label(state),
                row["n"],
                # The badge colour follows the platform's meaning of the state, not the word.
                state_tone(kind, state),
                # A state the filter does not know (e.g. empty) links to the platform's list.
                _url(list_url, platform=kind, **({filter_name: state} if state else {})),
            )
        )
    return [by_platform[k] for k in sorted(by_platform)]


def host_states(scope: Scope) -> list[PlatformStates]:
    return _states_by_platform(
        scope.of(Host.objects.all(), "endpoint", "cluster"),
        "connection_state",
        "inventory:host-list",
        "connection_state",
    )


def vm_states(scope: Scope) -> list[PlatformStates]:
    return _states_by_platform(
        scope.of(VirtualMachine.objects.filter(template=False), "endpoint", "cluster"),
        "power_state",
        "inventory:vm-list",
        "power_state",
    )


# ----------------------------------------------------------------------------- pressure


@dataclass(frozen=True)
class PressureRow:
    host_id: int
    name: str
    endpoint: str
    percent: float
    url: str


@dataclass(frozen=True)
class PressureList:
    key: str
    title: str
    rows: list[PressureRow]
    more_url: str


def _top(qs: QuerySet, value: str) -> list[PressureRow]:
    rows = (
        qs.present()
        .filter(**{f"{value}__isnull": False})
        .order_by(F(value).desc(), "name")[:PRESSURE_TOP]
    )
    return [
        PressureRow(
            r["pk"],
            r["name"],
            r["endpoint__name"],
            round(r[value], 1),
            reverse("inventory:host-detail", args=[r["pk"]]),
        )
        for r in rows.values("pk", "name", "endpoint__name", value)
    ]


def host_pressure(scope: Scope) -> list[PressureList]:
    """The hosts under most CPU, memory and storage pressure (three queries).

    Storage pressure of a host is the fullest datastore it mounts: that is the one that stops
    its VMs (and snapshot growth) first.
    """
    hosts = scope.of(Host.objects.all(), "endpoint", "cluster")
    memory = hosts.filter(memory_bytes__gt=0).annotate(
        memory_pct=ExpressionWrapper(
            F("memory_used_bytes") * 100.0 / F("memory_bytes"), output_field=FloatField()
        )
    )
    present = present_q("datastores") & Q(datastores__capacity_bytes__gt=0)
    storage = hosts.annotate(
        storage_pct=Max(
            ExpressionWrapper(
                (F("datastores__capacity_bytes") - F("datastores__free_bytes"))
                * 100.0
                / F("datastores__capacity_bytes"),
                output_field=FloatField(),
            ),
            filter=present,
        )
    )
    return [
        PressureList(
            "cpu",
            _("CPU"),
            _top(hosts, "cpu_usage_percent"),
            _url("inventory:host-list", sort="-cpu_usage_percent"),
        ),
        PressureList(
            "memory",
            _("Memory"),
            _top(memory, "memory_pct"),
            _url("inventory:host-list", sort="-memory_used_bytes"),
        ),
        PressureList(
            "storage",
            _("Storage"),
            _top(storage, "storage_pct"),
            _url("inventory:datastore-list"),
        ),
    ]


# ----------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class AgeBucket:
    key: str
    label: str
    count: int
    tone: str
    url: str = ""  # the snapshot list filtered to this bucket


SNAPSHOT_LIST = "inventory:snapshot-list"
# (key, label, lower bound, upper bound) in days; None: open end.
AGE_BUCKETS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("lt1", _("under 1 day"), None, 1),
    ("1to3", _("1–3 days"), 1, 3),  # noqa: RUF001 - en dash for a range
    ("3to7", _("3–7 days"), 3, 7),  # noqa: RUF001
    ("gt7", _("over 7 days"), 7, None),
)
# M 4.349: snapshots are not backups; old ones grow and slow the VM. Older means worse.
BUCKET_TONES = {"lt1": "ok", "1to3": "ok", "3to7": "warn", "gt7": "bad", "unknown": "na"}


def snapshot_ages(now: dt.datetime, scope: Scope | None = None) -> list[AgeBucket]:
    """Present snapshots counted by age in one aggregate query; unknown age counted apart.

    Each bucket links to the snapshot list with the filter that shows the rows it counted.
    """
    filters = {key: age_q(now, low, high) for key, _label, low, high in AGE_BUCKETS}
    snapshots = Snapshot.objects.present()
    if scope is not None:
        snapshots = scope.of(snapshots, "endpoint", "vm__cluster")
    counts = snapshots.aggregate(
        **{key: Count("id", filter=q) for key, q in filters.items()},
        unknown=Count("id", filter=Q(created_at__isnull=True)),
    )
    buckets = [
        AgeBucket(
            key,
            str(label),
            counts[key],
            BUCKET_TONES[key],
            _url(SNAPSHOT_LIST, older_than=low, younger_than=high),
        )
        for key, label, low, high in AGE_BUCKETS
    ]
    if counts["unknown"]:
        buckets.append(
            AgeBucket(
                "unknown",
                str(_("age unknown")),
                counts["unknown"],
                "na",
                _url(SNAPSHOT_LIST, age_unknown="true"),
            )
        )
    return buckets


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
    """Geometry of a horizontal bar chart, drawn by ``templates/portal/_tiles.html`` as SVG."""

    width: int
    height: int
    bar_x: int
    bar_height: int
    bars: list[Bar]
    summary: str


def bar_chart(buckets: Iterable[AgeBucket], width: int = 360) -> BarChart:
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


# ----------------------------------------------------------------------------- compliance


@dataclass(frozen=True)
class RequirementTile:
    available: bool  # False: the compliance service is missing or nothing has been checked
    catalogs: list[dict[str, Any]]
    url: str
    running: dict[str, Any] | None = None  # progress of a check run going on now
    runs_url: str = ""


def requirement_tile(scope: Scope) -> RequirementTile:
    """Requirement status per catalog from the compliance service (a fixed number of queries).

    The service summarises all endpoints or one; a user scoped to anything else gets the link
    to the compliance pages but no estate-wide figures.
    """
    try:
        from compliance.choices import STATUS_SYMBOLS, Catalog, RequirementStatus
        from compliance.services.status import requirement_summary
    except ImportError:  # the compliance app is optional in the dashboard's contract
        return RequirementTile(False, [], "")
    from compliance.models import CheckRun

    url = _url("compliance:dashboard")
    running = (
        scope.of(CheckRun.objects.filter(status=CheckRun.Status.RUNNING), "endpoint", None)
        .order_by("-started_at")
        .values_list("progress", flat=True)
        .first()
    )
    runs_url = _url("compliance:run-list")
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


# ----------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class OperationsTile:
    active: int
    failed: int
    active_url: str
    failed_url: str
    failing_policies: list[Any]
    policies_url: str


def operations_tile(now: dt.datetime, scope: Scope) -> OperationsTile:
    """Running and recently failed operations (one query) and failing policies (one query)."""
    counts = scope.of(Operation.objects.all(), "vm__endpoint", "vm__cluster").aggregate(
        active=Count("id", filter=Q(state__in=ACTIVE_STATES)),
        failed=Count(
            "id",
            filter=Q(state=Operation.State.FAILED, finished_at__gte=now - FAILED_WINDOW),
        ),
    )
    try:
        from operations.services.policies import failing_policies

        failing_qs = failing_policies().only("pk", "label", "last_run_state", "last_run_at")
        if scope.limited:  # a policy selecting anything outside the scope is not named
            from operations.services.policy_scopes import visible_policies

            failing_qs = visible_policies(scope.user, failing_qs)
        failing = list(failing_qs)
    except ImportError:  # policies are part of the operations module; no module, no tile rows
        failing = []
    return OperationsTile(
        counts["active"],
        counts["failed"],
        _url("operations:operation-list", state=Operation.State.RUNNING),
        _url("operations:operation-list", state=Operation.State.FAILED),
        failing,
        _url("operations:snapshot-policy-list"),
    )


# ----------------------------------------------------------------------------- views


def dashboard_data(user: Any = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The template context of every tile, as ``user`` may see it (``None``: unscoped).

    The query count does not depend on the data.
    """
    now = now or timezone.now()
    scope = Scope(user)
    ages = snapshot_ages(now, scope)
    return {
        "now": now,
        "endpoints": endpoint_rows(now, scope),
        "host_states": host_states(scope),
        "vm_states": vm_states(scope),
        "pressure": host_pressure(scope),
        "snapshot_ages": ages,
        "snapshot_chart": bar_chart(ages),
        "snapshots_url": _url(SNAPSHOT_LIST),
        "requirements": requirement_tile(scope),
        "operations": operations_tile(now, scope),
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
