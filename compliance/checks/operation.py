"""M 4.349: monitoring the operating status of virtualization servers and virtual IT systems."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import PROXMOX

from ..choices import ObjectType, Severity
from ..messages import msg, state_word
from .registry import Param, failed, not_applicable, passed, register, verdict, warning

REQ = ("M4349.OPERATING",)


@register(
    "OPS-001",
    title=_("Endpoint sync failed or stale"),
    requirements=(*REQ, "M4349.UTILIZATION"),
    target=ObjectType.ENDPOINT,
    severity=Severity.HIGH,
    params=(
        Param(
            "max_age_minutes",
            60,
            _("Oldest successful sync"),
            minimum=1,
            maximum=10080,
            unit=_("minutes"),
        ),
    ),
)
def endpoint_sync_fresh(endpoint, params, ctx):
    """Every other check reads synced data; a failed or old sync makes them all blind."""
    evidence = {
        "last_sync_status": endpoint.last_sync_status,
        "last_success_at": endpoint.last_success_at.isoformat()
        if endpoint.last_success_at
        else None,
        "threshold_minutes": params["max_age_minutes"],
    }
    if endpoint.last_success_at is None:
        return failed(msg("The endpoint has never been synced successfully."), **evidence)
    age = (ctx.now - endpoint.last_success_at).total_seconds() / 60
    evidence["age_minutes"] = round(age, 1)
    if endpoint.last_sync_status == "failed":
        return failed(msg("The last sync of the endpoint failed."), **evidence)
    if age > params["max_age_minutes"]:
        return failed(
            msg("The last successful sync is %(age).0f minutes old.", age=age), **evidence
        )
    return passed(msg("The endpoint was synced recently."), **evidence)


@register(
    "OPS-002",
    title=_("Host not connected"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.HIGH,
)
def host_connected(host, params, ctx):
    """A disconnected host runs VMs nobody monitors."""
    if not host.connection_state:
        return not_applicable(msg("The platform did not report the connection state."))
    evidence = {"connection_state": host.connection_state}
    return verdict(
        not ctx.traits(host).is_connected(host.connection_state),
        msg("Host is %(connection_state)s.", connection_state=state_word(host.connection_state)),
        msg("Host is connected."),
        evidence,
    )


@register(
    "OPS-003",
    title=_("Host in maintenance mode"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.LOW,
)
def host_not_in_maintenance(host, params, ctx):
    """A host left in maintenance mode reduces the failover capacity unnoticed."""
    if host.maintenance_mode is None:
        return not_applicable(msg("The platform did not report maintenance mode."))
    if host.maintenance_mode:
        return warning(msg("Host is in maintenance mode."), maintenance_mode=True)
    return passed(msg("Host is not in maintenance mode."), maintenance_mode=False)


@register(
    "OPS-004",
    title=_("Proxmox cluster has lost quorum"),
    requirements=REQ,
    target=ObjectType.CLUSTER,
    severity=Severity.HIGH,
    platforms=(PROXMOX,),
    not_applicable_reason="vSphere clusters have no corosync quorum.",
)
def cluster_quorate(cluster, params, ctx):
    """Without quorum a Proxmox cluster refuses configuration changes and HA stops acting."""
    if cluster.quorate is None:
        return not_applicable(msg("The platform did not report quorum."))
    if not cluster.quorate:
        return failed(msg("The cluster has no quorum."), quorate=False)
    return passed(msg("The cluster is quorate."), quorate=True)


@register(
    "OPS-005",
    title=_("Guest tools or agent not running on a powered-on VM"),
    requirements=REQ,
    target=ObjectType.VM,
    severity=Severity.LOW,
)
def vm_tools_running(vm, params, ctx):
    """Without VMware Tools / the QEMU guest agent, the guest's state cannot be watched."""
    if vm.template or not vm.is_running:
        return not_applicable(msg("The VM is not running."))
    if vm.kind == "lxc":
        return not_applicable(msg("Containers have no guest agent."))
    if not vm.tools_state:
        return not_applicable(msg("The platform did not report the tools state."))
    evidence = {"tools_state": vm.tools_state, "power_state": vm.power_state}
    if not ctx.traits(vm).tools_running(vm.tools_state):
        return warning(
            msg("Guest tools/agent are %(tools_state)s.", tools_state=state_word(vm.tools_state)),
            **evidence,
        )
    return passed(msg("Guest tools/agent are running."), **evidence)
