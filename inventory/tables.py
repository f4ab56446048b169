"""The inventory lists' columns, each declared once (portal.tables).

One :class:`~portal.tables.Table` per list draws the page's header and cells, says which
fields ``?sort=`` accepts and writes the CSV (``?format=csv``: raw values, English headers
that scripts rely on, more columns than the page shows). The views (inventory/views/) add the
queryset, its filters and the template around it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.template import Context
from django.template.defaultfilters import floatformat, timesince_filter, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from portal.labels import trigger_label
from portal.tables import Column, Table, no_data, object_url
from portal.templatetags.portal_time import when

from .connectors.tls import format_fingerprint
from .models import Snapshot
from .templatetags.inventory_format import (
    bool_or_nodata,
    bytes_or_nodata,
    duration_or_nodata,
    fingerprint,
    percent_or_nodata,
    platform_badge,
    state_or_nodata,
)

# ----------------------------------------------------------------------------- cells


def _badge(tone: str, label: str) -> SafeString:
    return format_html(' <span class="badge {}">{}</span>', tone, label)


def _absent(row: Any) -> str:
    return _badge("warn", _("absent")) if row.absent_since else ""


def _link(url: str, label: Any) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, label)


def _with_percent(amount: str, percent: float | None) -> SafeString:
    """``12 GB (40 %)``: an amount and the share it is, when the share is known."""
    if percent is None:
        return format_html("{}", amount)
    return format_html("{} ({} %)", amount, floatformat(percent, 0))


def _code(value: str) -> SafeString:
    return format_html("<code>{}</code>", value)


def bool_text(value: bool) -> str:
    return _("yes") if value else _("no")


def _host_link(host_id: int | None, host: Any) -> Any:
    if host is None:
        return no_data()
    return _link(object_url("inventory:host-detail", host_id), host.name)


def _vm_name(vm: Any, context: Context) -> SafeString:
    template = _badge("na", _("template")) if vm.template else ""
    url = object_url("inventory:vm-detail", vm.pk)
    return format_html("{}{}{}", _link(url, vm.name), template, _absent(vm))


def _power(vm: Any, context: Context) -> Any:
    if not vm.power_state:
        return no_data()
    tone = "ok" if vm.is_running else "na"
    return format_html('<span class="badge {}">{}</span>', tone, state_or_nodata(vm.power_state))


def _named_link(view: str, absent: bool = True) -> Any:
    """A name cell linking to the row's detail page, with the absent badge (synced objects)."""

    def cell(row: Any, context: Context) -> SafeString:
        badge = _absent(row) if absent else ""
        return format_html("{}{}", _link(object_url(view, row.pk), row.name), badge)

    return cell


def _name_absent(row: Any, context: Context) -> SafeString:
    return format_html("{}{}", row.name, _absent(row))


def _vms_of(filter_name: str) -> Any:
    """The VM count, linking to the VM list filtered to this row."""

    def cell(row: Any, context: Context) -> SafeString:
        return _link(f"{reverse('inventory:vm-list')}?{filter_name}={row.pk}", row.vm_count)

    return cell


def _product(host: Any, context: Context) -> Any:
    if not (host.product or host.version):
        return no_data()
    return format_html("{} {}", host.product, host.version)


def _switch(network: Any, context: Context) -> Any:
    if network.switch is None:
        return no_data()
    return format_html(
        '{} <span class="muted">({})</span>', network.switch.name, network.switch.kind
    )


def _network_host(network: Any, context: Context) -> Any:
    switch = network.switch
    if switch is not None and switch.host is not None:
        return _host_link(switch.host_id, switch.host)
    if switch is not None:
        return format_html('<span class="muted">{}</span>', _("distributed"))
    return no_data()


def _when(value: dt.datetime | None) -> Any:
    return when(value) if value else no_data()


def age_days(snapshot: Snapshot, now: dt.datetime | None = None) -> int | None:
    """Whole days since the snapshot was taken; None when the platform gave no date."""
    if snapshot.created_at is None:
        return None
    return ((now or timezone.now()) - snapshot.created_at).days


def _age(snapshot: Snapshot, context: Context) -> Any:
    if snapshot.created_at is None:
        return no_data()
    return timesince_filter(snapshot.created_at, context.get("now"))


def _snapshot_name(snapshot: Snapshot, context: Context) -> SafeString:
    current = _badge("ok", _("current")) if snapshot.current else ""
    name = format_html('<span class="snap-name">{}</span>', snapshot.name)
    return format_html("{}{}{}", name, current, _absent(snapshot))


