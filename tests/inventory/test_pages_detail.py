"""Host and VM detail pages: properties, related objects, snapshot tree, SVG charts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inventory.charts import Series, line_chart, percent

from .factories import (
    SECRET,
    DatastoreHostFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    PhysicalNicFactory,
    SnapshotFactory,
    UtilizationSampleFactory,
    VirtualMachineFactory,
    VirtualSwitchFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pve_host():
    host = HostFactory(endpoint=EndpointFactory(proxmox=True), name="pve01", swap_used_bytes=None)
    PhysicalNicFactory(endpoint=host.endpoint, host=host, name="eno1")
    switch = VirtualSwitchFactory(endpoint=host.endpoint, host=host, name="vmbr0", kind="bridge")
    NetworkFactory(endpoint=host.endpoint, switch=switch, name="vmbr0-net", vlan_id=20)
    DatastoreHostFactory(datastore__endpoint=host.endpoint, datastore__name="local-zfs", host=host)
    VirtualMachineFactory(endpoint=host.endpoint, host=host, name="web-pve")
    now = timezone.now()
    for hours in range(5):
        UtilizationSampleFactory(
            subject=host, taken_at=now - dt.timedelta(hours=hours), cpu_percent=10.0 + hours
        )
    return host


def test_host_detail_shows_properties_nics_switches_datastores_vms(client_for, auditor, pve_host):
    answer = client_for(auditor).get(f"/hosts/{pve_host.pk}/")
    assert answer.status_code == 200
    body = answer.content.decode()
    for text in ("pve01", "Proxmox", "eno1", "vmbr0", "VLAN 20", "local-zfs", "web-pve", "SSH"):
        assert text in body, text
    assert "ntp1.example.test" in body and "syslog.example.test" in body
    assert "no data" in body  # swap used was not given
    assert SECRET not in body


def test_host_detail_draws_accessible_svg_charts_without_inline_style(
    client_for, auditor, pve_host
):
    body = client_for(auditor).get(f"/hosts/{pve_host.pk}/").content.decode()
    assert body.count("<svg") >= 2  # CPU and memory had readings
    assert "<title" in body and "<desc" in body and 'role="img"' in body
    assert "lowest 10.0 %" in body and "highest 14.0 %" in body  # the text summary
    assert "style=" not in body
    assert "<script" not in body.split("</head>")[1]  # no inline script in the page body


def test_vm_detail_shows_the_snapshot_tree_with_governance(client_for, auditor, admin_user):
    vm = VirtualMachineFactory(
        name="db-vc",
        extra_config={"isolation.tools.copy.disable": "TRUE", "svga.present": "TRUE"},
        disks=[{"label": "Hard disk 1", "capacity_bytes": 2**30, "file": "[ds1] db/db.vmdk"}],
    )
    root = SnapshotFactory(endpoint=vm.endpoint, vm=vm, name="base", with_memory=True)
    SnapshotFactory(
        endpoint=vm.endpoint,
        vm=vm,
        parent=root,
        name="before-patch",
        current=True,
        owner=admin_user,
        made_by_portal=True,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    body = client_for(auditor).get(f"/vms/{vm.pk}/").content.decode()
    assert body.index("base") < body.index("before-patch")
    assert body.count('class="snapshot-tree"') == 2  # the child is nested under its parent
    assert "alice-admin" in body and "current" in body and "Expires" in body
    assert "isolation.tools.copy.disable" in body
    assert "Hard disk 1" in body and "1.0\xa0GB" in body
    assert "vCenter" in body


def test_vm_detail_of_a_proxmox_container_renders_its_disks(client_for, auditor):
    ct = VirtualMachineFactory(
        endpoint=EndpointFactory(proxmox=True),
        kind="lxc",
        name="ct1",
        disks=[{"key": "rootfs", "volume": "local-lvm:vm-101-disk-0", "size_bytes": None}],
        extra_config={"unprivileged": "1"},
    )
    body = client_for(auditor).get(f"/vms/{ct.pk}/").content.decode()
    assert "rootfs" in body and "local-lvm:vm-101-disk-0" in body
    assert "unprivileged" in body and "LXC container" in body
    assert "No snapshots." in body
    assert "no data" in body  # disk size and charts without readings


def test_detail_pages_answer_404_for_unknown_ids(client_for, auditor):
    assert client_for(auditor).get("/hosts/999999/").status_code == 404
    assert client_for(auditor).get("/vms/999999/").status_code == 404


def test_a_chart_breaks_its_line_where_a_reading_is_missing():
    now = timezone.now()
    points = [
        (now - dt.timedelta(minutes=m), v)
        for m, v in [(4, 1.0), (3, 2.0), (2, None), (1, 3.0), (0, 4.0)]
    ]
    chart = line_chart(key="t", title="T", series=[Series("CPU", points)], fmt=percent, y_max=100)
    assert chart.svg.count("<polyline") == 2  # one run of readings either side of the gap
    assert "4 readings" in chart.summary


def test_a_chart_without_readings_says_no_data():
    chart = line_chart(key="t", title="T", series=[Series("CPU", [])], fmt=percent)
    assert not chart.has_data and chart.svg == "" and "no data" in chart.summary
