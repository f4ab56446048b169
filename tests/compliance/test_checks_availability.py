"""Availability and backup checks (AVL-001..005, BAK-001): pass, fail and the edges."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.checks import get_check
from compliance.checks.context import InventoryContext
from inventory.models import Endpoint

from .factories import GIB, ClusterFactory, EndpointFactory, HostFactory, VmFactory
from .test_checks import NOW, judge

pytestmark = pytest.mark.django_db


def outcome(check_id: str, obj, **params):
    spec = get_check(check_id)
    ctx = InventoryContext.load([obj.endpoint_id], now=NOW)
    return spec.func(obj, {**spec.defaults(), **params}, ctx)


def pve_cluster(nodes: int = 3, **extra):
    endpoint = EndpointFactory(kind=Endpoint.Kind.PROXMOX)
    cluster = ClusterFactory(endpoint=endpoint, ha_enabled=None, quorate=True, extra=extra)
    hosts = [
        HostFactory(endpoint=endpoint, cluster=cluster, connection_state="online")
        for _ in range(nodes)
    ]
    return cluster, hosts


def test_avl_001_ha_and_admission_control():
    assert judge("AVL-001", ClusterFactory()) == "pass"
    off = ClusterFactory(ha_enabled=False)
    assert judge("AVL-001", off) == "fail"
    no_admission = ClusterFactory(extra={"ha_admission_control": False})
    result = outcome("AVL-001", no_admission)
    assert result.status == "fail"
    assert result.evidence["admission_control"] is False
    assert judge("AVL-001", ClusterFactory(ha_enabled=None)) == "not_applicable"
    assert judge("AVL-001", ClusterFactory(extra={})) == "not_applicable"


def reserved_cluster(*sizes_gib: int):
    cluster = ClusterFactory()
    hosts = [
        HostFactory(
            endpoint=cluster.endpoint,
            cluster=cluster,
            memory_bytes=size * GIB,
            cpu_mhz=2000,
            cpu_cores=size // 8,
        )
        for size in sizes_gib
    ]
    return cluster, hosts


def test_avl_002_reservations_must_fit_after_losing_the_largest_host():
    cluster, hosts = reserved_cluster(64, 64, 128)  # 32 000 MHz + 128 GiB remain
    VmFactory(
        endpoint=cluster.endpoint,
        host=hosts[0],
        cpu_reservation_mhz=32000,
        memory_reservation_bytes=100 * GIB,
    )
    result = outcome("AVL-002", cluster)
    assert result.status == "pass", result.message  # exactly the remaining CPU: fits
    assert result.evidence["remaining_cpu_mhz"] == 32000
    VmFactory(endpoint=cluster.endpoint, host=hosts[1], cpu_reservation_mhz=1)
    result = outcome("AVL-002", cluster)
    assert result.status == "fail"
    assert result.evidence["short_of"] == ["cpu"]
    # A lower share of the capacity allowed turns the memory short as well.
    assert outcome("AVL-002", cluster, max_percent=50).evidence["short_of"] == ["cpu", "memory"]


def test_avl_002_counts_only_connected_hosts_but_every_host_s_vms():
    cluster, hosts = reserved_cluster(64, 64, 128)
    hosts[2].connection_state = "disconnected"
    hosts[2].save()
    VmFactory(
        endpoint=cluster.endpoint,
        host=hosts[2],
        cpu_reservation_mhz=0,
        memory_reservation_bytes=65 * GIB,
    )
    result = outcome("AVL-002", cluster)
    assert result.status == "fail"  # 64 GiB left after losing one of the two usable hosts
    assert result.evidence["unusable_hosts"] == [hosts[2].name]
    assert result.evidence["remaining_memory_bytes"] == 64 * GIB


def test_avl_002_edges_one_host_unknown_reservations_none_reserved():
    cluster, hosts = reserved_cluster(64)
    VmFactory(endpoint=cluster.endpoint, host=hosts[0], memory_reservation_bytes=GIB)
    result = outcome("AVL-002", cluster)
    assert (result.status, result.severity) == ("warning", "low")
    cluster, hosts = reserved_cluster(64, 64)
    VmFactory(endpoint=cluster.endpoint, host=hosts[0])  # reservations not reported
    assert judge("AVL-002", cluster) == "not_applicable"
    VmFactory(
        endpoint=cluster.endpoint, host=hosts[1], cpu_reservation_mhz=0, memory_reservation_bytes=0
    )
    assert judge("AVL-002", cluster) == "pass"
    assert judge("AVL-002", ClusterFactory()) == "not_applicable"  # no host


def test_avl_003_running_guests_under_ha():
    cluster, hosts = pve_cluster(
        ha_resources=[
            {"sid": "vm:100", "state": "started"},
            {"sid": "ct:101", "state": "disabled"},
        ],
        ha_groups=[],
    )
    VmFactory(
        endpoint=cluster.endpoint, host=hosts[0], kind="qemu", vmid=100, power_state="running"
    )
    assert judge("AVL-003", cluster) == "pass"
    ct = VmFactory(
        endpoint=cluster.endpoint, host=hosts[1], kind="lxc", vmid=101, power_state="running"
    )
    result = outcome("AVL-003", cluster)
    assert result.status == "fail"  # a disabled resource does not restart the container
    assert result.evidence["unprotected_guests"] == [ct.name]
    assert judge("AVL-003", cluster, min_percent=50) == "pass"  # exactly at the threshold


def test_avl_003_resource_in_a_missing_group_and_edges():
    cluster, hosts = pve_cluster(
        ha_resources=[{"sid": "vm:100", "state": "started", "group": "gone"}],
        ha_groups=[{"group": "prod", "nodes": "pve1,pve2"}],
    )
    VmFactory(
        endpoint=cluster.endpoint, host=hosts[0], kind="qemu", vmid=100, power_state="running"
    )
    assert judge("AVL-003", cluster) == "fail"
    single, _ = pve_cluster(nodes=1, ha_resources=[])
    assert judge("AVL-003", single) == "not_applicable"
    unread, _ = pve_cluster()
    assert judge("AVL-003", unread) == "not_applicable"


@pytest.mark.parametrize(
    ("expected", "votes", "status"),
    [(3, 3, "pass"), (3, 2, "fail"), (2, 2, "fail"), (5, 2, "fail"), (1, 1, "not_applicable")],
)
def test_avl_004_quorum_margin(expected, votes, status):
    cluster, _ = pve_cluster(
        nodes=expected,
        quorum={"expected_votes": expected, "votes": votes, "quorum": expected // 2 + 1},
    )
    assert judge("AVL-004", cluster) == status


def test_avl_004_margin_zero_allowed_and_unknown():
    cluster, _ = pve_cluster(quorum={"expected_votes": 3, "votes": 2, "quorum": 2})
    assert judge("AVL-004", cluster, min_margin=0) == "pass"  # exactly at the threshold
    unread, _ = pve_cluster()
    assert judge("AVL-004", unread) == "not_applicable"


def test_avl_005_host_outside_a_cluster():
    cluster = ClusterFactory()
    assert judge("AVL-005", HostFactory(endpoint=cluster.endpoint, cluster=cluster)) == "pass"
    assert judge("AVL-005", HostFactory()) == "fail"


def test_bak_001_coverage_and_age():
    assert judge("BAK-001", VmFactory()) == "pass"
    result = outcome("BAK-001", VmFactory(backup_covered=False, backup_source="not in any job"))
    assert result.status == "fail"
    assert "not in any job" in result.message
    old = VmFactory(last_backup_at=NOW - dt.timedelta(hours=27))
    result = outcome("BAK-001", old)
    assert result.status == "warning"
    assert result.evidence["threshold_hours"] == 26
    at_limit = VmFactory(last_backup_at=NOW - dt.timedelta(hours=26))
    assert judge("BAK-001", at_limit) == "pass"
    assert judge("BAK-001", VmFactory(last_backup_at=None)) == "warning"
    assert judge("BAK-001", VmFactory(backup_covered=None)) == "not_applicable"
    assert judge("BAK-001", VmFactory(template=True)) == "not_applicable"
