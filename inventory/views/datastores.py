"""Page: datastores (vSphere datastores and Proxmox storages) with capacity."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from inventory import tables
from inventory.filtersets import DatastoreFilter
from inventory.models import Datastore
from inventory.models.base import present_q
from portal.pages import role_required
from portal.roles import ROLES

from .listing import ListSpec, list_page

DATASTORES = ListSpec(
    template="inventory/datastore_list.html",
    filterset=DatastoreFilter,
    search_fields=("name", "external_id", "type"),
    table=tables.DATASTORES,
    default_sort="name",
    csv_name="datastores",
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
