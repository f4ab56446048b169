"""Time synchronisation and remote logging of the hosts (monitoring the operating status)."""

from __future__ import annotations

from ..choices import ObjectType
from .registry import failed, not_applicable, passed, register

REQ = ("M4349.OPERATING",)
CONNECTED = ("connected", "online")


def _unreadable(host):
    """Why the host's settings cannot be judged, or None.

    A disconnected ESXi host or an offline Proxmox node reports no configuration at all; its
    empty NTP and syslog settings mean "unknown", not "none" (OPS-002 reports the host itself).
    """
    state = (host.connection_state or "").lower()
    if state and state not in CONNECTED:
        return not_applicable(
            f"The host is {host.connection_state}: its settings could not be read.",
            connection_state=host.connection_state,
        )
    return None


@register("LOG-001", title="No NTP server configured", requirements=REQ, target=ObjectType.HOST)
def host_ntp(host, params, ctx):
    """Without synchronised clocks, logs of hosts and guests cannot be correlated."""
    if not host.ntp_servers:
        return _unreadable(host) or failed("No NTP server is configured.", ntp_servers=[])
    return passed("NTP servers are configured.", ntp_servers=list(host.ntp_servers))


@register("LOG-002", title="No remote syslog target", requirements=REQ, target=ObjectType.HOST)
def host_syslog(host, params, ctx):
    """Logs kept only on the host are lost with it and can be altered by an intruder."""
    if not host.syslog_target:
        return _unreadable(host) or failed(
            "No remote syslog target is configured.", syslog_target=""
        )
    return passed("Logs go to a remote syslog target.", syslog_target=host.syslog_target)
