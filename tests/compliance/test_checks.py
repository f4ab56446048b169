"""Every check: a passing case, a failing case and the edge values, on model instances."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from compliance.checks import all_checks, get_check
from compliance.checks.context import InventoryContext
from compliance.choices import Status
from compliance.models import Baseline, Finding
from compliance.services import check_run_execute
from inventory.connectors.platforms import VCENTER
from inventory.models import Endpoint

from .factories import (
    GIB,
    AccountFactory,
    ClusterFactory,
    DatastoreFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    NicFactory,
    SampleFactory,
    SnapshotFactory,
    SwitchFactory,
    VmFactory,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()
MAPPING = Path(__file__).resolve().parents[2] / "compliance" / "catalog" / "mapping.json"


def judge(check_id: str, obj, ctx: InventoryContext | None = None, **params):
    spec = get_check(check_id)
    ctx = ctx or InventoryContext.load(
        [obj.pk] if isinstance(obj, Endpoint) else [obj.endpoint_id], now=NOW
    )
    return spec.func(obj, {**spec.defaults(), **params}, ctx).status


def proxmox():
    return EndpointFactory(kind=Endpoint.Kind.PROXMOX)


def test_every_check_has_an_id_requirements_and_a_docstring():
    """Each check serves an M 4.349 item or tests a SYS.1.5 sentence (PRO-001: only SYS.1.5)."""
    mapped = {line["check"] for line in json.loads(MAPPING.read_text(encoding="utf-8"))["lines"]}
    checks = all_checks()
    assert len(checks) >= 38
    for spec in checks:
        assert spec.requirements or spec.id in mapped, spec.id
        assert spec.description, spec.id


# --- snapshots -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("age_days", "expected"), [(1, "pass"), (2.99, "pass"), (3.01, "fail"), (30, "fail")]
)
def test_snap_001_judges_the_age_against_the_limit(age_days, expected):
    snap = SnapshotFactory(created_at=NOW - dt.timedelta(days=age_days))
    assert judge("SNAP-001", snap) == expected


def test_snap_001_without_a_creation_time_is_not_applicable():
    assert judge("SNAP-001", SnapshotFactory(created_at=None)) == Status.NOT_APPLICABLE


def test_snap_001_with_a_limit_of_zero_days_fails_any_snapshot():
    assert judge("SNAP-001", SnapshotFactory(), max_age_days=0) == "fail"


@pytest.mark.parametrize(("count", "expected"), [(0, "pass"), (3, "pass"), (4, "fail")])
def test_snap_002_counts_snapshots_per_vm(count, expected):
    vm = VmFactory()
    for _ in range(count):
        SnapshotFactory(vm=vm)
    assert judge("SNAP-002", vm) == expected


@pytest.mark.parametrize(
    ("with_memory", "expected"), [(False, "pass"), (True, "warning"), (None, "not_applicable")]
)
def test_snap_003_flags_memory_snapshots(with_memory, expected):
    assert judge("SNAP-003", SnapshotFactory(with_memory=with_memory)) == expected


@pytest.mark.parametrize(
    ("expires", "expected"),
    [(dt.timedelta(hours=1), "pass"), (-dt.timedelta(seconds=1), "fail"), (None, "not_applicable")],
)
def test_snap_004_flags_snapshots_past_expiry(expires, expected):
    snap = SnapshotFactory(expires_at=NOW + expires if expires is not None else None)
    assert judge("SNAP-004", snap) == expected


def test_snap_005_flags_foreign_snapshots_without_owner(officer):
    assert judge("SNAP-005", SnapshotFactory(made_by_portal=False, owner=None)) == "fail"
    assert judge("SNAP-005", SnapshotFactory(made_by_portal=False, owner=officer)) == "pass"
    assert judge("SNAP-005", SnapshotFactory(made_by_portal=True)) == "pass"


# --- operating status ----------------------------------------------------------------
def test_ops_001_judges_sync_freshness_and_failure():
    assert judge("OPS-001", EndpointFactory()) == "pass"
    assert (
        judge("OPS-001", EndpointFactory(last_success_at=NOW - dt.timedelta(minutes=61))) == "fail"
    )
    assert (
        judge("OPS-001", EndpointFactory(last_success_at=NOW - dt.timedelta(minutes=59))) == "pass"
    )
    assert judge("OPS-001", EndpointFactory(last_sync_status="failed")) == "fail"
    assert judge("OPS-001", EndpointFactory(last_success_at=None)) == "fail"


@pytest.mark.parametrize(
    ("platform", "state", "expected"),
    [
        ("vcenter", "connected", "pass"),
        ("proxmox", "online", "pass"),
        ("vcenter", "notResponding", "fail"),
        ("proxmox", "offline", "fail"),
        ("vcenter", "online", "fail"),  # each platform's own words: vCenter never says online
        ("vcenter", "", "not_applicable"),
    ],
)
def test_ops_002_host_connection(platform, state, expected):
    endpoint = EndpointFactory(kind=platform)
    assert judge("OPS-002", HostFactory(endpoint=endpoint, connection_state=state)) == expected


@pytest.mark.parametrize(
    ("mode", "expected"), [(False, "pass"), (True, "warning"), (None, "not_applicable")]
)
def test_ops_003_maintenance_mode(mode, expected):
    assert judge("OPS-003", HostFactory(maintenance_mode=mode)) == expected


@pytest.mark.parametrize(
    ("quorate", "expected"), [(True, "pass"), (False, "fail"), (None, "not_applicable")]
)
def test_ops_004_quorum(quorate, expected):
    assert judge("OPS-004", ClusterFactory(endpoint=proxmox(), quorate=quorate)) == expected


@pytest.mark.parametrize(
    ("platform", "power", "tools", "expected"),
    [
        ("vcenter", "poweredOn", "guestToolsRunning", "pass"),
        ("vcenter", "poweredOn", "guestToolsNotRunning", "warning"),
        ("proxmox", "running", "not running", "warning"),
        ("proxmox", "running", "running", "pass"),
        ("vcenter", "poweredOff", "guestToolsNotRunning", "not_applicable"),
        ("vcenter", "poweredOn", "", "not_applicable"),
    ],
)
def test_ops_005_tools_on_running_vms(platform, power, tools, expected):
    vm = VmFactory(endpoint=EndpointFactory(kind=platform), power_state=power, tools_state=tools)
    assert judge("OPS-005", vm) == expected


# --- CPU -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("usage", "expected"), [(80.0, "pass"), (80.1, "fail"), (None, "not_applicable")]
)
def test_cpu_001_host_usage(usage, expected):
    assert judge("CPU-001", HostFactory(cpu_usage_percent=usage)) == expected


def _cpu_history(*values):
    """A host whose CPU samples, ten minutes apart, end at NOW with ``values[-1]``."""
    host = HostFactory(cpu_usage_percent=values[-1])
    for i, value in enumerate(reversed(values)):
        SampleFactory(
            endpoint=host.endpoint,
            object_id=host.pk,
            cpu_percent=value,
            taken_at=NOW - dt.timedelta(minutes=10 * i),
        )
    return host


def test_cpu_001_a_single_peak_does_not_fail_but_a_sustained_load_does():
    assert judge("CPU-001", _cpu_history(40, 50, 95)) == "pass"  # one reading above 80
    assert judge("CPU-001", _cpu_history(40, 85, 90, 95)) == "fail"  # above for 20 minutes
    assert judge("CPU-001", _cpu_history(40, 50, 95), sustained_minutes=0) == "fail"


def test_cpu_001_clears_only_below_the_limit_minus_the_hysteresis():
    # Above 80 % for 20 minutes, then 78 %: still high (limit 80, hysteresis 5).
    assert judge("CPU-001", _cpu_history(85, 90, 95, 78)) == "fail"
    assert judge("CPU-001", _cpu_history(85, 90, 95, 74)) == "pass"
    assert judge("CPU-001", _cpu_history(85, 90, 95, 78), hysteresis_points=0) == "pass"


def test_mem_001_is_judged_over_the_samples_too():
    host = HostFactory(memory_bytes=100, memory_used_bytes=95)
    for minutes, percent in ((20, 50), (10, 50), (0, 95)):
        SampleFactory(
            endpoint=host.endpoint,
            object_id=host.pk,
            memory_percent=percent,
            taken_at=NOW - dt.timedelta(minutes=minutes),
        )
    assert judge("MEM-001", host) == "pass"
    assert judge("MEM-001", host, sustained_minutes=0) == "fail"


def test_cpu_002_counts_only_running_vms_per_thread():
    host = HostFactory(cpu_threads=4)
    for _ in range(4):
        VmFactory(host=host, endpoint=host.endpoint, vcpus=4)  # 16 vCPUs on 4 threads: ratio 4
    VmFactory(host=host, endpoint=host.endpoint, vcpus=8, power_state="poweredOff")
    assert judge("CPU-002", host) == "pass"
    VmFactory(host=host, endpoint=host.endpoint, vcpus=1)
    assert judge("CPU-002", host) == "fail"
    assert judge("CPU-002", HostFactory(cpu_threads=None)) == "not_applicable"


# --- memory --------------------------------------------------------------------------
def test_mem_001_host_memory_use():
    assert judge("MEM-001", HostFactory(memory_bytes=100, memory_used_bytes=90)) == "pass"
    assert judge("MEM-001", HostFactory(memory_bytes=100, memory_used_bytes=91)) == "fail"
    assert judge("MEM-001", HostFactory(memory_bytes=None)) == "not_applicable"


@pytest.mark.parametrize(
    ("ballooned", "swapped", "expected"),
    [(0, 0, "pass"), (GIB, 0, "warning"), (0, 1, "warning"), (None, None, "not_applicable")],
)
def test_mem_002_ballooned_or_swapped(ballooned, swapped, expected):
    assert judge("MEM-002", VmFactory(ballooned_bytes=ballooned, swapped_bytes=swapped)) == expected


def test_mem_003_configured_memory_of_running_vms_against_the_host():
    host = HostFactory(memory_bytes=16 * GIB)
    VmFactory(host=host, endpoint=host.endpoint, memory_bytes=16 * GIB)
    VmFactory(host=host, endpoint=host.endpoint, memory_bytes=64 * GIB, power_state="poweredOff")
    assert judge("MEM-003", host) == "pass"
    VmFactory(host=host, endpoint=host.endpoint, memory_bytes=1)
    assert judge("MEM-003", host) == "fail"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"Mem.ShareForceSalting": "0"}, "fail"),
        ({"Mem.ShareForceSalting": 0}, "fail"),
        ({"Mem.ShareForceSalting": "2"}, "pass"),
        ({"Mem.ShareForceSalting": 1}, "pass"),
        ({"Mem.ShareForceSalting": "yes"}, "not_applicable"),
        ({}, "not_applicable"),
    ],
)
def test_mem_005_esxi_page_sharing_between_vms_follows_share_force_salting(options, expected):
    assert judge("MEM-005", HostFactory(advanced_options=options)) == expected


@pytest.mark.parametrize(
    ("shared", "expected"),
    [(2 * GIB, "fail"), (4096, "fail"), (0, "pass"), (None, "not_applicable")],
)
def test_mem_005_proxmox_ksm_sharing_pages_fails(shared, expected):
    node = HostFactory(endpoint=proxmox(), connection_state="online", ksm_shared_bytes=shared)
    assert judge("MEM-005", node) == expected


def test_mem_004_cluster_failover_needs_room_for_the_largest_host():
    cluster = ClusterFactory()
    hosts = [
        HostFactory(endpoint=cluster.endpoint, cluster=cluster, memory_bytes=size * GIB)
        for size in (64, 64, 128)
    ]
    VmFactory(endpoint=cluster.endpoint, host=hosts[0], memory_bytes=100 * GIB)
    assert judge("MEM-004", cluster) == "pass"  # 128 GiB remain after losing the 128 GiB host
    VmFactory(endpoint=cluster.endpoint, host=hosts[1], memory_bytes=29 * GIB)
    assert judge("MEM-004", cluster) == "fail"
    assert judge("MEM-004", ClusterFactory()) == "not_applicable"


def test_mem_004_counts_the_running_vms_of_a_disconnected_host():
    # 64 + 64 + 128 GiB; the 128 GiB host is lost and its 100 GiB of VMs need room elsewhere.
    cluster = ClusterFactory()
    small = [
        HostFactory(endpoint=cluster.endpoint, cluster=cluster, memory_bytes=64 * GIB)
        for _ in range(2)
    ]
    lost = HostFactory(
        endpoint=cluster.endpoint,
        cluster=cluster,
        memory_bytes=128 * GIB,
        connection_state="notResponding",
    )
    VmFactory(endpoint=cluster.endpoint, host=lost, memory_bytes=100 * GIB)
    VmFactory(endpoint=cluster.endpoint, host=small[0], memory_bytes=8 * GIB)
    spec = get_check("MEM-004")
    ctx = InventoryContext.load([cluster.endpoint_id], now=NOW)
    outcome = spec.func(cluster, spec.defaults(), ctx)
    assert outcome.status == "fail"
    assert outcome.evidence["running_vm_memory_bytes"] == 108 * GIB
    assert outcome.evidence["stranded_vm_memory_bytes"] == 100 * GIB
    assert outcome.evidence["unusable_hosts"] == [lost.name]


def test_mem_004_a_single_host_cluster_is_a_low_warning_not_a_high_failure():
    cluster = ClusterFactory()
    host = HostFactory(endpoint=cluster.endpoint, cluster=cluster)
    assert judge("MEM-004", cluster) == "pass"  # no running VM: nothing to fail over
    VmFactory(endpoint=cluster.endpoint, host=host)
    spec = get_check("MEM-004")
    outcome = spec.func(cluster, spec.defaults(), InventoryContext.load([cluster.endpoint_id]))
    assert outcome.status == "warning" and outcome.severity == "low"
    assert outcome.evidence["single_host"] is True

    run = check_run_execute(endpoint=cluster.endpoint, trigger="command", actor="test")
    finding = Finding.objects.get(check_id="MEM-004", object_id=cluster.pk, resolved_at=None)
    assert run.status == "succeeded"
    assert (finding.status, finding.severity) == ("warning", "low")


# --- storage -------------------------------------------------------------------------
def test_sto_001_free_space():
    assert judge("STO-001", DatastoreFactory(capacity_bytes=100, free_bytes=10)) == "pass"
    assert judge("STO-001", DatastoreFactory(capacity_bytes=100, free_bytes=9)) == "fail"
    assert judge("STO-001", DatastoreFactory(capacity_bytes=0, free_bytes=0)) == "not_applicable"


def test_sto_002_provisioned_against_capacity():
    assert (
        judge("STO-002", DatastoreFactory(capacity_bytes=100, free_bytes=0, uncommitted_bytes=100))
        == "pass"
    )
    assert (
        judge("STO-002", DatastoreFactory(capacity_bytes=100, free_bytes=0, uncommitted_bytes=101))
        == "fail"
    )
    assert judge("STO-002", DatastoreFactory(uncommitted_bytes=None)) == "not_applicable"


@pytest.mark.parametrize(
    ("accessible", "expected"), [(True, "pass"), (False, "fail"), (None, "not_applicable")]
)
def test_sto_003_accessible(accessible, expected):
    assert judge("STO-003", DatastoreFactory(accessible=accessible)) == expected


def test_sto_003_fails_when_one_connected_host_lost_the_datastore():
    endpoint = EndpointFactory()
    good, bad = (HostFactory(endpoint=endpoint) for _ in range(2))
    down = HostFactory(endpoint=endpoint, connection_state="notResponding")
    datastore = DatastoreFactory(
        endpoint=endpoint,
        accessible=True,  # the datastore-wide flag: some host still reaches it
        host_access={good.external_id: True, bad.external_id: False, down.external_id: False},
    )
    spec = get_check("STO-003")
    outcome = spec.func(datastore, spec.defaults(), InventoryContext.load([endpoint.pk]))
    assert outcome.status == "fail"
    assert outcome.evidence["hosts_without_access"] == [bad.name]  # not the unreachable host
    datastore.host_access[bad.external_id] = True
    datastore.save()
    assert judge("STO-003", datastore) == "pass"


# --- network -------------------------------------------------------------------------
def test_net_001_link_down_fails_on_an_uplink_and_warns_elsewhere():
    nic = NicFactory(name="vmnic0", link_up=False)
    spare = NicFactory(host=nic.host, endpoint=nic.endpoint, name="vmnic9", link_up=False)
    SwitchFactory(host=nic.host, endpoint=nic.endpoint, uplinks=["vmnic0"])
    assert judge("NET-001", nic) == "fail"
    assert judge("NET-001", spare) == "warning"
    assert judge("NET-001", NicFactory(link_up=True)) == "pass"
    assert judge("NET-001", NicFactory(link_up=None)) == "not_applicable"


def test_net_001_a_dead_member_of_a_bond_that_carries_a_bridge_fails():
    member = NicFactory(name="eno2", link_up=False)
    NicFactory(host=member.host, endpoint=member.endpoint, name="bond0", slaves=["eno1", "eno2"])
    assert judge("NET-001", member) == "warning"  # the bond carries nothing yet
    SwitchFactory(host=member.host, endpoint=member.endpoint, name="vmbr0", uplinks=["bond0"])
    assert judge("NET-001", member) == "fail"


@pytest.mark.parametrize(
    ("speed", "expected"), [(1000, "pass"), (999, "fail"), (100, "fail"), (None, "not_applicable")]
)
def test_net_002_link_speed(speed, expected):
    assert judge("NET-002", NicFactory(speed_mbps=speed)) == expected


def test_net_003_single_uplink_fails_and_a_bond_counts_its_slaves():
    host = HostFactory()
    NicFactory(
        host=host, endpoint=host.endpoint, name="bond0", kind="bond", slaves=["eno1", "eno2"]
    )
    assert (
        judge("NET-003", SwitchFactory(host=host, endpoint=host.endpoint, uplinks=["vmnic0"]))
        == "fail"
    )
    assert (
        judge(
            "NET-003",
            SwitchFactory(host=host, endpoint=host.endpoint, uplinks=["vmnic0", "vmnic1"]),
        )
        == "pass"
    )
    assert (
        judge("NET-003", SwitchFactory(host=host, endpoint=host.endpoint, uplinks=["bond0"]))
        == "pass"
    )
    assert (
        judge("NET-003", SwitchFactory(host=host, endpoint=host.endpoint, uplinks=[]))
        == "not_applicable"
    )


def test_net_003_judges_a_distributed_switch_per_member_host():
    endpoint = EndpointFactory()
    two, one = (HostFactory(endpoint=endpoint) for _ in range(2))
    dvs = SwitchFactory(
        endpoint=endpoint,
        host=None,
        kind="dvswitch",
        host_uplinks={two.external_id: ["vmnic1", "vmnic2"], one.external_id: ["vmnic1"]},
    )
    spec = get_check("NET-003")
    outcome = spec.func(dvs, spec.defaults(), InventoryContext.load([endpoint.pk], now=NOW))
    assert outcome.status == "fail"
    assert outcome.evidence["hosts_below"] == [one.name]
    assert outcome.evidence["host_uplinks"][two.name] == ["vmnic1", "vmnic2"]
    dvs.host_uplinks[one.external_id] = ["vmnic1", "vmnic3"]
    dvs.save()
    assert judge("NET-003", dvs) == "pass"
    dvs.host_uplinks = {}
    dvs.save()
    assert judge("NET-003", dvs) == "not_applicable"


def test_net_001_a_dead_distributed_switch_uplink_fails():
    nic = NicFactory(name="vmnic1", link_up=False)
    SwitchFactory(
        endpoint=nic.endpoint,
        host=None,
        kind="dvswitch",
        host_uplinks={nic.host.external_id: ["vmnic1", "vmnic2"]},
    )
    assert judge("NET-001", nic) == "fail"


def test_net_003_a_vlan_port_of_a_bond_under_a_bridge_counts_the_bonds_links():
    host = HostFactory(endpoint=proxmox(), connection_state="online")
    member = NicFactory(host=host, endpoint=host.endpoint, name="eno2", link_up=False)
    NicFactory(host=host, endpoint=host.endpoint, name="eno1")
    NicFactory(
        host=host, endpoint=host.endpoint, name="bond0", kind="bond", slaves=["eno1", "eno2"]
    )
    bridge = SwitchFactory(
        host=host, endpoint=host.endpoint, name="vmbr1", kind="bridge", uplinks=["bond0.20"]
    )
    spec = get_check("NET-003")
    outcome = spec.func(bridge, spec.defaults(), InventoryContext.load([host.endpoint_id]))
    assert outcome.status == "pass"
    assert outcome.evidence["physical_links"] == ["eno1", "eno2"]
    assert judge("NET-001", member) == "fail"  # a dead member of the bond under the VLAN port
    single = SwitchFactory(host=host, endpoint=host.endpoint, kind="bridge", uplinks=["eno3.30"])
    assert judge("NET-003", single) == "fail"


def _vm_traffic_host():
    """A host whose VMs use port group "VM" on vSwitch0 (vmnic0, 1 Gbit/s); vSwitch1 carries
    storage on vmnic1 (10 Gbit/s) and no VM network."""
    host = HostFactory()
    ep = host.endpoint
    NicFactory(host=host, endpoint=ep, name="vmnic0", speed_mbps=1000)  # 125,000,000 bytes/s
    NicFactory(host=host, endpoint=ep, name="vmnic1", speed_mbps=10000)
    vm_switch = SwitchFactory(host=host, endpoint=ep, name="vSwitch0", uplinks=["vmnic0"])
    storage = SwitchFactory(host=host, endpoint=ep, name="vSwitch1", uplinks=["vmnic1"])
    NetworkFactory(endpoint=ep, switch=vm_switch, name="VM")
    NetworkFactory(endpoint=ep, switch=storage, name="NFS")
    vm = VmFactory(host=host, endpoint=ep, nics=[{"name": "nic1", "network": "VM"}])
    return host, vm


def test_net_004_compares_the_vms_rates_with_the_nics_that_carry_vm_networks():
    host, vm = _vm_traffic_host()
    assert judge("NET-004", host) == "not_applicable"  # no sample yet
    # The host's counter includes 1 GB/s of NFS on vmnic1; the VMs send 87.5 MB/s (70 %).
    SampleFactory(endpoint=host.endpoint, object_id=host.pk, net_rx_bps=1e9, net_tx_bps=0)
    SampleFactory(endpoint=host.endpoint, object_type="vm", object_id=vm.pk, net_rx_bps=87_500_000)
    spec = get_check("NET-004")
    outcome = spec.func(host, spec.defaults(), InventoryContext.load([host.endpoint_id]))
    assert outcome.status == "pass" and outcome.evidence["percent"] == 70.0
    assert outcome.evidence["vm_traffic_nics"] == ["vmnic0"]
    SampleFactory(
        endpoint=host.endpoint,
        object_type="vm",
        object_id=vm.pk,
        net_tx_bps=90_000_000,
        taken_at=timezone.now() + dt.timedelta(seconds=1),
    )
    assert judge("NET-004", host) == "fail"


def test_net_004_does_not_judge_a_stale_sample():
    host, vm = _vm_traffic_host()
    old = NOW - dt.timedelta(hours=3)
    for object_type, object_id in (("host", host.pk), ("vm", vm.pk)):
        SampleFactory(
            endpoint=host.endpoint,
            object_type=object_type,
            object_id=object_id,
            net_tx_bps=120_000_000,
            taken_at=old,
        )
    assert judge("NET-004", host) == "not_applicable"
    assert judge("NET-004", host, max_sample_age_minutes=240) == "fail"


@pytest.mark.parametrize("factory", [SwitchFactory, NetworkFactory])
def test_net_005_and_006_insecure_policies(factory):
    check = "NET-005" if factory is SwitchFactory else "NET-006"
    assert judge(check, factory()) == "pass"
    assert judge(check, factory(allow_forged_transmits=True)) == "fail"
    assert (
        judge(
            check,
            factory(allow_promiscuous=None, allow_mac_changes=None, allow_forged_transmits=None),
        )
        == "not_applicable"
    )


# --- administration interfaces -------------------------------------------------------
def test_adm_001_shell_services():
    assert judge("ADM-001", HostFactory()) == "pass"
    assert (
        judge("ADM-001", HostFactory(services=[{"key": "esxi_shell", "running": True}])) == "fail"
    )
    assert judge("ADM-001", HostFactory(services=[])) == "not_applicable"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("lockdownNormal", "pass"),
        ("lockdownStrict", "pass"),
        ("lockdownDisabled", "fail"),
        ("", "not_applicable"),
    ],
)
def test_adm_002_lockdown(mode, expected):
    assert judge("ADM-002", HostFactory(lockdown_mode=mode)) == expected


def test_adm_003_management_addresses_in_admin_networks():
    host = HostFactory(management_addresses=["10.0.0.10", "fd00::5"])
    assert judge("ADM-003", host) == "not_applicable"  # no networks set
    assert judge("ADM-003", host, admin_networks=["10.0.0.0/24", "fd00::/64"]) == "pass"
    assert judge("ADM-003", host, admin_networks=["10.0.0.0/24"]) == "fail"
    assert (
        judge(
            "ADM-003",
            HostFactory(management_addresses=["192.168.1.1"]),
            admin_networks=["10.0.0.0/8"],
        )
        == "fail"
    )


@pytest.mark.parametrize(
    ("firewall", "expected"),
    [
        ({"datacenter_enabled": True, "policy_in": "DROP", "node_enabled": True}, "pass"),
        ({"datacenter_enabled": True, "policy_in": "REJECT", "node_enabled": True}, "pass"),
        ({"datacenter_enabled": True, "policy_in": "ACCEPT", "node_enabled": True}, "fail"),
        ({"datacenter_enabled": False, "policy_in": "DROP", "node_enabled": True}, "fail"),
        ({"datacenter_enabled": True, "policy_in": "DROP", "node_enabled": False}, "fail"),
        (None, "not_applicable"),
    ],
)
def test_adm_004_judges_each_nodes_firewall_and_its_input_policy(firewall, expected):
    # A standalone node: no cluster record, still checked.
    extra = {"firewall": firewall} if firewall else {}
    node = HostFactory(endpoint=proxmox(), connection_state="online", cluster=None, extra=extra)
    assert judge("ADM-004", node) == expected


def test_adm_004_does_not_judge_an_offline_node():
    firewall = {"datacenter_enabled": False, "policy_in": "DROP", "node_enabled": True}
    node = HostFactory(endpoint=proxmox(), connection_state="offline", extra={"firewall": firewall})
    assert judge("ADM-004", node) == "not_applicable"


def test_adm_005_passes_users_whose_realm_enforces_a_second_factor():
    account = AccountFactory(name="carol@corp", two_factor=False, realm_two_factor=True)
    assert judge("ADM-005", account) == "pass"
    account.realm_two_factor = False
    account.save()
    assert judge("ADM-005", account) == "fail"


def test_adm_005_proxmox_users_without_second_factor():
    assert judge("ADM-005", AccountFactory(two_factor=True)) == "pass"
    assert judge("ADM-005", AccountFactory(two_factor=False)) == "fail"
    assert judge("ADM-005", AccountFactory(two_factor=False, enabled=False)) == "not_applicable"


# --- console -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"), [("1", "pass"), ("2", "fail"), (None, "fail"), ("0", "fail")]
)
def test_con_001_console_connection_limit(value, expected):
    extra = {} if value is None else {"RemoteDisplay.maxConnections": value}
    assert judge("CON-001", VmFactory(extra_config=extra)) == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "pass"), (1, "warning"), (None, "not_applicable")]
)
def test_con_002_open_console_connections(count, expected):
    assert judge("CON-002", VmFactory(console_connections=count)) == expected


def test_con_003_copy_paste_on_vsphere_and_the_proxmox_vga_clipboard():
    assert judge("CON-003", VmFactory()) == "pass"
    assert (
        judge(
            "CON-003",
            VmFactory(
                extra_config={
                    "isolation.tools.copy.disable": "true",
                    "isolation.tools.paste.disable": "FALSE",
                }
            ),
        )
        == "fail"
    )
    # Unset keys are vSphere's default since 4.1 (disabled): a pass that says so.
    spec = get_check("CON-003")
    unset = VmFactory(extra_config={})
    outcome = spec.func(unset, spec.defaults(), InventoryContext.load([unset.endpoint_id]))
    assert outcome.status == "pass"
    assert outcome.evidence["source"] == {
        "isolation.tools.copy.disable": "default",
        "isolation.tools.paste.disable": "default",
    }
    only_copy_off = VmFactory(extra_config={"isolation.tools.paste.disable": "false"})
    assert judge("CON-003", only_copy_off) == "fail"
    pve = proxmox()
    assert judge("CON-003", VmFactory(endpoint=pve, kind="qemu", config={"vga": "std"})) == "pass"
    assert (
        judge("CON-003", VmFactory(endpoint=pve, kind="qemu", config={"vga": "std,clipboard=vnc"}))
        == "fail"
    )
    assert (
        judge(
            "CON-003", VmFactory(endpoint=pve, kind="qemu", extra_config={"vga.clipboard": "vnc"})
        )
        == "fail"
    )
    assert judge("CON-003", VmFactory(endpoint=pve, kind="lxc")) == "not_applicable"


def test_con_004_passthrough_devices():
    assert judge("CON-004", VmFactory(passthrough_devices=[])) == "pass"
    assert judge("CON-004", VmFactory(passthrough_devices=["hostpci0"])) == "fail"


# --- time and logging ----------------------------------------------------------------
def test_log_001_and_002():
    assert judge("LOG-001", HostFactory()) == "pass"
    assert judge("LOG-001", HostFactory(ntp_servers=[])) == "fail"
    assert judge("LOG-002", HostFactory()) == "pass"
    assert judge("LOG-002", HostFactory(syslog_target="")) == "fail"


def test_log_001_fails_when_ntp_servers_are_set_but_the_time_service_is_stopped():
    ntpd = {"key": "ntp", "label": "NTP Daemon", "policy": "off"}
    stopped = HostFactory(services=[{**ntpd, "running": False}])
    assert judge("LOG-001", stopped) == "fail"
    spec = get_check("LOG-001")
    ctx = InventoryContext.load([stopped.endpoint_id], now=NOW)
    outcome = spec.func(stopped, spec.defaults(), ctx)
    assert outcome.evidence["running"] is False
    assert outcome.evidence["ntp_servers"] == ["ntp.example.org"]
    assert judge("LOG-001", HostFactory(services=[{**ntpd, "running": True}])) == "pass"
    # Services not reported at all: the configured servers are the only evidence.
    assert judge("LOG-001", HostFactory(services=[])) == "pass"


def test_log_001_on_proxmox_judges_the_nodes_time_service():
    # PVE's API does not give chrony's servers: the node's time service is the evidence.
    def node(services):
        return HostFactory(
            endpoint=proxmox(), connection_state="online", ntp_servers=[], services=services
        )

    chrony = {"key": "ntp", "label": "chrony", "policy": "on"}
    assert judge("LOG-001", node([{**chrony, "running": True}])) == "pass"
    assert judge("LOG-001", node([{**chrony, "running": False}])) == "fail"
    assert judge("LOG-001", node([{"key": "ssh", "label": "sshd", "running": True}])) == "fail"
    assert judge("LOG-001", node([])) == "not_applicable"  # no services reported at all


def test_log_002_is_not_judged_on_proxmox_and_says_why():
    spec = get_check("LOG-002")
    assert spec.platforms == (VCENTER.kind,) and "syslog" in spec.not_applicable_reason


def test_log_001_and_002_do_not_judge_a_host_whose_settings_could_not_be_read():
    for state in ("disconnected", "notResponding"):
        host = HostFactory(connection_state=state, ntp_servers=[], syslog_target="")
        assert judge("LOG-001", host) == "not_applicable"
        assert judge("LOG-002", host) == "not_applicable"
    node = HostFactory(endpoint=proxmox(), connection_state="offline", ntp_servers=[])
    assert judge("LOG-001", node) == "not_applicable"
    assert judge("LOG-001", HostFactory(connection_state="connected", ntp_servers=[])) == "fail"


# --- integrity -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("factory", "check", "kind"), [(HostFactory, "INT-001", "host"), (VmFactory, "INT-002", "vm")]
)
def test_int_checks_compare_with_the_approved_baseline(factory, check, kind):
    obj = factory(config_hash="a" * 64)
    assert judge(check, obj) == "warning"  # no baseline yet
    Baseline.objects.create(
        endpoint=obj.endpoint,
        object_type=kind,
        object_id=obj.pk,
        object_name=obj.name,
        config_hash="a" * 64,
        approved_by="olga",
    )
    assert judge(check, obj) == "pass"
    obj.config_hash = "b" * 64
    assert judge(check, obj) == "fail"
    obj.config_hash = ""
    assert judge(check, obj) == "not_applicable"
