"""Page: datastores (vSphere datastores and Proxmox storages) with capacity."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from inventory.api.filters import DatastoreFilter
from inventory.models import Datastore
from inventory.models.base import present_q
from portal.pages import role_required
from portal.roles import ROLES

from .listing import Column, ListSpec, list_page

DATASTORES = ListSpec(
    template="inventory/datastore_list.html",
    filterset=DatastoreFilter,
    search_fields=("name", "external_id", "type"),
    sort_fields=(
        "name",
        "endpoint__name",
        "type",
        "capacity_bytes",
        "free_bytes",
        "host_count",
        "vm_count",
    ),
    default_sort="name",
    csv_name="datastores",
    csv_columns=(
        Column("name", lambda d: d.name),
        Column("platform", lambda d: d.endpoint.kind),
        Column("endpoint", lambda d: d.endpoint.name),
        Column("type", lambda d: d.type),
        Column("capacity bytes", lambda d: d.capacity_bytes),
        Column("free bytes", lambda d: d.free_bytes),
        Column("provisioned bytes", lambda d: d.provisioned_bytes),
        Column("free percent", lambda d: d.free_percent),
        Column("accessible", lambda d: d.accessible),
        Column("shared", lambda d: d.shared),
        Column("hosts", lambda d: d.host_count),
        Column("vms", lambda d: d.vm_count),
        Column("absent since", lambda d: d.absent_since),
    ),
    controls=frozenset({"cluster", "host"}),
)


@require_safe
@role_required(*ROLES)
def datastore_list(request: HttpRequest) -> HttpResponse:
    datastores = (
        # endpoint: platform badge and name in every row.
        Datastore.objects.select_related("endpoint")
        .defer("endpoint__secret")
        .annotate(
            # distinct: the two joins would otherwise multiply each other's rows.
            host_count=Count("hosts", distinct=True),
            vm_count=Count("vms", filter=present_q("vms"), distinct=True),
        )
    )
    return list_page(request, DATASTORES, datastores)
