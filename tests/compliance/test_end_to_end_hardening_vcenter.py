"""End to end on vCenter: hardening settings planted through the simulator's API, sync, check.

Real cases on govmomi's simulator (HRD-001..005): advanced host settings changed with
``UpdateOptions`` on the host's OptionManager (the simulator keeps them per host and reports
them in the manager's ``setting``, which the connector reads for all hosts in one request), VM
extraConfig changed with ``ReconfigVM_Task``. The firewall's default policy is read and passes
(the simulator blocks incoming traffic and has no call to change it). Not on the simulator,
unit cases only (tests/compliance/test_checks_hardening.py): Secure Boot (no
``capability.uefiSecureBoot``), the VIB acceptance level (no HostImageConfigManager), the
firewall rulesets' IP-list ownership (no ``ipListUserConfigurable``: judged not applicable).
"""

from __future__ import annotations

import pytest

from compliance.checks.hardening import SCG, STIG, guide
from compliance.models import Finding
from inventory.models import Host, VirtualMachine

from .e2e import assert_resolved, open_finding, result, sync_and_check

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Violations of both guides for every advanced setting they name, except the simulator's one
# shared setting (Config.HostAgent.log.level, the same object on all its hosts).
HOST_VIOLATIONS = {
    "Annotations.WelcomeMessage": "",
    "Config.Etc.issue": "",
    "Config.HostAgent.plugins.solo.enableMob": True,
    "Config.HostAgent.vmacore.soap.sessionTimeout": 0,
    "DCUI.Access": "root,admin",
    "Mem.MemEagerZero": 0,
    "Mem.ShareForceSalting": 0,
    "Net.BMCNetworkEnable": 1,
    "Net.BlockGuestBPDU": 0,
    "Net.DVFilterBindIpAddress": "10.0.0.1",
    "Security.AccountLockFailures": 10,
    "Security.AccountUnlockTime": 60,
    "Security.PasswordHistory": 0,
    "Security.PasswordMaxDays": 99999,
    "Security.PasswordQualityControl": "retry=3 min=disabled,disabled,disabled,7,7",
    "Syslog.global.auditRecord.remoteEnable": False,
    "Syslog.global.auditRecord.storageCapacity": 4,
    "Syslog.global.auditRecord.storageEnable": False,
    "Syslog.global.certificate.checkSSLCerts": False,
    "Syslog.global.certificate.strictX509Compliance": False,
    "Syslog.global.logHost": "",
    "Syslog.global.logLevel": "debug",
    "UserVars.DcuiTimeOut": 3600,
    "UserVars.ESXiShellInteractiveTimeOut": 0,
    "UserVars.ESXiShellTimeOut": 0,
    "UserVars.ESXiVPsDisabledProtocols": "sslv3",
    "UserVars.HostClientSessionTimeout": 3600,
    "UserVars.SuppressHyperthreadWarning": 1,
    "UserVars.SuppressShellWarning": 1,
    "VMkernel.Boot.execInstalledOnly": False,
}
# The SCG's values (a site's log host and banners where it asks for "a value").
HOST_SCG_CLEAN = {
    "Annotations.WelcomeMessage": "Authorised use only.",
    "Config.Etc.issue": "Authorised use only.",
    "Config.HostAgent.plugins.solo.enableMob": False,
    "Config.HostAgent.vmacore.soap.sessionTimeout": 10,
    "DCUI.Access": "root",
    "Mem.MemEagerZero": 1,
    "Mem.ShareForceSalting": 2,
    "Net.BMCNetworkEnable": 0,
    "Net.BlockGuestBPDU": 1,
    "Net.DVFilterBindIpAddress": "",
    "Security.AccountLockFailures": 5,
    "Security.AccountUnlockTime": 900,
    "Security.PasswordHistory": 5,
    "Security.PasswordMaxDays": 9999,
    "Security.PasswordQualityControl": (
        "similar=deny retry=3 min=disabled,disabled,disabled,disabled,15 max=64"
    ),
    "Syslog.global.auditRecord.remoteEnable": True,
    "Syslog.global.auditRecord.storageCapacity": 100,
    "Syslog.global.auditRecord.storageEnable": True,
    "Syslog.global.certificate.checkSSLCerts": True,
    "Syslog.global.certificate.strictX509Compliance": True,
    "Syslog.global.logHost": "tcp://log.example.org:514",
    "Syslog.global.logLevel": "error",
    "UserVars.DcuiTimeOut": 600,
    "UserVars.ESXiShellInteractiveTimeOut": 900,
    "UserVars.ESXiShellTimeOut": 600,
    "UserVars.ESXiVPsDisabledProtocols": "sslv3,tlsv1,tlsv1.1",
    "UserVars.HostClientSessionTimeout": 900,
    "UserVars.SuppressHyperthreadWarning": 0,
    "UserVars.SuppressShellWarning": 0,
    "VMkernel.Boot.execInstalledOnly": True,
}
# Where the STIG asks other values than the SCG: lockout 3, password policy without max=64,
# password age 90 days, API session timeout 30, syslog level info.
STIG_NOT_SCG = {
    "ESXI-80-000005",
    "ESXI-80-000035",
    "ESXI-80-000227",
    "ESXI-80-000226",
    "ESXI-80-000235",
}


