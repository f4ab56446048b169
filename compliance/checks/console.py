"""M 2.449: minimum use of console access to virtual IT systems."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import VCENTER

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import Param, days_param, failed, not_applicable, passed, register, warning

REQ = ("M2.449", "M4349.INTEGRITY")


@register(
    "CON-001",
    title=_("More than one console connection allowed"),
    requirements=REQ,
    target=ObjectType.VM,
    platforms=(VCENTER,),
    params=(Param("max_connections", 1, _("Most console connections"), minimum=1, maximum=10),),
    not_applicable_reason="Proxmox VE has no per-VM console connection limit.",
)
def console_connection_limit(vm, params, ctx):
    """RemoteDisplay.maxConnections unset means unlimited: a second viewer can watch unseen."""
    if vm.template:
        return not_applicable(msg("Templates have no console."))
    raw = (vm.extra_config or {}).get("RemoteDisplay.maxConnections")
    evidence = {"RemoteDisplay.maxConnections": raw, "threshold": params["max_connections"]}
    if raw in (None, ""):
        return failed(msg("RemoteDisplay.maxConnections is not set (unlimited)."), **evidence)
    limit = int(str(raw).strip())
    if limit > params["max_connections"] or limit <= 0:
        return failed(msg("RemoteDisplay.maxConnections is %(limit)s.", limit=limit), **evidence)
    return passed(msg("RemoteDisplay.maxConnections is %(limit)s.", limit=limit), **evidence)


@register(
    "CON-002",
    title=_("Console connection open"),
    requirements=REQ,
    target=ObjectType.VM,
    severity=Severity.LOW,
)
def console_open(vm, params, ctx):
    """Console use should be the exception; an open session is worth a look."""
    if vm.console_connections is None:
        return not_applicable(msg("The platform did not report console connections."))
    if vm.console_connections > 0:
        return warning(
            msg(
                "%(console_connections)s console connection(s) open.",
                console_connections=vm.console_connections,
            ),
            console_connections=vm.console_connections,
        )
    return passed(msg("No console connection open."), console_connections=0)


@register(
    "CON-003",
    title=_("Copy and paste between console and guest allowed"),
    requirements=REQ,
    target=ObjectType.VM,
)
def console_clipboard(vm, params, ctx):
    """A shared clipboard is a channel between the admin's desktop and the guest (M 2.449).

    On vSphere, copy and paste are disabled by default since vSphere 4.1: a VM without the
    ``isolation.tools.copy.disable`` / ``paste.disable`` keys is secure and passes with the
    evidence ``source: default``, as the vSphere Security Configuration Guide assesses it
    (VM.disable-console-copy / VM.disable-console-paste: only a value of FALSE is a finding).
    Only a key set to anything but TRUE fails.
    """
    if vm.template:
        return not_applicable(msg("Templates have no console."))
    clipboard = ctx.traits(vm).console_clipboard
    if clipboard not in ("vga_option", "isolation_keys"):
        return not_applicable(msg("The platform's clipboard setting is not read."))
    if clipboard == "vga_option":
        if vm.kind == "lxc":
            return not_applicable(msg("Containers have no VGA clipboard."))
        # The connector copies "vga" and its parsed "clipboard" option into extra_config.
        extra = vm.extra_config or {}
        vga = str(extra.get("vga") or (vm.config or {}).get("vga", ""))
        clipboard = str(extra.get("vga.clipboard", ""))
        if clipboard == "vnc" or "clipboard=vnc" in vga.replace(" ", ""):
            return failed(msg("The VGA clipboard is enabled (vga: clipboard=vnc)."), vga=vga)
        return passed(msg("The VGA clipboard is off."), vga=vga)
    extra = vm.extra_config or {}
    values = {key: extra.get(key) for key in CLIPBOARD_KEYS}
    # Absent (or empty) is vSphere's default since 4.1: copy and paste disabled.
    sources = {key: "default" if _unset(v) else "explicit" for key, v in values.items()}
    allowed = [key for key, value in values.items() if not _unset(value) and not _true(value)]
    evidence = {**values, "source": sources}
    if allowed:
        return failed(msg("Enabled explicitly: %(value)s.", value=", ".join(allowed)), **evidence)
    if all(source == "default" for source in sources.values()):
        return passed(
            msg("Copy and paste are disabled by vSphere's default (keys unset)."), **evidence
        )
    return passed(msg("Copy and paste are disabled."), **evidence)


CLIPBOARD_KEYS = ("isolation.tools.copy.disable", "isolation.tools.paste.disable")


def _unset(value) -> bool:
    return value is None or str(value).strip() == ""


def _true(value) -> bool:
    return str(value).strip().upper() == "TRUE"


@register(
    "CON-004",
    title=_("Host devices passed through to a VM"),
    requirements=(*REQ, "M4349.ADMIN"),
    target=ObjectType.VM,
)
def passthrough_devices(vm, params, ctx):
    """A passed-through device gives the guest direct access to the host's hardware.

    What the connectors list: PCI and SCSI passthrough, SR-IOV functions, host USB devices,
    serial and parallel ports, the host's own CD/DVD drive (connected or connecting at power
    on), physical-mode raw LUNs and ``/dev`` disks, a container's bind mount of a host path or
    device. Not passthrough: a USB controller, a floppy or CD-ROM drive reading an image, a
    USB device redirected from the viewer (SPICE).
    """
    devices = list(vm.passthrough_devices or [])
    if devices:
        return failed(
            msg("Passed through: %(value)s.", value=", ".join(map(str, devices))), devices=devices
        )
    return passed(msg("No host devices passed through."), devices=[])


# -- console use, from the platforms' history (M 2.449, SYS.1.5.A25) ------------------------------

PERIOD = days_param("period_days", 30, _("Period"), maximum=366)


def _when(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _console_use(vm, params, ctx):
    """(history, sessions in the period, start of the span read) or (None, reason) when the
    endpoint's console history has not been read."""
    history = ctx.console_history.get(vm.endpoint_id)
    if history is None or history.read_until is None:
        return None, not_applicable(
            msg("The console history of this endpoint has not been read (yet).")
        )
    start = ctx.now - dt.timedelta(days=params["period_days"])
    sessions = [s for s in ctx.console_sessions_by_vm.get(vm.pk, ()) if s.started_at >= start]
    return (history, sessions, max(start, history.read_from)), None


