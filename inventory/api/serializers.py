"""Read-only serializers of the inventory.

Units follow ``inventory/connectors/records.py``: bytes, percent (0-100), Mbit/s for links,
bytes per second for network rates, seconds for uptime. ``null`` means the source gave no
value ("no data"), never zero. Every object names its ``platform`` (the endpoint's kind), so
clients can treat vCenter and Proxmox objects alike. Endpoint credentials are never included.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from inventory.models import (
    SECURITY_POLICY_FIELDS,
    Cluster,
    ConsoleSession,
    Datastore,
    Endpoint,
    Host,
    Network,
    PhysicalNic,
    Snapshot,
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
)

from . import examples

SYNCED_FIELDS = [
    "id",
    "endpoint",
    "endpoint_name",
    "platform",
    "external_id",
    "name",
    "first_seen",
    "last_seen",
    "absent_since",
]


class PlatformMixin(serializers.Serializer):
    """``endpoint_name`` and ``platform`` from the endpoint (views select_related it)."""

    endpoint_name = serializers.CharField(source="endpoint.name", read_only=True)
    platform = serializers.ChoiceField(
        source="endpoint.kind",
        choices=Endpoint.Kind.choices,
        read_only=True,
        help_text="The endpoint's platform: vcenter or proxmox.",
    )


class SyncedSerializer(PlatformMixin, serializers.ModelSerializer):
    """Base of every object read from an endpoint; all fields are read-only."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


@extend_schema_serializer(examples=examples.CLUSTER_EXAMPLES)
class ClusterSerializer(SyncedSerializer):
    class Meta:
        model = Cluster
        fields = [*SYNCED_FIELDS, "ha_enabled", "drs_enabled", "quorate", "firewall_enabled"]


class ServiceSerializer(serializers.Serializer):
    """One host service as the sync stored it (a key missing from older rows is left out)."""

    key = serializers.CharField(help_text="Normalised across platforms: ssh, esxi_shell, ntp ...")
    label = serializers.CharField(required=False)
    running = serializers.BooleanField(required=False, allow_null=True)
    policy = serializers.CharField(
        required=False, help_text="vCenter: on/off/automatic; Proxmox: enabled/disabled"
    )


HOST_LIST_FIELDS = [
    *SYNCED_FIELDS,
    "cluster",
    "cluster_name",
    "product",
    "version",
    "build",
    "connection_state",
    "power_state",
    "maintenance_mode",
    "lockdown_mode",
    "cpu_model",
    "cpu_sockets",
    "cpu_cores",
    "cpu_threads",
    "cpu_mhz",
    "memory_bytes",
    "cpu_usage_percent",
    "memory_used_bytes",
    "memory_percent",
    "swap_used_bytes",
    "ksm_shared_bytes",
    "uptime_seconds",
    "management_addresses",
    "services",
    "ntp_servers",
    "syslog_target",
    "timezone",
]


@extend_schema_serializer(examples=examples.HOST_EXAMPLES)
class HostSerializer(SyncedSerializer):
    cluster_name = serializers.CharField(source="cluster.name", read_only=True, allow_null=True)
    memory_percent = serializers.FloatField(read_only=True, allow_null=True)
    services = ServiceSerializer(many=True, read_only=True)
    management_addresses = serializers.ListField(child=serializers.CharField(), read_only=True)
    ntp_servers = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Host
        fields = HOST_LIST_FIELDS


@extend_schema_serializer(examples=examples.HOST_DETAIL_EXAMPLES)
class HostDetailSerializer(HostSerializer):
    """A host with its advanced options (large on ESXi, so only in the detail)."""

    class Meta:
        model = Host
        fields = [
            *HOST_LIST_FIELDS,
            "advanced_options",
            "extra",
            "config_hash",
            "updates_pending",
            "security_updates",
            "updates_pending_since",
        ]


@extend_schema_serializer(examples=examples.NIC_EXAMPLES)
class PhysicalNicSerializer(SyncedSerializer):
    host_name = serializers.CharField(source="host.name", read_only=True)

    class Meta:
        model = PhysicalNic
        fields = [
            *SYNCED_FIELDS,
            "host",
            "host_name",
            "link_up",
            "speed_mbps",
            "full_duplex",
            "mac",
            "kind",
            "slaves",
        ]


@extend_schema_serializer(examples=examples.SWITCH_EXAMPLES)
class VirtualSwitchSerializer(SyncedSerializer):
    host_name = serializers.CharField(source="host.name", read_only=True, allow_null=True)

    class Meta:
        model = VirtualSwitch
        fields = [
            *SYNCED_FIELDS,
            "host",
            "host_name",
            "kind",
            "uplinks",
            "active",
            *SECURITY_POLICY_FIELDS,
        ]


@extend_schema_serializer(examples=examples.NETWORK_EXAMPLES)
class NetworkSerializer(SyncedSerializer):
    switch_name = serializers.CharField(source="switch.name", read_only=True, allow_null=True)
    host = serializers.IntegerField(source="switch.host_id", read_only=True, allow_null=True)

    class Meta:
        model = Network
        fields = [
            *SYNCED_FIELDS,
            "switch",
            "switch_name",
            "host",
            "vlan_id",
            *SECURITY_POLICY_FIELDS,
        ]


