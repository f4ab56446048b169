"""The snapshot operations' dashboard tile: running and failed operations, failing policies.

Registered in :class:`operations.apps.OperationsConfig` (``portal.tiles``); two queries whatever
the number of operations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from portal.runs import ACTIVE_STATES
from portal.tiles import Scope, list_url, register

from .models import Operation
from .services.policies import failing_policies
from .services.policy_scopes import visible_policies

# Operations that failed within this window count on the "failed operations" tile.
FAILED_WINDOW = dt.timedelta(hours=24)


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
    failing = failing_policies().only("pk", "label", "last_run_state", "last_run_at")
    if scope.limited:  # a policy selecting anything outside the scope is not named
        failing = visible_policies(scope.user, failing)
    return OperationsTile(
        counts["active"],
        counts["failed"],
        list_url("operations:operation-list", state=Operation.State.RUNNING),
        list_url("operations:operation-list", state=Operation.State.FAILED),
        list(failing),
        list_url("operations:snapshot-policy-list"),
    )


def register_tiles() -> None:
    register(
        "operations",
        order=70,
        template="operations/tiles/operations.html",
        context=lambda scope, now: {"operations": operations_tile(now, scope)},
    )
