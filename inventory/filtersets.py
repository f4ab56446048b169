"""Filter sets of the inventory: the list pages and the API filter with the same ones.

A page and its API list take the same parameters and refuse a bad value with the same message
(the page reports it beside the form and shows the rest; the API answers 400 naming it).

Every inventory list answers the same questions the same way on both platforms: ``endpoint``
(id), ``platform`` (the endpoint's kind: vcenter or proxmox), ``name`` (contains, any case) and
``absent``. Objects that vanished from their source stay in the database (absent-not-deleted);
a list shows present objects unless ``absent=true`` (only absent ones) or ``absent=false``
(present ones, the default made explicit) is given.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django_filters import rest_framework as filters

from inventory.connectors.platforms import all_traits, running_power_states
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
    SyncRun,
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
)
from portal.api.time_filters import UtcIsoDateTimeFilter
from portal.filters import NumberFilter

# Power states as each platform names them (their traits); ``running=true`` spans them all.
POWER_STATES = [
    (s.value, format_lazy("{} ({})", s.value, t.label))
    for t in all_traits()
    for s in t.vm_power_states
]


class InventoryFilterSet(filters.FilterSet):
    """The filters every synced object has; subclasses add their relations."""

    endpoint = NumberFilter(field_name="endpoint", help_text="Endpoint id.")
    platform = filters.ChoiceFilter(
        field_name="endpoint__kind",
        choices=Endpoint.Kind.choices,
        help_text="The endpoint's platform: vcenter or proxmox.",
    )
    name = filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Name contains (any case)."
    )
    absent = filters.BooleanFilter(
        method="filter_absent",
        help_text="true: only objects no longer seen at the source; false or unset: present ones.",
    )

    def filter_absent(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(absent_since__isnull=not value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("absent") is None:
            # Absent objects are history, not inventory: hide them unless asked for.
            queryset = queryset.present()
        return queryset


class ClusterFilter(InventoryFilterSet):
    class Meta:
        model = Cluster
        fields = ["ha_enabled", "drs_enabled"]


class HostFilter(InventoryFilterSet):
    cluster = NumberFilter(field_name="cluster", help_text="Cluster id.")
    power_state = filters.CharFilter(help_text="Exact power state as the platform reports it.")
    connection_state = filters.CharFilter(
        help_text="connected, disconnected, notResponding (vCenter); online, offline (Proxmox)."
    )

    class Meta:
        model = Host
        fields = ["maintenance_mode", "lockdown_mode"]


class OnHostFilterSet(InventoryFilterSet):
    """For objects that belong to a host: the host and the host's cluster select them."""

    host = NumberFilter(field_name="host", help_text="Host id.")
    cluster = NumberFilter(field_name="host__cluster", help_text="Cluster id.")


class PhysicalNicFilter(OnHostFilterSet):
    class Meta:
        model = PhysicalNic
        fields = ["link_up", "kind"]


class VirtualSwitchFilter(OnHostFilterSet):
    kind = filters.CharFilter(help_text="vswitch, dvswitch (vCenter); bridge, ovs (Proxmox).")

    class Meta:
        model = VirtualSwitch
        fields = list(SECURITY_POLICY_FIELDS)


class NetworkFilter(InventoryFilterSet):
    switch = NumberFilter(field_name="switch", help_text="Virtual switch id.")
    host = NumberFilter(field_name="switch__host", help_text="Host id of the switch.")
    cluster = NumberFilter(field_name="switch__host__cluster", help_text="Cluster id.")

    class Meta:
        model = Network
        fields = ["vlan_id", *SECURITY_POLICY_FIELDS]


class DatastoreFilter(InventoryFilterSet):
    # A datastore is mounted on many hosts: distinct, so a shared one appears once.
    host = NumberFilter(field_name="hosts", distinct=True, help_text="Host id.")
    cluster = NumberFilter(
        field_name="hosts__cluster", distinct=True, help_text="Cluster id of a mounting host."
    )
    type = filters.CharFilter(help_text="VMFS, NFS, vsan (vCenter); dir, lvmthin, zfspool ...")

    class Meta:
        model = Datastore
        fields = ["accessible", "shared"]


