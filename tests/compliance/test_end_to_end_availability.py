"""End to end: availability and backups on both simulators, changed, synced and checked.

vCenter (govmomi's simulator): vSphere HA and admission control switched through
``ReconfigureComputeResource`` (AVL-001), VM reservations through ``ReconfigVM`` (AVL-002), the
backup product's custom attribute through the CustomFieldsManager (BAK-001).
Proxmox (fakepve and the harness): a backup job covering some guests, archives on the shared
storage (BAK-001), HA resources (AVL-003) and a node going offline (AVL-004).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from inventory.models import Cluster, VirtualMachine
from simulators.endpoints import proxmox_endpoint

from .e2e import assert_resolved, open_finding, result, sync_and_check

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.mark.parametrize(
    ("ha", "status", "enabled", "admission"),
    [
        ("on", "pass", True, True),
        ("no-admission", "fail", True, False),
        ("off", "fail", False, False),
        ("", "not_applicable", None, None),
    ],
)
def test_vsphere_ha_and_admission_control_avl_001(request, ha, status, enabled, admission):
    """The simulator ignores dasConfig in ReconfigureComputeResource, so each HA setting is a
    simulator started with it (our launcher's ``-ha``), read over SOAP like any other."""
    request.node.add_marker(pytest.mark.vcsim_spec(ha=ha))
    endpoint, _ = request.getfixturevalue("vc")
    run = sync_and_check(endpoint)
    cluster = Cluster.objects.get(endpoint=endpoint)
    assert (cluster.ha_enabled, cluster.extra.get("ha_admission_control")) == (enabled, admission)
    counts = result(run, "AVL-001")
    assert (counts.passed, counts.failed, counts.not_applicable) == (
        int(status == "pass"),
        int(status == "fail"),
        int(status == "not_applicable"),
    )
    finding = open_finding("AVL-001", cluster)
    assert (finding.status if finding else "pass") == ("pass" if status != "fail" else "fail")


def test_reservations_that_do_not_fit_after_a_host_failure_fail_avl_002(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    cluster = Cluster.objects.filter(endpoint=endpoint).order_by("name").first()
    vm = (
        VirtualMachine.objects.filter(endpoint=endpoint, cluster=cluster, power_state="poweredOn")
        .order_by("name")
        .first()
    )
    api.set_reservations(vm.external_id, cpu_mhz=100, memory_mb=64)
    run = sync_and_check(endpoint)
    vm.refresh_from_db()
    assert (vm.cpu_reservation_mhz, vm.memory_reservation_bytes) == (100, 64 * 1024**2)
    assert open_finding("AVL-002", cluster) is None
    assert result(run, "AVL-002").passed >= 1

    api.set_reservations(vm.external_id, cpu_mhz=10_000_000, memory_mb=64)
    sync_and_check(endpoint)
    finding = open_finding("AVL-002", cluster)
    assert finding.status == "fail"
    assert finding.evidence["short_of"] == ["cpu"]
    assert finding.evidence["reserved_cpu_mhz"] == 10_000_000


def test_a_vm_without_the_backup_attribute_fails_bak_001_and_an_old_backup_warns(vc):
    endpoint, api = vc
    sync_and_check(endpoint)
    vm = VirtualMachine.objects.filter(endpoint=endpoint, template=False).order_by("name").first()
    finding = open_finding("BAK-001", vm)
    assert finding.status == "fail"
    assert "Last Backup" in finding.evidence["source"]

    recent = (timezone.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S")
    api.set_custom_attribute(vm.external_id, "Last Backup", recent)
    sync_and_check(endpoint)
    assert_resolved(finding)
    assert open_finding("BAK-001", vm) is None

    old = (timezone.now() - dt.timedelta(hours=50)).strftime("%Y-%m-%d %H:%M:%S")
    api.set_custom_attribute(vm.external_id, "Last Backup", old)
    sync_and_check(endpoint)
    finding = open_finding("BAK-001", vm)
    assert finding.status == "warning"
    assert finding.evidence["age_hours"] >= 49


@pytest.fixture
def pve(fake_pve):
    return proxmox_endpoint(fake_pve, "pve-avail", sync=False), fake_pve


def test_a_backup_job_covering_a_guest_and_an_old_archive(pve):
    endpoint, fake = pve
    now = int(time.time())

    def plant(p):
        p.backup_jobs.append(
            {"id": "backup-daily", "enabled": 1, "vmid": "100,101", "storage": "nfs-shared"}
        )
        p.add_backup("nfs-shared", 100, now - 2 * 3600)
        p.add_backup("nfs-shared", 101, now - 40 * 3600)

    fake.call(plant, fake.pve)
    sync_and_check(endpoint)
    covered = VirtualMachine.objects.get(endpoint=endpoint, vmid=100)
    aged = VirtualMachine.objects.get(endpoint=endpoint, vmid=101)
    uncovered = VirtualMachine.objects.get(endpoint=endpoint, vmid=102)
    assert open_finding("BAK-001", covered) is None
    assert covered.last_backup_at == dt.datetime.fromtimestamp(now - 7200, dt.UTC)
    assert open_finding("BAK-001", aged).status == "warning"
    finding = open_finding("BAK-001", uncovered)
    assert finding.status == "fail"
    assert "not-backed-up" in finding.evidence["source"]

    # The job is extended to every guest: the container is covered, with no archive yet.
    fake.call(lambda: fake.pve.backup_jobs.__setitem__(0, {"id": "backup-daily", "all": 1}))
    sync_and_check(endpoint)
    finding.refresh_from_db()
    assert finding.status == "warning"
    assert finding.evidence["covered"] is True


@pytest.mark.fake_pve_spec(nodes=3)
def test_proxmox_ha_resources_and_quorum_margin(pve):
    endpoint, fake = pve
    running = [
        g
        for g in [*fake.pve.vms, *fake.pve.cts]
        if g.status == "running" and not getattr(g, "template", False)
    ]

    def protect(p):
        p.ha_resources = [
            {"sid": f"{'vm' if g in p.vms else 'ct'}:{g.vmid}", "state": "started"} for g in running
        ]

    sync_and_check(endpoint)
    cluster = Cluster.objects.get(endpoint=endpoint)
    finding = open_finding("AVL-003", cluster)
    assert finding.status == "fail"
    assert finding.evidence["unprotected_count"] == len(running)
    assert open_finding("AVL-004", cluster) is None  # 3 of 3 votes, 2 needed

    fake.call(protect, fake.pve)
    fake.call(fake.pve.set_node_offline, "pve3")
    sync_and_check(endpoint)
    assert_resolved(finding)
    quorum = open_finding("AVL-004", cluster)
    assert quorum.status == "fail"
    assert (quorum.evidence["votes"], quorum.evidence["quorum"]) == (2, 2)
