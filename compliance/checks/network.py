"""M 4.349: connections to the physical networks and bandwidth; M 5.154 / M 5.8 switch policies."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import (
    Param,
    failed,
    not_applicable,
    passed,
    percent_param,
    register,
    verdict,
    warning,
)

LINK_REQ = ("M4349.PHYSICAL_NETWORK",)
POLICY_REQ = ("M5.154", "M5.8")


def _links(host_id, device: str, ctx, seen: frozenset[str] = frozenset()) -> tuple[set, set]:
    """What an uplink device stands on: (every device on the way, the physical links).

    A bond counts its slaves; a VLAN port (``bond0.20``, ``eno1.100``) stands on its parent
    device, so a bridge on ``bond0.20`` has the bond's links, not one link named ``bond0.20``.
    """
    nics = {n.name: n for n in ctx.nics_by_host.get(host_id, ())}
    if device in seen:
        return set(), set()
    seen = seen | {device}
    nic = nics.get(device)
    if nic is not None and nic.slaves:
        path, physical = {device}, set()
        for slave in nic.slaves:
            more, links = _links(host_id, slave, ctx, seen)
            path |= more
            physical |= links
        return path, physical
    parent, dot, vlan = device.rpartition(".")
    if nic is None and dot and parent and vlan.isdigit():
        more, links = _links(host_id, parent, ctx, seen)
        return {device} | more, links
    return {device}, {device}


def _uplink_devices(host_id, ctx) -> set[str]:
    """Every device that carries a switch uplink of the host (bonds, their NICs, VLAN parents),
    for standard switches and bridges as well as the host's distributed-switch uplinks."""
    devices: set[str] = set()
    for uplink in ctx.uplinks_by_host.get(host_id, ()):
        devices |= _links(host_id, uplink, ctx)[0]
    return devices


def _physical_links(host_id, uplinks, ctx) -> set[str]:
    physical: set[str] = set()
    for uplink in uplinks:
        physical |= _links(host_id, uplink, ctx)[1]
    return physical


@register(
    "NET-001",
    title=_("Physical NIC link down"),
    requirements=LINK_REQ,
    target=ObjectType.NIC,
)
def nic_link_up(nic, params, ctx):
    """A dead uplink removes redundancy; one carrying a switch's only uplink cuts VMs off."""
    if nic.link_up is None:
        return not_applicable(msg("The platform did not report the link state."))
    if nic.link_up:
        return passed(msg("Link is up."), link_up=True)
    host = ctx.host(nic.host_id)
    used = host is not None and nic.name in _uplink_devices(host.pk, ctx)
    evidence = {"link_up": False, "used_as_uplink": used}
    if used:
        return failed(msg("Link is down on a NIC used as a switch uplink."), **evidence)
    return warning(msg("Link is down (NIC not used as an uplink)."), **evidence)


@register(
    "NET-002",
    title=_("Physical NIC slower than required"),
    requirements=(*LINK_REQ, "M4349.BANDWIDTH"),
    target=ObjectType.NIC,
    severity=Severity.LOW,
    params=(
        Param(
            "min_speed_mbps",
            1000,
            _("Slowest link speed"),
            minimum=1,
            maximum=1_000_000,
            unit="Mbit/s",
        ),
    ),
)
def nic_speed(nic, params, ctx):
    """A NIC that negotiated a low speed (a bad cable, a wrong port) is a bottleneck."""
    if not nic.link_up:
        return not_applicable(msg("The link is down or unknown."))
    if nic.speed_mbps is None:
        return not_applicable(msg("The platform did not report the link speed."))
    evidence = {"speed_mbps": nic.speed_mbps, "threshold_mbps": params["min_speed_mbps"]}
    return verdict(
        nic.speed_mbps < params["min_speed_mbps"],
        msg(
            "Link runs at %(speed_mbps)s Mbit/s (at least %(min_speed_mbps)s).",
            speed_mbps=nic.speed_mbps,
            min_speed_mbps=params["min_speed_mbps"],
        ),
        msg("Link runs at %(speed_mbps)s Mbit/s.", speed_mbps=nic.speed_mbps),
        evidence,
    )


