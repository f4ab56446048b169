"""End to end on fakepve: node services, load, quorum and users, changed, synced and checked.

Changed through PVE's REST API as an administrator would: a node service stopped and started
(LOG-001, INT-001; LOG-002 does not apply), a user created and given a second factor (ADM-005). Where PVE has no call
for the state, fakepve's model is changed (``fake.call``), and each test says why: a node's
CPU and memory use are load, not configuration (CPU-001, MEM-001), and quorum is lost when
corosync loses members (OPS-004, fakepve's own ``lose_quorum`` scenario).

ADM-001 and ADM-002 do not apply to Proxmox by design (docs/compliance.md).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from compliance.services import baseline_approve
from inventory.models import Cluster, Host, PlatformAccount, UtilizationSample
from simulators.endpoints import proxmox_endpoint
from simulators.fakepve import GiB

from .e2e import open_finding, opened_by, resolved_by, result, sync_and_check
from .test_end_to_end_proxmox import PveApi

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def age_samples(host, *, minutes: int) -> None:
    """Time passes: the host's stored samples move back (no test waits a quarter of an hour)."""
    UtilizationSample.objects.filter(object_type="host", object_id=host.pk).update(
        taken_at=F("taken_at") - dt.timedelta(minutes=minutes)
    )


@pytest.fixture
def pve(fake_pve):
    """A Proxmox endpoint on a fresh fake, an API session and the fake itself."""
    return proxmox_endpoint(fake_pve, "pve-hosts", sync=False), PveApi(fake_pve), fake_pve


def service(api, node: str, name: str, action: str) -> None:
    """Stop or start a node's service and wait for PVE's task, as the web UI does."""
    api.wait(node, api.call("POST", f"/nodes/{node}/services/{name}/{action}"))


def node_status(fake, node: str, **changes) -> None:
    """Change what ``/nodes/{node}/status`` reports (the harness keeps it per node)."""
    fake.call(lambda: fake.pve.node_facts[node]["status"].update(changes))


def test_stopping_the_time_service_opens_log_001_and_starting_it_resolves_it(pve):
    endpoint, api, _ = pve
    run = sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve1")
    assert open_finding("LOG-001", host) is None
    # Where remote logs go is a file on the node, not in the API: not judged, and said why.
    assert result(run, "LOG-002").failed == 0
    assert "syslog" in result(run, "LOG-002").not_applicable_reason

    finding = opened_by(endpoint, lambda: service(api, "pve1", "chrony", "stop"), "LOG-001", host)
    assert finding.evidence["time_service"] == "chrony, an NTP client/server"
    assert finding.evidence["running"] is False

    resolved_by(endpoint, lambda: service(api, "pve1", "chrony", "start"), finding)
    assert open_finding("LOG-001", Host.objects.get(endpoint=endpoint, name="pve2")) is None


def test_a_service_stopped_after_approval_is_drift_for_int_001(pve, officer):
    endpoint, api, _ = pve
    sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve2")
    approved = baseline_approve(object_type="host", object_id=host.pk, actor=officer)
    sync_and_check(endpoint)
    assert open_finding("INT-001", host) is None

    # The firewall service is part of the node's configuration the baseline holds.
    drift = opened_by(
        endpoint, lambda: service(api, "pve2", "pve-firewall", "stop"), "INT-001", host
    )
    assert drift.evidence["baseline_hash"] == approved.config_hash
    assert drift.evidence["config_hash"] != approved.config_hash

    resolved_by(endpoint, lambda: service(api, "pve2", "pve-firewall", "start"), drift)


def test_a_busy_node_opens_cpu_001_and_an_idle_one_resolves_it(pve):
    endpoint, _, fake = pve
    sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve1")
    assert open_finding("CPU-001", host) is None

    # Load is what the guests do, not a setting: no API call makes a node busy. One busy
    # reading is a peak, not a finding (judged over 15 minutes of samples).
    node_status(fake, "pve1", cpu=0.93)
    sync_and_check(endpoint)
    assert open_finding("CPU-001", host) is None
    # A quarter of an hour passes (the stored samples move back), still busy: the finding opens.
    finding = opened_by(endpoint, lambda: age_samples(host, minutes=16), "CPU-001", host)
    assert finding.evidence["cpu_usage_percent"] == 93.0
    assert finding.evidence["threshold_percent"] == 80
    assert finding.evidence["samples_judged"] == 3

    resolved_by(endpoint, lambda: node_status(fake, "pve1", cpu=0.2), finding)


