"""Pages: the endpoints and their sync runs (changes: :mod:`inventory.views.endpoint_admin`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from inventory.api.filters import EndpointFilter, SyncRunFilter
from inventory.connectors.tls import format_fingerprint
from inventory.models import Endpoint, SyncRun
from inventory.services.freshness import with_last_error
from portal.pages import role_required
from portal.roles import ADMINISTRATOR, ROLES, role_of
from portal.security.scopes import is_scoped

from .listing import Column, ListSpec, list_page


def _trust(endpoint: Endpoint) -> str:
    if endpoint.trust_mode == "ca":
        return "CA certificate"
    return f"pinned SHA-256 {format_fingerprint(endpoint.fingerprint)}"


ENDPOINTS = ListSpec(
    template="inventory/endpoint_list.html",
    filterset=EndpointFilter,
    search_fields=("name", "url"),
    sort_fields=("name", "kind", "url", "last_sync_at", "last_sync_status", "enabled"),
    default_sort="name",
    csv_name="endpoints",
    csv_columns=(
        Column("name", lambda e: e.name),
        Column("platform", lambda e: e.kind),
        Column("url", lambda e: e.url),
        Column("trust", _trust),
        Column("last sync", lambda e: e.last_sync_at),
        Column("last sync status", lambda e: e.last_sync_status),
        Column("last success", lambda e: e.last_success_at),
        Column("enabled", lambda e: e.enabled),
    ),
)

SYNC_RUNS = ListSpec(
    template="inventory/sync_run_list.html",
    rows_template="inventory/_sync_run_rows.html",
    # A page of sync runs with an active one polls itself for fresh rows.
    live=lambda page: any(r.active for r in page),
    filterset=SyncRunFilter,
    search_fields=("endpoint__name", "error", "requested_by"),
    sort_fields=("queued_at", "finished_at", "status", "endpoint__name"),
    default_sort="-queued_at",
    csv_name="sync-runs",
    csv_columns=(
        Column("endpoint", lambda r: r.endpoint.name),
        Column("platform", lambda r: r.endpoint.kind),
        Column("status", lambda r: r.status),
        Column("trigger", lambda r: r.trigger),
        Column("requested by", lambda r: r.requested_by),
        Column("queued", lambda r: r.queued_at),
        Column("started", lambda r: r.started_at),
        Column("finished", lambda r: r.finished_at),
        Column("seconds", lambda r: r.duration_seconds),
        Column("created", lambda r: r.created),
        Column("updated", lambda r: r.updated),
        Column("absent", lambda r: r.absent),
        Column("warnings", lambda r: len(r.warnings or [])),
        Column("error", lambda r: r.error),
    ),
)


@require_safe
@role_required(*ROLES)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    # No secret is read for this page: defer the encrypted column so it is never decrypted.
    # The last failed run's error comes in the same query (a subquery), for "failing" rows.
    endpoints = with_last_error(Endpoint.objects.defer("secret"))
    can_add = role_of(request.user) == ADMINISTRATOR and not is_scoped(request.user)
    return list_page(request, ENDPOINTS, endpoints, {"can_add": can_add})


@require_safe
@role_required(*ROLES)
def sync_run_list(request: HttpRequest) -> HttpResponse:
    # endpoint: its name and platform badge in every row.
    runs = SyncRun.objects.select_related("endpoint").defer("endpoint__secret")
    return list_page(request, SYNC_RUNS, runs, {"statuses": SyncRun.Status.choices})
