"""HRD-001..005: the guide data files, each rule kind on model instances, parameters, queries.

The real cases on the simulator are in test_end_to_end_hardening_vcenter.py; here are the cases
the simulator cannot show (Secure Boot, VIB acceptance level, firewall rulesets whose IP list is
the user's, a firewall that lets incoming traffic in) and the edge values of every comparison.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.checks import get_check
from compliance.checks.context import InventoryContext
from compliance.checks.hardening import (
    SCG,
    SCG67,
    STIG,
    _listed,
    guide,
    guides,
    judge_host_rule,
    judge_vm_rule,
)
from compliance.checks.registry import ParameterError
from compliance.models import Finding
from compliance.services import check_run_execute
from inventory.connectors.vcenter import HARDENING_OPTIONS, _kept_extra_config
from inventory.models import Endpoint

from .factories import EndpointFactory, HostFactory, VmFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SYS15 = json.loads((ROOT / "compliance" / "catalog" / "sys15.json").read_text(encoding="utf-8"))
SOURCES = {
    "host": {
        "advanced_option",
        "firewall_default_policy",
        "firewall_rulesets",
        "secure_boot",
        "acceptance_level",
    },
    "vm": {"extra_config", "extra_config_pattern"},
}


def rule(key: str, rule_id: str) -> dict:
    return next(r for r in guide(key).rules if r["id"] == rule_id)


def outcome(check_id: str, obj, **params):
    spec = get_check(check_id)
    ctx = InventoryContext.load([obj.endpoint_id])
    return spec.func(obj, {**spec.defaults(), **params}, ctx)


# -- the data files ----------------------------------------------------------------------------


def test_there_is_one_file_per_guide_with_its_name_version_source_and_date():
    files = {g.key: g for g in guides()}
    assert set(files) == {SCG, STIG, SCG67}
    for g in files.values():
        assert g.name and g.short and g.version and g.source.startswith("https://github.com/")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", g.taken)
    assert len(guide(SCG).rules) >= 40 and len(guide(STIG).rules) >= 40
    # Of the 6.7 guide only the VNC rule, which the 8 guides dropped.
    assert guide(SCG67).rule_ids("vm") == ("VM.minimize-console-VNC-use",)


@pytest.mark.parametrize("key", [SCG, STIG, SCG67])
def test_every_rule_has_id_setting_expected_and_a_sentence_of_sys15(key):
    g = guide(key)
    sentences = {
        (r["ref"], s["number"]) for r in SYS15["requirements"] for s in r.get("sentences", [])
    }
    ids = [r["id"] for r in g.rules]
    assert len(ids) == len(set(ids)), "a rule id twice"
    for r in g.rules:
        assert re.fullmatch(g.id_pattern, r["id"]), r["id"]
        assert r["title"] and r["setting"], r["id"]
        assert r["object"] in SOURCES and r["source"] in SOURCES[r["object"]], r["id"]
        assert r["severity"] in ("high", "medium", "low"), r["id"]
        assert (r["requirement"], r["sentence"]) in sentences, r["id"]
        assert r["unset"] in ("pass", "fail", "not_applicable"), r["id"]
        if r["comparison"] in ("eq", "in"):
            assert "expected" in r, r["id"]
        elif r["comparison"] == "range":
            assert "min" in r or "max" in r, r["id"]
        else:
            assert r["comparison"] in ("not_empty", "absent", "no_open_rulesets"), r["id"]


def test_the_stig_rules_carry_their_vulnerability_and_rule_ids():
    data = json.loads(
        (ROOT / "compliance" / "data" / "hardening" / f"{STIG}.json").read_text(encoding="utf-8")
    )
    for r in data["rules"]:
        assert re.fullmatch(data["vuln_id_pattern"], r["vuln_id"]), r["id"]
        assert re.fullmatch(r"SV-\d+r\d+_rule", r["rule_id"]), r["id"]
    # Spot checks against the STIG (V2R3): the id, the vulnerability id and the setting.
    lockout = rule(STIG, "ESXI-80-000005")
    assert (lockout["setting"], lockout["expected"]) == ("Security.AccountLockFailures", 3)
    assert lockout["vuln_id"] == "V-258728"
    assert rule(STIG, "VMCH-80-000196")["vuln_id"] == "V-258709"


def test_the_scg_rules_cross_reference_the_stig_ids_they_share():
    """The SCG's own "DISA STIG Mapping" column; a shared rule carries the same setting."""
    stig = {r["id"]: r for r in guide(STIG).rules}
    for r in guide(SCG).rules:
        assert all(re.fullmatch(guide(STIG).id_pattern, i) for i in r["stig"]), r["id"]
        for shared in set(r["stig"]) & set(stig):
            assert stig[shared]["setting"] == r["setting"], r["id"]
    assert rule(SCG, "esxi-8.account-lockout")["expected"] == 5


