"""The traits of VMware vCenter / ESXi (see :mod:`inventory.connectors.traits`); no pyVmomi here."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext_lazy as _

from .traits import BAD, GOOD, NEUTRAL, PlatformTraits, SnapshotNameError, State


class VCenterTraits(PlatformTraits):
    kind = "vcenter"
    label = _("vCenter")
    long_label = "VMware vCenter / ESXi"
    connector = "inventory.connectors.vcenter.VCenterConnector"

    vm_power_states = (
        State("poweredOn", _("powered on"), GOOD),
        State("poweredOff", _("powered off"), NEUTRAL),
        State("suspended", _("suspended"), NEUTRAL),
    )
    host_power_states = (
        State("poweredOn", _("powered on"), GOOD),
        State("poweredOff", _("powered off"), NEUTRAL),
        State("standBy", _("standby"), NEUTRAL),
        State("unknown", _("unknown"), BAD),
    )
    host_connection_states = (
        State("connected", _("connected"), GOOD),
        State("disconnected", _("disconnected"), BAD),
        State("notResponding", _("not responding"), BAD),
    )
    tools_running_states = frozenset({"guesttoolsrunning"})
    tools_states = (
        State("guestToolsRunning", _("running"), GOOD),
        State("guestToolsNotRunning", _("not running"), BAD),
        State("guestToolsExecutingScripts", _("starting"), NEUTRAL),
    )
    lockdown_modes = (
        State("lockdownDisabled", _("disabled"), BAD),
        State("lockdownNormal", _("normal"), GOOD),
        State("lockdownStrict", _("strict"), GOOD),
    )

    snapshot_name_max = 80
    snapshot_identity = (
        "the task's result (the snapshot's moref); after a crash, the one snapshot whose "
        "description carries the operation's token, taken since the operation started"
    )

    page_sharing = "salting"
    console_clipboard = "isolation_keys"

    def clean_snapshot_name(self, name: str) -> str:
        name = (name or "").strip()
        if not name:
            raise SnapshotNameError("give the snapshot a name")
        if len(name) > self.snapshot_name_max:
            raise SnapshotNameError(f"use at most {self.snapshot_name_max} characters")
        if any(unicodedata.category(ch) == "Cc" for ch in name):
            raise SnapshotNameError("remove control characters (tabs, line breaks) from the name")
        return name


TRAITS = VCenterTraits()
