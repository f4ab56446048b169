"""Time synchronisation and remote logging of the hosts (monitoring the operating status)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import VCENTER

from ..choices import ObjectType
from ..messages import msg, state_word
from .registry import failed, not_applicable, passed, register

REQ = ("M4349.OPERATING",)


def _unreadable(host, ctx):
    """Why the host's settings cannot be judged, or None.

    A disconnected ESXi host or an offline Proxmox node reports no configuration at all; its
    empty NTP and syslog settings mean "unknown", not "none" (OPS-002 reports the host itself).
    """
    state = host.connection_state
    if state and not ctx.traits(host).is_connected(state):
        return not_applicable(
            msg(
                "The host is %(connection_state)s: its settings could not be read.",
                connection_state=state_word(host.connection_state),
            ),
            connection_state=host.connection_state,
        )
    return None


def _time_service(host):
    """A Proxmox node's time synchronisation, judged by its time service.

    PVE's API does not give chrony's servers (they live in a file on the node), so an empty
    server list means "not reported"; the service the API does report is the evidence.
    """
    services = [s for s in host.services if s.get("key") == "ntp"]
    if not services:
        if not host.services:
            return not_applicable(msg("The platform did not report the host's services."))
        return failed(msg("No time synchronisation service is installed."), time_service=None)
    running = [s.get("label") for s in services if s.get("running")]
    if running:
        return passed(
            msg(
                "The time service runs (%(value)s); PVE does not report its servers.",
                value=", ".join(running),
            ),
            time_service=running[0],
            running=True,
        )
    label = services[0].get("label")
    return failed(
        msg("The time service is not running (%(label)s).", label=label),
        time_service=label,
        running=False,
    )


@register("LOG-001", title=_("No NTP server configured"), requirements=REQ, target=ObjectType.HOST)
def host_ntp(host, params, ctx):
    """Without synchronised clocks, logs of hosts and guests cannot be correlated.

    Servers alone are not enough: an ESXi host with NTP servers and ``ntpd`` stopped keeps no
    time, so a reported, stopped time service fails even when servers are configured.
    """
    if not host.ntp_servers:
        if unreadable := _unreadable(host, ctx):
            return unreadable
        if not ctx.traits(host).reports_ntp_servers:
            return _time_service(host)
        return failed(msg("No NTP server is configured."), ntp_servers=[])
    servers = list(host.ntp_servers)
    services = [s for s in host.services if s.get("key") == "ntp"]
    if not services:
        # The platform did not report the time service: the servers are all there is to judge.
        return passed(
            msg("NTP servers are configured (the time service was not reported)."),
            ntp_servers=servers,
            running=None,
        )
    running = [s for s in services if s.get("running")]
    if not running:
        label = services[0].get("label")
        return failed(
            msg(
                "NTP servers are configured but the time service (%(label)s) is stopped.",
                label=label,
            ),
            ntp_servers=servers,
            time_service=label,
            running=False,
            policy=services[0].get("policy", ""),
        )
    return passed(
        msg("NTP servers are configured and the time service runs."),
        ntp_servers=servers,
        time_service=running[0].get("label"),
        running=True,
    )


@register(
    "LOG-002",
    title=_("No remote syslog target"),
    requirements=REQ,
    target=ObjectType.HOST,
    platforms=(VCENTER,),
    not_applicable_reason="PVE's API does not report a node's syslog configuration.",
)
def host_syslog(host, params, ctx):
    """Logs kept only on the host are lost with it and can be altered by an intruder."""
    if not host.syslog_target:
        return _unreadable(host, ctx) or failed(
            msg("No remote syslog target is configured."), syslog_target=""
        )
    return passed(msg("Logs go to a remote syslog target."), syslog_target=host.syslog_target)
