"""SYS.1.5.A22, A23, A11: vSphere hypervisor and VM hardening, judged by the guides' own rules.

The expected values come from one data file per guide under ``compliance/data/hardening/``
(the VMware vSphere 8 Security Configuration Guide, the DISA vSphere 8 STIG, and of the 6.7 guide
the one readable VM rule the 8 guides dropped: the console over VNC), each rule with
the guide's id, the setting, the comparison and the SYS.1.5 sentence it serves. A check judges
one host or VM against every rule of one guide and keeps, per rule, the id, setting, observed
and expected value and the outcome in the evidence (and the failed rules in the message's
values), so an auditor can trace each result to the guide's line.

What is read, by the vCenter connector in its one pass (``Host.extra["hardening"]``,
``VirtualMachine.extra_config``): the guides' advanced host settings (the host's OptionManager),
the firewall's default policy and the enabled rulesets open to all IP addresses, Secure Boot
(``capability.uefiSecureBoot``), the VIB acceptance level, and the VM's extraConfig keys the
guides name. A value the platform did not report is "not applicable" with the reason, never a
failure, unless the guide itself says that the default (the setting absent) is non-compliant
or compliant (``unset`` in the data file).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cache, wraps
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from inventory.connectors.platforms import VCENTER

from ..choices import ObjectType, Severity
from ..messages import msg
from .registry import Param, failed, not_applicable, passed, register

GUIDE_DIR = Path(__file__).resolve().parent.parent / "data" / "hardening"
SCG = "vsphere-scg-8"
STIG = "disa-stig-esxi-8"
SCG67 = "vsphere-scg-6.7"
PASS, FAIL, NA = "pass", "fail", "not_applicable"
SEVERITY_ORDER = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}
NOT_ON_PROXMOX = (
    "The vSphere guides name ESXi advanced settings and VMX options, which Proxmox VE does not "
    "have; its nodes and guests are judged by the Proxmox hardening checks."
)


@dataclass(frozen=True)
class Guide:
    key: str
    name: str
    short: str
    version: str
    source: str
    taken: str
    id_pattern: str
    rules: tuple[dict[str, Any], ...]

    def rules_for(self, object_type: str) -> tuple[dict[str, Any], ...]:
        return tuple(r for r in self.rules if r["object"] == object_type)

    def rule_ids(self, object_type: str) -> tuple[str, ...]:
        return tuple(r["id"] for r in self.rules_for(object_type))


@cache
def guide(key: str) -> Guide:
    """The guide's data file, read once per process."""
    data = json.loads((GUIDE_DIR / f"{key}.json").read_text(encoding="utf-8"))
    return Guide(
        key=key,
        name=data["guide"],
        short=data["short"],
        version=data["version"],
        source=data["source"],
        taken=data["taken"],
        id_pattern=data["id_pattern"],
        rules=tuple(data["rules"]),
    )


def guides() -> list[Guide]:
    """The vSphere guides these checks read (the directory also holds the Proxmox guide's file,
    which compliance.checks.hardening_proxmox reads in its own format)."""
    return [guide(key) for key in (SCG, STIG, SCG67)]


# -- judging one rule ------------------------------------------------------------------------


def _expected_text(rule: dict[str, Any]) -> str:
    comparison = rule["comparison"]
    if comparison == "eq":
        value = rule["expected"]
        return str(value).lower() if isinstance(value, bool) else repr(value)
    if comparison == "range":
        low, high = rule.get("min"), rule.get("max")
        if low is not None and high is not None:
            return f"{low} to {high}"
        return f"at least {low}" if low is not None else f"at most {high}"
    if comparison == "in":
        return "one of " + ", ".join(rule["expected"])
    if comparison == "not_empty":
        return "a value"
    if comparison == "absent":
        return "not present"
    if comparison == "no_open_rulesets":
        return "no enabled user-configurable ruleset open to all IP addresses"
    return comparison


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False}.get(text)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _compare(rule: dict[str, Any], observed: Any) -> bool:
    comparison = rule["comparison"]
    if comparison == "eq":
        expected = rule["expected"]
        if isinstance(expected, bool):
            return _bool(observed) is expected
        if isinstance(expected, int):
            return _int(observed) == expected
        return " ".join(str(observed).split()) == " ".join(str(expected).split())
    if comparison == "range":
        number = _int(observed)
        if number is None:
            return False
        low, high = rule.get("min"), rule.get("max")
        return (low is None or number >= low) and (high is None or number <= high)
    if comparison == "in":
        return str(observed) in rule["expected"]
    if comparison == "not_empty":
        return str(observed).strip() != ""
    if comparison == "absent":
        return False  # only reached when the setting is present
    raise ValueError(f"{rule['id']}: unknown comparison {comparison!r}")