class VirtualMachineFilter(InventoryFilterSet):
    cluster = NumberFilter(field_name="cluster", help_text="Cluster id.")
    host = NumberFilter(field_name="host", help_text="Host id.")
    datastore = NumberFilter(field_name="datastores", distinct=True, help_text="Datastore id.")
    power_state = filters.ChoiceFilter(
        choices=POWER_STATES, help_text="Exact power state as the platform reports it."
    )
    running = filters.BooleanFilter(
        method="filter_running", help_text="true: poweredOn or running, on either platform."
    )
    kind = filters.ChoiceFilter(
        choices=VirtualMachine.Kind.choices, help_text="vm (vSphere), qemu or lxc (Proxmox)."
    )

    class Meta:
        model = VirtualMachine
        fields = ["template"]

    def filter_running(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        running = Q(power_state__in=running_power_states())
        return queryset.filter(running if value else ~running)


MAX_AGE_DAYS = 36500


def age_q(now: dt.datetime, older_than: int | None, younger_than: int | None) -> Q:
    """Snapshots whose age in days is in [older_than, younger_than); None: open end.

    Ages are whole days counted back from ``now``: ``older_than=N`` keeps snapshots created at
    least N days ago, ``younger_than=N`` those created less than N days ago. A snapshot without
    a creation date is never in a range: its age is unknown (``age_unknown=true``). The
    dashboard's age buckets (inventory/tiles.py) count with it, so a bucket's link shows the
    rows it counted.
    """
    q = Q(created_at__isnull=False)
    if older_than is not None:
        q &= Q(created_at__lte=now - dt.timedelta(days=older_than))
    if younger_than is not None:
        q &= Q(created_at__gt=now - dt.timedelta(days=younger_than))
    return q


class SnapshotFilter(InventoryFilterSet):
    vm = NumberFilter(field_name="vm", help_text="Virtual machine id.")
    host = NumberFilter(field_name="vm__host", help_text="Host id of the VM.")
    cluster = NumberFilter(field_name="vm__cluster", help_text="Cluster id of the VM.")
    kind = filters.ChoiceFilter(
        field_name="vm__kind", choices=VirtualMachine.Kind.choices, help_text="The VM's kind."
    )
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    expires_before = UtcIsoDateTimeFilter(field_name="expires_at", lookup_expr="lt")
    # At most a century: a larger N is no date at all (datetime overflows), so it is refused
    # by name (400) instead of failing in the query (found by the API fuzz).
    older_than = NumberFilter(
        method="filter_older_than",
        min_value=0,
        max_value=MAX_AGE_DAYS,
        help_text="Created at least N days ago (0 to 36500).",
    )
    younger_than = NumberFilter(
        method="filter_younger_than",
        min_value=0,
        max_value=MAX_AGE_DAYS,
        help_text="Created less than N days ago (0 to 36500).",
    )
    age_unknown = filters.BooleanFilter(
        field_name="created_at", lookup_expr="isnull", help_text="true: no creation date known."
    )
    expired = filters.BooleanFilter(
        method="filter_expired", help_text="true: the expiry date has passed."
    )

    class Meta:
        model = Snapshot
        fields = ["current", "made_by_portal", "with_memory", "quiesced"]

    def filter_older_than(self, queryset: QuerySet, name: str, value: float) -> QuerySet:
        return queryset.filter(age_q(timezone.now(), int(value), None))

    def filter_younger_than(self, queryset: QuerySet, name: str, value: float) -> QuerySet:
        return queryset.filter(age_q(timezone.now(), None, int(value)))

    def filter_expired(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        expired = Q(expires_at__lte=timezone.now())
        return queryset.filter(expired if value else ~expired)


class UtilizationSampleFilter(filters.FilterSet):
    """Samples of one object over time: ``?object_type=host&object_id=7&since=...``."""

    endpoint = NumberFilter(field_name="endpoint", help_text="Endpoint id.")
    platform = filters.ChoiceFilter(
        field_name="endpoint__kind", choices=Endpoint.Kind.choices, help_text="vcenter or proxmox."
    )
    object_type = filters.ChoiceFilter(choices=UtilizationSample.ObjectType.choices)
    object_id = NumberFilter(help_text="Id of the host, VM or datastore.")
    host = NumberFilter(method="filter_host", help_text="Samples of this host id.")
    vm = NumberFilter(method="filter_vm", help_text="Samples of this VM id.")
    datastore = NumberFilter(method="filter_datastore", help_text="Samples of this datastore id.")
    since = UtcIsoDateTimeFilter(field_name="taken_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="taken_at", lookup_expr="lt")

    class Meta:
        model = UtilizationSample
        fields: list[str] = []

    def _of(self, queryset: QuerySet, object_type: str, value: int) -> QuerySet:
        return queryset.filter(object_type=object_type, object_id=value)

    def filter_host(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return self._of(queryset, UtilizationSample.ObjectType.HOST, value)

    def filter_vm(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return self._of(queryset, UtilizationSample.ObjectType.VM, value)

    def filter_datastore(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return self._of(queryset, UtilizationSample.ObjectType.DATASTORE, value)


class EndpointFilter(filters.FilterSet):
    """Endpoints by platform (for the endpoints page)."""

    platform = filters.ChoiceFilter(field_name="kind", choices=Endpoint.Kind.choices)

    class Meta:
        model = Endpoint
        fields = ["enabled", "last_sync_status"]


class SyncRunFilter(filters.FilterSet):
    """Sync runs by endpoint, platform, status and trigger (for the sync runs page)."""

    endpoint = NumberFilter(field_name="endpoint")
    platform = filters.ChoiceFilter(field_name="endpoint__kind", choices=Endpoint.Kind.choices)
    status = filters.ChoiceFilter(choices=SyncRun.Status.choices)

    class Meta:
        model = SyncRun
        fields = ["trigger"]


class ConsoleSessionFilter(filters.FilterSet):
    """Console sessions: ``?vm=7&since=2026-11-01T00:00:00Z``, newest first."""

    endpoint = NumberFilter(field_name="endpoint", help_text="Endpoint id.")
    platform = filters.ChoiceFilter(
        field_name="endpoint__kind", choices=Endpoint.Kind.choices, help_text="vcenter or proxmox."
    )
    vm = NumberFilter(field_name="vm", help_text="Virtual machine id.")
    kind = filters.ChoiceFilter(choices=ConsoleSession.Kind.choices)
    user = filters.CharFilter(
        field_name="user", lookup_expr="icontains", help_text="User (contains, any case)."
    )
    since = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = ConsoleSession
        fields: list[str] = []
