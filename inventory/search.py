"""What the global search finds in the inventory: VMs, hosts, datastores, networks, snapshots.

By name (part of it), the platform's id (exactly: ``vm-42``, ``qemu/100``) and, for hosts, a
management address. Each kind is one query, narrowed to the user's scopes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.search import Hit, register_search
from portal.security.scopes import scoped

from .models import Datastore, Host, Network, Snapshot, VirtualMachine


def _named(model, user, text: str, extra: Q | None = None):
    match = Q(name__icontains=text) | Q(external_id=text)
    if extra is not None:
        match |= extra
    return scoped(user, model.objects.present().filter(match))


def _path(*parts: str) -> str:
    return " / ".join(p for p in parts if p)


@register_search("vm", _("Virtual machines"))
def find_vms(user, text: str, limit: int) -> list[Hit]:
    vms = _named(VirtualMachine, user, text).select_related("endpoint", "cluster", "host")
    return [
        Hit(
            vm.name,
            _path(
                vm.endpoint.name,
                vm.cluster.name if vm.cluster else "",
                vm.host.name if vm.host else "",
                vm.name,
            ),
            vm.external_id,
            reverse("inventory:vm-detail", args=[vm.pk]),
        )
        for vm in vms.order_by("name", "pk")[:limit]
    ]


@register_search("host", _("Hosts"))
def find_hosts(user, text: str, limit: int) -> list[Hit]:
    hosts = _named(Host, user, text, Q(management_addresses__icontains=text))
    return [
        Hit(
            host.name,
            _path(host.endpoint.name, host.cluster.name if host.cluster else "", host.name),
            host.external_id,
            reverse("inventory:host-detail", args=[host.pk]),
            ", ".join(host.management_addresses[:2]),
        )
        for host in hosts.select_related("endpoint", "cluster").order_by("name", "pk")[:limit]
    ]


def _list_link(name: str, text: str) -> str:
    return f"{reverse(name)}?{urlencode({'q': text})}"


def _found_on_list(model, list_name: str):
    """A kind without a page of its own: its hits link to its list, filtered by the name."""

    def find(user, text: str, limit: int) -> list[Hit]:
        found = _named(model, user, text).select_related("endpoint").order_by("name", "pk")
        return [
            Hit(
                o.name,
                _path(o.endpoint.name, o.name),
                o.external_id,
                _list_link(list_name, o.name),
            )
            for o in found[:limit]
        ]

    return find


find_datastores = register_search("datastore", _("Datastores"))(
    _found_on_list(Datastore, "inventory:datastore-list")
)
find_networks = register_search("network", _("Networks"))(
    _found_on_list(Network, "inventory:network-list")
)


@register_search("snapshot", _("Snapshots"))
def find_snapshots(user, text: str, limit: int) -> list[Hit]:
    snaps = _named(Snapshot, user, text).select_related("endpoint", "vm").order_by("name", "pk")
    return [
        Hit(
            s.name,
            _path(s.endpoint.name, s.vm.name, s.name),
            s.external_id,
            reverse("inventory:vm-detail", args=[s.vm_id]),
        )
        for s in snaps[:limit]
    ]
