"""Read-only API of the inventory: every role reads, nobody writes here.

Each queryset names what it joins or prefetches and who uses it, so a list answers with the
same number of SQL queries for 3 rows or 500 (tests/inventory/test_api_query_counts.py).
Snapshot writes (create, delete, revert) are operations, served by operations/api/views.py.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from inventory import filtersets as filters
from inventory.models import (
    Cluster,
    ConsoleSession,
    Datastore,
    Host,
    Network,
    PhysicalNic,
    Snapshot,
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
)
from portal.roles import ROLES

from . import serializers

_COMMON = (
    "Filter by `endpoint` (id), `platform` (vcenter, proxmox), `name` (contains) and `absent` "
    "(objects no longer seen at the source are kept; lists show present ones unless "
    "`absent=true`). `search` looks in names and ids, `ordering` sorts (prefix `-` to reverse). "
    "Values the source did not give are `null` (no data), never 0."
)


def _documented(thing: str, extra: str = ""):
    """The list and detail descriptions of one inventory collection."""
    return extend_schema_view(
        list=extend_schema(description=f"{thing} on vCenter and Proxmox VE. {extra} {_COMMON}"),
        retrieve=extend_schema(description=f"One of the {thing.lower()}, by portal id."),
    )


class InventoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Every role reads; no role writes through these routes."""

    read_roles = ROLES
    write_roles = ()


@_documented("Clusters", "vSphere clusters and Proxmox VE clusters (with quorum and firewall).")
class ClusterViewSet(InventoryViewSet):
    queryset = Cluster.objects.select_related("endpoint")  # endpoint: platform, endpoint_name
    serializer_class = serializers.ClusterSerializer
    filterset_class = filters.ClusterFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "endpoint__name", "last_seen"]


@_documented(
    "Hosts",
    "ESXi hosts and Proxmox VE nodes; `cluster` (id), `power_state` and `connection_state` "
    "filter further.",
)
class HostViewSet(InventoryViewSet):
    # endpoint: platform, endpoint_name; cluster: cluster_name.
    queryset = Host.objects.select_related("endpoint", "cluster")
    filterset_class = filters.HostFilter
    search_fields = ["name", "external_id", "product", "version", "cpu_model"]
    ordering_fields = [
        "name",
        "endpoint__name",
        "cluster__name",
        "version",
        "connection_state",
        "cpu_usage_percent",
        "memory_used_bytes",
        "uptime_seconds",
    ]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.HostDetailSerializer
        return serializers.HostSerializer


@_documented("Physical NICs", "Physical uplinks and bonds of each host; filter by `host`.")
class PhysicalNicViewSet(InventoryViewSet):
    # endpoint: platform, endpoint_name; host: host_name.
    queryset = PhysicalNic.objects.select_related("endpoint", "host")
    serializer_class = serializers.PhysicalNicSerializer
    filterset_class = filters.PhysicalNicFilter
    search_fields = ["name", "mac", "host__name"]
    ordering_fields = ["name", "host__name", "speed_mbps", "link_up"]


@_documented(
    "Virtual switches",
    "vSwitches and distributed switches (vCenter), Linux and OVS bridges (Proxmox), with "
    "their security policy.",
)
class VirtualSwitchViewSet(InventoryViewSet):
    # endpoint: platform, endpoint_name; host: host_name.
    queryset = VirtualSwitch.objects.select_related("endpoint", "host")
    serializer_class = serializers.VirtualSwitchSerializer
    filterset_class = filters.VirtualSwitchFilter
    search_fields = ["name", "external_id", "host__name"]
    ordering_fields = ["name", "kind", "host__name"]


@_documented(
    "Networks",
    "Port groups (vCenter) and bridges VMs attach to (Proxmox), with VLAN and security "
    "policy; `switch`, `host` and `cluster` filter by the switch they belong to.",
)
class NetworkViewSet(InventoryViewSet):
    # endpoint: platform, endpoint_name; switch: switch_name and host.
    queryset = Network.objects.select_related("endpoint", "switch")
    serializer_class = serializers.NetworkSerializer
    filterset_class = filters.NetworkFilter
    search_fields = ["name", "external_id", "switch__name"]
    ordering_fields = ["name", "vlan_id", "switch__name"]