def _result(rule: dict[str, Any], status: str, observed: Any, reason: str = "") -> dict[str, Any]:
    item = {
        "id": rule["id"],
        "setting": rule["setting"],
        "observed": observed,
        "expected": _expected_text(rule),
        "status": status,
        "severity": rule["severity"],
        "requirement": f"{rule['requirement']} ({rule['sentence']})",
    }
    if reason:
        item["reason"] = reason
    return item


def _unset(rule: dict[str, Any], reason: str) -> dict[str, Any]:
    """A setting the object does not carry, judged as the guide says its absence counts."""
    unset = rule.get("unset", NA)
    if unset == PASS:
        return _result(rule, PASS, None, "not set: the guide's default is compliant")
    if unset == FAIL:
        return _result(rule, FAIL, None, "not set: the guide's default is not compliant")
    return _result(rule, NA, None, reason)


def judge_host_rule(rule: dict[str, Any], hardening: dict[str, Any]) -> dict[str, Any]:
    """One guide rule on one host's ``extra["hardening"]`` (see the module docstring)."""
    source = rule["source"]
    if source == "advanced_option":
        options = hardening.get("options")
        if options is None:
            return _result(rule, NA, None, "the host's advanced settings were not read")
        if rule["setting"] not in options:
            return _unset(rule, "the host did not report this setting")
        observed = options[rule["setting"]]
        return _result(rule, PASS if _compare(rule, observed) else FAIL, observed)
    if source == "firewall_default_policy":
        firewall = hardening.get("firewall") or {}
        observed = firewall.get("incoming_blocked")
        if observed is None:
            return _result(rule, NA, None, "the host did not report its firewall's default policy")
        return _result(rule, PASS if _compare(rule, observed) else FAIL, observed)
    if source == "firewall_rulesets":
        firewall = hardening.get("firewall")
        if firewall is None:
            return _result(rule, NA, None, "the host did not report its firewall")
        open_rulesets = firewall.get("open_rulesets") or []
        own = [r["key"] for r in open_rulesets if r.get("ip_list_user_configurable") is True]
        unknown = [r["key"] for r in open_rulesets if r.get("ip_list_user_configurable") is None]
        if own:
            return _result(rule, FAIL, own)
        if unknown:
            return _result(
                rule,
                NA,
                unknown,
                "the host does not say which rulesets' IP lists are the user's to set "
                "(reported from vSphere 8.0 U2); the guide judges only those",
            )
        return _result(rule, PASS, [])
    if source == "secure_boot":
        if "secure_boot" not in hardening:
            return _result(rule, NA, None, "the host did not report capability.uefiSecureBoot")
        observed = hardening["secure_boot"]
        return _result(rule, PASS if _compare(rule, observed) else FAIL, observed)
    if source == "acceptance_level":
        if "acceptance_level" not in hardening:
            return _result(
                rule,
                NA,
                None,
                "the VIB acceptance level was not read (no image configuration manager answered)",
            )
        observed = hardening["acceptance_level"]
        return _result(rule, PASS if _compare(rule, observed) else FAIL, observed)
    raise ValueError(f"{rule['id']}: unknown source {source!r}")


