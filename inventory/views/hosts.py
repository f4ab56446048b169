"""Pages: hosts (ESXi hosts and Proxmox VE nodes) and one host's detail."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from inventory.api.filters import HostFilter
from inventory.charts import utilization_charts
from inventory.labels import HOST_CONNECTION_CHOICES, HOST_POWER_CHOICES
from inventory.models import Host, UtilizationSample
from inventory.models.base import present_q
from portal.pages import role_required
from portal.roles import ROLES
from portal.security.scopes import scoped

from .listing import Column, ListSpec, list_page
from .samples import recent_samples

HOSTS = ListSpec(
    template="inventory/host_list.html",
    filterset=HostFilter,
    search_fields=("name", "external_id", "product", "version", "cpu_model"),
    sort_fields=(
        "name",
        "endpoint__name",
        "cluster__name",
        "version",
        "connection_state",
        "power_state",
        "cpu_usage_percent",
        "memory_used_bytes",
        "uptime_seconds",
        "vm_count",
    ),
    default_sort="name",
    csv_name="hosts",
    csv_columns=(
        Column("name", lambda h: h.name),
        Column("platform", lambda h: h.endpoint.kind),
        Column("endpoint", lambda h: h.endpoint.name),
        Column("cluster", lambda h: h.cluster.name if h.cluster else None),
        Column("product", lambda h: h.product),
        Column("version", lambda h: h.version),
        Column("build", lambda h: h.build),
        Column("connection state", lambda h: h.connection_state),
        Column("power state", lambda h: h.power_state),
        Column("maintenance mode", lambda h: h.maintenance_mode),
        Column("lockdown mode", lambda h: h.lockdown_mode),
        Column("cpu percent", lambda h: h.cpu_usage_percent),
        Column("memory bytes", lambda h: h.memory_bytes),
        Column("memory used bytes", lambda h: h.memory_used_bytes),
        Column("uptime seconds", lambda h: h.uptime_seconds),
        Column("vms", lambda h: h.vm_count),
        Column("absent since", lambda h: h.absent_since),
    ),
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
        "charts": utilization_charts(
            recent_samples(UtilizationSample.ObjectType.HOST, host.pk), key="host"
        ),
    }
    return render(request, "inventory/host_detail.html", context)
