"""Patch level and lifecycle (PAT-001..005, issue 15 item 2): on the simulators and at the edges.

vcsim reports real-looking ESXi and vCenter versions and builds; the tests write a lifecycle data
file around what it reports, so the same hosts pass and fail against it. fakepve's nodes list the
pending updates the harness gives them through PVE's ``/nodes/{node}/apt/update``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from compliance.checks import get_check
from compliance.checks.context import InventoryContext
from compliance.checks.patching import DEFAULT_FILE, LifecycleDataError, lifecycle_data
from inventory.models import Endpoint, Host
from simulators.endpoints import proxmox_endpoint, vcenter_endpoint

from .e2e import assert_resolved, open_finding, result, sync_and_check
from .factories import EndpointFactory, HostFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def write_data(tmp_path, settings, *, as_of=None, **products):
    """A lifecycle data file with one line per ``product=(major, minimum_build, end)``."""
    lines = [
        {
            "product": product,
            "major": major,
            "minimum_build": minimum,
            "minimum_release": f"{product} {major} test release",
            "advisory": "VMSA-TEST",
            "end_of_general_support": end.isoformat(),
            "source": "https://example.org/lifecycle",
        }
        for product, (major, minimum, end) in products.items()
    ]
    path = tmp_path / "lifecycle.json"
    path.write_text(
        json.dumps({"as_of": (as_of or TODAY).isoformat(), "products": lines}), encoding="utf-8"
    )
    settings.COMPLIANCE_LIFECYCLE_FILE = str(path)
    return path


def outcome(check_id, obj, ctx=None, **params):
    spec = get_check(check_id)
    ctx = ctx or InventoryContext.from_objects(
        endpoints=[obj] if isinstance(obj, Endpoint) else [obj.endpoint], host=[]
    )
    return spec.func(obj, {**spec.defaults(), **params}, ctx)


# --- vCenter simulator -----------------------------------------------------------------------


@pytest.mark.slow
def test_vcsim_builds_pass_at_the_minimum_and_fail_below_it(vcsim, tmp_path, settings):
    endpoint = vcenter_endpoint(vcsim, "vc-patch", sync=False)
    sync_and_check(endpoint)
    endpoint.refresh_from_db()
    host = Host.objects.filter(endpoint=endpoint).order_by("name").first()
    # What the simulator reports, stored by the sync (the host from summary.config.product,
    # vCenter from the ServiceContent's about).
    assert host.product == "VMware ESXi" and host.version and host.build.isdigit()
    assert endpoint.product and endpoint.version and endpoint.build.isdigit()
    major = ".".join(host.version.split(".")[:2])
    vc_major = ".".join(endpoint.version.split(".")[:2])
    later = TODAY + dt.timedelta(days=3650)

    write_data(
        tmp_path,
        settings,
        esxi=(major, int(host.build), later),
        vcenter=(vc_major, int(endpoint.build), later),
    )
    run = sync_and_check(endpoint)
    assert result(run, "PAT-001").failed == 0 and result(run, "PAT-001").passed >= 1
    assert open_finding("PAT-002", endpoint) is None
    assert open_finding("PAT-003", endpoint) is None

    write_data(
        tmp_path,
        settings,
        esxi=(major, int(host.build) + 1, later),
        vcenter=(vc_major, int(endpoint.build) + 1, later),
    )
    run = sync_and_check(endpoint)
    finding = open_finding("PAT-001", host)
    assert finding.status == "fail"
    assert finding.evidence["build"] == host.build
    assert finding.evidence["minimum_build"] == int(host.build) + 1
    assert finding.evidence["data_as_of"] == TODAY.isoformat()
    assert host.name in finding.message and host.external_id in finding.message
    vc = open_finding("PAT-002", endpoint)
    assert vc.status == "fail" and vc.evidence["build"] == endpoint.build
    assert endpoint.url in vc.message

    write_data(
        tmp_path,
        settings,
        esxi=(major, int(host.build), later),
        vcenter=(vc_major, int(endpoint.build), later),
    )
    sync_and_check(endpoint)
    assert_resolved(finding, vc)


@pytest.mark.slow
def test_vcsim_versions_against_the_shipped_data_file(vcsim, settings):
    """The simulator's versions are old: the shipped file says where their support ended, or
    that it does not list them; never a pass it cannot back."""
    settings.COMPLIANCE_LIFECYCLE_FILE = str(DEFAULT_FILE)
    endpoint = vcenter_endpoint(vcsim, "vc-shipped", sync=False)
    run = sync_and_check(endpoint)
    assert result(run, "PAT-001").passed == 0
    assert result(run, "PAT-001").failed + result(run, "PAT-001").warnings >= 1
    assert result(run, "PAT-002").passed == 0


# --- fakepve -----------------------------------------------------------------------------------


SECURITY = {
    "Package": "openssl",
    "Version": "3.0.17-1~deb12u3",
    "OldVersion": "3.0.17-1~deb12u2",
    "Origin": "Debian-Security",
    "Title": "Secure Sockets Layer toolkit",
    "Priority": "optional",
    "Section": "utils",
}
REGULAR = {
    "Package": "pve-manager",
    "Version": "9.0.11",
    "OldVersion": "9.0.10",
    "Origin": "Proxmox",
    "Title": "Proxmox Virtual Environment Management Tools",
    "Priority": "important",
    "Section": "admin",
}


@pytest.mark.slow
def test_fakepve_security_updates_open_pat_004_and_installing_them_resolves_it(fake_pve):
    endpoint = proxmox_endpoint(fake_pve, "pve-patch", sync=False)
    run = sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve1")
    assert (host.updates_pending, host.version, host.build) == (0, "9.0.10", "deadbeefcafe0123")
    assert result(run, "PAT-004").failed == 0 and result(run, "PAT-004").passed == 2
    # vCenter-only checks say why they do not apply.
    assert result(run, "PAT-001").not_applicable_reason

    fake_pve.call(lambda: fake_pve.pve.set_updates("pve1", [SECURITY, REGULAR]))
    sync_and_check(endpoint)
    host.refresh_from_db()
    assert host.updates_pending == 2 and host.updates_pending_since is not None
    finding = open_finding("PAT-004", host)
    assert finding.status == "fail" and finding.severity == "high"
    assert finding.evidence["security_updates"] == ["openssl 3.0.17-1~deb12u3 (Debian-Security)"]
    assert "pve1" in finding.message and "openssl" in finding.message
    other = Host.objects.get(endpoint=endpoint, name="pve2")
    assert open_finding("PAT-004", other) is None

    since = host.updates_pending_since
    fake_pve.call(lambda: fake_pve.pve.set_updates("pve1", [REGULAR]))
    sync_and_check(endpoint)
    assert_resolved(finding)
    host.refresh_from_db()
    assert host.updates_pending_since == since  # still pending since the first sync saw them

    fake_pve.call(lambda: fake_pve.pve.set_updates("pve1", []))
    sync_and_check(endpoint)
    host.refresh_from_db()
    assert host.updates_pending == 0 and host.updates_pending_since is None


@pytest.mark.slow
def test_fakepve_many_pending_updates_warn_with_pat_005(fake_pve):
    endpoint = proxmox_endpoint(fake_pve, "pve-many", sync=False)
    many = [{**REGULAR, "Package": f"pkg{n}"} for n in range(21)]
    fake_pve.call(lambda: fake_pve.pve.set_updates("pve1", many))
    sync_and_check(endpoint)
    host = Host.objects.get(endpoint=endpoint, name="pve1")
    finding = open_finding("PAT-005", host)
    assert finding.status == "warning"
    assert finding.evidence["updates_pending"] == 21 and finding.evidence["max_pending"] == 20
    assert open_finding("PAT-004", host) is None


# --- edges -------------------------------------------------------------------------------------


def esxi(version="8.0.3", build="24585383"):
    return HostFactory(product="VMware ESXi", version=version, build=build)


def test_pat_001_missing_version_is_not_applicable(tmp_path, settings):
    write_data(tmp_path, settings, esxi=("8.0", 100, TODAY + dt.timedelta(days=999)))
    assert outcome("PAT-001", esxi(version="", build="")).status == "not_applicable"


def test_pat_001_unknown_version_is_a_warning_naming_the_data_date(tmp_path, settings):
    write_data(tmp_path, settings, esxi=("8.0", 100, TODAY + dt.timedelta(days=999)))
    result_ = outcome("PAT-001", esxi(version="9.0.0", build="1"))
    assert result_.status == "warning"
    assert "9.0.0" in result_.message and TODAY.isoformat() in result_.message


def test_pat_001_end_of_support_passed_fails_even_on_the_newest_build(tmp_path, settings):
    write_data(tmp_path, settings, esxi=("7.0", 100, TODAY - dt.timedelta(days=1)))
    result_ = outcome("PAT-001", esxi(version="7.0.3", build="999999999"))
    assert result_.status == "fail"
    assert result_.evidence["end_of_general_support"] == (TODAY - dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("build", "days_left", "expected"),
    [
        ("99", 999, "fail"),  # below the minimum
        ("100", 999, "pass"),  # exactly the minimum
        ("100", 180, "warning"),  # support ends within warn_days
        ("100", 181, "pass"),
        ("abc", 999, "warning"),  # a build that cannot be compared
    ],
)
def test_pat_001_build_and_support_window(tmp_path, settings, build, days_left, expected):
    write_data(tmp_path, settings, esxi=("8.0", 100, TODAY + dt.timedelta(days=days_left)))
    assert outcome("PAT-001", esxi(build=build)).status == expected


def test_pat_002_judges_the_vcenter_endpoint(tmp_path, settings):
    write_data(tmp_path, settings, vcenter=("8.0", 500, TODAY + dt.timedelta(days=999)))
    endpoint = EndpointFactory(product="VMware vCenter Server", version="8.0.3", build="499")
    assert outcome("PAT-002", endpoint).status == "fail"
    endpoint.build = "500"
    assert outcome("PAT-002", endpoint).status == "pass"


@pytest.mark.parametrize(("age", "expected"), [(90, "pass"), (91, "warning")])
def test_pat_003_a_stale_data_file_is_a_warning_on_the_endpoint(tmp_path, settings, age, expected):
    write_data(tmp_path, settings, as_of=TODAY - dt.timedelta(days=age))
    endpoint = EndpointFactory()
    ctx = InventoryContext.from_objects(endpoints=[endpoint], now=timezone.now())
    result_ = outcome("PAT-003", endpoint, ctx)
    assert result_.status == expected
    assert result_.evidence["age_days"] == age and result_.evidence["threshold_days"] == 90


def test_the_shipped_data_file_reads_and_says_its_date(settings):
    settings.COMPLIANCE_LIFECYCLE_FILE = str(DEFAULT_FILE)
    data = lifecycle_data()
    assert data.as_of <= TODAY
    assert data.releases[("esxi", "7.0")].end_of_general_support == dt.date(2025, 10, 2)
    assert data.releases[("esxi", "8.0")].end_of_general_support == dt.date(2027, 10, 11)
    assert data.releases[("vcenter", "8.0")].minimum_build
    assert all(r.source.startswith("https://") for r in data.releases.values())


def test_a_broken_data_file_names_the_field(tmp_path, settings):
    path = tmp_path / "broken.json"
    path.write_text(
        json.dumps(
            {
                "as_of": "2026-01-01",
                "products": [{"product": "esxi", "major": "8.0", "end_of_general_support": "soon"}],
            }
        )
    )
    settings.COMPLIANCE_LIFECYCLE_FILE = str(path)
    with pytest.raises(LifecycleDataError, match=r"products\[0\]\.end_of_general_support"):
        lifecycle_data()


@pytest.mark.parametrize(
    ("pending", "security", "since_days", "pat_004", "pat_005"),
    [
        (None, [], None, "not_applicable", "not_applicable"),
        (0, [], None, "pass", "pass"),
        (3, ["openssl 3 (Debian-Security)"], 1, "fail", "pass"),
        (20, [], 1, "pass", "pass"),  # exactly the limit
        (21, [], 1, "pass", "warning"),
        (2, [], 30, "pass", "pass"),
        (2, [], 31, "pass", "warning"),  # waiting longer than allowed
    ],
)
def test_pat_004_and_005_on_proxmox_nodes(pending, security, since_days, pat_004, pat_005):
    endpoint = EndpointFactory(kind=Endpoint.Kind.PROXMOX)
    now = timezone.now()
    host = HostFactory(
        endpoint=endpoint,
        product="Proxmox VE",
        updates_pending=pending,
        security_updates=security,
        updates_pending_since=now - dt.timedelta(days=since_days) if since_days else None,
    )
    ctx = InventoryContext.from_objects(endpoints=[endpoint], host=[host], now=now)
    assert outcome("PAT-004", host, ctx).status == pat_004
    assert outcome("PAT-005", host, ctx).status == pat_005


def test_pages_show_pending_updates_and_the_vcenter_build(client_for, auditor):
    node = HostFactory(
        endpoint=EndpointFactory(kind=Endpoint.Kind.PROXMOX),
        product="Proxmox VE",
        updates_pending=2,
        security_updates=["openssl 3.0.17-1~deb12u3 (Debian-Security)"],
        updates_pending_since=timezone.now() - dt.timedelta(days=2),
    )
    body = client_for(auditor).get(f"/hosts/{node.pk}/").content.decode()
    assert "Pending updates" in body and "openssl 3.0.17-1~deb12u3 (Debian-Security)" in body
    vc = EndpointFactory(product="VMware vCenter Server", version="8.0.3", build="24322831")
    body = client_for(auditor).get(f"/endpoints/{vc.pk}/").content.decode()
    assert "VMware vCenter Server 8.0.3" in body and "24322831" in body