def test_the_connector_reads_every_setting_the_guides_name():
    for g in guides():
        for r in g.rules:
            if r["source"] == "advanced_option":
                assert r["setting"] in HARDENING_OPTIONS, r["id"]
            elif r["source"] == "extra_config":
                assert _kept_extra_config(r["setting"]), r["id"]
    assert _kept_extra_config("ethernet3.filter1.name")
    assert _kept_extra_config("TOOLS.SETINFO.SIZELIMIT")
    assert not _kept_extra_config("guestinfo.secret")
    assert not _kept_extra_config("RemoteDisplay.vnc.password")  # a secret: never stored


# -- one rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "value", "status"),
    [
        ("ESXI-80-000195", 600, "pass"),
        ("ESXI-80-000195", 1, "pass"),
        ("ESXI-80-000195", 0, "fail"),  # 0: the shell never times out
        ("ESXI-80-000195", 601, "fail"),
        ("ESXI-80-000195", "600", "pass"),
        ("ESXI-80-000195", "soon", "fail"),
        ("ESXI-80-000111", 900, "pass"),
        ("ESXI-80-000111", 899, "fail"),
        ("ESXI-80-000047", False, "pass"),
        ("ESXI-80-000047", "false", "pass"),
        ("ESXI-80-000047", True, "fail"),
        (
            "ESXI-80-000035",
            "similar=deny  retry=3 min=disabled,disabled,disabled,disabled,15",
            "pass",
        ),
        ("ESXI-80-000035", "retry=3 min=disabled,disabled,disabled,7,7", "fail"),
        ("ESXI-80-000114", "udp://log:514", "pass"),
        ("ESXI-80-000114", " ", "fail"),
        ("ESXI-80-000219", "", "pass"),
        ("ESXI-80-000219", "10.0.0.1", "fail"),
    ],
)
def test_an_advanced_setting_is_compared_as_the_guide_says(rule_id, value, status):
    r = rule(STIG, rule_id)
    result = judge_host_rule(r, {"options": {r["setting"]: value}})
    assert result["status"] == status
    assert result["id"] == rule_id and result["setting"] == r["setting"]
    assert result["observed"] == value


def test_an_unread_or_unreported_setting_is_not_applicable_with_the_reason():
    r = rule(SCG, "esxi-8.network-bpdu")
    assert judge_host_rule(r, {})["status"] == "not_applicable"
    assert "not read" in judge_host_rule(r, {})["reason"]
    missing = judge_host_rule(r, {"options": {}})
    assert missing["status"] == "not_applicable" and "did not report" in missing["reason"]


@pytest.mark.parametrize(
    ("firewall", "status"),
    [
        ({"incoming_blocked": True, "open_rulesets": []}, "pass"),
        ({"incoming_blocked": False, "open_rulesets": []}, "fail"),
        ({"incoming_blocked": None, "open_rulesets": []}, "not_applicable"),
    ],
)
def test_the_firewall_default_policy(firewall, status):
    r = rule(SCG, "esxi-8.firewall-incoming-default")
    assert judge_host_rule(r, {"firewall": firewall})["status"] == status


def test_rulesets_open_to_all_fail_only_where_their_ip_list_is_the_users():
    r = rule(STIG, "ESXI-80-000239")
    own = {"key": "sshServer", "label": "SSH Server", "ip_list_user_configurable": True}
    system = {"key": "vpxHeartbeats", "label": "VPX", "ip_list_user_configurable": False}
    unknown = {"key": "CIMHttpServer", "label": "CIM", "ip_list_user_configurable": None}
    failed = judge_host_rule(r, {"firewall": {"open_rulesets": [own, system]}})
    assert failed["status"] == "fail" and failed["observed"] == ["sshServer"]
    assert judge_host_rule(r, {"firewall": {"open_rulesets": [system]}})["status"] == "pass"
    assert judge_host_rule(r, {"firewall": {"open_rulesets": []}})["status"] == "pass"
    older = judge_host_rule(r, {"firewall": {"open_rulesets": [unknown]}})
    assert older["status"] == "not_applicable" and "8.0 U2" in older["reason"]
    assert judge_host_rule(r, {})["status"] == "not_applicable"


@pytest.mark.parametrize(
    ("hardening", "status"),
    [({"secure_boot": True}, "pass"), ({"secure_boot": False}, "fail"), ({}, "not_applicable")],
)
def test_secure_boot_where_reported(hardening, status):
    assert judge_host_rule(rule(STIG, "ESXI-80-000094"), hardening)["status"] == status


