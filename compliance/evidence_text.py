"""Evidence and check parameters as people read them, in the reader's language.

Pages (finding detail, check list) and the PDF report show a finding's evidence with these:
numbers in the reader's locale ("57.600,0"), yes/no, a platform state by its label
("eingeschaltet", not ``poweredOn``), nested values as "key: value" and never a Python repr
(``{'max_age_days': 3}``). A key is shown as words; one the catalogue knows (``build``,
``enabled``) in the reader's language. The API and the CSV/JSON exports keep the raw evidence.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from inventory.connectors.platforms import state_label
from portal.runs import RunStatus

# Evidence values the checks write in words of their own ("HA on, admission control on"), not
# values the platform reported; those without German text yet are marked English on German pages.
CHECK_WORDS = frozenset({"expected", "option"})
# Fixed texts the checks write themselves, with a German text in the catalogue (listed here for
# makemessages; english_unless_translated looks them up): evidence words (CHECK_WORDS values) and
# not-applicable reasons without values. Stored, the API and the exports keep the English.
FIXED_TEXTS = (
    gettext_noop("HA on, admission control on"),
    gettext_noop("API tokens of root@pam"),
    gettext_noop("Proxmox VE has no per-VM console connection limit."),
    gettext_noop(
        "The vSphere guides name ESXi advanced settings and VMX options, which Proxmox VE does "
        "not have; its nodes and guests are judged by the Proxmox hardening checks."
    ),
)
# The evidence keys the checks write, as labels in the reader's language; the stored evidence,
# the API and the exports keep the keys. A key not listed is shown as its words, marked English.
EVIDENCE_KEY_LABELS = {
    "accessible": gettext_lazy("accessible"),
    "admission_control": gettext_lazy("admission control"),
    "admission_policy": gettext_lazy("admission policy"),
    "advisory": gettext_lazy("advisory"),
    "age_days": gettext_lazy("age days"),
    "age_minutes": gettext_lazy("age minutes"),
    "allow_forged_transmits": gettext_lazy("allow forged transmits"),
    "allow_mac_changes": gettext_lazy("allow mac changes"),
    "allow_promiscuous": gettext_lazy("allow promiscuous"),
    "ballooned_bytes": gettext_lazy("ballooned bytes"),
    "capacity_bytes": gettext_lazy("capacity bytes"),
    "config_hash": gettext_lazy("config hash"),
    "configured_bytes": gettext_lazy("configured bytes"),
    "connection_state": gettext_lazy("connection state"),
    "console_connections": gettext_lazy("console connections"),
    "covered": gettext_lazy("covered"),
    "cpu_threads": gettext_lazy("cpu threads"),
    "cpu_usage_percent": gettext_lazy("cpu usage percent"),
    "created_by": gettext_lazy("created by"),
    "data_as_of": gettext_lazy("data as of"),
    "data_file": gettext_lazy("data file"),
    "devices": gettext_lazy("devices"),
    "end_of_general_support": gettext_lazy("end of general support"),
    "excluded_rules": gettext_lazy("excluded rules"),
    "expected": gettext_lazy("expected"),
    "expired_tokens": gettext_lazy("expired tokens"),
    "expires_at": gettext_lazy("expires at"),
    "free_bytes": gettext_lazy("free bytes"),
    "free_percent": gettext_lazy("free percent"),
    "guide": gettext_lazy("hardening guide"),
    "guide_source": gettext_lazy("guide source"),
    "guide_version": gettext_lazy("guide version"),
    "ha_enabled": gettext_lazy("ha enabled"),
    "hosts_without_access": gettext_lazy("hosts without access"),
    "ksm_shared_bytes": gettext_lazy("ksm shared bytes"),
    "last_backup_at": gettext_lazy("last backup at"),
    "last_success_at": gettext_lazy("last success at"),
    "last_sync_status": gettext_lazy("last sync status"),
    "link_up": gettext_lazy("link up"),
    "lockdown_mode": gettext_lazy("lockdown mode"),
    "made_by_portal": gettext_lazy("made by portal"),
    "maintenance_mode": gettext_lazy("maintenance mode"),
    "max_age_days": gettext_lazy("max age days"),
    "max_pending": gettext_lazy("max pending"),
    "memory_bytes": gettext_lazy("memory bytes"),
    "memory_percent": gettext_lazy("memory percent"),
    "memory_used_bytes": gettext_lazy("memory used bytes"),
    "minimum_build": gettext_lazy("minimum build"),
    "minimum_release": gettext_lazy("minimum release"),
    "ntp_servers": gettext_lazy("ntp servers"),
    "option": gettext_lazy("option"),
    "owner_id": gettext_lazy("owner id"),
    "passed_rules": gettext_lazy("passed rules"),
    "pending_since": gettext_lazy("pending since"),
    "physical_links": gettext_lazy("physical links"),
    "power_state": gettext_lazy("power state"),
    "product": gettext_lazy("product"),
    "provisioned_bytes": gettext_lazy("provisioned bytes"),
    "quorate": gettext_lazy("quorate"),
    "ratio": gettext_lazy("ratio"),
    "realm": gettext_lazy("realm"),
    "realm_two_factor": gettext_lazy("realm two factor"),
    "realm_type": gettext_lazy("realm type"),
    "roles": gettext_lazy("roles"),
    "rule": gettext_lazy("rule"),
    "rules": gettext_lazy("rules"),
    "running_vms": gettext_lazy("running vms"),
    "scope": gettext_lazy("scope"),
    "security_updates": gettext_lazy("security updates"),
    "snapshots": gettext_lazy("snapshots"),
    "source": gettext_lazy("value source"),
    "swapped_bytes": gettext_lazy("swapped bytes"),
    "synced_at": gettext_lazy("synced at"),
    "syslog_target": gettext_lazy("syslog target"),
    "threshold": gettext_lazy("threshold"),
    "threshold_hours": gettext_lazy("threshold hours"),
    "threshold_minutes": gettext_lazy("threshold minutes"),
    "threshold_percent": gettext_lazy("threshold percent"),
    "threshold_ratio": gettext_lazy("threshold ratio"),
    "tokens": gettext_lazy("tokens"),
    "tools_state": gettext_lazy("tools state"),
    "two_factor": gettext_lazy("two factor"),
    "updates_pending": gettext_lazy("updates pending"),
    "uplinks": gettext_lazy("uplinks"),
    "used_as_uplink": gettext_lazy("used as uplink"),
    "vcpus_running": gettext_lazy("vcpus running"),
    "with_memory": gettext_lazy("with memory"),
}


def english_unless_translated(text: str) -> str:
    """``text`` in the reader's language where the catalogue has it; otherwise, on a page that
    is not English, the English text marked ``lang="en"`` so that a screen reader reads it as
    English and the German page sweep (tests/portal/test_german_sweep.py) counts it as a known
    gap instead of a missed string. Used for texts from outside the catalogue: the checks'
    descriptions (their docstrings, all translated), evidence keys and not-applicable reasons
    with values."""
    from django.utils.html import format_html
    from django.utils.translation import get_language, gettext

    translated = gettext(text) if text else text
    if translated == text and text and not (get_language() or "en").startswith("en"):
        return format_html('<span lang="en" class="untranslated">{}</span>', text)
    return translated


def key_label(key: str) -> str:
    """``updates_pending`` -> "updates pending" ("ausstehende Updates"), by EVIDENCE_KEY_LABELS
    or the catalogue; on a German page a key without German text is marked ``lang="en"`` (as
    ``english_unless_translated`` marks any text)."""
    label = EVIDENCE_KEY_LABELS.get(key)
    return str(label) if label is not None else english_unless_translated(key.replace("_", " "))


def evidence_value(value) -> str:
    """One evidence value for people: numbers in the reader's locale, yes/no, a mapping as
    "key: value; ..." and a list item by item, never a Python repr."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "-"
    if isinstance(value, int | float):
        return formats.localize(value, use_l10n=True)
    if isinstance(value, str):
        return state_label(value) or value
    if isinstance(value, dict):
        # A nested key the catalogue knows ("expires") in the reader's language.
        return "; ".join(f"{_(k.replace('_', ' '))}: {_nested(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        joiner = " | " if any(isinstance(v, dict) for v in value) else ", "
        return joiner.join(evidence_value(v) for v in value)
    return str(value)


def evidence_rows(spec, evidence: dict, raw_keys: bool = False) -> list[tuple[str, str]]:
    """Evidence as (label, text) rows: the check's parameters by their labels, nested values
    as "key: value" text, never a Python dict (``{'max_age_days': 3}``)."""
    rows = []
    for key, value in evidence.items():
        if key == "parameters" and isinstance(value, dict) and spec is not None:
            label = "parameters" if raw_keys else _("thresholds")
            rows.append((label, "; ".join(parameter_texts(spec, value))))
        else:
            text = evidence_value(value)
            if key.endswith("status") and value in RunStatus.values:
                text = str(RunStatus(value).label)  # last_sync_status: "fehlgeschlagen"
            if key in CHECK_WORDS and not raw_keys:
                text = english_unless_translated(text)
            rows.append((key if raw_keys else key_label(key), text))
    return rows


def parameter_texts(spec, values: dict) -> list[str]:
    """Each parameter as "Largest snapshot age: 3 days" (not ``{'max_age_days': 3}``), its
    label, unit and number in the reader's language."""
    texts = []
    for param in spec.params:
        if param.name not in values:
            continue
        value = values[param.name]
        if isinstance(value, list):
            shown = ", ".join(map(str, value)) or "-"
        else:
            shown = evidence_value(value)
        texts.append(f"{param.label}: {shown} {param.unit}".strip())
    return texts


def _nested(key: str, value) -> str:
    """A value inside a nested evidence item; a rule's status and severity in words."""
    from compliance.choices import DISPLAY_STATUS_LABELS, Severity

    if key == "status" and value in DISPLAY_STATUS_LABELS:
        return str(DISPLAY_STATUS_LABELS[value])
    if key == "severity" and value in Severity.values:
        return str(Severity(value).label)
    return evidence_value(value)