def option_rules(key: str) -> set[str]:
    """The guide's advanced-setting rules, but the simulator's shared log level."""
    return {
        r["id"]
        for r in guide(key).rules
        if r["source"] == "advanced_option" and r["setting"] != "Config.HostAgent.log.level"
    }


VM_VIOLATIONS = {
    "isolation.tools.dnd.disable": "FALSE",
    "isolation.tools.diskShrink.disable": "FALSE",
    "isolation.tools.diskWiper.disable": "false",
    "mks.enable3d": "TRUE",
    "isolation.device.connectable.disable": "FALSE",
    "tools.setInfo.sizeLimit": "4194304",
    "log.rotateSize": "0",
    "log.keepOld": "100",
    "tools.guestlib.enableHostInfo": "TRUE",
    "sched.mem.pshare.salt": "shared",
    "ethernet0.filter0.name": "dvfilter-maclearn",
    "RemoteDisplay.vnc.enabled": "TRUE",
}


def failed_ids(finding: Finding) -> set[str]:
    return {r["id"] for r in finding.evidence["rules"] if r["status"] == "fail"}


def test_host_settings_planted_on_one_host_fail_both_guides_there_and_nowhere_else(vc):
    endpoint, api = vc
    run = sync_and_check(endpoint)
    hosts = list(Host.objects.filter(endpoint=endpoint).order_by("name"))
    # Untouched: the one setting the simulator reports (Config.HostAgent.log.level = info)
    # and the firewall's default policy (incoming blocked) meet both guides.
    for check_id in ("HRD-001", "HRD-002"):
        assert result(run, check_id).passed == len(hosts) and result(run, check_id).failed == 0

    bad, *clean = hosts
    api.set_host_options(bad.external_id, HOST_VIOLATIONS)
    run = sync_and_check(endpoint)
    syslog = open_finding("LOG-002", bad)
    assert syslog.status == "fail"
    scg = open_finding("HRD-001", bad)
    stig = open_finding("HRD-002", bad)
    assert scg.status == stig.status == "fail"
    assert scg.object_name == bad.name and scg.object_external_id == bad.external_id
    # Every advanced-setting rule of both guides fails, each read from the simulator.
    assert failed_ids(scg) == option_rules(SCG)
    assert failed_ids(stig) == option_rules(STIG)
    assert len(option_rules(SCG)) == 30 and len(option_rules(STIG)) == 26
    # Each rule: the guide's id, the setting, what was seen and what the guide expects.
    salting = next(r for r in scg.evidence["rules"] if r["id"] == "esxi-8.transparent-page-sharing")
    assert salting["setting"] == "Mem.ShareForceSalting"
    assert salting["observed"] == 0 and salting["expected"] == "2"
    assert salting["requirement"] == "SYS.1.5.A23 (3)"
    rules = {r["id"]: r for r in scg.message_args["p"]["rules"]}
    assert rules["esxi-8.shell-timeout"]["observed"] == 0
    # The message names the first failed rules and counts the rest (all are in the evidence).
    assert scg.message.startswith("30 of 32 rules of the vSphere SCG 8 not met: esxi-8.")
    assert scg.message.endswith(" more.") and len(scg.message) < 500
    assert scg.severity == "high"  # esxi-8.shell-timeout is a P0 rule
    assert result(run, "HRD-001").failed == 1 and result(run, "HRD-001").passed == len(clean)
    for host in clean:
        assert open_finding("HRD-001", host) is None and open_finding("HRD-002", host) is None

    # Set to the SCG's values: HRD-001 resolves; the STIG asks 3 lockout failures, not 5.
    api.set_host_options(bad.external_id, HOST_SCG_CLEAN)
    sync_and_check(endpoint)
    # The OptionManager is also where advanced_options come from: LOG-002 sees the log host.
    assert_resolved(scg, syslog)
    stig.refresh_from_db()
    assert stig.resolved_at is None and failed_ids(stig) == STIG_NOT_SCG