@register(
    "NET-003",
    title=_("Virtual switch or bridge with a single uplink"),
    requirements=LINK_REQ,
    target=ObjectType.SWITCH,
    params=(Param("min_uplinks", 2, _("Fewest physical uplinks"), minimum=1, maximum=16),),
)
def switch_uplink_redundancy(switch, params, ctx):
    """One uplink is a single point of failure for every VM on the switch.

    A bond counts its slaves and a VLAN port (``bond0.20``) its parent's links. A distributed
    switch is judged per member host: each host's own uplinks (``host_uplinks``), and the
    switch fails when one host has fewer than the minimum.
    """
    minimum = params["min_uplinks"]
    if switch.host_id is None:
        return _distributed_uplinks(switch, minimum, ctx)
    if not switch.uplinks:
        return not_applicable(msg("Internal switch without uplinks."))
    physical = _physical_links(switch.host_id, switch.uplinks, ctx)
    evidence = {
        "uplinks": list(switch.uplinks),
        "physical_links": sorted(physical),
        "threshold": minimum,
    }
    return verdict(
        len(physical) < minimum,
        msg(
            "%(count_physical)s physical uplink(s) (at least %(minimum)s).",
            count_physical=len(physical),
            minimum=minimum,
        ),
        msg("%(count_physical)s physical uplinks.", count_physical=len(physical)),
        evidence,
    )


def _distributed_uplinks(switch, minimum, ctx):
    if not switch.host_uplinks:
        return not_applicable(msg("The platform did not report the switch's uplinks per host."))
    per_host: dict[str, list[str]] = {}
    for external_id, devices in sorted(switch.host_uplinks.items()):
        host = ctx.host_by_external_id.get((switch.endpoint_id, external_id))
        if host is None:
            continue  # a member host gone from the inventory
        per_host[host.name] = sorted(_physical_links(host.pk, devices or (), ctx))
    if not per_host:
        return not_applicable(msg("No member host of the switch is in the inventory."))
    short = sorted(name for name, links in per_host.items() if len(links) < minimum)
    evidence = {"host_uplinks": per_host, "hosts_below": short, "threshold": minimum}
    return verdict(
        bool(short),
        msg(
            "Fewer than %(minimum)s physical uplink(s) on %(count_short)s host(s): %(value)s.",
            minimum=minimum,
            count_short=len(short),
            value=", ".join(short),
        ),
        msg("Every member host has at least %(minimum)s physical uplinks.", minimum=minimum),
        evidence,
    )