def _made_by(snapshot: Snapshot, context: Context) -> Any:
    if snapshot.made_by_portal:
        owner = f" {snapshot.owner.get_username()}" if snapshot.owner else ""
        return format_html('<span class="badge ok">{}</span>{}', _("portal"), owner)
    return snapshot.created_by or no_data()


def _expires(snapshot: Snapshot, context: Context) -> SafeString:
    if snapshot.expires_at is None:
        return format_html('<span class="muted">{}</span>', _("never"))
    expired = _badge("bad", _("expired")) if snapshot.expires_at <= context.get("now") else ""
    return format_html("{}{}", when(snapshot.expires_at), expired)


def _owner(snapshot: Snapshot) -> str | None:
    return snapshot.owner.get_username() if snapshot.owner else None


# ----------------------------------------------------------------------------- columns


def _field(key: str, label: Any, csv: str, **options: Any) -> Column:
    """A column of the page and the CSV that sorts by its own field."""
    return Column(key, label, sort=key, csv=csv, **options)


def _csv(key: str, header: str, **options: Any) -> Column:
    """A column of the CSV alone."""
    return Column(key, csv=header, **options)


# Columns several lists share (a Column is immutable, so one serves every table).
PLATFORM = Column(
    "platform", _l("Platform"), csv="platform", accessor="endpoint.kind", fmt=platform_badge
)
ENDPOINT = Column(
    "endpoint", _l("Endpoint"), sort="endpoint__name", csv="endpoint", accessor="endpoint.name"
)
CLUSTER = Column(
    "cluster", _l("Cluster"), sort="cluster__name", csv="cluster", accessor="cluster.name"
)
CPU = _field("cpu_usage_percent", _l("CPU"), "cpu percent", fmt=percent_or_nodata)
POWER_STATE = _field("power_state", _l("Power"), "power state", fmt=state_or_nodata)
PROVISIONED = Column(
    "provisioned_bytes", _l("Provisioned"), csv="provisioned bytes", fmt=bytes_or_nodata
)
ABSENT_SINCE = _csv("absent_since", "absent since")


def _name(cell: Any) -> Column:
    return Column("name", _l("Name"), sort="name", csv="name", cell=cell, row_header=True)


def _yes_no(key: str, label: Any, csv: str) -> Column:
    return Column(key, label, csv=csv, fmt=bool_or_nodata)


VMS = Table(
    (
        _name(_vm_name),
        PLATFORM,
        _field("kind", _l("Kind"), "kind", cell=lambda v, c: v.get_kind_display()),
        ENDPOINT,
        CLUSTER,
        Column(
            "host",
            _l("Host"),
            sort="host__name",
            csv="host",
            accessor="host.name",
            cell=lambda v, c: _host_link(v.host_id, v.host),
        ),
        # The power badge's colour says running or not, on either platform.
        _field("power_state", _l("Power"), "power state", cell=_power),
        _csv("guest_os", "guest os"),
        _field("vcpus", _l("vCPUs"), "vcpus"),
        _field("memory_bytes", _l("Memory"), "memory bytes", fmt=bytes_or_nodata),
        replace(PROVISIONED, sort="provisioned_bytes"),
        _csv("used_bytes", "used bytes"),
        CPU,
        _csv("tools_state", "tools"),
        _csv("template", "template"),
        _field("snapshot_count", _l("Snapshots"), "snapshots"),
        ABSENT_SINCE,
    ),
    caption=_l("vSphere VMs, Proxmox QEMU VMs and LXC containers"),
    empty=_l("No virtual machines match."),
)

HOSTS = Table(
    (
        _name(_named_link("inventory:host-detail")),
        PLATFORM,
        ENDPOINT,
        CLUSTER,
        Column("product", _l("Product"), sort="version", csv="product", cell=_product),
        _csv("version", "version"),
        _csv("build", "build"),
        _field("connection_state", _l("Connection"), "connection state", fmt=state_or_nodata),
        POWER_STATE,
        _yes_no("maintenance_mode", _l("Maintenance"), "maintenance mode"),
        _csv("lockdown_mode", "lockdown mode"),
        CPU,
        _csv("memory_bytes", "memory bytes"),
        _field(
            "memory_used_bytes",
            _l("Memory used"),
            "memory used bytes",
            cell=lambda h, c: _with_percent(bytes_or_nodata(h.memory_used_bytes), h.memory_percent),
        ),
        _field("uptime_seconds", _l("Uptime"), "uptime seconds", fmt=duration_or_nodata),
        _field("vm_count", _l("VMs"), "vms", cell=_vms_of("host")),
        ABSENT_SINCE,
    ),
    caption=_l("ESXi hosts and Proxmox VE nodes"),
    empty=_l("No hosts match."),
)

