"""M 4.349 / M 5.154: protection of the administration interfaces."""

from __future__ import annotations

import ipaddress

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import PROXMOX, VCENTER

from ..choices import ObjectType, Severity
from ..messages import msg, state_word
from .registry import Param, failed, not_applicable, passed, register, verdict

NOT_ONLINE = _("not online")  # a node that reports no connection state

REQ = ("M4349.ADMIN", "M5.154")
SHELL_SERVICES = ("ssh", "esxi_shell")


@register(
    "ADM-001",
    title=_("SSH or ESXi Shell running on an ESXi host"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.HIGH,
    platforms=(VCENTER,),
    not_applicable_reason="Proxmox VE nodes need SSH between cluster members.",
)
def host_shell_services(host, params, ctx):
    """Shell access bypasses vCenter's roles and audit; it is switched on only for a repair."""
    if not host.services:
        return not_applicable(msg("The platform did not report the host's services."))
    running = [
        s.get("key") for s in host.services if s.get("key") in SHELL_SERVICES and s.get("running")
    ]
    evidence = {"running": running, "services": [s.get("key") for s in host.services]}
    return verdict(
        bool(running),
        msg("Running: %(value)s.", value=", ".join(running)),
        msg("Neither SSH nor the ESXi Shell runs."),
        evidence,
    )


@register(
    "ADM-002",
    title=_("ESXi lockdown mode off"),
    requirements=REQ,
    target=ObjectType.HOST,
    platforms=(VCENTER,),
    not_applicable_reason="Proxmox VE has no lockdown mode.",
)
def host_lockdown(host, params, ctx):
    """Lockdown mode forces administration through vCenter, where it is authorised and logged."""
    if not host.lockdown_mode:
        return not_applicable(msg("The platform did not report the lockdown mode."))
    if host.lockdown_mode == "lockdownDisabled":
        return failed(msg("Lockdown mode is disabled."), lockdown_mode=host.lockdown_mode)
    return passed(
        msg("Lockdown mode is %(lockdown_mode)s.", lockdown_mode=state_word(host.lockdown_mode)),
        lockdown_mode=host.lockdown_mode,
    )


@register(
    "ADM-003",
    title=_("Management address outside the administration networks"),
    requirements=REQ,
    target=ObjectType.HOST,
    severity=Severity.HIGH,
    params=(Param("admin_networks", [], _("Administration networks"), kind="cidr_list"),),
)
def host_management_network(host, params, ctx):
    """Management interfaces belong in a separate administration network (M 5.154)."""
    networks = [ipaddress.ip_network(n) for n in params["admin_networks"]]
    if not networks:
        return not_applicable(msg("No administration networks are set for this check."))
    if not host.management_addresses:
        return not_applicable(msg("The platform did not report management addresses."))
    outside = []
    for address in host.management_addresses:
        ip = ipaddress.ip_address(str(address).split("/")[0])
        if not any(ip.version == n.version and ip in n for n in networks):
            outside.append(str(address))
    evidence = {
        "management_addresses": list(host.management_addresses),
        "outside": outside,
        "admin_networks": list(params["admin_networks"]),
    }
    return verdict(
        bool(outside),
        msg(
            "Management address(es) outside the administration networks: %(value)s.",
            value=", ".join(outside),
        ),
        msg("All management addresses are in administration networks."),
        evidence,
    )


@register(
    "ADM-004",
    title=_("Proxmox firewall off or accepting by default"),
    requirements=(*REQ, "M5.8"),
    target=ObjectType.HOST,
    severity=Severity.HIGH,
    platforms=(PROXMOX,),
    not_applicable_reason="vSphere has no cluster-wide firewall switch in the inventory.",
)
def node_firewall(host, params, ctx):
    """The Proxmox firewall is what restricts access to the web UI and API on port 8006.

    Judged per node, so a standalone node (no cluster record) is checked too: the datacenter
    firewall must be on, the node's own firewall not switched off, and the datacenter's input
    policy must drop or reject what no rule allows. An enabled firewall with ``policy_in:
    ACCEPT`` filters nothing.
    """
    if not ctx.traits(host).is_connected(host.connection_state):
        return not_applicable(
            msg(
                "The node is %(value)s.",
                value=state_word(host.connection_state) if host.connection_state else NOT_ONLINE,
            )
        )
    state = (host.extra or {}).get("firewall")
    if not state or state.get("datacenter_enabled") is None:
        return not_applicable(msg("The platform did not report the firewall state."))
    evidence = {
        "firewall_enabled": state["datacenter_enabled"],
        "node_firewall_enabled": state.get("node_enabled"),
        "policy_in": state.get("policy_in"),
        "policy_in_default": state.get("policy_in_default"),
    }
    if not state["datacenter_enabled"]:
        return failed(msg("The datacenter firewall is disabled."), **evidence)
    if state.get("node_enabled") is False:
        return failed(msg("The node's firewall is disabled."), **evidence)
    if state.get("policy_in") not in ("DROP", "REJECT"):
        return failed(
            msg(
                "The firewall's input policy is %(value)s: traffic no rule allows is let in.",
                value=state.get("policy_in"),
            ),
            **evidence,
        )
    return passed(
        msg(
            "The firewall is on and drops unmatched input (policy_in %(policy_in)s).",
            policy_in=state["policy_in"],
        ),
        **evidence,
    )


@register(
    "ADM-005",
    title=_("Proxmox user without second factor"),
    requirements=REQ,
    target=ObjectType.ACCOUNT,
    severity=Severity.HIGH,
    platforms=(PROXMOX,),
    not_applicable_reason="vCenter accounts are not read by the portal.",
)
def account_two_factor(account, params, ctx):
    """Administrative access with a password alone falls to one phished or guessed secret.

    A user of a realm whose ``tfa`` option enforces a second factor (PVE: type=oath or yubico)
    passes without a personal entry in ``/access/tfa``. Groups and API tokens do not log in
    (tokens are judged by RGT-004, HRD-103 and HRD-104).
    """
    if account.kind != "user":
        return not_applicable(msg("Groups and API tokens do not log in with a password."))
    if account.enabled is False:
        return not_applicable(msg("The account is disabled."))
    if account.realm_two_factor:
        realm = account.name.rpartition("@")[2]
        return passed(
            msg("The realm %(realm)s enforces a second factor at every login.", realm=realm),
            realm=realm,
            realm_two_factor=True,
            two_factor=account.two_factor,
        )
    if account.two_factor is None:
        return not_applicable(msg("The platform did not report second factors."))
    if not account.two_factor:
        realm = account.name.rpartition("@")[2]
        return failed(
            msg(
                "The user has no second factor, and the realm %(realm)s does not enforce one.",
                realm=realm,
            ),
            two_factor=False,
            realm=realm,
            realm_type=account.realm_type,
            realm_two_factor=account.realm_two_factor,
            roles=list(account.roles),
        )
    return passed(msg("The user has a second factor."), two_factor=True)
