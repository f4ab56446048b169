"""Pages: hosts (ESXi hosts and Proxmox VE nodes) and one host's detail."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from inventory import tables
from inventory.filtersets import HostFilter
from inventory.labels import HOST_CONNECTION_CHOICES, HOST_POWER_CHOICES
from inventory.models import Host, UtilizationSample
from inventory.models.base import present_q
from inventory.page_slots import slot_templates
from portal.pages import role_required
from portal.roles import ROLES
from portal.security.scopes import scoped

from .listing import ListSpec, list_page
from .samples import chart_context

HOSTS = ListSpec(
    template="inventory/host_list.html",
    filterset=HostFilter,
    search_fields=("name", "external_id", "product", "version", "cpu_model"),
    table=tables.HOSTS,
    default_sort="name",
    csv_name="hosts",
    controls=frozenset({"cluster", "power_state", "connection_state"}),
)


@require_safe
@role_required(*ROLES)
def host_list(request: HttpRequest) -> HttpResponse:
    hosts = (
        # endpoint: platform badge and name; cluster: its name, in every row.
        Host.objects.select_related("endpoint", "cluster")
        .defer("endpoint__secret", "advanced_options", "extra")
        .annotate(vm_count=Count("vms", filter=present_q("vms")))
    )
    extra = {"power_states": HOST_POWER_CHOICES, "connection_states": HOST_CONNECTION_CHOICES}
    return list_page(request, HOSTS, hosts, extra)


@require_safe
@role_required(*ROLES)
def host_detail(request: HttpRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(
        scoped(
            request.user,
            Host.objects.select_related("endpoint", "cluster").defer("endpoint__secret"),
        ),
        pk=pk,
    )
    context = {
        "host": host,
        "nics": list(host.nics.present().order_by("name")),
        # networks: the port groups listed under each switch.
        "switches": list(host.switches.present().order_by("name").prefetch_related("networks")),
        "datastores": list(host.datastores.present().order_by("name")),
        "vms": list(host.vms.present().order_by("name")),
        "section_templates": slot_templates("host_sections"),
        **chart_context(request, UtilizationSample.ObjectType.HOST, host.pk),
    }
    return render(request, "inventory/host_detail.html", context)
