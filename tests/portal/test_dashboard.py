"""The overview dashboard: tiles, links to filtered lists, fixed query count, live fragment, i18n."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import Operation, SnapshotPolicy
from portal.dashboard import bar_chart, dashboard_data, snapshot_ages
from portal.security.testing import verify_session
from tests.inventory.factories import (
    DatastoreHostFactory,
    EndpointFactory,
    HostFactory,
    SnapshotFactory,
    VirtualMachineFactory,
)

pytestmark = pytest.mark.django_db


def _estate(size: int) -> dict:
    """Two endpoints (one per platform) with ``size`` hosts, VMs and snapshots on each."""
    now = timezone.now()
    vc = EndpointFactory(name="vc-prod", last_success_at=now, last_sync_status="succeeded")
    pve = EndpointFactory(name="pve-lab", proxmox=True, last_sync_status="failed")
    for i in range(size):
        esx = HostFactory(endpoint=vc, cpu_usage_percent=10.0 + i)
        node = HostFactory(
            endpoint=pve, connection_state="online", power_state="running", cpu_usage_percent=50.0
        )
        DatastoreHostFactory(
            datastore__endpoint=vc,
            datastore__capacity_bytes=100,
            datastore__free_bytes=100 - i,
            host=esx,
        )
        vm = VirtualMachineFactory(endpoint=vc, host=esx, power_state="poweredOff")
        VirtualMachineFactory(endpoint=pve, host=node)
        SnapshotFactory(endpoint=vc, vm=vm, created_at=now - dt.timedelta(days=10))
        SnapshotFactory(endpoint=vc, vm=vm, created_at=now - dt.timedelta(hours=2))
    HostFactory(endpoint=vc, connection_state="disconnected", name="esx-down")
    return {"vc": vc, "pve": pve}


@pytest.fixture
def officer_client(client, officer):
    return verify_session(client, officer)


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_query_count_does_not_grow_with_the_data(officer_client):
    _estate(2)
    small = _queries(officer_client, "/")
    _more(20)  # ten times the rows, and states, buckets and operations the first lacked
    large = _queries(officer_client, "/")
    assert small == large
    assert _queries(officer_client, "/dashboard/fragment/") <= large


def _more(size: int) -> None:
    vc = EndpointFactory(name="vc-more")
    for _ in range(size):
        host = HostFactory(endpoint=vc, connection_state="notResponding")
        vm = VirtualMachineFactory(endpoint=vc, host=host, power_state="suspended")
        SnapshotFactory(endpoint=vc, vm=vm, created_at=timezone.now() - dt.timedelta(days=4))
        Operation.objects.create(kind="create", vm=vm, state="running")


def test_hosts_and_vms_are_counted_by_state_per_platform_with_links_to_the_lists(officer_client):
    _estate(3)
    data = dashboard_data()
    hosts = {g.platform: g for g in data["host_states"]}
    assert hosts["vcenter"].total == 4
    assert {s.state: s.count for s in hosts["vcenter"].states} == {
        "connected": 3,
        "disconnected": 1,
    }
    assert hosts["proxmox"].states[0].url == "/hosts/?platform=proxmox&connection_state=online"
    vms = {g.platform: g for g in data["vm_states"]}
    assert vms["vcenter"].states[0].url == "/vms/?platform=vcenter&power_state=poweredOff"
    body = officer_client.get("/").content.decode()
    assert 'href="/vms/?platform=vcenter&amp;power_state=poweredOff"' in body
    assert 'href="/hosts/?platform=vcenter&amp;connection_state=disconnected"' in body


def test_the_linked_filters_really_filter_the_lists(officer_client):
    _estate(2)
    body = officer_client.get("/vms/?platform=vcenter&power_state=poweredOff").content.decode()
    assert "running" not in body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_endpoints_show_sync_age_and_state(officer_client):
    _estate(1)
    rows = {r.endpoint.name: r for r in dashboard_data()["endpoints"]}
    assert rows["vc-prod"].state == "ok"
    assert rows["pve-lab"].state == "failing"
    assert rows["vc-prod"].url.startswith("/sync-runs/?endpoint=")
    body = officer_client.get("/").content.decode()
    assert "failing" in body


def test_the_top_five_hosts_by_cpu_memory_and_storage_pressure(officer_client):
    _estate(7)
    cpu, memory, storage = dashboard_data()["pressure"]
    assert len(cpu.rows) == 5
    assert [r.percent for r in cpu.rows] == [50.0] * 5  # the Proxmox nodes at 50 %
    assert len(memory.rows) == 5 and memory.rows[0].percent == 25.0
    assert [r.percent for r in storage.rows] == [6.0, 5.0, 4.0, 3.0, 2.0]
    assert storage.rows[0].url.startswith("/hosts/")


def test_snapshots_are_bucketed_by_age():
    now = timezone.now()
    vc = EndpointFactory()
    vm = VirtualMachineFactory(endpoint=vc)
    for hours in (1, 30, 80, 200, 300):
        SnapshotFactory(endpoint=vc, vm=vm, created_at=now - dt.timedelta(hours=hours))
    SnapshotFactory(endpoint=vc, vm=vm, created_at=None)
    SnapshotFactory(endpoint=vc, vm=vm, created_at=now, absent_since=now)  # gone: not counted
    buckets = {b.key: b.count for b in snapshot_ages(now)}
    assert buckets == {"lt1": 1, "1to3": 1, "3to7": 1, "gt7": 2, "unknown": 1}


def test_the_age_chart_is_accessible_svg_with_a_table_beside_it(officer_client):
    _estate(2)
    body = officer_client.get("/").content.decode()
    assert 'role="img"' in body and '<title id="snap-chart-title">' in body
    assert "over 7 days: 2" in body  # the <desc> repeats the numbers as text
    assert '<th scope="row">over 7 days</th><td>2</td>' in body
    assert 'style="' not in body  # the CSP forbids inline style


def test_bars_scale_to_the_largest_bucket():
    chart = bar_chart(snapshot_ages(timezone.now()))
    assert all(b.width == 1 for b in chart.bars)  # no data: hairlines, no division by zero


def test_requirements_tile_says_no_check_run_yet(officer_client):
    body = officer_client.get("/").content.decode()
    assert "No check run yet." in body


def test_operations_and_failing_policies_are_shown(officer_client):
    _estate(1)
    vm = VirtualMachineFactory()
    Operation.objects.create(
        kind="create", vm=vm, state="failed", finished_at=timezone.now(), error="boom"
    )
    from django_celery_beat.models import CrontabSchedule

    SnapshotPolicy.objects.create(
        label="nightly",
        crontab=CrontabSchedule.objects.create(),
        last_run_state=SnapshotPolicy.RunState.FAILED,
    )
    ops = dashboard_data()["operations"]
    assert (ops.active, ops.failed) == (0, 1)
    assert ops.failed_url == "/operations/?state=failed"
    body = officer_client.get("/").content.decode()
    assert "nightly" in body


def test_the_fragment_serves_the_tiles_alone_for_live_updates(officer_client):
    _estate(1)
    home = officer_client.get("/").content.decode()
    assert 'data-live-url="/dashboard/fragment/"' in home
    assert "js/live.js" in home
    fragment = officer_client.get("/dashboard/fragment/")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "Snapshots by age" in fragment.content.decode()


def test_the_fragment_needs_a_login(client):
    answer = client.get("/dashboard/fragment/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_every_role_sees_the_dashboard(client, users):
    for user in users.values():
        client.logout()
        assert verify_session(client, user).get("/").status_code == 200


def test_accept_language_de_gives_german_on_the_dashboard_and_login_page(client, officer):
    login = client.get("/login/", headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"})
    assert 'lang="de"' in login.content.decode()
    assert "Anmelden" in login.content.decode()
    verify_session(client, officer)
    _estate(1)
    body = client.get("/", headers={"accept-language": "de"}).content.decode()
    assert "Übersicht" in body
    assert "Snapshots nach Alter" in body
    assert "älter als 7 Tage" in body


def test_an_endpoint_past_twice_its_interval_is_stale_with_how_late_on_dashboard_and_list(
    officer_client,
):
    now = timezone.now()
    EndpointFactory(
        name="vc-late",
        sync_interval_minutes=15,
        last_sync_status="succeeded",
        last_success_at=now - dt.timedelta(minutes=40),
    )
    EndpointFactory(
        name="vc-fine",
        sync_interval_minutes=15,
        last_sync_status="succeeded",
        last_success_at=now - dt.timedelta(minutes=25),  # late, but not twice the interval
    )
    rows = {r.endpoint.name: r for r in dashboard_data()["endpoints"]}
    assert (rows["vc-late"].state, rows["vc-fine"].state) == ("stale", "ok")
    assert dt.timedelta(minutes=24) < rows["vc-late"].late <= dt.timedelta(minutes=26)
    for page in ("/", "/endpoints/"):
        body = officer_client.get(page).content.decode()
        assert "stale, 0 h 25 min late" in body or "stale, 0 h 24 min late" in body, page
        assert body.count("stale, ") == 1, page


def test_an_endpoint_whose_syncs_fail_is_failing_with_the_last_error(officer_client):
    from inventory.models import SyncRun

    endpoint = EndpointFactory(
        name="pve-down", proxmox=True, last_sync_status="failed", last_success_at=timezone.now()
    )
    SyncRun.objects.create(endpoint=endpoint, status="failed", error="an older error")
    SyncRun.objects.create(
        endpoint=endpoint,
        status="failed",
        trigger="schedule",
        error="connection refused by 10.0.0.9",
    )
    rows = {r.endpoint.name: r for r in dashboard_data()["endpoints"]}
    assert (rows["pve-down"].state, rows["pve-down"].error) == (
        "failing",
        "connection refused by 10.0.0.9",
    )
    for page in ("/", "/endpoints/"):
        body = officer_client.get(page).content.decode()
        assert "failing" in body and "connection refused by 10.0.0.9" in body, page
        assert "an older error" not in body, page
