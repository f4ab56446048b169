"""Each inventory page answers with a fixed number of SQL queries, for 3 rows or 30.

Every page pays the request's own queries (session, user, the user's role, and the session
save in its savepoint: 6). A list adds its filter selects (endpoints, and clusters or hosts
where the page offers them), the row count and the rows. A detail page adds one query per
related list it shows. A higher count means an N+1 crept in: add a select_related or
prefetch_related to the view and say who uses it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from operations.models import Operation
from tests.compliance.factories import open_finding, waive_finding

from .factories import (
    DatastoreHostFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    PhysicalNicFactory,
    SnapshotFactory,
    SyncRunFactory,
    UtilizationSampleFactory,
    VirtualMachineFactory,
    VirtualSwitchFactory,
    VmDatastoreFactory,
)

pytestmark = pytest.mark.django_db

REQUEST = 8  # session, user, role, OTP device, object scopes; savepoint, session save, release
PAGE = 2  # count, rows


def _spread(n: int, make: Callable) -> None:
    """``n`` rows over a vCenter and a Proxmox endpoint."""
    make(n // 2, EndpointFactory())
    make(n - n // 2, EndpointFactory(proxmox=True))


def _vms(n, e):
    for vm in VirtualMachineFactory.create_batch(n, endpoint=e):
        SnapshotFactory(endpoint=e, vm=vm)
        VmDatastoreFactory(vm=vm)


def _datastores(n, e):
    for _ in range(n):
        link = DatastoreHostFactory(datastore__endpoint=e)
        VmDatastoreFactory(datastore=link.datastore, vm__endpoint=e)


LISTS: list[tuple[str, Callable, int]] = [
    ("/endpoints/", lambda n, e: EndpointFactory.create_batch(n), REQUEST + 1 + PAGE),
    ("/sync-runs/", lambda n, e: SyncRunFactory.create_batch(n, endpoint=e), REQUEST + 1 + PAGE),
    ("/hosts/", lambda n, e: HostFactory.create_batch(n, endpoint=e), REQUEST + 2 + PAGE),
    ("/vms/", _vms, REQUEST + 3 + PAGE),
    ("/datastores/", _datastores, REQUEST + 3 + PAGE),
    ("/networks/", lambda n, e: NetworkFactory.create_batch(n, endpoint=e), REQUEST + 3 + PAGE),
]


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(("path", "make", "queries"), LISTS, ids=[p for p, _, _ in LISTS])
def test_list_page_query_count_does_not_grow_with_rows(
    client_for, auditor, django_assert_num_queries, path, make, queries, size
):
    _spread(size, make)
    client = client_for(auditor)
    with django_assert_num_queries(queries):
        answer = client.get(path)
    assert answer.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_csv_export_query_count_does_not_grow_with_rows(
    client_for, auditor, django_assert_num_queries, size
):
    _spread(size, _vms)
    client = client_for(auditor)
    with django_assert_num_queries(REQUEST + 1):  # the rows, read through one cursor
        answer = client.get("/vms/?format=csv")
        body = b"".join(answer.streaming_content)
    assert body.count(b"\n") == size + 1


def _findings(obj, object_type: str, n: int) -> None:
    """``n`` open findings on ``obj``, every third one waived (the badge reads the waiver)."""
    for i in range(n):
        finding = open_finding(obj, object_type, check_id=f"T-{i:03d}")
        if i % 3 == 0:
            waive_finding(finding)


@pytest.mark.parametrize("size", [3, 30])
def test_host_detail_query_count_does_not_grow(
    client_for, auditor, django_assert_num_queries, size
):
    host = HostFactory()
    e = host.endpoint
    PhysicalNicFactory.create_batch(size, endpoint=e, host=host)
    for switch in VirtualSwitchFactory.create_batch(size, endpoint=e, host=host):
        NetworkFactory(endpoint=e, switch=switch)
    for _ in range(size):
        DatastoreHostFactory(datastore__endpoint=e, host=host)
    VirtualMachineFactory.create_batch(size, endpoint=e, host=host)
    UtilizationSampleFactory.create_batch(size, subject=host)
    _findings(host, "host", size)
    client = client_for(auditor)
    # host, nics, switches, their networks, datastores, vms, samples; the compliance app's open
    # findings of the host (compliance/_object_findings.html)
    with django_assert_num_queries(REQUEST + 8):
        answer = client.get(f"/hosts/{host.pk}/")
    assert answer.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_vm_detail_query_count_does_not_grow(
    client_for, auditor, admin_user, django_assert_num_queries, size
):
    vm = VirtualMachineFactory()
    parent = None
    for _ in range(size):
        parent = SnapshotFactory(endpoint=vm.endpoint, vm=vm, parent=parent, owner=admin_user)
    for _ in range(size):
        VmDatastoreFactory(vm=vm)
    UtilizationSampleFactory.create_batch(size, subject=vm)
    _findings(vm, "vm", size)
    for snapshot in vm.snapshots.all():
        Operation.objects.create(kind="create", vm=vm, snapshot=snapshot, state="succeeded")
    client = client_for(auditor)
    # vm, snapshots with owners, datastores, samples; and the snapshot module's recent
    # operations of the VM (inventory/_vm_actions.html); the console history (sessions and how
    # far it was read); the compliance app's open findings of the VM; the operations app's
    # snapshot history with the snapshots' names.
    with django_assert_num_queries(REQUEST + 10):
        answer = client.get(f"/vms/{vm.pk}/")
    assert answer.status_code == 200