def test_the_stig_lockout_value_resolves_hrd_002_and_excluding_the_scg_rule_keeps_hrd_001_quiet(
    vc, officer
):
    from compliance.services import check_parameters_update

    endpoint, api = vc
    sync_and_check(endpoint)
    host = Host.objects.filter(endpoint=endpoint).order_by("name").first()
    api.set_host_options(
        host.external_id,
        {
            "Security.AccountLockFailures": 3,
            "Security.PasswordQualityControl": (
                "similar=deny retry=3 min=disabled,disabled,disabled,disabled,15"
            ),
        },
    )
    sync_and_check(endpoint)
    assert open_finding("HRD-002", host) is None
    scg = open_finding("HRD-001", host)
    assert failed_ids(scg) == {"esxi-8.account-lockout", "esxi-8.account-password-policies"}

    # An officer who follows the STIG for these two leaves the SCG's rules out.
    check_parameters_update(
        check_id="HRD-001",
        values={"exclude_rules": ["esxi-8.account-lockout", "esxi-8.account-password-policies"]},
        actor=officer,
    )
    sync_and_check(endpoint)
    assert_resolved(scg)


def test_vm_isolation_settings_planted_on_one_vm_fail_both_guides_there(vc):
    endpoint, api = vc
    run = sync_and_check(endpoint)
    vms = list(VirtualMachine.objects.filter(endpoint=endpoint).order_by("name"))
    # Untouched VMs meet the STIG (absent settings are its compliant default). The SCG asks
    # tools.guest.desktop.autolock = TRUE with a non-compliant default: that one rule fails.
    assert result(run, "HRD-004").passed == len(vms)
    assert result(run, "HRD-005").passed == len(vms)
    for vm in vms:
        assert failed_ids(open_finding("HRD-003", vm)) == {"vm-8.vmrc-lock"}

    bad, *clean = vms
    api.set_extra_config(bad.external_id, VM_VIOLATIONS)
    for vm in clean:
        api.set_extra_config(vm.external_id, {"tools.guest.desktop.autolock": "TRUE"})
    run = sync_and_check(endpoint)
    scg = open_finding("HRD-003", bad)
    stig = open_finding("HRD-004", bad)
    assert scg.object_name == bad.name
    assert failed_ids(scg) == {
        "vm-8.isolation-tools-dnd-deactivate",
        "vm-8.deactivate-disk-shrinking-shrink",
        "vm-8.deactivate-disk-shrinking-wiper",
        "vm-8.deactivate-non-essential-3d-features",
        "vm-8.isolation-device-connectable-deactivate",
        "vm-8.limit-setinfo-size",
        "vm-8.log-rotation-size",
        "vm-8.log-retention",
        "vm-8.restrict-host-info",
        "vm-8.transparentpagesharing-inter-vm-enabled",
        "vm-8.dvfilter",
        "vm-8.vmrc-lock",
    }
    assert failed_ids(stig) == {
        "VMCH-80-000191",
        "VMCH-80-000193",
        "VMCH-80-000194",
        "VMCH-80-000202",
        "VMCH-80-000197",
        "VMCH-80-000196",
        "VMCH-80-000205",
        "VMCH-80-000206",
        "VMCH-80-000198",
        "VMCH-80-000199",
        "VMCH-80-000200",
    }
    vnc = open_finding("HRD-005", bad)
    assert vnc.object_name == bad.name and failed_ids(vnc) == {"VM.minimize-console-VNC-use"}
    size = next(r for r in stig.evidence["rules"] if r["id"] == "VMCH-80-000196")
    assert size["setting"] == "tools.setInfo.sizeLimit" and size["observed"] == "4194304"
    assert result(run, "HRD-003").passed == len(clean)
    assert result(run, "HRD-004").passed == len(clean)

    # Fixed on the VM: both findings resolve.
    api.set_extra_config(
        bad.external_id,
        {
            "isolation.tools.dnd.disable": "TRUE",
            "isolation.tools.diskShrink.disable": "TRUE",
            "isolation.tools.diskWiper.disable": "TRUE",
            "mks.enable3d": "FALSE",
            "isolation.device.connectable.disable": "TRUE",
            "tools.setInfo.sizeLimit": "1048576",
            "log.rotateSize": "2048000",
            "log.keepOld": "10",
            "tools.guestlib.enableHostInfo": "FALSE",
            "sched.mem.pshare.salt": "",
            "ethernet0.filter0.name": "",
            "tools.guest.desktop.autolock": "TRUE",
            "RemoteDisplay.vnc.enabled": "FALSE",
        },
    )
    sync_and_check(endpoint)
    assert_resolved(scg, stig, vnc)
