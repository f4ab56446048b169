"""The traits of Proxmox VE (see :mod:`inventory.connectors.traits`); no proxmoxer here."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from .traits import BAD, GOOD, NEUTRAL, PlatformTraits, SnapshotNameError, State

# PVE's snapshot names (pve-snapshot-name): a letter, then letters, digits, '-' or '_'.
SNAPSHOT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,39}$")
RESERVED_NAMES = ("current", "pending")


class ProxmoxTraits(PlatformTraits):
    kind = "proxmox"
    label = _("Proxmox VE")
    long_label = "Proxmox VE"
    connector = "inventory.connectors.proxmox.ProxmoxConnector"
    api_tokens = True

    vm_power_states = (
        State("running", _("running"), GOOD),
        State("stopped", _("stopped"), NEUTRAL),
        State("paused", _("paused"), NEUTRAL),
    )
    host_connection_states = (
        State("online", _("online"), GOOD),
        State("offline", _("offline"), BAD),
    )
    tools_running_states = frozenset({"running"})
    # The guest agent as the connector reports it ("running" is a power state's word already).
    tools_states = (
        State("not running", _("not running"), BAD),
        State("disabled", _("disabled"), BAD),
        State("enabled", _("enabled"), NEUTRAL),
    )

    snapshot_name_max = 40
    snapshot_name_pattern = r"[A-Za-z][A-Za-z0-9_\-]{1,39}"
    snapshot_name_hint = _("a letter, then 1 to 39 letters, digits, - or _")
    snapshot_names_unique = True
    snapshot_identity = (
        "the snapshot of the operation's name (PVE keeps names unique per guest) taken no earlier "
        "than the task's UPID started; after a crash, by a snapshot task of the portal's own user "
        "started since the operation"
    )

    page_sharing = "ksm"
    reports_ntp_servers = False  # chrony's servers live in a file on the node
    console_clipboard = "vga_option"

    def clean_snapshot_name(self, name: str) -> str:
        if not SNAPSHOT_NAME.match(name or ""):
            raise SnapshotNameError(
                "Proxmox snapshot names start with a letter and hold 2 to 40 letters, "
                "digits, '-' or '_' (no spaces or dots)"
            )
        if name.lower() in RESERVED_NAMES:
            raise SnapshotNameError(f"{name!r} is reserved by Proxmox; choose another name")
        return name


TRAITS = ProxmoxTraits()