DATASTORES = Table(
    (
        _name(_name_absent),
        PLATFORM,
        ENDPOINT,
        _field("type", _l("Type"), "type"),
        _field("capacity_bytes", _l("Capacity"), "capacity bytes", fmt=bytes_or_nodata),
        _field(
            "free_bytes",
            _l("Free"),
            "free bytes",
            cell=lambda d, c: _with_percent(bytes_or_nodata(d.free_bytes), d.free_percent),
        ),
        PROVISIONED,
        _csv("free_percent", "free percent"),
        _yes_no("accessible", _l("Accessible"), "accessible"),
        _yes_no("shared", _l("Shared"), "shared"),
        _field("host_count", _l("Hosts"), "hosts"),
        _field("vm_count", _l("VMs"), "vms", cell=_vms_of("datastore")),
        ABSENT_SINCE,
    ),
    caption=_l("vSphere datastores and Proxmox storages"),
    empty=_l("No datastores match."),
)

NETWORKS = Table(
    (
        _name(_name_absent),
        PLATFORM,
        ENDPOINT,
        Column(
            "switch",
            _l("Switch"),
            sort="switch__name",
            csv="switch",
            accessor="switch.name",
            cell=_switch,
        ),
        _csv("switch_kind", "switch kind", accessor="switch.kind"),
        Column(
            "host",
            _l("Host"),
            sort="switch__host__name",
            csv="host",
            accessor="switch.host.name",
            cell=_network_host,
        ),
        _field("vlan_id", _l("VLAN"), "vlan"),
        _yes_no("allow_promiscuous", _l("Promiscuous"), "promiscuous"),
        _yes_no("allow_mac_changes", _l("MAC changes"), "mac changes"),
        _yes_no("allow_forged_transmits", _l("Forged transmits"), "forged transmits"),
        ABSENT_SINCE,
    ),
    caption=_l("Port groups and bridges, with their security policy"),
    empty=_l("No networks match."),
)

# The page's ``now`` (one moment for every row) decides the ages and what has expired.
SNAPSHOTS = Table(
    (
        Column(
            "vm",
            _l("VM"),
            sort="vm__name",
            csv="vm",
            accessor="vm.name",
            cell=lambda s, c: _link(object_url("inventory:vm-detail", s.vm_id), s.vm.name),
            row_header=True,
        ),
        PLATFORM,
        ENDPOINT,
        _field("name", _l("Name"), "name", cell=_snapshot_name),
        _csv("description", "description"),
        _field("created_at", _l("Created"), "created at", fmt=_when),
        Column("age", _l("Age"), csv="age days", value=age_days, cell=_age),
        _field("with_memory", _l("With memory"), "with memory", fmt=bool_or_nodata),
        _csv("quiesced", "quiesced"),
        _csv("current", "current"),
        _field("made_by_portal", _l("Made by"), "made by portal", cell=_made_by),
        _csv("owner", "owner", sort="owner__username", value=_owner),
        _csv("created_by", "created by"),
        _csv("reason", "reason"),
        _field("expires_at", _l("Expires"), "expires at", cell=_expires),
        ABSENT_SINCE,
    ),
    caption=_l("Snapshots of vSphere VMs, Proxmox VMs and containers"),
    empty=_l("No snapshots match."),
)


def _select(snapshot: Any, context: Context) -> SafeString | str:
    """A checkbox of the list's bulk form (operations fills the slot); none for a gone one."""
    if snapshot.absent_since is not None:
        return ""
    return format_html(
        '<input type="checkbox" form="snapshot-bulk" name="snapshot" value="{}" aria-label="{}">',
        snapshot.pk,
        _("Select %(snapshot)s of %(vm)s") % {"snapshot": snapshot.name, "vm": snapshot.vm.name},
    )


# The same list with a checkbox in front of each row, for administrators (bulk actions).
SNAPSHOTS_SELECTABLE = Table(
    (Column("select", _l("Select"), cell=_select), *SNAPSHOTS.columns),
    caption=SNAPSHOTS.caption,
    empty=SNAPSHOTS.empty,
)