@pytest.mark.parametrize(
    ("level", "status"),
    [
        ("PartnerSupported", "pass"),
        ("VMwareAccepted", "pass"),
        ("VMwareCertified", "pass"),
        ("CommunitySupported", "fail"),
        (None, "not_applicable"),
    ],
)
def test_the_vib_acceptance_level(level, status):
    hardening = {} if level is None else {"acceptance_level": level}
    result = judge_host_rule(rule(SCG, "esxi-8.vib-acceptance-level-supported"), hardening)
    assert result["status"] == status


@pytest.mark.parametrize(
    ("key", "rule_id", "extra", "status"),
    [
        (STIG, "VMCH-80-000197", {}, "pass"),  # absent: the guide's compliant default
        (STIG, "VMCH-80-000197", {"isolation.device.connectable.disable": "TRUE"}, "pass"),
        (STIG, "VMCH-80-000197", {"isolation.device.connectable.disable": "false"}, "fail"),
        (STIG, "VMCH-80-000196", {"tools.setinfo.sizeLimit": "1048576"}, "pass"),
        (SCG, "vm-8.limit-setinfo-size", {"TOOLS.SETINFO.SIZELIMIT": "65536"}, "fail"),
        (STIG, "VMCH-80-000205", {"log.rotateSize": "2048000"}, "pass"),
        (STIG, "VMCH-80-000206", {"log.keepOld": "3"}, "fail"),
        (STIG, "VMCH-80-000199", {}, "pass"),
        (STIG, "VMCH-80-000199", {"sched.mem.pshare.salt": "x"}, "fail"),
        (STIG, "VMCH-80-000200", {"ethernet1.filter0.name": "dvfilter-x"}, "fail"),
        (STIG, "VMCH-80-000200", {"ethernet1.filter0.name": ""}, "pass"),
        # The console lock: absent passes the STIG but fails the SCG (default FALSE).
        (STIG, "VMCH-80-000201", {}, "pass"),
        (SCG, "vm-8.vmrc-lock", {}, "fail"),
        (SCG, "vm-8.vmrc-lock", {"tools.guest.desktop.autolock": "TRUE"}, "pass"),
        (SCG67, "VM.minimize-console-VNC-use", {}, "pass"),
        (SCG67, "VM.minimize-console-VNC-use", {"RemoteDisplay.vnc.enabled": "FALSE"}, "pass"),
        (SCG67, "VM.minimize-console-VNC-use", {"RemoteDisplay.vnc.enabled": "true"}, "fail"),
    ],
)
def test_a_vm_setting_is_judged_with_the_guides_default(key, rule_id, extra, status):
    assert judge_vm_rule(rule(key, rule_id), extra)["status"] == status


# -- the checks --------------------------------------------------------------------------------


def test_a_host_outside_both_guides_fails_with_each_rule_as_evidence():
    host = HostFactory(
        connection_state="connected",
        extra={
            "hardening": {
                "options": {"Mem.ShareForceSalting": 0, "UserVars.DcuiTimeOut": 600},
                "firewall": {"incoming_blocked": True, "open_rulesets": []},
                "secure_boot": False,
                "acceptance_level": "CommunitySupported",
            }
        },
    )
    result = outcome("HRD-002", host)
    assert result.status == "fail"
    bad = {r["id"] for r in result.evidence["rules"] if r["status"] == "fail"}
    assert bad == {"ESXI-80-000213", "ESXI-80-000094", "ESXI-80-000133"}
    assert result.severity == "high"  # ESXI-80-000133 is a CAT I rule
    assert result.evidence["guide_version"].startswith("Version 2 Release 3")
    assert {r["id"] for r in result.text["p"]["rules"]} == bad
    assert result.evidence["failed"] == 3 and result.evidence["passed"] == 3
    # Rules met by id only; failed and unread ones in full.
    assert set(result.evidence["passed_rules"]) == {
        "ESXI-80-000196",
        "ESXI-80-000214",
        "ESXI-80-000239",
    }
    assert {r["status"] for r in result.evidence["rules"]} == {"fail", "not_applicable"}
    # The officer leaves rules out: those are not judged at all.
    fewer = outcome("HRD-002", host, exclude_rules=["ESXI-80-000094", "ESXI-80-000133"])
    assert {r["id"] for r in fewer.evidence["rules"] if r["status"] == "fail"} == {"ESXI-80-000213"}
    assert fewer.severity == "low"


def test_a_host_with_nothing_read_is_not_applicable_and_a_disconnected_one_says_so():
    blank = HostFactory(connection_state="connected", extra={})
    result = outcome("HRD-001", blank)
    assert result.status == "not_applicable" and "not read" in result.message
    gone = HostFactory(connection_state="disconnected", extra={})
    assert "disconnected" in outcome("HRD-001", gone).message