@extend_schema_serializer(examples=examples.DATASTORE_EXAMPLES)
class DatastoreSerializer(SyncedSerializer):
    provisioned_bytes = serializers.IntegerField(read_only=True, allow_null=True)
    free_percent = serializers.FloatField(read_only=True, allow_null=True)
    hosts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Datastore
        fields = [
            *SYNCED_FIELDS,
            "type",
            "capacity_bytes",
            "free_bytes",
            "uncommitted_bytes",
            "provisioned_bytes",
            "free_percent",
            "accessible",
            "shared",
            "content",
            "hosts",
        ]


class VmNicSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="net0 (Proxmox) or 'Network adapter 1' (vCenter)")
    mac = serializers.CharField(required=False)
    network = serializers.CharField(required=False, help_text="Bridge or port group name")
    vlan_id = serializers.IntegerField(required=False, allow_null=True)
    firewall = serializers.BooleanField(required=False, allow_null=True)
    connected = serializers.BooleanField(required=False, allow_null=True)


VM_LIST_FIELDS = [
    *SYNCED_FIELDS,
    "kind",
    "instance_uuid",
    "vmid",
    "host",
    "host_name",
    "cluster",
    "cluster_name",
    "power_state",
    "guest_os",
    "vcpus",
    "memory_bytes",
    "provisioned_bytes",
    "used_bytes",
    "tools_state",
    "template",
    "lock",
    "tags",
    "tags_known",
    "console_connections",
    "passthrough_devices",
    "nics",
    "disks",
    "datastores",
    "cpu_usage_percent",
    "memory_used_bytes",
    "ballooned_bytes",
    "swapped_bytes",
]


@extend_schema_serializer(examples=examples.VM_EXAMPLES)
class VirtualMachineSerializer(SyncedSerializer):
    host_name = serializers.CharField(source="host.name", read_only=True, allow_null=True)
    cluster_name = serializers.CharField(source="cluster.name", read_only=True, allow_null=True)
    nics = VmNicSerializer(many=True, read_only=True)
    disks = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="As the platform describes them: vCenter {label, capacity_bytes, file, "
        "datastore, thin, mode}; Proxmox {key, volume, storage, size_bytes, cdrom}.",
    )
    datastores = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    tags = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The platform's tags: Proxmox VE 'tag', vSphere 'Category:Tag'.",
    )
    tags_known = serializers.BooleanField(
        read_only=True,
        help_text="False when the last sync could not read the platform's tags (vSphere vAPI "
        "unreachable): 'tags' is then empty and no tag target object covers the VM.",
    )

    class Meta:
        model = VirtualMachine
        fields = VM_LIST_FIELDS


@extend_schema_serializer(examples=examples.VM_DETAIL_EXAMPLES)
class VirtualMachineDetailSerializer(VirtualMachineSerializer):
    """A VM with its isolation settings and the configuration its hash is made of."""

    extra_config = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="isolation.tools.*, RemoteDisplay.* (vCenter); vga, unprivileged ... (Proxmox)",
    )

    class Meta:
        model = VirtualMachine
        fields = [*VM_LIST_FIELDS, "extra_config", "config_version", "config", "config_hash"]


@extend_schema_serializer(examples=examples.SNAPSHOT_EXAMPLES)
class SnapshotSerializer(SyncedSerializer):
    vm_name = serializers.CharField(source="vm.name", read_only=True)
    owner = serializers.CharField(
        source="owner.username",
        read_only=True,
        allow_null=True,
        help_text="The portal user who made it (portal-made snapshots only).",
    )

    class Meta:
        model = Snapshot
        fields = [
            *SYNCED_FIELDS,
            "vm",
            "vm_name",
            "parent",
            "description",
            "created_at",
            "quiesced",
            "with_memory",
            "current",
            "created_by",
            "owner",
            "reason",
            "expires_at",
            "made_by_portal",
        ]


@extend_schema_serializer(examples=examples.SAMPLE_EXAMPLES)
class UtilizationSampleSerializer(PlatformMixin, serializers.ModelSerializer):
    class Meta:
        model = UtilizationSample
        fields = [
            "id",
            "endpoint",
            "endpoint_name",
            "platform",
            "object_type",
            "object_id",
            "taken_at",
            "cpu_percent",
            "memory_percent",
            "storage_used_bytes",
            "net_rx_bps",
            "net_tx_bps",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.CONSOLE_SESSION_EXAMPLES)
class ConsoleSessionSerializer(PlatformMixin, serializers.ModelSerializer):
    """Who opened which VM's console when: ``vm`` is null once the VM is gone from the
    inventory; ``vm_name`` and ``vm_external_id`` keep what the platform reported."""

    class Meta:
        model = ConsoleSession
        fields = [
            "id",
            "endpoint",
            "endpoint_name",
            "platform",
            "vm",
            "vm_name",
            "vm_external_id",
            "user",
            "started_at",
            "kind",
            "source",
        ]
        read_only_fields = fields