def judge_vm_rule(rule: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    """One guide rule on one VM's extraConfig (keys compared without case, as the VMX does)."""
    source = rule["source"]
    if source == "extra_config":
        lowered = {str(k).lower(): v for k, v in extra.items()}
        key = rule["setting"].lower()
        if key not in lowered or str(lowered[key]).strip() == "":
            return _unset(rule, "the VM does not carry this setting")
        observed = lowered[key]
        return _result(rule, PASS if _compare(rule, observed) else FAIL, observed)
    if source == "extra_config_pattern":
        pattern = re.compile(
            "^" + re.escape(rule["setting"]).replace(r"\*", r"\d+") + "$", re.IGNORECASE
        )
        present = {k: v for k, v in extra.items() if pattern.match(str(k)) and str(v).strip() != ""}
        if not present:
            return _unset(rule, "the VM does not carry this setting")
        return _result(rule, FAIL if rule["comparison"] == "absent" else PASS, present)
    raise ValueError(f"{rule['id']}: unknown source {source!r}")


# -- the checks --------------------------------------------------------------------------------


def _outcome(spec_guide: Guide, results: list[dict[str, Any]], excluded: list[str]):
    bad = [r for r in results if r["status"] == FAIL]
    good = [r for r in results if r["status"] == PASS]
    unread = [r for r in results if r["status"] == NA]
    evidence = {
        "guide": spec_guide.name,
        "guide_version": spec_guide.version,
        "guide_source": spec_guide.source,
        # Each failed and each unread rule in full (id, setting, observed, expected, status,
        # reason); the rules met by id only, so a finding's evidence stays small at 10,000 VMs.
        "rules": [r for r in results if r["status"] != PASS],
        "passed_rules": [r["id"] for r in good],
        "excluded_rules": excluded,
        "failed": len(bad),
        "passed": len(good),
        "not_applicable": len(unread),
    }
    if bad:
        outcome = failed(
            msg(
                "%(count)s of %(judged)s rules of the %(guide)s not met: %(value)s.",
                count=len(bad),
                judged=len(bad) + len(good),
                guide=spec_guide.short,
                value=_listed([r["id"] for r in bad]),
                rules=[
                    {k: r[k] for k in ("id", "setting", "observed", "expected", "requirement")}
                    for r in bad
                ],
            ),
            **evidence,
        )
        worst = max((r["severity"] for r in bad), key=lambda s: SEVERITY_ORDER.get(s, 1))
        return _with_severity(outcome, worst)
    if good:
        return passed(
            msg(
                "All %(judged)s rules of the %(guide)s that could be read are met "
                "(%(unread)s not read).",
                judged=len(good),
                guide=spec_guide.short,
                unread=len(unread),
            ),
            **evidence,
        )
    reasons = sorted({r.get("reason", "") for r in unread} - {""})
    return not_applicable(
        msg(
            "None of the %(guide)s rules could be judged: %(value)s.",
            guide=spec_guide.short,
            value="; ".join(reasons) or "every rule is excluded",
        ),
        **evidence,
    )


def _listed(ids: list[str], budget: int = 300) -> str:
    """The rule ids, as many as fit a finding's message; the rest counted (all are in the
    evidence and the message's values)."""
    shown: list[str] = []
    for i, rule_id in enumerate(ids):
        if shown and len(", ".join([*shown, rule_id])) > budget:
            return f"{', '.join(shown)} and {len(ids) - i} more"
        shown.append(rule_id)
    return ", ".join(shown)


def _with_severity(outcome, severity: str):
    return replace(outcome, severity=severity)


def _host_unreadable(host, ctx):
    state = host.connection_state
    if state and not ctx.traits(host).is_connected(state):
        return not_applicable(
            msg(
                "The host is %(connection_state)s: its settings could not be read.",
                connection_state=host.connection_state,
            ),
            connection_state=host.connection_state,
        )
    return None


def _judge_host(key: str, host, params, ctx):
    if unreadable := _host_unreadable(host, ctx):
        return unreadable
    spec_guide = guide(key)
    excluded = list(params.get("exclude_rules") or [])
    hardening = (host.extra or {}).get("hardening") or {}
    results = [
        judge_host_rule(rule, hardening)
        for rule in spec_guide.rules_for("host")
        if rule["id"] not in excluded
    ]
    return _outcome(spec_guide, results, excluded)


def _judge_vm(key: str, vm, params, ctx):
    spec_guide = guide(key)
    excluded = list(params.get("exclude_rules") or [])
    extra = vm.extra_config or {}
    results = [
        judge_vm_rule(rule, extra)
        for rule in spec_guide.rules_for("vm")
        if rule["id"] not in excluded
    ]
    return _outcome(spec_guide, results, excluded)


def _guide_check(check_id: str, key: str, target: str, **spec: Any):
    """Register the decorated function as check ``check_id``: one host or VM (``target``)
    judged against every rule of guide ``key`` that is not excluded. The function holds only
    the check's description (its docstring); ``spec`` is the title, requirements and severity.
    """
    judge = _judge_host if target == ObjectType.HOST else _judge_vm
    exclude = Param(
        "exclude_rules",
        [],
        _("Guide rules left out"),
        kind="choice_list",
        choices=guide(key).rule_ids(target),
    )

    def decorate(describe):
        @wraps(describe)
        def check(obj, params, ctx):
            return judge(key, obj, params, ctx)

        return register(
            check_id,
            target=target,
            platforms=(VCENTER,),
            params=(exclude,),
            not_applicable_reason=NOT_ON_PROXMOX,
            **spec,
        )(check)

    return decorate


@_guide_check(
    "HRD-001",
    SCG,
    ObjectType.HOST,
    title=_("ESXi host deviates from the vSphere 8 Security Configuration Guide"),
    requirements=("M4349.ADMIN",),
    severity=Severity.HIGH,
)
def host_scg(host, params, ctx):
    """The host's advanced settings (timeouts, lockout, password quality, MOB, page-sharing
    salt, BPDU filter, audit and remote logging), firewall default policy and open rulesets,
    Secure Boot and VIB acceptance level against the vSphere 8 SCG's rules (esxi-8.*)."""


@_guide_check(
    "HRD-002",
    STIG,
    ObjectType.HOST,
    title=_("ESXi host deviates from the DISA vSphere 8 STIG"),
    requirements=("M4349.ADMIN",),
    severity=Severity.HIGH,
)
def host_stig(host, params, ctx):
    """The same host settings against the DISA ESXi 8 STIG's rules (ESXI-80-*); where the
    STIG and the SCG differ (lockout after 3 or 5 failures), each check follows its guide."""


@_guide_check(
    "HRD-003",
    SCG,
    ObjectType.VM,
    title=_("VM settings deviate from the vSphere 8 Security Configuration Guide"),
    requirements=(),
    severity=Severity.HIGH,
)
def vm_scg(vm, params, ctx):
    """The VM's isolation and device settings beyond copy and paste (device connection by the
    guest, disk shrinking and wiping, drag and drop, SetInfo size, host information, 3D,
    console lock, log rotation, dvfilter, page-sharing salt) against the SCG's rules (vm-8.*).
    Copy/paste (CON-003), console connections (CON-001) and passthrough (CON-004) are
    judged by their own checks."""


@_guide_check(
    "HRD-004",
    STIG,
    ObjectType.VM,
    title=_("VM settings deviate from the DISA vSphere 8 STIG"),
    requirements=(),
    severity=Severity.MEDIUM,
)
def vm_stig(vm, params, ctx):
    """The same VM settings against the DISA vSphere 8 VM STIG's rules (VMCH-80-*)."""


@_guide_check(
    "HRD-005",
    SCG67,
    ObjectType.VM,
    title=_("VM console open over VNC"),
    requirements=("M2.449",),
    severity=Severity.LOW,
)
def vm_vnc(vm, params, ctx):
    """``RemoteDisplay.vnc.enabled`` opens the VM's console to VNC clients on the host's network,
    beside vCenter's authenticated console (vSphere 6.7 SCG VM.minimize-console-VNC-use; the
    vSphere 8 guides no longer list it). Unset is the compliant default."""
