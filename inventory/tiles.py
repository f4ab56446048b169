"""The inventory's dashboard tiles: endpoints and sync, states, pressure, snapshots by age.

Registered in :class:`inventory.apps.InventoryConfig` (``portal.tiles``); each gathers its
figures in a fixed number of queries whatever the size of the estate, narrowed to the user's
scope, and links each figure to the filtered list behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.dashboard import bar_chart
from portal.tiles import Scope, list_url, register

from .connectors.platforms import platform_label, state_tone
from .filtersets import age_q
from .labels import state_label
from .models import Endpoint, Host, Snapshot, SyncRun, VirtualMachine
from .models.base import present_q
from .services.freshness import freshness, with_last_error

PRESSURE_TOP = 5

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
        url = list_url("inventory:sync-run-list", endpoint=endpoint.pk)
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
    qs: QuerySet, state_field: str, list_name: str, filter_name: str
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
                url=list_url(list_name, platform=kind),
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
                list_url(list_name, platform=kind, **({filter_name: state} if state else {})),
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
            list_url("inventory:host-list", sort="-cpu_usage_percent"),
        ),
        PressureList(
            "memory",
            _("Memory"),
            _top(memory, "memory_pct"),
            list_url("inventory:host-list", sort="-memory_used_bytes"),
        ),
        PressureList(
            "storage",
            _("Storage"),
            _top(storage, "storage_pct"),
            list_url("inventory:datastore-list"),
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
            list_url(SNAPSHOT_LIST, older_than=low, younger_than=high),
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
                list_url(SNAPSHOT_LIST, age_unknown="true"),
            )
        )
    return buckets


def _snapshots_tile(scope: Scope, now: dt.datetime) -> dict[str, Any]:
    ages = snapshot_ages(now, scope)
    return {
        "snapshot_ages": ages,
        "snapshot_chart": bar_chart(ages),
        "snapshots_url": list_url(SNAPSHOT_LIST),
    }


def register_tiles() -> None:
    """The inventory's tiles, in the dashboard's order (called by the app's ``ready()``)."""
    tiles: tuple[tuple[str, Any], ...] = (
        ("endpoints", lambda scope, now: {"endpoints": endpoint_rows(now, scope)}),
        ("host_states", lambda scope, now: {"host_states": host_states(scope)}),
        ("vm_states", lambda scope, now: {"vm_states": vm_states(scope)}),
        ("pressure", lambda scope, now: {"pressure": host_pressure(scope)}),
        ("snapshot_ages", _snapshots_tile),
    )
    for place, (name, context) in enumerate(tiles, start=1):
        register(name, order=10 * place, template=f"inventory/tiles/{name}.html", context=context)
