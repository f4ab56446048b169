"""Each inventory API list answers with a fixed number of SQL queries, for 3 rows or 30.

Pinned counts include the request's own queries (session, user, the user's role, and the
session save in its savepoint), then the page's count and rows (2), then one per prefetch. A higher number means an N+1 crept
into a serializer; add a select_related/prefetch_related to the viewset and say who uses it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .factories import (
    ClusterFactory,
    DatastoreHostFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    PhysicalNicFactory,
    SnapshotFactory,
    UtilizationSampleFactory,
    VirtualMachineFactory,
    VirtualSwitchFactory,
    VmDatastoreFactory,
)

pytestmark = pytest.mark.django_db

REQUEST = (
    8  # session, user, role (groups), OTP device, object scopes; savepoint, session save, release
)
PAGE = 2  # count, rows


def _make_hosts(n, endpoint):
    return HostFactory.create_batch(n, endpoint=endpoint)


def _make_vms(n, endpoint):
    vms = VirtualMachineFactory.create_batch(n, endpoint=endpoint)
    for vm in vms:
        VmDatastoreFactory(vm=vm)
    return vms


def _make_datastores(n, endpoint):
    return [DatastoreHostFactory(datastore__endpoint=endpoint).datastore for _ in range(n)]


def _make_samples(n, endpoint):
    host = HostFactory(endpoint=endpoint)
    return UtilizationSampleFactory.create_batch(n, subject=host)


def _make_snapshots(n, endpoint):
    return SnapshotFactory.create_batch(n, endpoint=endpoint, vm__endpoint=endpoint)


LISTS: list[tuple[str, Callable, int]] = [
    ("/api/clusters/", lambda n, e: ClusterFactory.create_batch(n, endpoint=e), REQUEST + PAGE),
    ("/api/hosts/", _make_hosts, REQUEST + PAGE),
    ("/api/nics/", lambda n, e: PhysicalNicFactory.create_batch(n, endpoint=e), REQUEST + PAGE),
    (
        "/api/switches/",
        lambda n, e: VirtualSwitchFactory.create_batch(n, endpoint=e),
        REQUEST + PAGE,
    ),
    ("/api/networks/", lambda n, e: NetworkFactory.create_batch(n, endpoint=e), REQUEST + PAGE),
    ("/api/datastores/", _make_datastores, REQUEST + PAGE + 1),  # + hosts
    ("/api/vms/", _make_vms, REQUEST + PAGE + 1),  # + datastores
    ("/api/snapshots/", _make_snapshots, REQUEST + PAGE),
    ("/api/utilization/", _make_samples, REQUEST + PAGE),
    ("/api/sync-runs/", None, REQUEST + PAGE),
    ("/api/endpoints/", None, REQUEST + PAGE),
]


def _populate(path: str, make: Callable | None, n: int) -> None:
    """``n`` rows, spread over a vCenter and a Proxmox endpoint."""
    from .factories import SyncRunFactory

    half = n // 2
    for count, endpoint in (
        (half, EndpointFactory()),
        (n - half, EndpointFactory(proxmox=True)),
    ):
        if path == "/api/sync-runs/":
            SyncRunFactory.create_batch(count, endpoint=endpoint)
        elif make is not None:
            make(count, endpoint)


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(("path", "make", "queries"), LISTS, ids=[p for p, _, _ in LISTS])
def test_api_list_query_count_does_not_grow_with_rows(
    api_for, auditor, django_assert_num_queries, path, make, queries, size
):
    if path == "/api/endpoints/":
        EndpointFactory.create_batch(size)
    else:
        _populate(path, make, size)
    api = api_for(auditor)
    with django_assert_num_queries(queries):
        answer = api.get(path)
    assert answer.status_code == 200
    assert answer.json()["count"] >= size
