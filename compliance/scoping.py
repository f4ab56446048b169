"""What of the compliance data a user limited to some endpoints or clusters may see.

Pages, downloads and the API read findings, waivers, baselines, runs and requirement status
through these helpers, so that outside a user's object scopes nothing exists (see
``portal.security.scopes``). A user without scopes sees everything.

Requirement status is derived from per-endpoint check results and from open findings. For a
scoped user the findings are narrowed like every list (endpoint or cluster); the check results,
which are kept per endpoint, are those of the endpoints the user may see plus the endpoints of
the clusters the user may see, so "objects judged" counts a scoped cluster's whole endpoint.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from inventory.models import Cluster, Endpoint
from portal.security.scopes import is_scoped, scoped

from .models import CheckResult, CheckRun, Finding
from .services.status import RequirementState, requirement_statuses, summary_of


def visible_endpoints(user: Any) -> QuerySet[Endpoint]:
    """Endpoints the user may pick in a filter or run checks on."""
    return scoped(user, Endpoint.objects.all())


def endpoint_from(user: Any, raw: Any) -> Endpoint | None:
    """The endpoint whose id is ``raw`` if the user may see it; None (all) otherwise.

    An endpoint outside the scope is treated exactly like one that does not exist.
    """
    raw = str(raw or "")
    return visible_endpoints(user).filter(pk=raw).first() if raw.isdigit() else None


def visible_findings(user: Any, qs: QuerySet[Finding] | None = None) -> QuerySet[Finding]:
    return scoped(user, Finding.objects.all() if qs is None else qs)


def visible_runs(user: Any) -> QuerySet[CheckRun]:
    """Runs of endpoints in scope; a scoped user does not see runs over all endpoints."""
    return scoped(user, CheckRun.objects.all())


def _result_endpoints(user: Any) -> QuerySet[CheckResult] | None:
    if not is_scoped(user):
        return None
    ids = set(visible_endpoints(user).values_list("pk", flat=True))
    ids |= set(scoped(user, Cluster.objects.all()).values_list("endpoint_id", flat=True))
    return CheckResult.objects.filter(endpoint_id__in=ids)


def statuses_for(user: Any, endpoint: Endpoint | None = None) -> list[RequirementState]:
    """Requirement statuses over ``endpoint`` (or all), narrowed to what ``user`` may see."""
    if not is_scoped(user):
        return requirement_statuses(endpoint.pk if endpoint else None)
    return requirement_statuses(
        endpoint.pk if endpoint else None,
        findings=visible_findings(user),
        results=_result_endpoints(user),
    )


def trend_source(user: Any, endpoint: Endpoint | None) -> tuple[QuerySet[CheckRun], int | None]:
    """The runs and the endpoint whose stored summaries the trend chart draws.

    One endpoint: runs that covered it, read for that endpoint only. A scoped user without a
    chosen endpoint gets the trend of its single endpoint, or none: summing several endpoints'
    requirement counts would not be their combined status.
    """
    succeeded = CheckRun.objects.filter(status=CheckRun.Status.SUCCEEDED)
    if endpoint is None and is_scoped(user):
        visible = list(visible_endpoints(user)[:2])
        if len(visible) != 1:
            return succeeded.none(), None
        endpoint = visible[0]
    if endpoint is None:
        return succeeded, None
    return succeeded.filter(Q(endpoint=endpoint) | Q(endpoint__isnull=True)), endpoint.pk


def run_summary_for(user: Any, run: CheckRun) -> dict:
    """What of a run's stored requirement summary ``user`` may read (the API shows it)."""
    if not is_scoped(user):
        return run.requirement_summary
    return summary_of(run.requirement_summary, run.endpoint_id) if run.endpoint_id else {}
