"""Time synchronisation of the virtual IT systems (SYS.1.5.A7).

"Configured" means what the platform can show:
- vSphere: VMware Tools synchronise the guest's clock with the host periodically
  (``config.tools.syncTimeWithHost``, not blocked by ``syncTimeWithHostAllowed: false``). With it
  off, the guest may run an NTP client of its own, which vSphere does not report: a warning asks
  for that to be confirmed. vSphere reports no guest clock, so there is no offset.
- Proxmox VE QEMU VMs: the QEMU guest agent is enabled (``agent: 1``); when it answers
  ``agent/get-time``, the guest's clock is compared with the node's clock (``max_offset_seconds``);
  an agent that does not answer leaves the clock unread (pass on the setting; OPS-005 reports
  the agent).
- Containers use the node's kernel clock (the node's time service is LOG-001's); stopped guests
  and templates keep no time: not applicable.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import ObjectType
from ..messages import msg
from .registry import Param, failed, not_applicable, passed, register, verdict, warning

REQ = ("M4349.OPERATING",)
TOOLS_RUNNING = "guestToolsRunning"


@register(
    "TIM-001",
    title=_("Guest time not synchronised"),
    requirements=REQ,
    target=ObjectType.VM,
    params=(
        Param(
            "max_offset_seconds",
            5,
            _("Largest offset of a guest's clock from its host's"),
            kind="float",
            minimum=1,
            maximum=3600,
            unit="s",
        ),
    ),
)
def guest_time_sync(vm, params, ctx):
    """Logs of guests whose clocks disagree cannot be put in order (SYS.1.5.A7: the system time
    of every productive virtual IT system must always be synchronous)."""
    if vm.template:
        return not_applicable(msg("A template does not run."))
    if vm.kind == "lxc":
        return not_applicable(
            msg("A container uses the node's clock; LOG-001 judges the node's time service.")
        )
    if not vm.is_running:
        return not_applicable(msg("The guest is not running."))
    info = vm.guest_time or {}
    if info.get("source") == "vmware_tools":
        return _vmware_tools(vm, info)
    if info.get("source") == "qemu_agent":
        return _qemu_agent(vm, info, params["max_offset_seconds"])
    return not_applicable(msg("The platform did not report the guest's time synchronisation."))


def _vmware_tools(vm, info):
    sync, allowed = info.get("sync_with_host"), info.get("sync_allowed")
    evidence = {
        "sync_with_host": sync,
        "sync_allowed": allowed,
        "tools_state": vm.tools_state,
        "offset_seconds": None,
        "offset_reason": "vSphere does not report a guest's clock",
    }
    if sync is None:
        return not_applicable(
            msg("vCenter did not report VMware Tools' time settings."), **evidence
        )
    if not sync or allowed is False:
        return warning(
            msg(
                "VMware Tools do not synchronise the guest's clock with the host "
                "(syncTimeWithHost %(sync)s, syncTimeWithHostAllowed %(allowed)s); vSphere does "
                "not report whether the guest runs an NTP client of its own.",
                sync=sync,
                allowed=allowed,
            ),
            **evidence,
        )
    if vm.tools_state and vm.tools_state != TOOLS_RUNNING:
        return warning(
            msg(
                "Time synchronisation with the host is on, but VMware Tools do not run "
                "(%(tools_state)s), so it does not happen.",
                tools_state=vm.tools_state,
            ),
            **evidence,
        )
    return passed(
        msg("VMware Tools synchronise the guest's clock with the host periodically."), **evidence
    )


def _qemu_agent(vm, info, limit):
    offset = info.get("offset_seconds")
    evidence = {
        "agent_enabled": info.get("agent_enabled"),
        "agent_state": vm.tools_state,
        "offset_seconds": offset,
        "guest_time": info.get("guest_time"),
        "node_time": info.get("node_time"),
        "read_at": info.get("read_at"),
        "threshold_seconds": limit,
    }
    if not info.get("agent_enabled"):
        return failed(
            msg(
                "The QEMU guest agent is not enabled (agent: 0): the platform can read neither "
                "the guest's clock nor its time synchronisation."
            ),
            **evidence,
        )
    if vm.tools_state == "not running":
        # The agent is only the channel the clock is read through (it does not keep the time),
        # and OPS-005 reports an agent that does not run: what was checked is the setting.
        return passed(
            msg(
                "The guest agent is enabled but does not answer (OPS-005 reports it): the "
                "guest's clock was not read."
            ),
            error=info.get("error", ""),
            **evidence,
        )
    if offset is None:
        return passed(
            msg(
                "The guest agent is enabled; the guest's clock was not read (%(reason)s).",
                reason=info.get("error") or "not asked",
            ),
            **evidence,
        )
    return verdict(
        abs(offset) > limit,
        msg(
            "The guest's clock is %(offset).1f s off the node's (allowed %(limit)s s).",
            offset=offset,
            limit=limit,
        ),
        msg(
            "The guest agent answers; the guest's clock is %(offset).1f s off the node's.",
            offset=offset,
        ),
        evidence,
    )