def test_a_node_short_of_memory_opens_mem_001(pve):
    endpoint, _, fake = pve
    sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve2")
    assert open_finding("MEM-001", host) is None  # 16 of 64 GiB

    # Memory in use is load as well; PVE reports it, nobody sets it.
    full = {"total": 64 * GiB, "used": 60 * GiB, "free": 4 * GiB}
    node_status(fake, "pve2", memory=full)
    sync_and_check(endpoint)
    assert open_finding("MEM-001", host) is None  # one reading: not yet sustained
    finding = opened_by(endpoint, lambda: age_samples(host, minutes=16), "MEM-001", host)
    assert finding.evidence["memory_percent"] == 93.8
    assert finding.evidence["memory_used_bytes"] == 60 * GiB

    eased = {"total": 64 * GiB, "used": 20 * GiB, "free": 44 * GiB}
    resolved_by(endpoint, lambda: node_status(fake, "pve2", memory=eased), finding)


def test_losing_quorum_opens_ops_004_and_regaining_it_resolves_it(pve):
    endpoint, _, fake = pve
    run = sync_and_check(endpoint)
    assert result(run, "OPS-004").passed == 1
    cluster = Cluster.objects.get(endpoint=endpoint)

    # Quorum goes when corosync loses members; PVE has no call for that.
    finding = opened_by(endpoint, lambda: fake.call(fake.pve.lose_quorum), "OPS-004", cluster)
    assert finding.evidence["quorate"] is False

    resolved_by(endpoint, lambda: fake.call(fake.pve.regain_quorum), finding)


def test_a_new_user_without_a_second_factor_opens_adm_005_until_it_gets_one(pve):
    endpoint, api, _ = pve
    api.call("POST", "/access/users", userid="ops@pve", password="ops-password-1")
    sync_and_check(endpoint)
    account = PlatformAccount.objects.get(endpoint=endpoint, name="ops@pve")
    finding = open_finding("ADM-005", account)
    assert finding.status == "fail"
    assert finding.evidence["two_factor"] is False
    admin = PlatformAccount.objects.get(endpoint=endpoint, name="admin@pve")
    assert open_finding("ADM-005", admin) is None  # came with a TOTP factor

    totp = {
        "type": "totp",
        "description": "phone",
        "totp": "otpauth://totp/pve:ops@pve?secret=JBSWY3DPEHPK3PXP",
        "value": "123456",
    }
    resolved_by(endpoint, lambda: api.call("POST", "/access/tfa/ops@pve", **totp), finding)


def test_ksm_sharing_pages_opens_mem_005_and_no_sharing_resolves_it(pve):
    """KSM's shared memory is what the node reports; it is load, not a setting the API changes,
    so fakepve's node status is changed (as for CPU-001)."""
    endpoint, _, fake = pve
    sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve1")
    finding = open_finding("MEM-005", host)  # fakepve's nodes report 2 GiB shared by KSM
    assert finding is not None and finding.evidence["ksm_shared_bytes"] == 2 * GiB
    resolved_by(endpoint, lambda: node_status(fake, "pve1", ksm={"shared": 0}), finding)
    assert open_finding("MEM-005", Host.objects.get(endpoint=endpoint, name="pve2")) is not None


def test_a_realm_that_enforces_a_second_factor_resolves_adm_005_for_its_users(pve):
    endpoint, api, _ = pve
    api.call("POST", "/access/domains", realm="corp", type="ldap", server1="ldap.example.org",
             base_dn="dc=example,dc=org", user_attr="uid")  # fmt: skip
    api.call("POST", "/access/users", userid="carol@corp")
    api.call("POST", "/access/users", userid="dave@pve", password="dave-password-1")
    sync_and_check(endpoint)
    carol = PlatformAccount.objects.get(endpoint=endpoint, name="carol@corp")
    dave = PlatformAccount.objects.get(endpoint=endpoint, name="dave@pve")
    finding = open_finding("ADM-005", carol)
    assert finding.status == "fail" and open_finding("ADM-005", dave).status == "fail"

    # The realm now asks every login for a TOTP code (PVE's realm option ``tfa``).
    resolved_by(endpoint, lambda: api.call("PUT", "/access/domains/corp", tfa="type=oath"), finding)
    carol.refresh_from_db()
    assert carol.realm_two_factor is True and carol.two_factor is False
    assert open_finding("ADM-005", dave).status == "fail"  # another realm: still flagged