@register(
    "NET-004",
    title=_("Host network use near the link capacity"),
    requirements=("M4349.BANDWIDTH", "M4349.UTILIZATION"),
    target=ObjectType.HOST,
    params=(
        percent_param("max_percent", 70, _("Highest use of link capacity")),
        Param(
            "max_sample_age_minutes",
            60,
            _("Oldest usable network sample"),
            minimum=1,
            maximum=10080,
            unit="min",
        ),
    ),
)
def host_bandwidth(host, params, ctx):
    """The VMs' network rates against the live physical links that carry VM networks.

    Only NICs behind the switches, distributed switches and bridges the host's VMs are attached
    to count (not storage or vMotion uplinks), and the rate is the sum of the host's running
    VMs' latest rates (the host's own counter includes VMkernel traffic on other NICs). A
    sample older than the age limit judges nothing: the host was not sampled recently.
    """
    sample = ctx.host_net_sample.get(host.pk)
    if sample is None:
        return not_applicable(msg("No network rates were sampled for this host."))
    max_age = dt.timedelta(minutes=params["max_sample_age_minutes"])
    age = ctx.now - sample.taken_at
    if age > max_age:
        return not_applicable(
            msg(
                "The latest network sample is %(value)s minutes old (limit %(max_sample_age_minutes)s).",
                value=int(age.total_seconds() // 60),
                max_sample_age_minutes=params["max_sample_age_minutes"],
            ),
            sampled_at=sample.taken_at.isoformat(),
        )
    vms = ctx.running_vms(host)
    devices = _vm_traffic_uplinks(host, vms, ctx)
    nics = {n.name: n for n in ctx.nics_by_host.get(host.pk, ())}
    links = [
        nics[name]
        for name in sorted(_physical_links(host.pk, devices, ctx))
        if name in nics and nics[name].link_up and nics[name].speed_mbps
    ]
    capacity_bps = sum(n.speed_mbps for n in links) * 1_000_000 / 8  # bytes per second
    if not capacity_bps:
        return not_applicable(msg("No live physical link with a known speed carries VM networks."))
    fresh = [
        s
        for vm in vms
        if (s := ctx.vm_net_sample.get(vm.pk)) is not None and ctx.now - s.taken_at <= max_age
    ]
    rx = sum(s.net_rx_bps or 0 for s in fresh)
    tx = sum(s.net_tx_bps or 0 for s in fresh)
    rate = max(rx, tx)
    percent = 100 * rate / capacity_bps
    evidence = {
        "rate_bytes_per_s": rate,
        "capacity_bytes_per_s": capacity_bps,
        "vm_traffic_nics": [n.name for n in links],
        "vms_sampled": len(fresh),
        "percent": round(percent, 1),
        "threshold_percent": params["max_percent"],
        "sampled_at": sample.taken_at.isoformat(),
    }
    return verdict(
        percent > params["max_percent"],
        msg(
            "VM network use is %(percent).1f%% of the VM links' capacity (limit %(max_percent)s%%).",
            percent=percent,
            max_percent=params["max_percent"],
        ),
        msg("VM network use is %(percent).1f%% of the VM links' capacity.", percent=percent),
        evidence,
    )


def _vm_traffic_uplinks(host, vms, ctx) -> set[str]:
    """The uplink devices of the host's switches that carry a network its VMs are attached to."""
    names = {str(nic.get("network") or "") for vm in vms for nic in vm.nics or ()} - {""}
    devices: set[str] = set()
    for switch in ctx.switches_by_host.get(host.pk, ()):
        networks = {n.name for n in ctx.networks_by_switch.get(switch.pk, ())}
        if switch.name in names or networks & names:  # a bridge by name, a vSwitch by port group
            devices.update(switch.uplinks or ())
    for switch in ctx.distributed_switches.get(host.endpoint_id, ()):
        networks = {n.name for n in ctx.networks_by_switch.get(switch.pk, ())}
        if networks & names:
            devices.update((switch.host_uplinks or {}).get(host.external_id, ()))
    return devices


def _policy_outcome(obj):
    values = {
        "allow_promiscuous": obj.allow_promiscuous,
        "allow_mac_changes": obj.allow_mac_changes,
        "allow_forged_transmits": obj.allow_forged_transmits,
    }
    if all(v is None for v in values.values()):
        return not_applicable(
            msg("The platform has no such security policy (e.g. a Linux bridge).")
        )
    allowed = [name for name, value in values.items() if value]
    return verdict(
        bool(allowed),
        msg("Insecure policy: %(value)s.", value=", ".join(allowed)),
        msg("Promiscuous mode, MAC changes and forged transmits are rejected."),
        values,
    )


@register(
    "NET-005",
    title=_("Virtual switch allows promiscuous mode, MAC changes or forged transmits"),
    requirements=POLICY_REQ,
    target=ObjectType.SWITCH,
)
def switch_security_policy(switch, params, ctx):
    """A VM that may sniff or spoof traffic can attack its neighbours on the switch."""
    return _policy_outcome(switch)


@register(
    "NET-006",
    title=_("Port group allows promiscuous mode, MAC changes or forged transmits"),
    requirements=POLICY_REQ,
    target=ObjectType.NETWORK,
)
def network_security_policy(network, params, ctx):
    """The port-group override of the switch policy, judged the same way."""
    return _policy_outcome(network)
