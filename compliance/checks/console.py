"""M 2.449: minimum use of console access to virtual IT systems."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import VCENTER

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import Param, failed, not_applicable, passed, register, warning

REQ = ("M2.449", "M4349.INTEGRITY")


@register(
    "CON-001",
    title=_("More than one console connection allowed"),
    requirements=REQ,
    target=ObjectType.VM,
    platforms=(VCENTER,),
    params=(Param("max_connections", 1, "Most console connections", minimum=1, maximum=10),),
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