@_documented(
    "Datastores",
    "VMFS/NFS/vSAN datastores and Proxmox storages, with capacity; `host` and `cluster` "
    "filter by mounting host.",
)
class DatastoreViewSet(InventoryViewSet):
    queryset = Datastore.objects.select_related("endpoint").prefetch_related(
        "hosts"  # DatastoreSerializer.hosts (ids of the mounting hosts)
    )
    serializer_class = serializers.DatastoreSerializer
    filterset_class = filters.DatastoreFilter
    search_fields = ["name", "external_id", "type"]
    ordering_fields = ["name", "type", "capacity_bytes", "free_bytes"]


@_documented(
    "Virtual machines",
    "vSphere VMs, Proxmox QEMU VMs and LXC containers; `kind` (vm, qemu, lxc), `cluster`, "
    "`host`, `datastore`, `power_state` and `running` (either platform's on-state) filter.",
)
class VirtualMachineViewSet(InventoryViewSet):
    # endpoint: platform, endpoint_name; host, cluster: host_name, cluster_name.
    queryset = VirtualMachine.objects.select_related(
        "endpoint", "host", "cluster"
    ).prefetch_related(
        "datastores"  # VirtualMachineSerializer.datastores (ids)
    )
    filterset_class = filters.VirtualMachineFilter
    search_fields = ["name", "external_id", "instance_uuid", "guest_os"]
    ordering_fields = [
        "name",
        "kind",
        "power_state",
        "host__name",
        "cluster__name",
        "vcpus",
        "memory_bytes",
        "provisioned_bytes",
        "cpu_usage_percent",
    ]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.VirtualMachineDetailSerializer
        return serializers.VirtualMachineSerializer


@_documented(
    "Snapshots",
    "Snapshots of every VM, with their parent (the tree), memory and quiesce flags, and the "
    "owner and expiry of those made through the portal; `vm`, `host`, `cluster` filter.",
)
class SnapshotViewSet(InventoryViewSet):
    # endpoint: platform, endpoint_name; vm: vm_name (and the default order); owner: owner.
    queryset = Snapshot.objects.select_related("endpoint", "vm", "owner")
    serializer_class = serializers.SnapshotSerializer
    filterset_class = filters.SnapshotFilter
    search_fields = ["name", "description", "vm__name", "created_by"]
    ordering_fields = ["created_at", "name", "vm__name", "expires_at"]


@extend_schema_view(
    list=extend_schema(
        description="Utilization readings, one per object per sync: CPU and memory in percent, "
        "storage in bytes, network in bytes per second; `null` where the source gave none. "
        "Select an object with `host`, `vm` or `datastore` (id), or `object_type` and "
        "`object_id`; limit the time with `since` and `until` (ISO 8601). Oldest first."
    ),
    retrieve=extend_schema(description="One utilization reading, by id."),
)
class UtilizationSampleViewSet(InventoryViewSet):
    queryset = UtilizationSample.objects.select_related("endpoint")  # platform, endpoint_name
    serializer_class = serializers.UtilizationSampleSerializer
    filterset_class = filters.UtilizationSampleFilter
    search_fields: list[str] = []
    ordering_fields = ["taken_at", "cpu_percent", "memory_percent"]


@extend_schema_view(
    list=extend_schema(
        description="Console sessions: who opened which VM's console when, read from vCenter's "
        "console ticket events (`mks`, `webmks`) and the Proxmox VE nodes' console tasks "
        "(`vnc` noVNC, `term` xterm.js, `spice`). `source` is the platform's id of the record "
        "(vCenter `event-<key>`, Proxmox UPID). Filter by `vm`, `endpoint`, `platform`, "
        "`kind`, `user` (contains) and the time with `since` and `until` (ISO 8601). Newest "
        "first."
    ),
    retrieve=extend_schema(description="One console session, by id."),
)
class ConsoleSessionViewSet(InventoryViewSet):
    # endpoint: platform, endpoint_name. A cluster scope reaches a session through its VM.
    queryset = ConsoleSession.objects.select_related("endpoint")
    scope_fields = ("endpoint", "vm__cluster")
    serializer_class = serializers.ConsoleSessionSerializer
    filterset_class = filters.ConsoleSessionFilter
    search_fields = ["vm_name", "user", "source"]
    ordering_fields = ["started_at", "vm_name", "user"]
