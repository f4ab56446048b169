"""End to end on vCenter hosts: change govmomi's simulator through its API, sync, check, see flips.

What the simulator (govmomi 0.24) cannot change through its API, so no flip is tested here:
- ADM-001: there is no HostServiceSystem (``StartService`` -> ManagedObjectNotFound); SSH and the
  ESXi Shell stay stopped, so only the passing side is seen.
- ADM-002: no HostAccessManager and no ``EnterLockdownMode`` (MethodNotFound); lockdown stays
  ``lockdownDisabled``, so only the failing side is seen.
- LOG-001: no HostDateTimeSystem (``UpdateDateTimeConfig`` -> ManagedObjectNotFound) and no
  ``config.dateTimeInfo`` at all, so no NTP server is ever reported.
- LOG-002: the host's OptionManager accepts ``UpdateOptions`` but the simulator does not reflect
  it in ``config.option``, which is where ESXi reports its advanced settings to vCenter.
- INT-001 drift: every field of a host's configuration hash (version, services, NTP, syslog,
  advanced options, management addresses, lockdown) is fixed for an existing simulated host.
- Standard vSwitch / port group policy (NET-005, NET-006 on ESXi hosts): ``UpdateVirtualSwitch``
  and ``UpdatePortGroup`` are not implemented, ``UpdateNetworkConfig`` is accepted and ignored.
- CPU-001, MEM-001, NET-001/002/004: host usage and physical NICs are the simulator's constants.
"""

from __future__ import annotations

import pytest

from compliance.services import baseline_approve, check_parameters_update
from inventory.models import Host
from inventory.services.sync import sync_endpoint

from .e2e import assert_resolved, check, open_finding, result, sync_and_check

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_maintenance_mode_opens_ops_003_and_leaving_it_resolves_it(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    host = Host.objects.filter(endpoint=endpoint, cluster__isnull=False).order_by("name").first()
    assert open_finding("OPS-003", host) is None

    api.enter_maintenance(host.external_id)
    run = sync_and_check(endpoint)
    finding = open_finding("OPS-003", host)
    assert finding.status == "warning" and finding.evidence["maintenance_mode"] is True
    assert result(run, "OPS-003").warnings == 1

    api.exit_maintenance(host.external_id)
    sync_and_check(endpoint)
    assert_resolved(finding)


def test_a_host_added_disconnected_opens_ops_002(vc):
    endpoint, api = vc
    run = sync_and_check(endpoint)
    assert result(run, "OPS-002").failed == 0

    moref = api.add_standalone_host("192.0.2.20", connected=False)
    run = sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, external_id=moref)
    finding = open_finding("OPS-002", host)
    assert finding.status == "fail"
    assert finding.evidence["connection_state"] == "disconnected"
    assert result(run, "OPS-002").failed == 1
    # Its NTP and syslog settings are unknown, not missing: no second and third finding.
    assert open_finding("LOG-001", host) is None and open_finding("LOG-002", host) is None


def test_a_host_managed_outside_the_administration_networks_opens_adm_003(vc, officer):
    endpoint, api = vc
    check_parameters_update(
        check_id="ADM-003", values={"admin_networks": ["127.0.0.0/8"]}, actor=officer
    )
    run = sync_and_check(endpoint)
    # The simulated hosts are managed on 127.0.0.1: inside the administration network.
    assert result(run, "ADM-003").failed == 0 and result(run, "ADM-003").passed == 3

    moref = api.add_standalone_host("192.0.2.10", connected=True)
    run = sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, external_id=moref)
    finding = open_finding("ADM-003", host)
    assert finding.evidence["outside"] == ["192.0.2.10"]
    assert result(run, "ADM-003").passed == 3

    # The officer adds the network: the finding resolves without another sync.
    check_parameters_update(
        check_id="ADM-003",
        values={"admin_networks": ["127.0.0.0/8", "192.0.2.0/24"]},
        actor=officer,
    )
    check(endpoint)
    assert_resolved(finding)


def test_an_unreachable_vcenter_opens_ops_001(vc, fresh_vcsim):
    endpoint, _ = vc
    run = sync_and_check(endpoint)
    assert result(run, "OPS-001").passed == 1

    fresh_vcsim.stop()
    sync = sync_endpoint(endpoint, trigger="command")
    assert sync.status == "failed"
    endpoint.refresh_from_db()
    run = check(endpoint)
    finding = open_finding("OPS-001", endpoint)
    assert finding.status == "fail"
    assert finding.evidence["last_sync_status"] == "failed"
    assert result(run, "OPS-001").failed == 1


def test_approving_a_host_baseline_turns_int_001_from_warning_to_pass(vc, officer):
    endpoint, _ = vc
    sync_and_check(endpoint)
    host = Host.objects.filter(endpoint=endpoint).order_by("name").first()
    warning = open_finding("INT-001", host)
    assert warning.status == "warning"

    baseline_approve(object_type="host", object_id=host.pk, actor=officer)
    run = sync_and_check(endpoint)
    assert_resolved(warning)
    assert result(run, "INT-001").passed == 1  # the other hosts still wait for approval


def test_the_simulators_fixed_host_settings_read_as_the_checks_expect(vc):
    endpoint, _ = vc
    run = sync_and_check(endpoint)
    host = Host.objects.filter(endpoint=endpoint).order_by("name").first()
    # SSH (TSM-SSH) and the ESXi Shell (TSM) are reported and stopped.
    assert result(run, "ADM-001").passed == 3
    assert open_finding("ADM-001", host) is None
    assert open_finding("ADM-002", host).evidence["lockdown_mode"] == "lockdownDisabled"
    assert open_finding("LOG-001", host).evidence["ntp_servers"] == []
    assert open_finding("LOG-002", host).evidence["syslog_target"] == ""
    # Checks of Proxmox-only settings say why they do not apply.
    for check_id in ("ADM-004", "ADM-005", "OPS-004"):
        counts = result(run, check_id)
        assert counts.evaluated == 0
        assert counts.not_applicable_reason