def test_the_rule_list_parameter_names_the_field_and_the_unknown_rule():
    spec = get_check("HRD-003")
    assert spec.clean_parameters({"exclude_rules": "vm-8.vmrc-lock\nvm-8.log-retention"}) == {
        "exclude_rules": ["vm-8.vmrc-lock", "vm-8.log-retention"]
    }
    with pytest.raises(ParameterError, match="Guide rules left out: “VMCH-80-000201”"):
        spec.clean_parameters({"exclude_rules": ["VMCH-80-000201"]})


def test_on_proxmox_the_checks_are_not_applicable_with_the_reason():
    for check_id in ("HRD-001", "HRD-002", "HRD-003", "HRD-004", "HRD-005"):
        spec = get_check(check_id)
        assert spec.platforms == ("vcenter",)
        assert "Proxmox" in spec.not_applicable_reason


def _estate(hosts: int, vms_per_host: int) -> None:
    endpoint = EndpointFactory(kind=Endpoint.Kind.VCENTER)
    for i in range(hosts):
        host = HostFactory(
            endpoint=endpoint,
            connection_state="connected",
            extra={
                "hardening": {
                    "options": {"Mem.ShareForceSalting": i % 3, "Net.BlockGuestBPDU": 1},
                    "firewall": {"incoming_blocked": True, "open_rulesets": []},
                }
            },
        )
        for j in range(vms_per_host):
            VmFactory(
                endpoint=endpoint,
                host=host,
                extra_config={"log.keepOld": str(10 + j % 2), "tools.setInfo.sizeLimit": "1"},
            )


FINDING_INSERT = 'INSERT INTO "compliance_finding"'


def _queries(hosts: int, vms_per_host: int) -> tuple[int, int]:
    """Statements of a first run: (all but the findings' insert, the findings' insert)."""
    Finding.objects.all().delete()
    Endpoint.objects.all().delete()
    _estate(hosts, vms_per_host)
    with CaptureQueriesContext(connection) as queries:
        run = check_run_execute(trigger="command", actor="test")
    assert run.status == "succeeded", run.error
    assert Finding.objects.open().filter(check_id__startswith="HRD-").exists()
    inserts = sum(q["sql"].startswith(FINDING_INSERT) for q in queries.captured_queries)
    return len(queries.captured_queries) - inserts, inserts


def test_a_run_with_the_hardening_checks_costs_the_same_queries_at_two_sizes():
    small, large = _queries(2, 2), _queries(8, 6)
    assert small[0] == large[0]
    if connection.vendor == "postgresql":
        assert small[1] == large[1] == 1  # one bulk insert of the new findings
    else:
        # SQLite binds at most 999 parameters a statement: Django cuts the one bulk insert into
        # batches of about 50 findings (the run engine's, for every check; not per object).
        assert large[1] >= small[1] >= 1


def test_a_long_list_of_failed_rules_is_cut_at_a_rule_id_and_counted():
    ids = [f"esxi-8.rule-number-{i:02d}" for i in range(40)]
    text = _listed(ids)
    assert len(text) < 340 and text.endswith(" more")
    shown = text.rsplit(" and ", 1)[0].split(", ")
    assert shown == ids[: len(shown)] and text.endswith(f"and {40 - len(shown)} more")
    assert _listed(ids[:2]) == "esxi-8.rule-number-00, esxi-8.rule-number-01"


def test_an_officer_leaves_rules_out_on_the_check_page_and_a_wrong_id_is_named(officer, client_for):
    from compliance.models import CheckSetting

    client = client_for(officer)
    page = client.get("/compliance/checks/HRD-003/").content.decode()
    assert "vm-8.vmrc-lock" in page  # the rule ids offered
    wrong = client.post(
        "/compliance/checks/HRD-003/",
        {"exclude_rules": "vm-8.vmrc-lock\nVMCH-80-000201", "enabled": "on"},
    )
    assert wrong.status_code == 400
    assert "Guide rules left out: “VMCH-80-000201” is not one of" in wrong.content.decode()
    assert not CheckSetting.objects.filter(check_id="HRD-003").exists()
    saved = client.post(
        "/compliance/checks/HRD-003/",
        {"exclude_rules": "vm-8.vmrc-lock\nvm-8.log-retention", "enabled": "on"},
    )
    assert saved.status_code == 302
    setting = CheckSetting.objects.get(check_id="HRD-003")
    assert setting.parameters == {"exclude_rules": ["vm-8.vmrc-lock", "vm-8.log-retention"]}
