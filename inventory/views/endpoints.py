"""Pages: the endpoints and their sync runs (changes: :mod:`inventory.views.endpoint_admin`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from inventory import tables
from inventory.filtersets import EndpointFilter, SyncRunFilter
from inventory.models import Endpoint, SyncRun
from inventory.services.freshness import with_last_error
from portal.pages import role_required
from portal.roles import ADMINISTRATOR, ROLES, role_of
from portal.security.scopes import is_scoped

from .listing import ListSpec, list_page

ENDPOINTS = ListSpec(
    template="inventory/endpoint_list.html",
    filterset=EndpointFilter,
    search_fields=("name", "url"),
    table=tables.ENDPOINTS,
    default_sort="name",
    csv_name="endpoints",
)

SYNC_RUNS = ListSpec(
    template="inventory/sync_run_list.html",
    rows_template="portal/_table_rows.html",
    # A page of sync runs with an active one polls itself for fresh rows.
    live=lambda page: any(r.active for r in page),
    filterset=SyncRunFilter,
    controls=frozenset({"status", "trigger", "no_absent"}),
    search_fields=("endpoint__name", "error", "requested_by"),
    table=tables.SYNC_RUNS,
    default_sort="-queued_at",
    csv_name="sync-runs",
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
