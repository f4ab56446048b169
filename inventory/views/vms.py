"""Pages: virtual machines and containers of both platforms, and one VM's detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from inventory import tables
from inventory.filtersets import VirtualMachineFilter
from inventory.labels import VM_POWER_CHOICES
from inventory.models import ConsoleHistory, Snapshot, UtilizationSample, VirtualMachine
from inventory.page_slots import slot_templates
from portal.pages import role_required
from portal.roles import ROLES
from portal.security.scopes import scoped

from .listing import ListSpec, list_page
from .samples import chart_context

VMS = ListSpec(
    template="inventory/vm_list.html",
    filterset=VirtualMachineFilter,
    search_fields=("name", "external_id", "instance_uuid", "guest_os"),
    table=tables.VMS,
    default_sort="name",
    csv_name="vms",
    controls=frozenset({"cluster", "host", "power_state", "kind", "running"}),
)


@dataclass
class SnapshotNode:
    snapshot: Snapshot
    children: list[SnapshotNode] = field(default_factory=list)


def snapshot_tree(snapshots: list[Snapshot]) -> list[SnapshotNode]:
    """Roots of the snapshot tree, children in creation order.

    A snapshot whose parent is unknown here (absent, or never read) becomes a root rather than
    disappearing from the page.
    """
    nodes = {s.pk: SnapshotNode(s) for s in snapshots}
    roots: list[SnapshotNode] = []
    for s in snapshots:
        parent = nodes.get(s.parent_id) if s.parent_id else None
        (parent.children if parent else roots).append(nodes[s.pk])
    return roots


def normalised_disks(disks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One shape for the disks of both platforms (their connectors describe them differently)."""
    return [
        {
            "name": d.get("label") or d.get("key") or "",
            "size_bytes": d.get("capacity_bytes", d.get("size_bytes")),
            "location": d.get("file") or d.get("volume") or "",
            "storage": d.get("datastore") or d.get("storage") or "",
            "thin": d.get("thin"),
            "mode": d.get("mode") or ("cdrom" if d.get("cdrom") else ""),
        }
        for d in disks or []
    ]


# extra_config keys that are isolation and console settings (vCenter) or their Proxmox peers.
ISOLATION_PREFIXES = ("isolation.", "remotedisplay.", "tools.", "vga", "unprivileged", "features")


def split_settings(
    extra_config: dict[str, str],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(isolation and console settings, everything else), each sorted by key."""
    items = sorted((extra_config or {}).items())
    isolation = [(k, v) for k, v in items if k.lower().startswith(ISOLATION_PREFIXES)]
    other = [(k, v) for k, v in items if not k.lower().startswith(ISOLATION_PREFIXES)]
    return isolation, other


def _present_snapshot_count() -> Coalesce:
    per_vm = (
        Snapshot.objects.present()
        .filter(vm=OuterRef("pk"))
        .order_by()
        .values("vm")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_vm, output_field=IntegerField()), 0)


@require_safe
@role_required(*ROLES)
def vm_list(request: HttpRequest) -> HttpResponse:
    vms = (
        # endpoint: platform badge and name; host, cluster: their names, in every row.
        VirtualMachine.objects.select_related("endpoint", "host", "cluster")
        .defer("endpoint__secret", "config", "extra_config")
        # A correlated count, not a JOIN + GROUP BY: with LIMIT it runs for one page of rows
        # only, instead of grouping every VM's snapshots before the page is cut.
        .annotate(snapshot_count=_present_snapshot_count())
    )
    extra = {"power_states": VM_POWER_CHOICES, "kinds": VirtualMachine.Kind.choices}
    return list_page(request, VMS, vms, extra)


@require_safe
@role_required(*ROLES)
def vm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vm = get_object_or_404(
        scoped(
            request.user,
            VirtualMachine.objects.select_related("endpoint", "host", "cluster").defer(
                "endpoint__secret"
            ),
        ),
        pk=pk,
    )
    snapshots = list(
        # owner: shown beside portal-made snapshots.
        vm.snapshots.present().select_related("owner").order_by("created_at", "pk")
    )
    isolation, other_settings = split_settings(vm.extra_config)
    context = {
        "vm": vm,
        "disks": normalised_disks(vm.disks),
        "isolation": isolation,
        "other_settings": other_settings,
        "datastores": list(vm.datastores.order_by("name")),
        "snapshot_tree": snapshot_tree(snapshots),
        "snapshot_count": len(snapshots),
        "vm_action_templates": slot_templates("vm_actions"),
        "snapshot_action_templates": slot_templates("snapshot_actions"),
        "section_templates": slot_templates("vm_sections"),
        **chart_context(request, UtilizationSample.ObjectType.VM, vm.pk),
        **console_history(vm),
    }
    return render(request, "inventory/vm_detail.html", context)


# How many console sessions the VM page lists (the API lists them all).
CONSOLE_ROWS = 50


def console_history(vm: VirtualMachine) -> dict[str, Any]:
    """The VM's newest console sessions, their number and how far the endpoint's console
    history has been read (three queries)."""
    sessions = vm.console_sessions.order_by("-started_at", "-id")
    return {
        "console_sessions": list(sessions[:CONSOLE_ROWS]),
        "console_session_count": sessions.count(),
        "console_history": ConsoleHistory.objects.filter(endpoint_id=vm.endpoint_id).first(),
    }
