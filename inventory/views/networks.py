"""Page: networks (port groups and Proxmox bridges) with their switch and security policy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from inventory import tables
from inventory.filtersets import NetworkFilter
from inventory.models import Network
from portal.pages import role_required
from portal.roles import ROLES

from .listing import ListSpec, list_page

NETWORKS = ListSpec(
    template="inventory/network_list.html",
    filterset=NetworkFilter,
    search_fields=("name", "external_id", "switch__name"),
    table=tables.NETWORKS,
    default_sort="name",
    csv_name="networks",
    controls=frozenset({"cluster", "host"}),
)


@require_safe
@role_required(*ROLES)
def network_list(request: HttpRequest) -> HttpResponse:
    # endpoint: platform badge; switch and its host: names in every row.
    networks = Network.objects.select_related("endpoint", "switch__host").defer("endpoint__secret")
    return list_page(request, NETWORKS, networks)
