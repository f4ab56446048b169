"""Hardening of Proxmox VE (SYS.1.5.A22, A23, A11): containers and API tokens.

The expected values come from ``compliance/data/hardening/proxmox-ve.json``: the Proxmox VE
Administration Guide's own section anchors (there is no official Proxmox STIG or CIS
benchmark), each with the option it names. Every outcome carries the rule it was judged by
(``guide_rule``), so an auditor can trace a result to the guide. Two rules of that file are
judged by existing checks and not duplicated here: the firewall's input policy (ADM-004) and
KSM (MEM-005).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import PROXMOX

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import failed, not_applicable, passed, register, warning

GUIDE_FILE = Path(__file__).resolve().parent.parent / "data" / "hardening" / "proxmox-ve.json"
REQ = ("M4349.ADMIN",)
ROOT = "root@pam"
NO_CONTAINERS = "vSphere has no containers."
NO_TOKENS = "vCenter accounts are not read by the portal."


@cache
def guide() -> dict[str, Any]:
    """The data file, read once per process."""
    return json.loads(GUIDE_FILE.read_text(encoding="utf-8"))


def guide_rule(check_id: str) -> dict[str, Any]:
    """The guide's rule a check judges by, as evidence: guide, version, rule id and option."""
    data = guide()
    rule = next(r for r in data["rules"] if r["check"] == check_id)
    return {
        "guide": f"{data['guide']} {data['version']} ({data['date']})",
        "rule": rule["id"],
        "option": rule["option"],
        "expected": rule["expected"],
    }


def _features(vm: Any) -> dict[str, str]:
    """A container's ``features`` (``nesting=1,keyctl=1``) as a dict."""
    out = {}
    for part in str((vm.extra_config or {}).get("features") or "").split(","):
        key, _sep, value = part.partition("=")
        if key.strip():
            out[key.strip()] = value.strip()
    return out


def _container(vm: Any) -> Any:
    """Why a guest is not judged as a container, or None."""
    if vm.kind != "lxc":
        return not_applicable(msg("Only containers run privileged or nested; this is a VM."))
    if "unprivileged" not in (vm.extra_config or {}):
        return not_applicable(msg("The container's configuration was not read."))
    return None


def _privileged(vm: Any) -> bool:
    return str(vm.extra_config.get("unprivileged", "0")).strip() not in ("1", "true", "yes")


@register(
    "HRD-101",
    title=_("Privileged Proxmox container"),
    requirements=REQ,
    target=ObjectType.VM,
    severity=Severity.HIGH,
    platforms=(PROXMOX,),
    not_applicable_reason=NO_CONTAINERS,
)
def privileged_container(vm, params, ctx):
    """Root in a privileged container is root on the node: an escape is not even a CVE for LXC
    (Proxmox VE Administration Guide, pct_general, "Privileged Containers")."""
    if skip := _container(vm):
        return skip
    evidence = {"unprivileged": vm.extra_config.get("unprivileged"), **guide_rule("HRD-101")}
    if _privileged(vm):
        return failed(
            msg("The container is privileged: its root user is root on the node."), **evidence
        )
    return passed(msg("The container is unprivileged."), **evidence)


@register(
    "HRD-102",
    title=_("Nesting enabled in a Proxmox container"),
    requirements=REQ,
    target=ObjectType.VM,
    severity=Severity.MEDIUM,
    platforms=(PROXMOX,),
    not_applicable_reason=NO_CONTAINERS,
)
def container_nesting(vm, params, ctx):
    """Nesting exposes the node's procfs and sysfs to the container (pct_general, features:
    nesting). In a privileged container it fails; in an unprivileged one it is a low warning,
    since PVE's wizard turns it on there and the user namespace limits what it gives away."""
    if skip := _container(vm):
        return skip
    features = _features(vm)
    evidence = {
        "features": features,
        "unprivileged": vm.extra_config.get("unprivileged"),
        **guide_rule("HRD-102"),
    }
    if features.get("nesting", "0") not in ("1", "true", "yes"):
        return passed(msg("Nesting is off."), **evidence)
    if _privileged(vm):
        return failed(
            msg(
                "Nesting is on in a privileged container: the node's procfs and sysfs are exposed."
            ),
            **evidence,
        )
    outcome = warning(
        msg("Nesting is on: the node's procfs and sysfs are exposed to the container."),
        **evidence,
    )
    return replace(outcome, severity=Severity.LOW)


def _live_tokens(account: Any, now: dt.datetime) -> tuple[list[dict], list[dict]]:
    """The account's tokens that still authenticate, and the expired ones."""
    live, expired = [], []
    for token in account.api_tokens or []:
        expire = token.get("expire") or 0
        (expired if expire and expire <= now.timestamp() else live).append(token)
    return live, expired


def _token_ids(account: Any, tokens: list[dict]) -> str:
    return ", ".join(f"{account.name}!{t['tokenid']}" for t in tokens)


def _token_evidence(account: Any, live: list[dict], expired: list[dict]) -> dict[str, Any]:
    def shown(token: dict) -> dict[str, Any]:
        expire = token.get("expire") or 0
        return {
            "token": f"{account.name}!{token['tokenid']}",
            "privsep": token.get("privsep"),
            "expires": dt.datetime.fromtimestamp(expire, dt.UTC).isoformat() if expire else None,
        }

    return {"tokens": [shown(t) for t in live], "expired_tokens": [shown(t) for t in expired]}


@register(
    "HRD-103",
    title=_("API token of root@pam"),
    requirements=REQ,
    target=ObjectType.ACCOUNT,
    severity=Severity.HIGH,
    platforms=(PROXMOX,),
    not_applicable_reason=NO_TOKENS,
)
def root_token(account, params, ctx):
    """root@pam is the unconfined administrator (pveum_users, "System administrator"); a token
    of it is a root credential stored in some tool, which no ACL narrows."""
    if account.name != ROOT:
        return not_applicable(msg("Only root@pam is judged by this check."))
    if account.enabled is False:
        return not_applicable(msg("The account is disabled."))
    live, expired = _live_tokens(account, ctx.now)
    evidence = {**_token_evidence(account, live, expired), **guide_rule("HRD-103")}
    if live:
        return failed(
            msg(
                "root@pam has %(count)s API token(s): %(tokens)s.",
                count=len(live),
                tokens=_token_ids(account, live),
            ),
            **evidence,
        )
    return passed(msg("root@pam has no API token."), **evidence)


@register(
    "HRD-104",
    title=_("API token without privilege separation"),
    requirements=REQ,
    target=ObjectType.ACCOUNT,
    severity=Severity.MEDIUM,
    platforms=(PROXMOX,),
    not_applicable_reason=NO_TOKENS,
)
def token_privilege_separation(account, params, ctx):
    """A token without privilege separation (privsep 0) holds every privilege of its user, so
    a leaked token is the user (pveum_tokens). Expired tokens no longer authenticate."""
    if account.enabled is False:
        return not_applicable(msg("The account is disabled."))
    live, expired = _live_tokens(account, ctx.now)
    if not live:
        return not_applicable(msg("The user has no API token that is still valid."))
    evidence = {**_token_evidence(account, live, expired), **guide_rule("HRD-104")}
    full = [t for t in live if not t.get("privsep")]
    if full:
        return failed(
            msg(
                "API token(s) without privilege separation: %(tokens)s.",
                tokens=_token_ids(account, full),
            ),
            **evidence,
        )
    return passed(msg("Every API token of the user has separated privileges."), **evidence)