def _last_use(sessions, params) -> dict:
    """A failing message's values: how many sessions in how many days, the newest by whom when."""
    last = sessions[0]
    return {
        "count": len(sessions),
        "days": params["period_days"],
        "user": last.user or "?",
        "when": _when(last.started_at),
    }


def _session_evidence(sessions, history, since) -> dict:
    users: dict[str, int] = {}
    for s in sessions:
        users[s.user] = users.get(s.user, 0) + 1
    return {
        "count": len(sessions),
        "users": dict(sorted(users.items())),
        "sessions": [
            {
                "user": s.user,
                "started_at": s.started_at.astimezone(dt.UTC).isoformat(),
                "kind": s.kind,
                "source": s.source,
            }
            for s in sessions[:SESSIONS_IN_EVIDENCE]
        ],
        "counted_since": since.astimezone(dt.UTC).isoformat(),
        "history_read_from": history.read_from.astimezone(dt.UTC).isoformat(),
        "history_read_until": history.read_until.astimezone(dt.UTC).isoformat(),
    }


# The newest sessions a finding lists in its evidence (the count covers all of them).
SESSIONS_IN_EVIDENCE = 20


@register(
    "CON-005",
    title=_("Console used more often than allowed"),
    requirements=REQ,
    target=ObjectType.VM,
    severity=Severity.LOW,
    params=(
        Param("max_sessions", 5, _("Most console sessions per period"), minimum=0, maximum=10000),
        PERIOD,
    ),
)
def console_use_count(vm, params, ctx):
    """Direct console access should be the exception (SYS.1.5.A25): counts the consoles opened
    on the VM in the period, from vCenter's console ticket events and the Proxmox nodes'
    console tasks (noVNC, xterm.js, SPICE), and fails above the allowed number.

    A period longer than the history read (the portal reads from its first sync on, as far
    back as the platform keeps it) counts from the start of what was read; the evidence says
    from when.
    """
    if vm.template:
        return not_applicable(msg("Templates have no console."))
    use, reason = _console_use(vm, params, ctx)
    if use is None:
        return reason
    history, sessions, since = use
    evidence = {
        **_session_evidence(sessions, history, since),
        "threshold": params["max_sessions"],
        "period_days": params["period_days"],
    }
    if len(sessions) > params["max_sessions"]:
        return failed(
            msg(
                "Console opened %(count)s times in %(days)s days (at most %(maximum)s allowed), "
                "last by %(user)s at %(when)s.",
                maximum=params["max_sessions"],
                **_last_use(sessions, params),
            ),
            **evidence,
        )
    return passed(
        msg(
            "Console opened %(count)s times since %(since)s (at most %(maximum)s allowed in "
            "%(days)s days).",
            count=len(sessions),
            since=_when(since),
            maximum=params["max_sessions"],
            days=params["period_days"],
        ),
        **evidence,
    )


@register(
    "CON-006",
    title=_("Console used on a VM managed over the network"),
    requirements=REQ,
    target=ObjectType.VM,
    params=(
        Param("tag", "network-managed", _("Tag marking VMs managed over the network"), kind="tag"),
        PERIOD,
    ),
)
def console_use_network_managed(vm, params, ctx):
    """A VM marked as managed over the network (SYS.1.5.A25: virtual IT systems should be
    controlled over the network) should need no console: any console opened on it in the
    period fails, naming who and when.

    The mark is a tag on the VM (parameter ``tag``, ``network-managed`` by default, compared
    without regard to case): a Proxmox VE tag, or a vSphere tag where the portal reads them.
    A VM without the tag is not applicable.
    """
    tag = str(params["tag"])
    tags = {str(t).casefold() for t in (vm.tags or ())}
    if tag.casefold() not in tags:
        return not_applicable(
            msg(
                "The VM does not carry the tag %(tag)s (not marked as managed over the network).",
                tag=tag,
            ),
            tags=list(vm.tags or ()),
        )
    use, reason = _console_use(vm, params, ctx)
    if use is None:
        return reason
    history, sessions, since = use
    evidence = {
        **_session_evidence(sessions, history, since),
        "tag": tag,
        "threshold": 0,
        "period_days": params["period_days"],
    }
    if sessions:
        return failed(
            msg(
                "Console opened %(count)s times in %(days)s days on a VM tagged %(tag)s, "
                "last by %(user)s at %(when)s.",
                tag=tag,
                **_last_use(sessions, params),
            ),
            **evidence,
        )
    return passed(
        msg(
            "No console opened since %(since)s on this VM tagged %(tag)s.",
            since=_when(since),
            tag=tag,
        ),
        **evidence,
    )
