"""How current an endpoint's inventory is: one rule for the dashboard and the endpoint list.

- ``failing``: the last scheduled (or any) sync failed; shown with that run's error.
- ``stale``: the last *successful* sync is older than twice the endpoint's interval, whatever
  the last attempt said (a schedule that stopped running leaves no failed run behind); shown
  with how late the inventory is, counted from when the next sync was due.
- ``never``, ``disabled``, ``ok`` otherwise.

The last error comes in as an annotation (:func:`with_last_error`), so a page reads it in the
same query as the endpoints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from inventory.models import Endpoint, SyncRun

# The last success may be this many intervals old before the endpoint counts as stale.
STALE_INTERVALS = 2


@dataclass(frozen=True)
class Freshness:
    state: str  # ok, stale, failing, never, disabled
    late: dt.timedelta | None = None  # stale: time since the next sync was due
    error: str = ""  # failing: the last failed run's error


def with_last_error(qs: QuerySet[Endpoint]) -> QuerySet[Endpoint]:
    """Annotate ``last_sync_error``: the error of the endpoint's latest failed sync run."""
    latest_failed = SyncRun.objects.filter(
        endpoint=OuterRef("pk"), status=SyncRun.Status.FAILED
    ).order_by("-queued_at", "-pk")
    return qs.annotate(last_sync_error=Subquery(latest_failed.values("error")[:1]))


def freshness(endpoint: Endpoint, *, now: dt.datetime) -> Freshness:
    if not endpoint.enabled:
        return Freshness("disabled")
    interval = dt.timedelta(minutes=endpoint.sync_interval_minutes)
    if endpoint.last_sync_status == SyncRun.Status.FAILED:
        return Freshness("failing", error=getattr(endpoint, "last_sync_error", None) or "")
    if endpoint.last_success_at is None:
        return Freshness("never")
    age = now - endpoint.last_success_at
    if age > interval * STALE_INTERVALS:
        return Freshness("stale", late=age - interval)
    return Freshness("ok")
