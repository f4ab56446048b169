import pytest

from compliance.services import check_run_execute

from .factories import HostFactory, SnapshotFactory, VmFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/compliance/",
    "/compliance/requirements/",
    "/compliance/requirements/M4349.CPU/",
    "/compliance/requirements/SYS.1.5.A17/",
    "/compliance/requirements/SYS.1.5.A18/",
    "/compliance/findings/",
    "/compliance/checks/",
    "/compliance/waivers/",
    "/compliance/baselines/",
    "/compliance/runs/",
    "/compliance/reports/findings.csv",
    "/compliance/reports/findings.json",
    "/compliance/reports/check.pdf?lang=de",
    "/compliance/reports/check.pdf?lang=en",
    "/compliance/reports/oscal.json",
]


@pytest.fixture
def inventory():
    host = HostFactory(services=[{"key": "ssh", "running": True}])
    vm = VmFactory(host=host, endpoint=host.endpoint, config_hash="x" * 64)
    SnapshotFactory(vm=vm, made_by_portal=False)
    check_run_execute(trigger="command", actor="test")
    return host, vm


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["administrator", "security_officer", "auditor"])
def test_every_page_opens_for_every_role(inventory, users, client_for, url, role):
    answer = client_for(users[role]).get(url)
    assert answer.status_code == 200, answer.content[:500]


def test_detail_pages_open(inventory, officer, client_for):
    from compliance.models import Finding

    client = client_for(officer)
    finding = Finding.objects.filter(object_type="host").first()
    assert client.get(f"/compliance/findings/{finding.pk}/").status_code == 200
    host, _vm = inventory
    assert client.get(f"/compliance/baselines/host/{host.pk}/").status_code == 200
    assert client.get("/compliance/checks/SNAP-001/").status_code == 200
