"""Page: networks (port groups and Proxmox bridges) with their switch and security policy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from inventory.api.filters import NetworkFilter
from inventory.models import Network
from portal.pages import role_required
from portal.roles import ROLES

from .listing import Column, ListSpec, list_page

NETWORKS = ListSpec(
    template="inventory/network_list.html",
    filterset=NetworkFilter,
    search_fields=("name", "external_id", "switch__name"),
    sort_fields=("name", "endpoint__name", "vlan_id", "switch__name", "switch__host__name"),
    default_sort="name",
    csv_name="networks",
    csv_columns=(
        Column("name", lambda n: n.name),
        Column("platform", lambda n: n.endpoint.kind),
        Column("endpoint", lambda n: n.endpoint.name),
        Column("switch", lambda n: n.switch.name if n.switch else None),
        Column("switch kind", lambda n: n.switch.kind if n.switch else None),
        Column("host", lambda n: n.switch.host.name if n.switch and n.switch.host else None),
        Column("vlan", lambda n: n.vlan_id),
        Column("promiscuous", lambda n: n.allow_promiscuous),
        Column("mac changes", lambda n: n.allow_mac_changes),
        Column("forged transmits", lambda n: n.allow_forged_transmits),
        Column("absent since", lambda n: n.absent_since),
    ),
    controls=frozenset({"cluster", "host"}),
)


@require_safe
@role_required(*ROLES)
def network_list(request: HttpRequest) -> HttpResponse:
    # endpoint: platform badge; switch and its host: names in every row.
    networks = Network.objects.select_related("endpoint", "switch__host").defer("endpoint__secret")
    return list_page(request, NETWORKS, networks)
