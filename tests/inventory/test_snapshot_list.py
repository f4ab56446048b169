"""The snapshot list page: filters, sort, search, CSV, scopes, and the dashboard's links to it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from portal.dashboard import dashboard_data
from portal.models import ObjectScope

from .factories import (
    SECRET,
    ClusterFactory,
    EndpointFactory,
    SnapshotFactory,
    VirtualMachineFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(admin_user):
    now = timezone.now()
    vc = EndpointFactory(name="vc-prod")
    pve = EndpointFactory(name="pve-lab", proxmox=True)
    web = VirtualMachineFactory(endpoint=vc, name="web01", cluster=ClusterFactory(endpoint=vc))
    ct = VirtualMachineFactory(endpoint=pve, name="ct01", kind="lxc")
    days = dt.timedelta(days=1)
    SnapshotFactory(endpoint=vc, vm=web, name="old-patch", created_at=now - 9 * days)
    SnapshotFactory(
        endpoint=vc,
        vm=web,
        name="portal-mem",
        created_at=now - 2 * days,
        with_memory=True,
        made_by_portal=True,
        owner=admin_user,
        reason="before upgrade",
        expires_at=now - dt.timedelta(hours=1),
    )
    SnapshotFactory(
        endpoint=pve,
        vm=ct,
        name="fresh",
        created_at=now - dt.timedelta(hours=3),
        made_by_portal=True,
        expires_at=now + 3 * days,
    )
    SnapshotFactory(endpoint=pve, vm=ct, name="undated", created_at=None)
    SnapshotFactory(endpoint=pve, vm=ct, name="gone", absent_since=now)
    return {"vc": vc, "pve": pve, "web": web, "ct": ct}


def _names(client, query: str = "") -> list[str]:
    """Snapshot names in the rows of the page, in order."""
    answer = client.get(f"/snapshots/{query}")
    assert answer.status_code == 200
    body = answer.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<span class="snap-name">([^<]+)</span>', body)


def _csv(client, query: str) -> list[dict[str, str]]:
    answer = client.get(f"/snapshots/{query}")
    assert answer["Content-Type"].startswith("text/csv")
    body = b"".join(answer.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_list_shows_present_snapshots_oldest_first_with_their_vm(client_for, auditor, estate):
    client = client_for(auditor)
    assert _names(client) == ["old-patch", "portal-mem", "fresh", "undated"]
    body = client.get("/snapshots/").content.decode()
    assert f'href="/vms/{estate["web"].pk}/"' in body
    assert "alice-admin" in body  # the owner of the portal-made snapshot
    assert SECRET not in body
    assert 'style="' not in body  # the CSP forbids inline style


def test_the_navigation_links_the_list(client_for, auditor):
    assert 'href="/snapshots/"' in client_for(auditor).get("/").content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?older_than=7", ["old-patch"]),
        ("?older_than=1&younger_than=3", ["portal-mem"]),
        ("?younger_than=1", ["fresh"]),
        ("?age_unknown=true", ["undated"]),
        ("?with_memory=true", ["portal-mem"]),
        ("?made_by_portal=false", ["old-patch", "undated"]),
        ("?expired=true", ["portal-mem"]),
        ("?expired=false", ["old-patch", "fresh", "undated"]),
        ("?platform=proxmox", ["fresh", "undated"]),
        ("?absent=true", ["gone"]),
        ("?q=UPGRADE", ["portal-mem"]),  # the reason, any case
        ("?q=ct01", ["fresh", "undated"]),  # the VM's name
        ("?sort=-created_at", ["undated", "fresh", "portal-mem", "old-patch"]),  # PostgreSQL
        ("?sort=name", ["fresh", "old-patch", "portal-mem", "undated"]),
        ("?sort=secret", ["old-patch", "portal-mem", "fresh", "undated"]),  # unknown: default
        ("?older_than=-3", ["old-patch", "portal-mem", "fresh", "undated"]),  # invalid: ignored
    ],
)
def test_filters_search_and_sort(client_for, auditor, estate, query, expected):
    assert _names(client_for(auditor), query) == expected


def test_the_endpoint_filter(client_for, auditor, estate):
    assert _names(client_for(auditor), f"?endpoint={estate['vc'].pk}") == [
        "old-patch",
        "portal-mem",
    ]


def test_an_ignored_filter_is_reported(client_for, auditor, estate):
    body = client_for(auditor).get("/snapshots/?older_than=-3").content.decode()
    assert "Ignored filters:" in body and "older_than" in body


def test_csv_holds_every_filtered_row_in_the_same_order(client_for, auditor, estate):
    rows = _csv(
        client_for(auditor), "?made_by_portal=true&sort=-expires_at&page_size=10&page=2&format=csv"
    )
    assert [r["name"] for r in rows] == ["fresh", "portal-mem"]
    mem = rows[1]
    assert (mem["vm"], mem["endpoint"], mem["platform"]) == ("web01", "vc-prod", "vcenter")
    assert mem["owner"] == "alice-admin" and mem["with memory"] == "True"
    assert mem["age days"] == "2" and mem["reason"] == "before upgrade"


def test_an_administrator_limited_to_another_endpoint_sees_no_row(client_for, admin_user, estate):
    ObjectScope.objects.create(user=admin_user, endpoint=estate["pve"])
    client = client_for(admin_user)
    assert _names(client) == ["fresh", "undated"]
    assert _names(client, f"?endpoint={estate['vc'].pk}") == []
    assert [r["name"] for r in _csv(client, "?format=csv")] == ["fresh", "undated"]


def test_a_cluster_scope_reaches_snapshots_through_their_vm(client_for, admin_user, estate):
    ObjectScope.objects.create(user=admin_user, cluster=estate["web"].cluster)
    assert _names(client_for(admin_user)) == ["old-patch", "portal-mem"]


def test_each_dashboard_age_bucket_links_to_the_rows_it_counts(client_for, auditor, estate):
    client = client_for(auditor)
    data = dashboard_data(auditor)
    assert data["snapshots_url"] == "/snapshots/"
    buckets = data["snapshot_ages"]
    assert [b.key for b in buckets] == ["lt1", "1to3", "3to7", "gt7", "unknown"]
    for bucket in buckets:
        assert bucket.url.startswith("/snapshots/?")
        assert len(_names(client, bucket.url.removeprefix("/snapshots/"))) == bucket.count
    home = client.get("/").content.decode()
    assert 'href="/snapshots/?older_than=7"' in home
    assert 'href="/snapshots/?age_unknown=true"' in home


def test_a_vm_page_links_to_its_snapshots_in_the_list(client_for, auditor, estate):
    client = client_for(auditor)
    vm = estate["web"]
    assert f'href="/snapshots/?vm={vm.pk}"' in client.get(f"/vms/{vm.pk}/").content.decode()
    assert _names(client, f"?vm={vm.pk}") == ["old-patch", "portal-mem"]


def test_the_operations_page_links_portal_snapshots_by_expiry(client_for, auditor, estate):
    body = client_for(auditor).get("/operations/").content.decode()
    assert 'href="/snapshots/?made_by_portal=true&amp;sort=expires_at"' in body
    assert _names(client_for(auditor), "?made_by_portal=true&sort=expires_at") == [
        "portal-mem",
        "fresh",
    ]
