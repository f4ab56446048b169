"""Words for people in place of the platforms' raw values (``poweredOn``, ``l26``).

The database keeps what the platform said (filters, the API and exports use it); pages show
these labels. A value not listed here is shown as the platform gave it, never hidden.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import state_choices
from inventory.connectors.platforms import state_label as platform_state_label

# Power and connection states come from the platforms' traits (inventory/connectors/), each
# value with its label and tone; the filter forms offer each value once, with its platform.
VM_POWER_CHOICES = state_choices("vm_power_states")
HOST_POWER_CHOICES = state_choices("host_power_states")
HOST_CONNECTION_CHOICES = state_choices("host_connection_states")

# Proxmox VE ``ostype`` values (qm.conf(5)); vCenter guest ids are read by guest_os_label.
PVE_OS_TYPES = {
    "l26": "Linux (kernel 2.6 to 6.x)",
    "l24": "Linux (kernel 2.4)",
    "win11": "Windows 11 / Server 2022 / 2025",
    "win10": "Windows 10 / Server 2016 / 2019",
    "win8": "Windows 8 / Server 2012",
    "win7": "Windows 7 / Server 2008 R2",
    "w2k8": "Windows Vista / Server 2008",
    "wvista": "Windows Vista",
    "w2k3": "Windows Server 2003",
    "wxp": "Windows XP",
    "w2k": "Windows 2000",
    "solaris": "Solaris / OpenSolaris / OpenIndiana",
    "other": _("other"),
}
_VC_GUEST = re.compile(r"^(?P<name>[a-zA-Z]+?)(?P<version>[0-9_]*?)(?P<bits>_?64)?Guest$")
_VC_NAMES = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "rhel": "Red Hat Enterprise Linux",
    "centos": "CentOS",
    "sles": "SUSE Linux Enterprise",
    "windows": "Windows",
    "other": "Other",
    "otherLinux": "Other Linux",
    "photon": "VMware Photon OS",
    "freebsd": "FreeBSD",
    "oracleLinux": "Oracle Linux",
    "rockylinux": "Rocky Linux",
    "almalinux": "AlmaLinux",
}


def state_label(value: str | None) -> str:
    """A power or connection state in words; an empty one is "unknown", one no platform
    declares is shown as the platform gave it."""
    if not value:
        return str(_("unknown"))
    return platform_state_label(value) or value


def guest_os_label(value: str | None) -> str:
    """``l26`` -> "Linux (kernel 2.6 to 6.x)", ``debian12_64Guest`` -> "Debian 12 (64-bit)"."""
    if not value:
        return ""
    if value in PVE_OS_TYPES:
        return str(PVE_OS_TYPES[value])
    match = _VC_GUEST.match(value)
    if not match:
        return value
    name = _VC_NAMES.get(match["name"], match["name"])
    version = match["version"].strip("_").replace("_", ".")
    text = f"{name} {version}".strip()
    return f"{text} (64-bit)" if match["bits"] else text