def _trust(endpoint: Any) -> str:
    if endpoint.trust_mode == "ca":
        return "CA certificate"
    return f"pinned SHA-256 {format_fingerprint(endpoint.fingerprint)}"


def _trust_cell(endpoint: Any, context: Context) -> SafeString:
    if endpoint.trust_mode == "ca":
        return format_html("{}", _("CA certificate"))
    return format_html(
        '{}<br><code class="fingerprint">{}</code>',
        _("pinned SHA-256 fingerprint"),
        fingerprint(endpoint.fingerprint),
    )


def _sync_runs_of(endpoint: Any, context: Context) -> SafeString:
    url = f"{reverse('inventory:sync-run-list')}?endpoint={endpoint.pk}"
    return _link(url, _("Sync runs of %(name)s") % {"name": endpoint.name})


ENDPOINTS = Table(
    (
        Column(
            "name",
            _l("Name"),
            sort="name",
            csv="name",
            cell=_named_link("inventory:endpoint-detail", absent=False),
            row_header=True,
        ),
        Column("kind", _l("Platform"), sort="kind", csv="platform", fmt=platform_badge),
        Column("url", _l("URL"), sort="url", csv="url", cell=lambda e, c: _code(e.url)),
        Column("trust", _l("Trust"), csv="trust", value=_trust, cell=_trust_cell),
        Column(
            "last_sync_at",
            _l("Last sync"),
            sort="last_sync_at",
            csv="last sync",
            template="inventory/cells/endpoint_last_sync.html",
        ),
        _csv("last_sync_status", "last sync status", sort="last_sync_status"),
        _csv("last_success_at", "last success"),
        Column("enabled", _l("Enabled"), sort="enabled", csv="enabled", fmt=bool_text),
        Column("sync_runs", _l("Sync runs"), cell=_sync_runs_of),
    ),
    caption=_l("Endpoints the portal reads"),
    empty=_l("No endpoints match."),
)


def _duration(run: Any, context: Context) -> Any:
    if run.duration_seconds is None:
        return format_html('<span class="nodata">{}</span>', _("not finished"))
    return format_html("{} s", floatformat(run.duration_seconds, 1))


def _warnings(run: Any, context: Context) -> Any:
    if not run.warnings:
        return "0"
    items = format_html_join("", "<li>{}</li>", ((w,) for w in run.warnings))
    return format_html(
        "<details><summary>{}</summary><ul>{}</ul></details>", len(run.warnings), items
    )


def _error(run: Any, context: Context) -> Any:
    if not run.error:
        return ""
    return format_html(
        '<details><summary>{}</summary><pre class="wrap">{}</pre></details>',
        truncatechars(run.error, 60),
        run.error,
    )


def _counts(run: Any, context: Context) -> SafeString:
    return format_html(
        "{} / {} / {}", localize(run.created), localize(run.updated), localize(run.absent)
    )


SYNC_RUNS = Table(
    (
        Column(
            "queued_at",
            _l("Queued"),
            sort="queued_at",
            csv="queued",
            cell=lambda r, c: when(r.queued_at, "seconds"),
        ),
        Column(
            "endpoint",
            _l("Endpoint"),
            sort="endpoint__name",
            csv="endpoint",
            accessor="endpoint.name",
            fmt=lambda name: name,
            row_header=True,
        ),
        PLATFORM,
        Column(
            "status",
            _l("Status"),
            sort="status",
            csv="status",
            template="inventory/cells/sync_run_status.html",
        ),
        Column("trigger", _l("Trigger"), csv="trigger", fmt=trigger_label),
        Column("requested_by", _l("By"), csv="requested by", fmt=lambda by: by or "–"),  # noqa: RUF001
        _csv("started_at", "started"),
        _csv("finished_at", "finished", sort="finished_at"),
        Column("duration_seconds", _l("Duration"), csv="seconds", cell=_duration),
        Column("created", _l("Created / updated / absent"), csv="created", cell=_counts),
        _csv("updated", "updated"),
        _csv("absent", "absent"),
        Column(
            "warnings",
            _l("Warnings"),
            csv="warnings",
            value=lambda r: len(r.warnings or []),
            cell=_warnings,
        ),
        Column("error", _l("Error"), csv="error", cell=_error),
    ),
    # The CSV's columns as they were published before the page's order was declared here.
    csv_order=("endpoint", "platform", "status", "trigger", "requested_by", "queued_at"),
    caption=_l("Reads of each endpoint into the inventory"),
    empty=_l("No sync runs match."),
)
