import pytest

from compliance.models import CheckRun, Finding, Requirement
from compliance.services import check_run_execute

from .factories import HostFactory, SnapshotFactory, VmFactory

pytestmark = pytest.mark.django_db


def test_a_run_over_a_small_inventory_succeeds():
    host = HostFactory(services=[{"key": "ssh", "running": True}])
    vm = VmFactory(host=host, endpoint=host.endpoint)
    SnapshotFactory(vm=vm)
    run = check_run_execute(trigger="command", actor="test")
    assert run.status == CheckRun.Status.SUCCEEDED, run.error
    assert Finding.objects.filter(check_id="ADM-001").exists()
    # M 4.349 and its named measures, and SYS.1.5 A1 to A28 (A1 and A18 withdrawn).
    assert Requirement.objects.count() == 14 + 28
